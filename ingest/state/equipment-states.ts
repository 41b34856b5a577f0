// assets.equipment_state as the state detector sees it: the open interval per asset, and applying
// a change (close the open interval at the change, open the next). The partial unique index
// "one open interval per asset" backs the per-asset lock (ingest/asset-locks.ts).
import type { Queryable } from '../../core/db.ts';
import { createEvent, type EventEnvelope } from '../../core/events.ts';
import type { AssetKind } from '../../prisma/generated/enums.ts';
import { deterministicId } from '../deterministic-id.ts';
import type { OpenInterval, StateChange } from './detector.ts';

export const STATE_EVENT_SOURCE = 'ingest/state-detector';


export async function openIntervals(db: Queryable, assetIds: readonly string[]): Promise<Map<string, OpenInterval>> {
  const { rows } = await db.query<{ asset_id: string; state: OpenInterval['state']; started_at: Date; reason_code: string | null }>(
    `SELECT asset_id, state, started_at, reason_code FROM assets.equipment_state WHERE asset_id = ANY($1::uuid[]) AND ended_at IS NULL`,
    [assetIds],
  );
  return new Map(rows.map((row) => [row.asset_id, { state: row.state, startedAt: row.started_at, reasonCode: row.reason_code }]));
}

/** The order in progress on each line (the newest started, if several), for the event. */
export async function ordersInProgress(db: Queryable, lineIds: readonly string[]): Promise<Map<string, string>> {
  if (lineIds.length === 0) return new Map();
  const { rows } = await db.query<{ line_id: string; id: string }>(
    `SELECT DISTINCT ON (line_id) line_id, id FROM orders.production_order
      WHERE line_id = ANY($1::uuid[]) AND status = 'IN_PROGRESS' ORDER BY line_id, started_at DESC NULLS LAST`,
    [lineIds],
  );
  return new Map(rows.map((row) => [row.line_id, row.id]));
}

export interface StateAsset {
  id: string;
  kind: AssetKind;
  lineId: string;
  siteId: string;
}

/** Write one change and return its LineStateChanged event (id derived from asset, state and time). */
export async function applyStateChange(db: Queryable, asset: StateAsset, change: StateChange, orderId: string | null): Promise<EventEnvelope<'LineStateChanged'>> {
  const since = change.time.toISOString();
  const event = createEvent({
    id: deterministicId(`LineStateChanged:${asset.id}:${since}:${change.state}`),
    type: 'LineStateChanged',
    source: STATE_EVENT_SOURCE,
    subject: `${asset.kind === 'LINE' ? 'line' : 'work-cell'}/${asset.id}`,
    occurredAt: change.time,
    data: { lineId: asset.lineId, siteId: asset.siteId, assetId: asset.id, state: change.state, previousState: change.previousState, since, reasonCode: change.reasonCode, orderId, ...(change.readingId ? { readingId: change.readingId } : {}) },
  });
  await db.query(`UPDATE assets.equipment_state SET ended_at = $2, updated_at = now() WHERE asset_id = $1 AND ended_at IS NULL`, [asset.id, change.time]);
  await db.query(
    `INSERT INTO assets.equipment_state (asset_kind, asset_id, state, started_at, reason_code, source, source_event_ids)
     VALUES ($1, $2, $3, $4, $5, 'DETECTED', $6)`,
    [asset.kind, asset.id, change.state, change.time, change.reasonCode, [event.id]],
  );
  return event;
}
