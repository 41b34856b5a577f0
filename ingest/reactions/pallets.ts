// Pallet completion → finished-goods receipt, inside the ingest transaction. The palletizer's
// cumulative counter `pallets_completed` (a COUNTER tag, seed: LYO/PCK1/PAL20) going up by n completes
// n pallets of the order whose operation is in progress on that work cell. A pallet holds what the
// work cell counted good for the operation (its COUNTER_GOOD, reset-safe, from the operation's start
// up to and including the completing reading) minus what the order's earlier pallets hold; n pallets
// at once share it evenly. The first reading of the counter is its baseline (completes nothing).
// Per pallet, keyed by the counter reading (so a replay completes nothing twice):
// - inventory.pallet COMPLETE with its quantity, an SSCC (GS1 company prefix from the material's GTIN,
//   serial from the pallet id), at the line-side location of the order's line;
// - an FG material lot `<erp order>-P<nnn>` (one per pallet), QUARANTINE while the order is held;
// - a PRODUCE material movement (`produce:pallet:<pallet>`) carrying the counter reading's id.
// Then, unless the order has an undecided inspection lot or an active quality hold (isOrderHeld,
// the same gate as the order's completion), the receipt is released at once (releaseReceipt):
// GOODS_RECEIPT posting (101, `goods-receipt:pallet:<pallet>`), the put-away — a TRANSFER movement and
// TRANSFER posting (311, `put-away:pallet:<pallet>`) from the line side to the site's first WAREHOUSE
// location; the TRANSFER posting is the warehouse's task, acknowledged by the WMS/ERP adapter — and,
// when the order's received quantity reaches its planned quantity and the order has a customer, one
// orders.shipment_readiness row (READY) and a SHIPMENT_READINESS posting (`shipment-readiness:<order>`).
// A held order's receipts wait: the confirmation job's next run after the decision releases them
// (releaseWaitingReceipts), dated at the decision like the completion it gates.
import type pg from 'pg';
import { withTransaction, type Queryable } from '../../core/db.ts';
import { postingPayload } from '../../core/postings.ts';
import { deterministicId } from '../deterministic-id.ts';
import type { ReadingProcessor } from '../pipeline.ts';
import { releasedAt, windowFigures } from './confirmation-windows.ts';
import { isOrderHeld } from './quality.ts';

/** The palletizer's cumulative counter of completed pallets (tag kind COUNTER). */
export const PALLET_COUNTER_TAG = 'pallets_completed';
/** Keeps the per-order pallet lock apart from the other advisory locks. */
const PALLET_LOCK_SEED = 4_711_008;

interface RunningOperation {
  operation_id: string;
  actual_start_at: Date;
  order_id: string;
  erp_order_number: string;
  material_id: string;
  gtin: string | null;
  unit: string;
}

export function createPalletReaction(): ReadingProcessor {
  return {
    name: 'pallet-reaction',
    async process(readings, { client, assets, log }) {
      const db = client as Queryable;
      const counts = readings.filter(
        (reading) => reading.tag === PALLET_COUNTER_TAG && reading.value !== null && reading.quality !== 'BAD' && assets.get(reading.assetId)?.tags.get(reading.tag)?.kind === 'COUNTER',
      );
      for (const reading of counts) {
        const { rows: previous } = await db.query<{ value: number }>(
          `SELECT value FROM telemetry.reading WHERE asset_id = $1 AND tag = $2 AND time < $3 AND value IS NOT NULL ORDER BY time DESC LIMIT 1`,
          [reading.assetId, reading.tag, reading.time],
        );
        if (!previous[0]) continue; // the counter's baseline
        const value = reading.value!;
        const completed = Math.floor(value >= previous[0].value ? value - previous[0].value : value);
        if (completed <= 0) continue;
        const { rows } = await db.query<RunningOperation>(
          `SELECT op.id AS operation_id, op.actual_start_at, o.id AS order_id, o.erp_order_number, o.material_id, m.gtin, o.unit
             FROM orders.operation op JOIN orders.production_order o ON o.id = op.order_id JOIN inventory.material m ON m.id = o.material_id
            WHERE op.work_cell_id = $1 AND op.status = 'IN_PROGRESS' AND op.actual_start_at IS NOT NULL
            ORDER BY op.actual_start_at DESC LIMIT 1`,
          [reading.assetId],
        );
        const operation = rows[0];
        if (!operation) {
          log.warn({ assetId: reading.assetId, readingId: reading.readingId, pallets: completed }, 'pallets completed with no operation in progress: no pallet recorded');
          continue;
        }
        await db.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, $2))`, [operation.order_id, PALLET_LOCK_SEED]);
        const figures = await windowFigures(db, reading.assetId, operation.actual_start_at, new Date(reading.time.getTime() + 1));
        const { rows: onPallets } = await db.query<{ quantity: number; pallets: number }>(
          `SELECT coalesce(sum(quantity), 0)::float8 AS quantity, count(*)::int AS pallets FROM inventory.pallet WHERE order_id = $1`,
          [operation.order_id],
        );
        const remaining = figures.good - onPallets[0]!.quantity;
        const each = Math.floor(remaining / completed);
        const held = await isOrderHeld(db, operation.order_id);
        for (let n = 1; n <= completed; n += 1) {
          const quantity = n < completed ? each : remaining - each * (completed - 1);
          if (quantity <= 0) {
            log.warn({ assetId: reading.assetId, readingId: reading.readingId, orderId: operation.order_id }, 'pallet completed with nothing counted on it: no pallet recorded');
            continue;
          }
          const palletId = await completePallet(db, operation, {
            key: `${reading.assetId}:${reading.readingId}:${n}`,
            ordinal: onPallets[0]!.pallets + n,
            quantity,
            at: reading.time,
            held,
            sourceEventIds: [reading.readingId],
          });
          if (!palletId) continue;
          if (held) log.info({ palletId, orderId: operation.order_id }, 'pallet completed; its goods receipt waits for the inspection decision');
          else await releaseReceipt(db, palletId, reading.time);
        }
      }
      return [];
    },
  };
}

interface PalletToComplete {
  key: string;
  ordinal: number;
  quantity: number;
  at: Date;
  held: boolean;
  sourceEventIds: string[];
}

/** Pallet, FG lot and PRODUCE movement; resolves with the pallet id, or null if it existed. */
async function completePallet(db: Queryable, operation: RunningOperation, pallet: PalletToComplete): Promise<string | null> {
  const palletId = deterministicId(`pallet:${pallet.key}`);
  const lotId = deterministicId(`pallet-lot:${pallet.key}`);
  const { rows: lineSide } = await db.query<{ id: string }>(
    `SELECT l.id FROM inventory.location l JOIN orders.production_order o ON o.line_id = l.line_id WHERE o.id = $1 AND l.type = 'LINE_SIDE' ORDER BY l.code LIMIT 1`,
    [operation.order_id],
  );
  const locationId = lineSide[0]?.id ?? null;
  const lot = await db.query(
    `INSERT INTO inventory.material_lot (id, lot_number, material_id, quantity, unit, status, location_id, produced_by_order_id, produced_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (id) DO NOTHING RETURNING id`,
    [lotId, `${operation.erp_order_number}-P${String(pallet.ordinal).padStart(3, '0')}`, operation.material_id, pallet.quantity, operation.unit, pallet.held ? 'QUARANTINE' : 'AVAILABLE', locationId, operation.order_id, pallet.at],
  );
  if (lot.rows.length === 0) return null; // completed before
  await db.query(
    `INSERT INTO inventory.pallet (id, sscc, material_id, lot_id, order_id, quantity, unit, status, location_id, completed_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, 'COMPLETE', $8, $9)`,
    [palletId, sscc(operation.gtin, palletId), operation.material_id, lotId, operation.order_id, pallet.quantity, operation.unit, locationId, pallet.at],
  );
  await db.query(
    `INSERT INTO inventory.material_movement (kind, material_id, lot_id, quantity, unit, to_location_id, order_id, operation_id, occurred_at, idempotency_key, source_event_ids)
     VALUES ('PRODUCE', $1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (idempotency_key) DO NOTHING`,
    [operation.material_id, lotId, pallet.quantity, operation.unit, locationId, operation.order_id, operation.operation_id, pallet.at, `produce:pallet:${palletId}`, pallet.sourceEventIds],
  );
  return palletId;
}

interface ReceiptRow {
  pallet_id: string;
  quantity: number;
  unit: string;
  lot_id: string;
  lot_number: string;
  material_id: string;
  material_number: string;
  order_id: string;
  erp_order_number: string;
  site_id: string;
  from_id: string | null;
  from_code: string | null;
  to_id: string | null;
  to_code: string | null;
  source_event_ids: string[];
}

/**
 * The ERP side of a completed pallet: GOODS_RECEIPT, put-away (TRANSFER movement + posting) and,
 * with the order's last pallet, shipment readiness. Resolves false if it was released before.
 */
export async function releaseReceipt(db: Queryable, palletId: string, at: Date): Promise<boolean> {
  const { rows } = await db.query<ReceiptRow>(
    `SELECT p.id AS pallet_id, p.quantity::float8 AS quantity, p.unit, l.id AS lot_id, l.lot_number, m.id AS material_id, m.erp_material_number AS material_number,
            o.id AS order_id, o.erp_order_number, o.site_id, src.id AS from_id, src.code AS from_code, dst.id AS to_id, dst.code AS to_code,
            coalesce((SELECT source_event_ids FROM inventory.material_movement WHERE idempotency_key = 'produce:pallet:' || p.id), '{}') AS source_event_ids
       FROM inventory.pallet p JOIN inventory.material_lot l ON l.id = p.lot_id JOIN inventory.material m ON m.id = p.material_id
       JOIN orders.production_order o ON o.id = p.order_id
       LEFT JOIN inventory.location src ON src.id = p.location_id
       LEFT JOIN LATERAL (SELECT id, code FROM inventory.location WHERE site_id = o.site_id AND type = 'WAREHOUSE' ORDER BY code LIMIT 1) dst ON true
      WHERE p.id = $1`,
    [palletId],
  );
  const pallet = rows[0];
  if (!pallet) return false;
  const receiptKey = `goods-receipt:pallet:${palletId}`;
  const receipt = postingPayload('GOODS_RECEIPT', {
    orderId: pallet.order_id,
    erpOrderNumber: pallet.erp_order_number,
    materialId: pallet.material_id,
    materialNumber: pallet.material_number,
    quantity: pallet.quantity,
    unit: pallet.unit,
    lotId: pallet.lot_id,
    lotNumber: pallet.lot_number,
    locationCode: pallet.from_code,
    movementType: '101',
    palletId,
  });
  const posted = await db.query(
    `INSERT INTO integration.erp_posting (kind, payload, idempotency_key, order_id, lot_id, source_event_ids)
     VALUES ('GOODS_RECEIPT', $1, $2, $3, $4, $5) ON CONFLICT (idempotency_key) DO NOTHING RETURNING id`,
    [JSON.stringify(receipt), receiptKey, pallet.order_id, pallet.lot_id, pallet.source_event_ids],
  );
  if (posted.rows.length === 0) return false;
  await db.query(`UPDATE inventory.material_lot SET status = 'AVAILABLE', updated_at = now() WHERE id = $1 AND status = 'QUARANTINE'`, [pallet.lot_id]);

  // put-away: from the line side to the site's warehouse
  if (pallet.from_code && pallet.to_id && pallet.to_code && pallet.to_id !== pallet.from_id) {
    const putAwayKey = `put-away:pallet:${palletId}`;
    await db.query(
      `INSERT INTO inventory.material_movement (kind, material_id, lot_id, quantity, unit, from_location_id, to_location_id, order_id, occurred_at, idempotency_key, source_event_ids)
       VALUES ('TRANSFER', $1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (idempotency_key) DO NOTHING`,
      [pallet.material_id, pallet.lot_id, pallet.quantity, pallet.unit, pallet.from_id, pallet.to_id, pallet.order_id, at, putAwayKey, pallet.source_event_ids],
    );
    const transfer = postingPayload('TRANSFER', {
      materialId: pallet.material_id,
      materialNumber: pallet.material_number,
      quantity: pallet.quantity,
      unit: pallet.unit,
      lotId: pallet.lot_id,
      lotNumber: pallet.lot_number,
      locationCode: pallet.to_code,
      movementType: '311',
      fromLocationCode: pallet.from_code,
      toLocationCode: pallet.to_code,
    });
    await db.query(
      `INSERT INTO integration.erp_posting (kind, payload, idempotency_key, order_id, lot_id, source_event_ids)
       VALUES ('TRANSFER', $1, $2, $3, $4, $5) ON CONFLICT (idempotency_key) DO NOTHING`,
      [JSON.stringify(transfer), putAwayKey, pallet.order_id, pallet.lot_id, pallet.source_event_ids],
    );
    await db.query(`UPDATE inventory.pallet SET location_id = $2, updated_at = now() WHERE id = $1`, [palletId, pallet.to_id]);
    await db.query(`UPDATE inventory.material_lot SET location_id = $2, updated_at = now() WHERE id = $1`, [pallet.lot_id, pallet.to_id]);
  }
  await shipmentReadiness(db, pallet.order_id, at);
  return true;
}

/** The order's received pallets reach its quantity: one READY row and one SHIPMENT_READINESS posting, for orders with a customer. */
async function shipmentReadiness(db: Queryable, orderId: string, at: Date): Promise<void> {
  const { rows } = await db.query<{ erp_order_number: string; customer_id: string | null; planned: number; unit: string; received: number; pallet_ids: string[] }>(
    `SELECT o.erp_order_number, o.customer_id, o.quantity::float8 AS planned, o.unit,
            coalesce(sum(p.quantity), 0)::float8 AS received, coalesce(array_agg(p.id ORDER BY p.completed_at, p.id) FILTER (WHERE p.id IS NOT NULL), '{}') AS pallet_ids
       FROM orders.production_order o
       LEFT JOIN inventory.pallet p ON p.order_id = o.id AND p.status IN ('COMPLETE', 'SHIPPED')
             AND EXISTS (SELECT 1 FROM integration.erp_posting e WHERE e.idempotency_key = 'goods-receipt:pallet:' || p.id)
      WHERE o.id = $1 GROUP BY o.id`,
    [orderId],
  );
  const order = rows[0];
  if (!order || !order.customer_id || order.received < order.planned) return;
  const key = `shipment-readiness:${orderId}`;
  const inserted = await db.query(
    `INSERT INTO orders.shipment_readiness (id, order_id, quantity, unit, status, ready_at, pallet_ids)
     VALUES ($1, $2, $3, $4, 'READY', $5, $6) ON CONFLICT (id) DO NOTHING RETURNING id`,
    [deterministicId(key), orderId, order.received, order.unit, at, order.pallet_ids],
  );
  if (inserted.rows.length === 0) return;
  const payload = postingPayload('SHIPMENT_READINESS', {
    orderId,
    erpOrderNumber: order.erp_order_number,
    customerId: order.customer_id,
    quantity: order.received,
    unit: order.unit,
    palletIds: order.pallet_ids,
    readyAt: at.toISOString(),
  });
  await db.query(
    `INSERT INTO integration.erp_posting (kind, payload, idempotency_key, order_id, source_event_ids)
     VALUES ('SHIPMENT_READINESS', $1, $2, $3, '{}') ON CONFLICT (idempotency_key) DO NOTHING`,
    [JSON.stringify(payload), key, orderId],
  );
}

/**
 * Releases the receipts of completed pallets whose order is no longer held (decided since), each
 * order in a transaction of its own, dated at the decision. Resolves with the pallets released.
 */
export async function releaseWaitingReceipts(pool: pg.Pool): Promise<number> {
  const { rows: orders } = await pool.query<{ order_id: string }>(
    `SELECT DISTINCT p.order_id FROM inventory.pallet p
      WHERE p.status = 'COMPLETE' AND p.order_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM integration.erp_posting e WHERE e.idempotency_key = 'goods-receipt:pallet:' || p.id)`,
  );
  let released = 0;
  for (const { order_id: orderId } of orders) {
    released += await withTransaction(pool, async (client) => {
      await client.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, $2))`, [orderId, PALLET_LOCK_SEED]);
      if (await isOrderHeld(client, orderId)) return 0;
      const { rows: pallets } = await client.query<{ id: string; completed_at: Date }>(
        `SELECT p.id, p.completed_at FROM inventory.pallet p
          WHERE p.order_id = $1 AND p.status = 'COMPLETE'
            AND NOT EXISTS (SELECT 1 FROM integration.erp_posting e WHERE e.idempotency_key = 'goods-receipt:pallet:' || p.id)
          ORDER BY p.completed_at, p.id`,
        [orderId],
      );
      let count = 0;
      for (const pallet of pallets) {
        if (await releaseReceipt(client, pallet.id, await releasedAt(client, orderId, pallet.completed_at))) count += 1;
      }
      return count;
    });
  }
  return released;
}

/** GS1 SSCC: extension digit 0, company prefix (7 digits of the GTIN-14 after its indicator), 9-digit serial, check digit. */
export function sscc(gtin: string | null, palletId: string): string {
  const prefix = gtin && /^\d{14}$/.test(gtin) ? gtin.slice(1, 8) : '0000000';
  const serial = String(parseInt(palletId.replace(/-/g, '').slice(0, 12), 16) % 1_000_000_000).padStart(9, '0');
  const body = `0${prefix}${serial}`;
  let sum = 0;
  for (let index = 0; index < body.length; index += 1) sum += Number(body[body.length - 1 - index]) * (index % 2 === 0 ? 3 : 1);
  return `${body}${(10 - (sum % 10)) % 10}`;
}
