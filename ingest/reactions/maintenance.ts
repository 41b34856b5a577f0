// The maintenance reaction, inside the ingest transaction, so it commits with the reading that
// caused it (well under a second after ingest): a CRITICAL alarm, or a DOWN interval that has lasted
// DOWNTIME_REQUEST_AFTER_SECONDS by a later reading of the asset, opens one maintenance request and
// one MAINTENANCE_NOTIFICATION posting for the EAM/ERP; when the asset leaves DOWN, its open
// requests get the downtime end. Keys derive from the alarm or the interval start, so a replay
// opens nothing twice.
import type { EventEnvelope } from '../../core/events.ts';
import { postingPayload } from '../../core/postings.ts';
import type pg from 'pg';
import type { Logger } from '../../core/log.ts';
import { withTransaction, type Queryable } from '../../core/db.ts';
import { startPeriodicJob } from '../../core/periodic.ts';
import type { AssetDirectory } from '../asset-directory.ts';
import { lockAssets } from '../asset-locks.ts';
import { deterministicId } from '../deterministic-id.ts';
import type { ReadingProcessor, TelemetryAsset } from '../pipeline.ts';


interface RequestToOpen {
  asset: TelemetryAsset;
  key: string;
  priority: 'HIGH' | 'EMERGENCY';
  reason: string;
  alarmId: string | null;
  alarmCode: string | null;
  downtimeStartAt: Date | null;
  sourceEventIds: string[];
  /** The reading that made it happen, for the latency log line. */
  readingTime: Date;
}

export interface MaintenanceReactionOptions {
  downtimeRequestAfterSeconds: number;
  /** Called per request opened, with the reading → commit-time latency (logged; tests read it). */
  onRequestOpened?: (request: { requestId: string; assetId: string; key: string; readingTime: Date }) => void;
}

export function createMaintenanceReaction(options: MaintenanceReactionOptions): ReadingProcessor {
  return {
    name: 'maintenance-reaction',
    async process(readings, { client, assets, raised, log }) {
      const db = client as Queryable;
      const toOpen: RequestToOpen[] = [];

      // 1. critical alarms raised in this batch
      for (const event of raised) {
        if (event.type !== 'AlarmRaised') continue;
        const alarm = (event as EventEnvelope<'AlarmRaised'>).data;
        const asset = assets.get(alarm.assetId);
        if (alarm.severity !== 'CRITICAL' || !asset) continue;
        toOpen.push({
          asset,
          key: `maintenance:alarm:${alarm.alarmId}`,
          priority: 'HIGH',
          reason: alarm.message,
          alarmId: alarm.alarmId,
          alarmCode: alarm.code,
          downtimeStartAt: null,
          sourceEventIds: [event.id],
          readingTime: new Date(alarm.raisedAt),
        });
      }

      // 2. DOWN intervals that a reading of this batch saw at or beyond the threshold. Each reading
      // counts, not only the newest of the batch: a stop that lasted the threshold and ended within
      // one batch (a backlog after an outage, a replay) gets its request just as it would have with
      // the readings one by one.
      const pairs = [...new Map(readings.map((reading) => [`${reading.assetId}|${reading.time.getTime()}`, reading])).values()];
      const { rows: down } = await db.query<{ asset_id: string; started_at: Date; reason_code: string | null; source_event_ids: string[]; seen_at: Date }>(
        `SELECT s.asset_id, s.started_at, s.reason_code, s.source_event_ids, max(r.time) AS seen_at
           FROM assets.equipment_state s
           JOIN unnest($1::uuid[], $2::timestamptz[]) AS r(asset_id, time)
             ON r.asset_id = s.asset_id AND r.time >= s.started_at AND (s.ended_at IS NULL OR r.time < s.ended_at)
          WHERE s.state = 'DOWN' AND r.time >= s.started_at + make_interval(secs => $3)
          GROUP BY s.id, s.asset_id, s.started_at, s.reason_code, s.source_event_ids
          ORDER BY s.started_at`,
        [pairs.map((reading) => reading.assetId), pairs.map((reading) => reading.time), options.downtimeRequestAfterSeconds],
      );
      for (const interval of down) {
        const asset = assets.get(interval.asset_id);
        if (asset) toOpen.push(downtimeRequest(asset, interval, options.downtimeRequestAfterSeconds, interval.seen_at));
      }
      for (const request of toOpen) {
        if (request.downtimeStartAt) continue;
        // an alarm on an asset that was down when it was raised: the request carries the downtime start too
        const { rows: stop } = await db.query<{ started_at: Date }>(
          `SELECT started_at FROM assets.equipment_state
            WHERE asset_id = $1 AND state = 'DOWN' AND started_at <= $2 AND (ended_at IS NULL OR ended_at > $2)
            ORDER BY started_at DESC LIMIT 1`,
          [request.asset.id, request.readingTime],
        );
        if (stop[0]) request.downtimeStartAt = stop[0].started_at;
      }
      for (const request of toOpen) {
        const requestId = await openRequest(db, request);
        if (!requestId) continue; // opened before (a replay, or the same stop seen again)
        const latencyMs = Date.now() - request.readingTime.getTime();
        log.info({ requestId, assetId: request.asset.id, key: request.key, latencyMs }, 'maintenance request opened');
        options.onRequestOpened?.({ requestId, assetId: request.asset.id, key: request.key, readingTime: request.readingTime });
      }

      // 3. the asset runs again: open requests of the stop get its end
      for (const event of raised) {
        if (event.type !== 'LineStateChanged') continue;
        const change = (event as EventEnvelope<'LineStateChanged'>).data;
        if (change.previousState !== 'DOWN') continue;
        await db.query(
          `UPDATE maintenance.maintenance_request SET downtime_end_at = $2, updated_at = now()
            WHERE asset_id = $1 AND downtime_start_at IS NOT NULL AND downtime_end_at IS NULL AND downtime_start_at < $2`,
          [change.assetId, change.since],
        );
      }
      return [];
    },
  };
}

/** The request a stop that reached the threshold opens (keyed by asset and the stop's start). */
function downtimeRequest(
  asset: TelemetryAsset,
  interval: { started_at: Date; reason_code: string | null; source_event_ids: string[] },
  afterSeconds: number,
  seenAt: Date,
): RequestToOpen {
  return {
    asset,
    key: `maintenance:downtime:${asset.id}:${interval.started_at.toISOString()}`,
    priority: 'EMERGENCY',
    reason: `down for more than ${afterSeconds} s${interval.reason_code ? ` (${interval.reason_code})` : ''}`,
    alarmId: null,
    alarmCode: interval.reason_code,
    downtimeStartAt: interval.started_at,
    sourceEventIds: interval.source_event_ids,
    readingTime: seenAt,
  };
}

/** Insert the request and its notification posting; null when the key was used before. */
async function openRequest(db: Queryable, request: RequestToOpen): Promise<string | null> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO maintenance.maintenance_request (id, asset_kind, asset_id, priority, status, reason, downtime_start_at, source_alarm_id, idempotency_key)
     VALUES ($8, $1, $2, $3, 'OPEN', $4, $5, $6, $7)
     ON CONFLICT (idempotency_key) DO NOTHING RETURNING id`,
    [request.asset.kind, request.asset.id, request.priority, request.reason, request.downtimeStartAt, request.alarmId, request.key, deterministicId(`maintenance-request:${request.key}`)],
  );
  const requestId = rows[0]?.id;
  if (!requestId) return null;
  const { rows: workCenter } = await db.query<{ erp_work_center: string | null }>(
    `SELECT erp_work_center FROM assets.work_cell WHERE id = $1 UNION ALL SELECT erp_work_center FROM assets.line WHERE id = $1`,
    [request.asset.id],
  );
  const payload = postingPayload('MAINTENANCE_NOTIFICATION', {
    maintenanceRequestId: requestId,
    assetId: request.asset.id,
    assetCode: request.asset.code,
    erpWorkCenter: workCenter[0]?.erp_work_center ?? null,
    priority: request.priority,
    reason: request.reason,
    alarmCode: request.alarmCode,
    downtimeStartAt: request.downtimeStartAt?.toISOString() ?? null,
    downtimeEndAt: null,
  });
  await db.query(
    `INSERT INTO integration.erp_posting (kind, payload, idempotency_key, maintenance_request_id, source_event_ids)
     VALUES ('MAINTENANCE_NOTIFICATION', $1, $2, $3, $4) ON CONFLICT (idempotency_key) DO NOTHING`,
    [JSON.stringify(payload), `maintenance-notification:${requestId}`, requestId, request.sourceEventIds],
  );
  return requestId;
}

export const DOWNTIME_SWEEP_INTERVAL_MS = 10_000; // 10 seconds

export interface DowntimeSweeper {
  /** Open requests for stops that reached the threshold as of `now`; resolves with how many. */
  sweep(now?: Date): Promise<number>;
  stop(): Promise<void>;
}

/**
 * A device that stops and then falls silent sends no later reading for the processor above to
 * notice the stop's length by, so this periodic sweep opens the same request (same key, so never
 * twice) for every DOWN interval that has lasted the threshold by the clock.
 */
export function startDowntimeSweeper(options: { pool: pg.Pool; assets: AssetDirectory; log: Logger; downtimeRequestAfterSeconds: number; intervalMs?: number }): DowntimeSweeper {
  const { pool, assets, downtimeRequestAfterSeconds } = options;
  const log = options.log.child({ component: 'downtime-sweeper' });
  const sweep = async (now = new Date()): Promise<number> => {
    const { rows } = await pool.query<{ asset_id: string; started_at: Date; reason_code: string | null; source_event_ids: string[] }>(
      `SELECT s.asset_id, s.started_at, s.reason_code, s.source_event_ids FROM assets.equipment_state s
        WHERE s.ended_at IS NULL AND s.state = 'DOWN' AND s.started_at <= $1
          AND NOT EXISTS (SELECT 1 FROM maintenance.maintenance_request r
                           WHERE r.idempotency_key = 'maintenance:downtime:' || s.asset_id || ':' || to_char(s.started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))`,
      [new Date(now.getTime() - downtimeRequestAfterSeconds * 1_000)],
    );
    if (rows.length === 0) return 0;
    const known = await assets.resolve(rows.map((row) => row.asset_id));
    const opened = await withTransaction(pool, async (client) => {
      await lockAssets(client, [...known.keys()]);
      let count = 0;
      for (const interval of rows) {
        const asset = known.get(interval.asset_id);
        if (!asset) continue;
        if (await openRequest(client, downtimeRequest(asset, interval, downtimeRequestAfterSeconds, now))) count += 1;
      }
      return count;
    });
    if (opened > 0) log.info({ requests: opened }, 'maintenance requests opened for silent stopped assets');
    return opened;
  };
  const job = startPeriodicJob(() => sweep(), { intervalMs: options.intervalMs ?? DOWNTIME_SWEEP_INTERVAL_MS, log, failure: 'downtime sweep failed' });
  return { sweep, stop: () => job.stop() };
}
