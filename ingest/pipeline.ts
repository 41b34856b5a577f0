// The seam between the ingest worker and what reacts to readings (line state detection, threshold
// rules, later the production counters). The worker stores a batch and hands the readings that were
// new to telemetry.reading to each processor inside the same transaction; the events a processor
// returns go into the outbox (core/outbox.ts) in that transaction too. So a batch is all-or-nothing,
// and a redelivered message reaches no processor a second time (its readings are not new).
import type pg from 'pg';
import type { EventEnvelope } from '../core/events.ts';
import type { Logger } from '../core/log.ts';
import type { readingQualities } from '../core/telemetry.ts';
import type { AssetKind } from '../prisma/generated/enums.ts';
import type { Tag } from '../prisma/generated/client.ts';

/** A reading as stored in telemetry.reading. */
export interface StoredReading {
  readingId: string;
  assetId: string;
  tag: string;
  /** Numbers as they came; booleans as 1/0; null for text values. */
  value: number | null;
  /** Text values (states, reason codes); null for numbers. */
  valueText: string | null;
  quality: (typeof readingQualities)[number];
  time: Date;
}

/** A tag of an asset with its limits, as in assets.tag (the Prisma model is the one source). */
export type AssetTag = Pick<Tag, 'id' | 'name' | 'kind' | 'unit' | 'lowAlarm' | 'lowWarn' | 'highWarn' | 'highAlarm' | 'characteristicId'>;

/** A line or work cell that telemetry may name, with where it sits and its enabled tags. */
export interface TelemetryAsset {
  id: string;
  kind: AssetKind;
  code: string;
  lineId: string;
  lineCode: string;
  siteId: string;
  siteCode: string;
  tags: ReadonlyMap<string, AssetTag>;
}

export interface BatchContext {
  /** A connection inside the batch transaction: what a processor writes commits with the readings or not at all. */
  client: pg.PoolClient;
  /** The assets the batch's readings belong to. */
  assets: ReadonlyMap<string, TelemetryAsset>;
  /** Events raised by the processors before this one in the same batch (reactions build on them). */
  raised: readonly EventEnvelope[];
  log: Logger;
}

export interface ReadingProcessor {
  readonly name: string;
  /**
   * Called with the readings of one batch that were new to telemetry.reading, sorted by asset and
   * time. Returns the domain events to raise; the worker writes them to the outbox in the same
   * transaction. Several workers run side by side, so a processor that keeps per-asset state in
   * the database must lock it (e.g. SELECT … FOR UPDATE, assets in a fixed order).
   */
  process(readings: readonly StoredReading[], context: BatchContext): Promise<EventEnvelope[]>;
}
