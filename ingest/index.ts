// The ingest side of a hub process: workers on the TELEMETRY consumer with the line state,
// threshold, operation-tracking, quality-reaction and maintenance-reaction processors; the confirmation job (windows and pallets);
// the outbox relay that publishes their events; the idle sweep and the rollup job. `npm start`
// runs it next to the graph; `npm run start:ingest` runs it alone.
import type { NatsConnection } from '@nats-io/transport-node';
import type pg from 'pg';
import type { Config } from '../core/config.ts';
import type { Logger } from '../core/log.ts';
import type { Metrics } from '../core/metrics.ts';
import { startOutboxRelay } from '../core/outbox.ts';
import { createAssetDirectory } from './asset-directory.ts';
import { startRollupRefresher } from './rollup.ts';
import { startIdleSweeper } from './state/idle-sweeper.ts';
import { createReadingProcessors } from './processors.ts';
import { startDowntimeSweeper } from './reactions/maintenance.ts';
import { startConfirmationWindows } from './reactions/confirmation-windows.ts';

export const PRODUCTION_CONFIRMATION_WINDOW_SECONDS = 300; // 5 minutes
export const DEMO_CONFIRMATION_WINDOW_SECONDS = 30;

/** The configured window, or 5 minutes in production and 30 s elsewhere (the demo). */
export function confirmationWindowSeconds(config: Pick<Config, 'CONFIRMATION_WINDOW_SECONDS' | 'NODE_ENV'>): number {
  return config.CONFIRMATION_WINDOW_SECONDS ?? (config.NODE_ENV === 'production' ? PRODUCTION_CONFIRMATION_WINDOW_SECONDS : DEMO_CONFIRMATION_WINDOW_SECONDS);
}
import { startIngestWorker, type IngestWorker } from './worker.ts';

export interface IngestOptions {
  pool: pg.Pool;
  bus: NatsConnection;
  config: Config;
  log: Logger;
  metrics: Metrics;
}

export interface RunningIngest {
  workers: IngestWorker[];
  stop(): Promise<void>;
}

export async function startIngest({ pool, bus, config, log, metrics }: IngestOptions): Promise<RunningIngest> {
  const assets = createAssetDirectory(pool);
  const processors = createReadingProcessors({ downtimeRequestAfterSeconds: config.DOWNTIME_REQUEST_AFTER_SECONDS });
  const relay = startOutboxRelay({ pool, bus, subjectPrefix: config.SUBJECT_PREFIX, log, onPublished: (count) => metrics.eventsPublished.inc(count) });
  const workers: IngestWorker[] = [];
  for (let index = 0; index < config.INGEST_WORKERS; index += 1) {
    workers.push(await startIngestWorker({ pool, bus, streams: config, log: log.child({ worker: index }), metrics, processors, assets, batchMessages: config.INGEST_BATCH_MESSAGES }));
  }
  const sweeper = startIdleSweeper({ pool, assets, log, idleAfterSeconds: config.STATE_IDLE_AFTER_SECONDS });
  const downtimeSweeper = startDowntimeSweeper({ pool, assets, log, downtimeRequestAfterSeconds: config.DOWNTIME_REQUEST_AFTER_SECONDS });
  const rollup = await startRollupRefresher({ pool, log });
  const confirmations = startConfirmationWindows({ pool, log, windowSeconds: confirmationWindowSeconds(config) });
  return {
    workers,
    async stop() {
      // workers first (their last batches write events), then the relay publishes what is left
      await Promise.all(workers.map((worker) => worker.stop()));
      await sweeper.stop();
      await downtimeSweeper.stop();
      await rollup.stop();
      await confirmations.stop();
      await relay.flush().catch(() => 0);
      await relay.stop();
    },
  };
}
