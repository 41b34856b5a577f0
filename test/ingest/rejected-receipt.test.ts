// A pallet completed while its order is held, and the decision REJECTED (issue: the FG receipt waits
// for the inspection decision; rejected → no stock for shipment), end to end on real PostgreSQL and
// NATS on the seed's packaging order 3000301 (planned 180 cases here, pallets of 60): two pallets
// before the hold are received and put away as usual; the third, completed while an inspection lot
// is open, waits in QUARANTINE; decideInspectionLot (the quality subgraph's command) rejects the lot
// → the confirmation job posts its GOODS_RECEIPT into blocked stock, blocks its lot, leaves it at the
// line side (no put-away) and does not count it for shipment (120 + 60 rejected ≥ 180 is not ready);
// a fourth pallet, completed after the decision while nothing holds the order, is ordinary production
// and makes the order ready with the three good pallets. Running the job again or replaying adds nothing.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { callerFromClaims } from '../../core/internal-auth.ts';
import { silentLogger } from '../../core/log.ts';
import { postingPayload } from '../../core/postings.ts';
import { startConfirmationWindows, type ConfirmationWindows } from '../../ingest/reactions/confirmation-windows.ts';
import { createOperationTracker } from '../../ingest/reactions/operations.ts';
import { createQualityReaction, isRejectedSince } from '../../ingest/reactions/quality.ts';
import { createLineStateProcessor } from '../../ingest/state/processor.ts';
import { createThresholdProcessor } from '../../ingest/thresholds/processor.ts';
import { startIngestWorker, type IngestWorker } from '../../ingest/worker.ts';
import { toErpRequest } from '../../sim/erp/mapping.ts';
import { decideInspectionLot } from '../../subgraphs/quality/commands.ts';
import { startIngestFixture, type IngestFixture, type ReadingInput } from '../support/ingest.ts';

const WINDOW = 60; // seconds
const t0 = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3_600_000; // on a window boundary, an hour ago
const at = (seconds: number) => new Date(t0 + seconds * 1_000);

interface PostingRow {
  kind: string;
  idempotency_key: string;
  payload: Record<string, unknown>;
}

describe('a held pallet whose inspection lot is rejected: received into blocked stock, not put away, not ready to ship', () => {
  let fixture: IngestFixture;
  let worker: IngestWorker;
  let windows: ConfirmationWindows;
  let cas10: string;
  let pal20: string;
  let orderId: string;
  let customerId: string;
  let inspectionLotId: string;

  beforeAll(async () => {
    fixture = await startIngestFixture('rejected_receipt');
    cas10 = await fixture.assetId('CAS10');
    pal20 = await fixture.assetId('PAL20');
    const { pool } = fixture.database;
    const { rows } = await pool.query<{ id: string; customer_id: string }>(`SELECT id, customer_id FROM orders.production_order WHERE erp_order_number = '3000301'`);
    ({ id: orderId, customer_id: customerId } = rows[0]!);
    await pool.query(`UPDATE orders.production_order SET quantity = 180 WHERE id = $1`, [orderId]);
    await pool.query(`UPDATE orders.operation SET planned_quantity = 180 WHERE order_id = $1`, [orderId]);
    worker = await startIngestWorker({
      pool,
      bus: fixture.bus,
      streams: fixture.streams,
      log: silentLogger,
      processors: [createLineStateProcessor(), createThresholdProcessor(), createOperationTracker(), createQualityReaction()],
    });
    windows = startConfirmationWindows({ pool, log: silentLogger, windowSeconds: WINDOW, graceSeconds: 10, intervalMs: 60 * 60 * 1_000 });
  });
  afterAll(async () => {
    await windows?.stop();
    await worker?.stop();
    await fixture?.close();
  });

  const reading = (assetId: string, id: string, seconds: number, tag: string, value: number | string): ReadingInput => ({ readingId: id, assetId, tag, value, timestamp: at(seconds).toISOString() });
  const casePacker = (): ReadingInput[] => [reading(cas10, 'c0', 5, 'good_count', 0), reading(cas10, 'c1', 10, 'state', 'RUNNING'), reading(cas10, 'c2', 40, 'good_count', 10)];
  const twoPallets = (): ReadingInput[] => [
    reading(pal20, 'p0', 5, 'cases_stacked', 0),
    reading(pal20, 'p1', 5, 'pallets_completed', 0),
    reading(pal20, 'p2', 10, 'state', 'RUNNING'),
    reading(pal20, 'p3', 100, 'cases_stacked', 60),
    reading(pal20, 'p4', 100, 'pallets_completed', 1),
    reading(pal20, 'p5', 200, 'cases_stacked', 120),
    reading(pal20, 'p6', 200, 'pallets_completed', 2),
  ];
  const heldPallet = (): ReadingInput[] => [reading(pal20, 'p7', 300, 'cases_stacked', 180), reading(pal20, 'p8', 300, 'pallets_completed', 3)];
  const replacementPallet = (): ReadingInput[] => [reading(pal20, 'p9', 400, 'cases_stacked', 240), reading(pal20, 'p10', 400, 'pallets_completed', 4)];

  const postings = async (kinds: string[]) =>
    (await fixture.database.pool.query<PostingRow>(
      `SELECT kind::text, idempotency_key, payload FROM integration.erp_posting WHERE order_id = $1 AND kind::text = ANY($2) ORDER BY created_at, idempotency_key`,
      [orderId, kinds],
    )).rows;
  const pallets = async () =>
    (await fixture.database.pool.query<{ id: string; status: string; quantity: number; lot_number: string; lot_status: string; location: string; completed_at: Date }>(
      `SELECT p.id, p.status::text, p.quantity::float8 AS quantity, l.lot_number, l.status::text AS lot_status, loc.code AS location, p.completed_at
         FROM inventory.pallet p JOIN inventory.material_lot l ON l.id = p.lot_id JOIN inventory.location loc ON loc.id = p.location_id
        WHERE p.order_id = $1 ORDER BY p.completed_at`,
      [orderId],
    )).rows;
  const movements = async () =>
    (await fixture.database.pool.query<{ kind: string; idempotency_key: string; from_code: string | null; to_code: string | null }>(
      `SELECT mm.kind::text, mm.idempotency_key, f.code AS from_code, t.code AS to_code FROM inventory.material_movement mm
         LEFT JOIN inventory.location f ON f.id = mm.from_location_id LEFT JOIN inventory.location t ON t.id = mm.to_location_id
        WHERE mm.order_id = $1 AND mm.kind IN ('PRODUCE', 'TRANSFER') ORDER BY mm.occurred_at, mm.idempotency_key`,
      [orderId],
    )).rows;
  const readiness = async () =>
    (await fixture.database.pool.query<{ status: string; quantity: number; pallet_ids: string[] }>(`SELECT status::text, quantity::float8 AS quantity, pallet_ids FROM orders.shipment_readiness WHERE order_id = $1`, [orderId])).rows;
  const snapshot = async () => ({
    postings: await postings(['GOODS_RECEIPT', 'TRANSFER', 'SHIPMENT_READINESS', 'SCRAP', 'INSPECTION_RESULT']),
    pallets: await pallets(),
    movements: await movements(),
    readiness: await readiness(),
  });
  const receiptOf = async (palletId: string) => (await postings(['GOODS_RECEIPT'])).find((p) => p.payload.palletId === palletId);

  it('two pallets before any hold are received into unrestricted stock and put away, as ever', async () => {
    await fixture.publish([...casePacker(), ...twoPallets()]);
    await fixture.idle();
    await windows.closeWindows(at(215));
    const made = await pallets();
    expect(made.map((p) => [p.lot_number, p.lot_status, p.location])).toEqual([
      ['3000301-P001', 'AVAILABLE', 'WH01'],
      ['3000301-P002', 'AVAILABLE', 'WH01'],
    ]);
    for (const pallet of made) {
      const receipt = (await receiptOf(pallet.id))!;
      expect(receipt.payload).not.toHaveProperty('stockType'); // unrestricted: the payload is as before
      expect(toErpRequest('GOODS_RECEIPT', receipt.payload).body).toEqual({
        GoodsMovementCode: '02',
        MaterialDocumentItems: [expect.not.objectContaining({ InventoryStockType: expect.anything() })],
      });
    }
    expect(await readiness()).toEqual([]);
  });

  it('the pallet completed while the order is held waits in QUARANTINE at the line side, with no receipt', async () => {
    const { pool } = fixture.database;
    const { rows } = await pool.query<{ id: string }>(
      `INSERT INTO quality.inspection_lot (order_id, origin, status, idempotency_key) VALUES ($1, 'MANUAL', 'OPEN', 'test:rejected-receipt:hold') RETURNING id`,
      [orderId],
    );
    inspectionLotId = rows[0]!.id;
    await pool.query(`INSERT INTO quality.quality_hold (order_id, inspection_lot_id, reason) VALUES ($1, $2, 'test hold')`, [orderId, inspectionLotId]);

    await fixture.publish(heldPallet());
    await fixture.idle();
    await windows.closeWindows(at(400));
    const third = (await pallets())[2]!;
    expect([third.status, third.quantity, third.lot_number, third.lot_status, third.location]).toEqual(['COMPLETE', 60, '3000301-P003', 'QUARANTINE', 'LS-PCK1']);
    expect(await receiptOf(third.id)).toBeUndefined();
    expect(await postings(['GOODS_RECEIPT'])).toHaveLength(2);
    expect(await readiness()).toEqual([]);
  });

  it('rejected: the receipt is posted into blocked stock, the lot is BLOCKED, the pallet stays at the line side, nothing is ready to ship; again and a replay add nothing', async () => {
    const third = (await pallets())[2]!;
    const decision = await decideInspectionLot(
      fixture.database.prisma,
      callerFromClaims({ sub: 'qa-1', role: 'quality' }),
      { id: inspectionLotId, decision: 'REJECTED', scrapQuantity: 60, note: 'seal leak' },
      'test:rejected-receipt:decide',
    );
    expect(decision.nonconformanceId).not.toBeNull();
    expect(await isRejectedSince(fixture.database.pool, orderId, third.completed_at)).toBe(true);

    await windows.closeWindows(at(500));
    const receipt = (await receiptOf(third.id))!;
    expect(receipt.idempotency_key).toBe(`goods-receipt:pallet:${third.id}`);
    expect(postingPayload('GOODS_RECEIPT', receipt.payload)).toEqual(
      expect.objectContaining({ movementType: '101', materialNumber: 'FG-1101', quantity: 60, unit: 'CS', lotNumber: '3000301-P003', locationCode: 'LS-PCK1', palletId: third.id, stockType: 'BLOCKED' }),
    );
    // the stand-in ERP's document: a 101 into blocked stock
    expect(toErpRequest('GOODS_RECEIPT', receipt.payload).body).toEqual({
      GoodsMovementCode: '02',
      MaterialDocumentItems: [expect.objectContaining({ GoodsMovementType: '101', Batch: '3000301-P003', StorageLocation: 'LS-PCK1', InventoryStockType: '07' })],
    });
    const rejected = (await pallets())[2]!;
    expect([rejected.status, rejected.lot_status, rejected.location]).toEqual(['COMPLETE', 'BLOCKED', 'LS-PCK1']);
    expect((await movements()).filter((m) => m.idempotency_key === `put-away:pallet:${third.id}`)).toEqual([]);
    expect((await postings(['TRANSFER'])).map((p) => p.idempotency_key)).not.toContain(`put-away:pallet:${third.id}`);
    expect(await postings(['TRANSFER'])).toHaveLength(2);
    // 120 good + 60 rejected reach the order's 180, but rejected goods are not for shipment
    expect(await readiness()).toEqual([]);
    expect(await postings(['SHIPMENT_READINESS'])).toEqual([]);
    // the decision's own postings are there, once
    expect((await postings(['INSPECTION_RESULT', 'SCRAP'])).map((p) => p.kind).sort()).toEqual(['INSPECTION_RESULT', 'SCRAP']);

    const before = await snapshot();
    await windows.closeWindows(at(500));
    await fixture.publish([...casePacker(), ...twoPallets(), ...heldPallet()], 'replay-rejected');
    await fixture.idle();
    await windows.closeWindows(at(500));
    expect(await snapshot()).toEqual(before);
  });

  it('a pallet completed after the rejection while nothing holds the order is ordinary production; the order is ready with the good pallets only', async () => {
    await fixture.publish(replacementPallet());
    await fixture.idle();
    await windows.closeWindows(at(500));
    const all = await pallets();
    expect(all.map((p) => [p.lot_number, p.lot_status, p.location])).toEqual([
      ['3000301-P001', 'AVAILABLE', 'WH01'],
      ['3000301-P002', 'AVAILABLE', 'WH01'],
      ['3000301-P003', 'BLOCKED', 'LS-PCK1'],
      ['3000301-P004', 'AVAILABLE', 'WH01'],
    ]);
    const fourth = all[3]!;
    expect((await receiptOf(fourth.id))!.payload).not.toHaveProperty('stockType');
    expect((await movements()).filter((m) => m.kind === 'TRANSFER').map((m) => m.idempotency_key)).toEqual([all[0]!, all[1]!, fourth].map((p) => `put-away:pallet:${p.id}`));
    const good = [all[0]!.id, all[1]!.id, fourth.id];
    expect(await readiness()).toEqual([{ status: 'READY', quantity: 180, pallet_ids: good }]);
    const ready = await postings(['SHIPMENT_READINESS']);
    expect(ready).toHaveLength(1);
    expect(postingPayload('SHIPMENT_READINESS', ready[0]!.payload)).toEqual(expect.objectContaining({ customerId, quantity: 180, palletIds: good }));

    const before = await snapshot();
    await windows.closeWindows(at(500));
    await fixture.publish([...casePacker(), ...twoPallets(), ...heldPallet(), ...replacementPallet()], 'replay-all');
    await fixture.idle();
    await windows.closeWindows(at(500));
    expect(await snapshot()).toEqual(before);
  });
});
