// The 1-minute rollup (telemetry.reading_1m) on plain PostgreSQL: recomputed for the last minutes
// by a periodic job. Recomputing whole buckets is idempotent, so overlapping runs, several
// processes or late readings within the look-back do no harm. On TimescaleDB the continuous
// aggregate's own policy does this, and the job does nothing.
import type pg from 'pg';
import type { Logger } from '../core/log.ts';
import { startPeriodicJob } from '../core/periodic.ts';

export const ROLLUP_INTERVAL_MS = 30_000; // 30 seconds
export const ROLLUP_LOOKBACK_MINUTES = 10; // late readings within 10 minutes are folded in

export interface RollupRefresher {
  /** Recompute the buckets of the look-back window ending at `now`; resolves with the buckets written. */
  refresh(now?: Date): Promise<number>;
  stop(): Promise<void>;
}

export async function storageMode(pool: Pick<pg.Pool, 'query'>): Promise<'timescaledb' | 'postgresql'> {
  const { rows } = await pool.query<{ mode: 'timescaledb' | 'postgresql' }>('SELECT telemetry.storage_mode() AS mode');
  return rows[0]!.mode;
}

export async function startRollupRefresher({ pool, log, intervalMs = ROLLUP_INTERVAL_MS }: { pool: pg.Pool; log: Logger; intervalMs?: number }): Promise<RollupRefresher> {
  if ((await storageMode(pool)) === 'timescaledb') {
    log.info('telemetry on TimescaleDB: the continuous aggregate keeps reading_1m');
    return { refresh: async () => 0, stop: async () => undefined };
  }
  const refresh = async (now = new Date()) => {
    const from = new Date(now.getTime() - ROLLUP_LOOKBACK_MINUTES * 60_000);
    const { rows } = await pool.query<{ buckets: string }>('SELECT telemetry.refresh_reading_1m($1, $2) AS buckets', [from, now]);
    return Number(rows[0]!.buckets);
  };
  const job = startPeriodicJob(() => refresh(), { intervalMs, log, failure: 'telemetry rollup refresh failed' });
  return { refresh, stop: () => job.stop() };
}
