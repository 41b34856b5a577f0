// Pallet completion → finished-goods receipt, worked out by the confirmation job from stored readings
// (not inside the ingest transaction: a redelivered or replayed counter reading may be stored before
// the work cell's operation started or before the readings before it, so only stored data, in time
// order and after the same grace as confirmations, gives the same pallets however the stream arrived).
// The palletizer's cumulative counter `pallets_completed` (a COUNTER tag, seed: LYO/PCK1/PAL20) going
// up by n completes n pallets of the order whose operation ran on that work cell at the reading's time
// ([actual start, actual end)). A pallet holds what the work cell counted good for the operation (its
// COUNTER_GOOD, reset-safe, from the operation's start up to and including the completing reading)
// minus what the order's earlier pallets hold; n pallets at once share it evenly. The counter's first
// reading is its baseline (completes nothing).
// Per pallet, keyed by the counter reading (so a second run completes nothing twice):
// - inventory.pallet COMPLETE with its quantity, an SSCC (GS1 company prefix from the material's GTIN,
//   serial from the pallet id), at the line-side location of the order's line;
// - an FG material lot `<erp order>-P<nnn>` (one per pallet, numbered by the pallets made), QUARANTINE
//   while the order is held;
// - a PRODUCE material movement (`produce:pallet:<pallet>`) carrying the counter reading's id.
// Then, unless the order has an undecided inspection lot or an active quality hold (isOrderHeld,
// the same gate as the order's completion), the receipt is released at once (releaseReceipt):
// GOODS_RECEIPT posting (101, `goods-receipt:pallet:<pallet>`), the put-away — a TRANSFER movement and
// TRANSFER posting (311, `put-away:pallet:<pallet>`) from the line side to the site's first WAREHOUSE
// location; the TRANSFER posting is the warehouse's task, acknowledged by the WMS/ERP adapter — and,
// when the order's received quantity reaches its planned quantity and the order has a customer, one
// orders.shipment_readiness row (READY) and a SHIPMENT_READINESS posting (`shipment-readiness:<order>`).
// A held order's receipts wait: the job's next run after the decision releases them
// (releaseWaitingReceipts), dated at the decision like the completion it gates. How depends on the
// decision (isRejectedSince): accepted, exactly as above; rejected — the order has a REJECTED
// inspection lot decided at or after the pallet's completion — the GOODS_RECEIPT is still posted
// (the goods exist; the ERP must hold them to scrap or rework them) but into blocked stock
// (`stockType: 'BLOCKED'`), the FG lot becomes BLOCKED, the pallet stays at the line side (no
// put-away) and its quantity never counts towards shipment readiness. A pallet completed while the
// order is not held is released at once as above, whatever was decided before it.
import type pg from 'pg';
import { withTransaction, type Queryable } from '../../core/db.ts';
import type { Logger } from '../../core/log.ts';
import { postingPayload } from '../../core/postings.ts';
import { deterministicId } from '../deterministic-id.ts';
import { releasedAt, windowFigures } from './confirmation-windows.ts';
import { isOrderHeld, isRejectedSince } from './quality.ts';

/** The palletizer's cumulative counter of completed pallets (tag kind COUNTER). */
export const PALLET_COUNTER_TAG = 'pallets_completed';
/** Keeps the per-order pallet lock apart from the other advisory locks. */
const PALLET_LOCK_SEED = 4_711_008;
/**
 * Operations completed longer ago than this are not looked at again: a pallet counter reading that
 * arrives more than a day after its operation completed makes no pallet (and is logged nowhere).
 */
const COMPLETED_OPERATION_HORIZON_HOURS = 24;

interface PalletOperation {
  operation_id: string;
  work_cell_id: string;
  actual_start_at: Date;
  actual_end_at: Date | null;
  /** the next operation started on the work cell: the readings from then on are its own */
  next_start_at: Date | null;
  order_id: string;
  erp_order_number: string;
  material_id: string;
  gtin: string | null;
  unit: string;
}

interface CounterStep {
  reading_id: string;
  time: Date;
  value: number;
  previous: number | null;
}

/**
 * Completes the pallets of every palletizing operation whose counter readings are older than the
 * grace, each operation in a transaction of its own under its order's lock. Resolves with the
 * pallets made.
 */
export async function completePallets(pool: pg.Pool, now: Date, graceMs: number, log: Logger): Promise<number> {
  const { rows: operations } = await pool.query<PalletOperation>(
    `SELECT op.id AS operation_id, op.work_cell_id, op.actual_start_at, op.actual_end_at,
            (SELECT min(n.actual_start_at) FROM orders.operation n WHERE n.work_cell_id = op.work_cell_id AND n.actual_start_at > op.actual_start_at) AS next_start_at,
            o.id AS order_id, o.erp_order_number, o.material_id, m.gtin, o.unit
       FROM orders.operation op JOIN orders.production_order o ON o.id = op.order_id JOIN inventory.material m ON m.id = o.material_id
      WHERE op.actual_start_at IS NOT NULL
        AND (op.status = 'IN_PROGRESS' OR (op.status = 'COMPLETED' AND op.actual_end_at > $1::timestamptz - make_interval(hours => $2)))
        AND EXISTS (SELECT 1 FROM assets.tag t WHERE t.asset_id = op.work_cell_id AND t.name = $3 AND t.kind = 'COUNTER')
      ORDER BY op.actual_start_at, op.id`,
    [now, COMPLETED_OPERATION_HORIZON_HOURS, PALLET_COUNTER_TAG],
  );
  const until = new Date(now.getTime() - graceMs);
  let made = 0;
  for (const operation of operations) {
    made += await withTransaction(pool, (client) => completeOperationPallets(client, operation, until, log));
  }
  return made;
}

/** The operation's counter readings in [start, min(end, next start, until)) after its last pallet, in time order. */
async function completeOperationPallets(db: Queryable, operation: PalletOperation, until: Date, log: Logger): Promise<number> {
  await db.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, $2))`, [operation.order_id, PALLET_LOCK_SEED]);
  const ends = [until, operation.actual_end_at, operation.next_start_at].filter((end): end is Date => end !== null);
  const to = new Date(Math.min(...ends.map((end) => end.getTime())));
  const { rows: last } = await db.query<{ at: Date | null }>(
    `SELECT max(p.completed_at) AS at FROM inventory.pallet p
      WHERE p.order_id = $1 AND EXISTS (SELECT 1 FROM inventory.material_movement mv WHERE mv.idempotency_key = 'produce:pallet:' || p.id AND mv.operation_id = $2)`,
    [operation.order_id, operation.operation_id],
  );
  const lastPalletAt = last[0]?.at ?? null;
  const from = lastPalletAt && lastPalletAt > operation.actual_start_at ? lastPalletAt : operation.actual_start_at;
  // the reading before `from` is the first step's previous value; the last pallet's own reading is done
  const { rows: steps } = await db.query<CounterStep>(
    `WITH series AS (
       (SELECT time, value, reading_id FROM telemetry.reading
         WHERE asset_id = $1 AND tag = $2 AND value IS NOT NULL AND quality <> 'BAD' AND time < $3 ORDER BY time DESC, reading_id DESC LIMIT 1)
       UNION ALL
       (SELECT time, value, reading_id FROM telemetry.reading
         WHERE asset_id = $1 AND tag = $2 AND value IS NOT NULL AND quality <> 'BAD' AND time >= $3 AND time < $4))
     SELECT reading_id, time, value, previous FROM (
       SELECT reading_id, time, value, lag(value) OVER (ORDER BY time, reading_id) AS previous FROM series) AS steps
      WHERE time >= $3 AND previous IS NOT NULL AND time > coalesce($5::timestamptz, '-infinity')
      ORDER BY time, reading_id`,
    [operation.work_cell_id, PALLET_COUNTER_TAG, from, to, lastPalletAt],
  );
  let made = 0;
  for (const step of steps) {
    const completed = Math.floor(step.value >= step.previous! ? step.value - step.previous! : step.value);
    if (completed <= 0) continue;
    const figures = await windowFigures(db, operation.work_cell_id, operation.actual_start_at, new Date(step.time.getTime() + 1));
    const { rows: onPallets } = await db.query<{ quantity: number; pallets: number }>(
      `SELECT coalesce(sum(quantity), 0)::float8 AS quantity, count(*)::int AS pallets FROM inventory.pallet WHERE order_id = $1`,
      [operation.order_id],
    );
    const remaining = figures.good - onPallets[0]!.quantity;
    const each = Math.floor(remaining / completed);
    const held = await isOrderHeld(db, operation.order_id);
    let ordinal = onPallets[0]!.pallets; // lot numbers count the pallets made, not the counter's steps
    for (let n = 1; n <= completed; n += 1) {
      const quantity = n < completed ? each : remaining - each * (completed - 1);
      if (quantity <= 0) {
        log.warn({ assetId: operation.work_cell_id, readingId: step.reading_id, orderId: operation.order_id }, 'pallet completed with nothing counted on it: no pallet recorded');
        continue;
      }
      const palletId = await completePallet(db, operation, {
        key: `${operation.work_cell_id}:${step.reading_id}:${n}`,
        ordinal: ordinal + 1,
        quantity,
        at: step.time,
        held,
        sourceEventIds: [step.reading_id],
      });
      if (!palletId) continue;
      ordinal += 1;
      made += 1;
      if (held) log.info({ palletId, orderId: operation.order_id }, 'pallet completed; its goods receipt waits for the inspection decision');
      else await releaseReceipt(db, palletId, step.time);
    }
  }
  return made;
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
async function completePallet(db: Queryable, operation: PalletOperation, pallet: PalletToComplete): Promise<string | null> {
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

/** The stock a pallet is received into (GOODS_RECEIPT stockType). */
export type ReceiptStock = 'UNRESTRICTED' | 'BLOCKED';

/**
 * The ERP side of a completed pallet: GOODS_RECEIPT, put-away (TRANSFER movement + posting) and,
 * with the order's last pallet, shipment readiness. Into BLOCKED stock (a rejected pallet): the
 * GOODS_RECEIPT says so, the lot becomes BLOCKED, and there is no put-away and no shipment
 * readiness. Resolves false if it was released before.
 */
export async function releaseReceipt(db: Queryable, palletId: string, at: Date, stock: ReceiptStock = 'UNRESTRICTED'): Promise<boolean> {
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
    ...(stock === 'BLOCKED' ? { stockType: 'BLOCKED' } : {}), // absent: unrestricted, as before
  });
  const posted = await db.query(
    `INSERT INTO integration.erp_posting (kind, payload, idempotency_key, order_id, lot_id, source_event_ids)
     VALUES ('GOODS_RECEIPT', $1, $2, $3, $4, $5) ON CONFLICT (idempotency_key) DO NOTHING RETURNING id`,
    [JSON.stringify(receipt), receiptKey, pallet.order_id, pallet.lot_id, pallet.source_event_ids],
  );
  if (posted.rows.length === 0) return false;
  if (stock === 'BLOCKED') {
    // rejected: blocked at the line side until the nonconformance is dealt with; not for shipment
    await db.query(`UPDATE inventory.material_lot SET status = 'BLOCKED', updated_at = now() WHERE id = $1 AND status = 'QUARANTINE'`, [pallet.lot_id]);
    return true;
  }
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

/**
 * The order's received pallets reach its quantity: one READY row and one SHIPMENT_READINESS posting,
 * for orders with a customer. Pallets received into blocked stock (rejected) are not counted.
 */
async function shipmentReadiness(db: Queryable, orderId: string, at: Date): Promise<void> {
  const { rows } = await db.query<{ erp_order_number: string; customer_id: string | null; planned: number; unit: string; received: number; pallet_ids: string[] }>(
    `SELECT o.erp_order_number, o.customer_id, o.quantity::float8 AS planned, o.unit,
            coalesce(sum(p.quantity), 0)::float8 AS received, coalesce(array_agg(p.id ORDER BY p.completed_at, p.id) FILTER (WHERE p.id IS NOT NULL), '{}') AS pallet_ids
       FROM orders.production_order o
       LEFT JOIN inventory.pallet p ON p.order_id = o.id AND p.status IN ('COMPLETE', 'SHIPPED')
             AND EXISTS (SELECT 1 FROM integration.erp_posting e WHERE e.idempotency_key = 'goods-receipt:pallet:' || p.id
                           AND coalesce(e.payload->>'stockType', 'UNRESTRICTED') <> 'BLOCKED')
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
 * order in a transaction of its own, dated at the decision: into blocked stock when a decision at or
 * after the pallet's completion rejected it (isRejectedSince), else as usual. Resolves with the
 * pallets released.
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
        const stock: ReceiptStock = (await isRejectedSince(client, orderId, pallet.completed_at)) ? 'BLOCKED' : 'UNRESTRICTED';
        if (await releaseReceipt(client, pallet.id, await releasedAt(client, orderId, pallet.completed_at), stock)) count += 1;
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
