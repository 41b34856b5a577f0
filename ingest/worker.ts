// The ingest worker: reads TELEMETRY with a durable pull consumer, and for each batch of messages
// stores the valid readings in one statement, lets the processors react to the new ones, records
// the dead letters and writes the raised events to the outbox, all in ONE transaction; acks only
// after COMMIT. A crash before COMMIT rolls everything back and JetStream redelivers; a crash after
// COMMIT redelivers messages whose readings are no longer new, so nothing happens twice. Workers
// with the same consumer name share the stream (run as many as the database keeps up with).
import {
  AckPolicy,
  DeliverPolicy,
  jetstream,
  jetstreamManager,
  type ConsumerConfig,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import { nanos, type NatsConnection } from '@nats-io/transport-node';
import type pg from 'pg';
import type { StreamSettings } from '../core/bus.ts';
import { withTransaction } from '../core/db.ts';
import type { EventEnvelope } from '../core/events.ts';
import type { Logger } from '../core/log.ts';
import type { Metrics } from '../core/metrics.ts';
import { writeOutboxEvents } from '../core/outbox.ts';
import { checkTelemetry, type Reading } from '../core/telemetry.ts';
import { createAssetDirectory, type AssetDirectory } from './asset-directory.ts';
import { deadLetterOf, publishDeadLetters, recordDeadLetters, type DeadLetter } from './dead-letters.ts';
import type { ReadingProcessor, TelemetryAsset } from './pipeline.ts';
import { storeReadings } from './reading-store.ts';

export const INGEST_CONSUMER = 'ingest';
export const DEFAULT_INGEST_BATCH_MESSAGES = 200;
/** Unacknowledged messages come back after this; a batch takes far less. */
export const INGEST_ACK_WAIT_MS = 30_000;
/** After a failed batch (database down), its messages come back after this delay. */
export const INGEST_RETRY_DELAY_MS = 2_000;
const MAX_ACK_PENDING = 20_000;

export interface CommittedBatch {
  messages: number;
  /** Nats-Msg-Id of each message (empty for a message published without one). */
  messageIds: string[];
  readings: number;
  /** Readings that were new (the rest were duplicates). */
  stored: number;
  deadLetters: number;
  events: readonly EventEnvelope[];
  committedAt: Date;
}

export interface IngestWorkerOptions {
  pool: pg.Pool;
  bus: NatsConnection;
  streams: StreamSettings;
  log: Logger;
  metrics?: Metrics;
  processors?: readonly ReadingProcessor[];
  /** Durable consumer name; workers with the same name share the stream. */
  consumerName?: string;
  /** Most messages in one batch (a message holds up to 1,000 readings). */
  batchMessages?: number;
  assets?: AssetDirectory;
  /** How long JetStream waits for an ack before redelivering (all workers of a consumer should agree). @default 30_000 */
  ackWaitMs?: number;
  /** Called after COMMIT, before the acks; a throw leaves the batch unacknowledged (tests use it to crash there). */
  beforeAck?: (batch: CommittedBatch) => Promise<void> | void;
}

export interface IngestWorker {
  /** Finish the batch in flight, then stop taking messages. */
  stop(): Promise<void>;
  readonly stats: { batches: number; stored: number; duplicates: number; deadLetters: number; failedBatches: number };
}

/** Create the durable consumer, or bring it to the wanted settings; safe to call from every worker. */
export async function ensureIngestConsumer(manager: JetStreamManager, streams: StreamSettings, name = INGEST_CONSUMER, ackWaitMs = INGEST_ACK_WAIT_MS): Promise<void> {
  const wanted: Partial<ConsumerConfig> = {
    durable_name: name,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: nanos(ackWaitMs),
    max_ack_pending: MAX_ACK_PENDING,
    // never give up on a message: a long database outage must not lose telemetry
    max_deliver: -1,
  };
  const existing = await manager.consumers.info(streams.STREAM_TELEMETRY, name).catch(() => null);
  if (!existing) {
    await manager.consumers.add(streams.STREAM_TELEMETRY, wanted).catch(async (error: unknown) => {
      // another worker created it at the same moment
      if (!(await manager.consumers.info(streams.STREAM_TELEMETRY, name).catch(() => null))) throw error;
    });
  } else if (existing.config.ack_wait !== wanted.ack_wait || existing.config.max_ack_pending !== wanted.max_ack_pending) {
    await manager.consumers.update(streams.STREAM_TELEMETRY, name, { ack_wait: wanted.ack_wait, max_ack_pending: wanted.max_ack_pending });
  }
}

export async function startIngestWorker(options: IngestWorkerOptions): Promise<IngestWorker> {
  const { pool, bus, streams, metrics, processors = [] } = options;
  const name = options.consumerName ?? INGEST_CONSUMER;
  const batchMessages = options.batchMessages ?? DEFAULT_INGEST_BATCH_MESSAGES;
  const log = options.log.child({ component: 'ingest-worker', consumer: name });
  const assets = options.assets ?? createAssetDirectory(pool);
  const manager = await jetstreamManager(bus);
  await ensureIngestConsumer(manager, streams, name, options.ackWaitMs);
  const js = jetstream(bus);
  const consumer = await js.consumers.get(streams.STREAM_TELEMETRY, name);
  const messages = await consumer.consume({ max_messages: batchMessages * 2 });
  const stats = { batches: 0, stored: 0, duplicates: 0, deadLetters: 0, failedBatches: 0 };

  const handleBatch = async (batch: JsMsg[]): Promise<void> => {
    const started = performance.now();
    try {
      const committed = await processBatch(batch);
      await options.beforeAck?.(committed);
      for (const message of batch) message.ack();
      stats.batches += 1;
      metrics?.ingestBatches.inc({ outcome: 'committed' });
      metrics?.ingestBatchDuration.observe((performance.now() - started) / 1_000);
    } catch (error) {
      stats.failedBatches += 1;
      metrics?.ingestBatches.inc({ outcome: 'failed' });
      log.warn({ err: error, messages: batch.length }, 'ingest batch failed; its messages come back');
      for (const message of batch) message.nak(INGEST_RETRY_DELAY_MS);
    }
  };

  const processBatch = async (batch: JsMsg[]): Promise<CommittedBatch> => {
    const receivedAt = new Date();
    const deadLetters: DeadLetter[] = [];
    const accepted: { message: JsMsg; readings: Reading[] }[] = [];
    for (const message of batch) {
      const checked = checkTelemetry(message.data, receivedAt.getTime());
      if (checked.ok) accepted.push({ message, readings: checked.message.readings });
      else deadLetters.push(deadLetterOf(message, checked.code, checked.reason, receivedAt));
    }
    // asset ids per message, each once (a message usually names one asset)
    const messageAssets = accepted.map(({ readings: messageReadings }) => {
      const ids = new Set<string>();
      for (const reading of messageReadings) ids.add(reading.assetId);
      return ids;
    });
    const known = await assets.resolve(new Set(messageAssets.flatMap((ids) => [...ids])));
    const readings: Reading[] = [];
    accepted.forEach(({ message, readings: messageReadings }, index) => {
      const unknown = [...messageAssets[index]!].filter((id) => !known.has(id));
      if (unknown.length > 0) deadLetters.push(deadLetterOf(message, 'UNKNOWN_ASSET', `unknown asset ${unknown.join(', ')} (no line or work cell with that id)`, receivedAt));
      else for (const reading of messageReadings) readings.push(reading);
    });

    const written = await withTransaction(pool, async (client): Promise<Omit<CommittedBatch, 'committedAt'>> => {
      const stored = await storeReadings(client, readings);
      const events: EventEnvelope[] = [];
      if (stored.length > 0) {
        const batchAssets = new Map<string, TelemetryAsset>();
        for (const reading of stored) batchAssets.set(reading.assetId, known.get(reading.assetId)!);
        for (const processor of processors) {
          events.push(...(await processor.process(stored, { client, assets: batchAssets, raised: events, log })));
        }
      }
      await writeOutboxEvents(client, events);
      await recordDeadLetters(client, deadLetters);
      return { messages: batch.length, messageIds: batch.map((message) => message.headers?.get('Nats-Msg-Id') ?? ''), readings: readings.length, stored: stored.length, deadLetters: deadLetters.length, events };
    });
    const committed: CommittedBatch = { ...written, committedAt: new Date() };

    stats.stored += committed.stored;
    stats.duplicates += committed.readings - committed.stored;
    stats.deadLetters += deadLetters.length;
    metrics?.ingestReadings.inc({ outcome: 'stored' }, committed.stored);
    metrics?.ingestReadings.inc({ outcome: 'duplicate' }, committed.readings - committed.stored);
    for (const letter of deadLetters) {
      metrics?.deadLetters.inc({ reason: letter.reasonCode });
      metrics?.rejectedInput.inc({ component: 'telemetry', code: letter.reasonCode });
      log.warn({ subject: letter.subject, streamSequence: letter.streamSequence, reasonCode: letter.reasonCode, reason: letter.reason }, 'telemetry message dead-lettered');
    }
    if (metrics && readings.length > 0) {
      const newest = readings.reduce((latest, reading) => Math.max(latest, Date.parse(reading.timestamp)), 0);
      metrics?.ingestLag.set((committed.committedAt.getTime() - newest) / 1_000);
    }
    // Recorded in the database already; the stream copy is for consumers of the DLQ subject.
    if (deadLetters.length > 0) await publishDeadLetters(js, deadLetters, streams.SUBJECT_PREFIX);
    return committed;
  };

  // The pump moves messages from the consumer into a queue and stops pulling while two batches
  // wait; the drain takes everything queued (up to a batch) each time. So batches are big under
  // load and a lone message is handled at once when idle.
  const queue: JsMsg[] = [];
  let pumpEnded = false;
  let wakeDrain: (() => void) | undefined;
  let wakePump: (() => void) | undefined;
  const pump = (async () => {
    for await (const message of messages) {
      queue.push(message);
      wakeDrain?.();
      while (queue.length >= batchMessages * 2) await new Promise<void>((resolve) => (wakePump = resolve));
    }
    pumpEnded = true;
    wakeDrain?.();
  })();
  const drain = (async () => {
    for (;;) {
      if (queue.length === 0) {
        if (pumpEnded) return;
        await new Promise<void>((resolve) => (wakeDrain = resolve));
        wakeDrain = undefined;
        continue;
      }
      const batch = queue.splice(0, batchMessages);
      wakePump?.();
      wakePump = undefined;
      await handleBatch(batch);
    }
  })();
  log.info({ stream: streams.STREAM_TELEMETRY, batchMessages, processors: processors.map((processor) => processor.name) }, 'ingest worker started');

  return {
    stats,
    async stop() {
      // close() stops pulling; what is queued is still stored and acked
      await messages.close();
      wakePump?.();
      await Promise.all([pump, drain]);
      log.info(stats, 'ingest worker stopped');
    },
  };
}
