// Absence of counts: an asset without a STATE tag runs while its counters go up (state/processor.ts);
// when none has gone up for STATE_IDLE_AFTER_SECONDS, it is idle. No reading arrives to say so,
// hence this periodic sweep. (Assets with a STATE tag are trusted to report IDLE themselves; a
// sweep there would flap against the PLC's RUNNING heartbeats.)
import type pg from 'pg';
import { withTransaction } from '../../core/db.ts';
import type { Logger } from '../../core/log.ts';
import { startPeriodicJob } from '../../core/periodic.ts';
import { writeOutboxEvents } from '../../core/outbox.ts';
import type { AssetDirectory } from '../asset-directory.ts';
import { lockAssets } from '../asset-locks.ts';
import { applyStateChange, openIntervals, ordersInProgress } from './equipment-states.ts';

export const DEFAULT_IDLE_SWEEP_INTERVAL_MS = 10_000; // 10 seconds

export interface IdleSweeperOptions {
  pool: pg.Pool;
  assets: AssetDirectory;
  log: Logger;
  idleAfterSeconds: number;
  intervalMs?: number;
}

export interface IdleSweeper {
  /** Sweep once as of `now`; resolves with the number of assets that became idle. */
  sweep(now?: Date): Promise<number>;
  stop(): Promise<void>;
}

const COUNTER_KINDS = `('COUNTER_GOOD', 'COUNTER_SCRAP', 'COUNTER_REWORK', 'COUNTER')`;

/** Running assets (without a STATE tag) none of whose counters went up in (cutoff, now]. */
const IDLE_CANDIDATES = `
  SELECT es.asset_id, es.started_at
    FROM assets.equipment_state es
   WHERE es.ended_at IS NULL AND es.state = 'RUNNING' AND es.started_at <= $2
     AND EXISTS (SELECT 1 FROM assets.tag t WHERE t.asset_id = es.asset_id AND t.enabled AND t.kind IN ${COUNTER_KINDS})
     AND NOT EXISTS (SELECT 1 FROM assets.tag t WHERE t.asset_id = es.asset_id AND t.enabled AND t.kind = 'STATE')
     AND NOT EXISTS (
       SELECT 1
         FROM assets.tag t
        CROSS JOIN LATERAL (
          SELECT max(r.value) AS max_in, min(r.value) AS min_in FROM telemetry.reading r
           WHERE r.asset_id = t.asset_id AND r.tag = t.name AND r.time > $2 AND r.time <= $1) AS window_values
         LEFT JOIN LATERAL (
          SELECT r.value AS before FROM telemetry.reading r
           WHERE r.asset_id = t.asset_id AND r.tag = t.name AND r.time <= $2 ORDER BY r.time DESC LIMIT 1) AS earlier ON true
        WHERE t.asset_id = es.asset_id AND t.enabled AND t.kind IN ${COUNTER_KINDS}
          AND window_values.max_in > coalesce(earlier.before, window_values.min_in))`;

export function startIdleSweeper(options: IdleSweeperOptions): IdleSweeper {
  const { pool, assets, idleAfterSeconds } = options;
  const log = options.log.child({ component: 'idle-sweeper' });

  const sweep = async (now = new Date()): Promise<number> => {
    const cutoff = new Date(now.getTime() - idleAfterSeconds * 1_000);
    const { rows } = await pool.query<{ asset_id: string }>(IDLE_CANDIDATES, [now, cutoff]);
    if (rows.length === 0) return 0;
    const known = await assets.resolve(rows.map((row) => row.asset_id));
    const changed = await withTransaction(pool, async (client) => {
      const ids = [...known.keys()].sort();
      await lockAssets(client, ids);
      // re-read under the lock: a batch may have changed the state since the query above
      const open = await openIntervals(client, ids);
      const orders = await ordersInProgress(client, [...new Set([...known.values()].map((asset) => asset.lineId))]);
      const events = [];
      for (const id of ids) {
        const interval = open.get(id);
        const asset = known.get(id)!;
        if (interval?.state !== 'RUNNING' || interval.startedAt > cutoff) continue;
        const since = new Date(Math.max(interval.startedAt.getTime() + 1, cutoff.getTime()));
        events.push(await applyStateChange(client, asset, { state: 'IDLE', reasonCode: 'NO_COUNTS', time: since, readingId: '', previousState: 'RUNNING' }, orders.get(asset.lineId) ?? null));
      }
      await writeOutboxEvents(client, events);
      return events.length;
    });
    if (changed > 0) log.info({ assets: changed }, 'assets without counts became idle');
    return changed;
  };

  const job = startPeriodicJob(() => sweep(), { intervalMs: options.intervalMs ?? DEFAULT_IDLE_SWEEP_INTERVAL_MS, log, failure: 'idle sweep failed' });
  return { sweep, stop: () => job.stop() };
}
