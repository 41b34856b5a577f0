// The quality reaction, inside the ingest transaction: a ThresholdCrossed on a tag that measures a
// quality characteristic (assets.tag.characteristic_id) opens an inspection lot (origin THRESHOLD)
// for the order running on the asset — the operation in progress on the work cell, else the order
// in progress on its line — and its material lot if one is known, records the measurement as an
// inspection result, and puts a quality hold on the order (and lot). One lot per (order,
// characteristic) is undecided at a time: later crossings add results to it. The lot's key is
// derived from the crossing that opened it and a result's from its ThresholdCrossed event, so a
// replay opens and records nothing twice. A crossing with no order running opens nothing.
// The order's completion waits for the decision (confirmation-windows.ts, isOrderHeld).
import { createEvent, type EventEnvelope } from '../../core/events.ts';
import type { Queryable } from '../../core/db.ts';
import { deterministicId } from '../deterministic-id.ts';
import type { ReadingProcessor, TelemetryAsset } from '../pipeline.ts';

export const QUALITY_EVENT_SOURCE = 'ingest/quality-reaction';
/** Keeps these advisory locks apart from the asset locks and the confirmation job's. */
const INSPECTION_LOCK_SEED = 4_711_007;

export interface QualityReactionOptions {
  /** Called per inspection lot opened, with the crossing reading's time (logged; tests and the benchmark read it). */
  onInspectionLotOpened?: (lot: { inspectionLotId: string; orderId: string; key: string; readingTime: Date }) => void;
}

interface Characteristic {
  id: string;
  code: string;
  lower_spec_limit: number | null;
  upper_spec_limit: number | null;
}

interface RunningOrder {
  order_id: string;
  material_id: string;
  material_lot_id: string | null;
}

export function createQualityReaction(options: QualityReactionOptions = {}): ReadingProcessor {
  return {
    name: 'quality-reaction',
    async process(_readings, { client, assets, raised, log }) {
      const db = client as Queryable;
      const crossings = raised
        .filter((event): event is EventEnvelope<'ThresholdCrossed'> => event.type === 'ThresholdCrossed')
        .map((event) => {
          const asset = assets.get(event.data.assetId);
          const characteristicId = asset?.tags.get(event.data.tagName)?.characteristicId ?? null;
          return { event, asset, characteristicId };
        })
        .filter((crossing): crossing is { event: EventEnvelope<'ThresholdCrossed'>; asset: TelemetryAsset; characteristicId: string } =>
          crossing.asset !== undefined && crossing.characteristicId !== null);
      if (crossings.length === 0) return [];

      const { rows: characteristicRows } = await db.query<Characteristic>(
        `SELECT id, code, lower_spec_limit, upper_spec_limit FROM quality.characteristic WHERE id = ANY($1::uuid[])`,
        [[...new Set(crossings.map((crossing) => crossing.characteristicId))]],
      );
      const characteristics = new Map(characteristicRows.map((row) => [row.id, row]));
      const orders = new Map<string, RunningOrder | null>();
      const events: EventEnvelope[] = [];

      for (const { event, asset, characteristicId } of crossings) {
        const characteristic = characteristics.get(characteristicId);
        if (!characteristic) continue; // a tag pointing at a deleted characteristic: nothing to inspect against
        if (!orders.has(asset.id)) orders.set(asset.id, await runningOrder(db, asset));
        const order = orders.get(asset.id)!;
        if (!order) {
          log.debug({ assetId: asset.id, characteristic: characteristic.code }, 'quality threshold crossed with no order running: no inspection lot');
          continue;
        }
        const crossing = event.data;
        const readingTime = new Date(crossing.observedAt);
        // one undecided lot per (order, characteristic), whichever worker sees which asset
        await db.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, $2))`, [`${order.order_id}:${characteristic.id}`, INSPECTION_LOCK_SEED]);
        let lotId = await openLotOf(db, order.order_id, characteristic.id);
        if (!lotId) {
          const key = `quality:threshold:${order.order_id}:${characteristic.id}:${crossing.readingId}`;
          const inserted = await db.query<{ id: string }>(
            `INSERT INTO quality.inspection_lot (order_id, material_lot_id, material_id, origin, status, trigger_tag_id, idempotency_key, source_event_ids)
             VALUES ($1, $2, $3, 'THRESHOLD', 'OPEN', $4, $5, $6) ON CONFLICT (idempotency_key) DO NOTHING RETURNING id`,
            [order.order_id, order.material_lot_id, order.material_id, crossing.tagId, key, [event.id]],
          );
          lotId = inserted.rows[0]?.id ?? null;
          if (lotId) {
            const hold = await db.query<{ id: string }>(
              `INSERT INTO quality.quality_hold (order_id, material_lot_id, inspection_lot_id, reason, placed_by)
               VALUES ($1, $2, $3, $4, $5) RETURNING id`,
              [order.order_id, order.material_lot_id, lotId, `${crossing.tagName} ${crossing.value} beyond its ${crossing.limit.toLowerCase().replace('_', ' ')} limit ${crossing.limitValue} on ${asset.code} (${characteristic.code})`, QUALITY_EVENT_SOURCE],
            );
            events.push(
              createEvent({
                id: deterministicId(`InspectionLotOpened:${key}`),
                type: 'InspectionLotOpened',
                source: QUALITY_EVENT_SOURCE,
                subject: `inspection-lot/${lotId}`,
                occurredAt: readingTime,
                data: {
                  inspectionLotId: lotId,
                  orderId: order.order_id,
                  materialLotId: order.material_lot_id,
                  characteristicId: characteristic.id,
                  characteristicCode: characteristic.code,
                  assetId: asset.id,
                  lineId: asset.lineId,
                  siteId: asset.siteId,
                  origin: 'THRESHOLD',
                  holdId: hold.rows[0]!.id,
                  openedAt: crossing.observedAt,
                },
              }),
            );
            log.info({ inspectionLotId: lotId, orderId: order.order_id, key, latencyMs: Date.now() - readingTime.getTime() }, 'inspection lot opened');
            options.onInspectionLotOpened?.({ inspectionLotId: lotId, orderId: order.order_id, key, readingTime });
          } else {
            // opened before by this very crossing (a replay that reached the processor again)
            lotId = (await db.query<{ id: string }>(`SELECT id FROM quality.inspection_lot WHERE idempotency_key = $1`, [key])).rows[0]!.id;
          }
        }
        await db.query(
          `INSERT INTO quality.inspection_result (inspection_lot_id, characteristic_id, value, within_limits, measured_at, measured_by, source_event_id)
           VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (inspection_lot_id, source_event_id) WHERE source_event_id IS NOT NULL DO NOTHING`,
          [lotId, characteristic.id, crossing.value, withinSpec(crossing.value, characteristic), readingTime, `${asset.code}/${crossing.tagName}`, event.id],
        );
      }
      return events;
    },
  };
}

function withinSpec(value: number, characteristic: Characteristic): boolean {
  if (characteristic.lower_spec_limit !== null && value < characteristic.lower_spec_limit) return false;
  if (characteristic.upper_spec_limit !== null && value > characteristic.upper_spec_limit) return false;
  return true;
}

/** The order the asset works for: its work cell's operation in progress, else its line's order in progress. */
async function runningOrder(db: Queryable, asset: TelemetryAsset): Promise<RunningOrder | null> {
  const { rows } = await db.query<RunningOrder>(
    `WITH running AS (
       (SELECT o.id, o.material_id, 0 AS rank, op.actual_start_at AS since FROM orders.operation op JOIN orders.production_order o ON o.id = op.order_id
         WHERE op.work_cell_id = $1 AND op.status = 'IN_PROGRESS' AND o.status = 'IN_PROGRESS')
       UNION ALL
       (SELECT o.id, o.material_id, 1 AS rank, o.started_at AS since FROM orders.production_order o WHERE o.line_id = $2 AND o.status = 'IN_PROGRESS'))
     SELECT r.id AS order_id, r.material_id,
            (SELECT l.id FROM inventory.material_lot l WHERE l.produced_by_order_id = r.id ORDER BY l.created_at DESC, l.id LIMIT 1) AS material_lot_id
       FROM running r ORDER BY r.rank, r.since DESC NULLS LAST, r.id LIMIT 1`,
    [asset.id, asset.lineId],
  );
  return rows[0] ?? null;
}

/** The order's undecided inspection lot that measures this characteristic, if any. */
async function openLotOf(db: Queryable, orderId: string, characteristicId: string): Promise<string | null> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT l.id FROM quality.inspection_lot l
      WHERE l.order_id = $1 AND l.status <> 'DECIDED'
        AND EXISTS (SELECT 1 FROM quality.inspection_result r WHERE r.inspection_lot_id = l.id AND r.characteristic_id = $2)
      ORDER BY l.created_at, l.id LIMIT 1`,
    [orderId, characteristicId],
  );
  return rows[0]?.id ?? null;
}

/**
 * Whether the order's completion must wait: an undecided inspection lot or an active quality hold.
 * Read by the confirmation job before it completes an operation or the order.
 */
export async function isOrderHeld(db: Queryable, orderId: string): Promise<boolean> {
  const { rows } = await db.query<{ held: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM quality.quality_hold WHERE order_id = $1 AND active)
         OR EXISTS (SELECT 1 FROM quality.inspection_lot WHERE order_id = $1 AND status <> 'DECIDED') AS held`,
    [orderId],
  );
  return rows[0]!.held;
}

/**
 * Whether the decision that held a pallet rejected it: the order has a REJECTED inspection lot
 * decided at or after the pallet's completion (`completedAt`). Read by releaseWaitingReceipts
 * (pallets.ts) for the pallets completed while the order was held (isOrderHeld): those go into
 * blocked stock and stay at the line side instead of being put away and counted for shipment. A
 * pallet completed while the order was not held is ordinary production, whatever was decided
 * before it, and is never asked about.
 */
export async function isRejectedSince(db: Queryable, orderId: string, completedAt: Date): Promise<boolean> {
  const { rows } = await db.query<{ rejected: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM quality.inspection_lot
                     WHERE order_id = $1 AND status = 'DECIDED' AND decision = 'REJECTED' AND decided_at >= $2) AS rejected`,
    [orderId, completedAt],
  );
  return rows[0]!.rejected;
}
