// Goods movements end to end on real PostgreSQL and NATS, on the seed's packaging order 3000301
// (FG-1101, case of 12: BOM SF-2101 ×12, PK-4103 ×1, PK-4104 ×1; operations CAS10 → PAL20 → STW30):
// confirmations of the first operation backflush the BOM (GOODS_ISSUE 261 + CONSUME movements);
// the palletizer's pallets_completed counter completes pallets (in the confirmation job, once the
// grace has passed) → FG lot, GOODS_RECEIPT 101, put-away (TRANSFER 311 to WH01) and, with the order's quantity received, shipment readiness for INITECH;
// a replay of the same readings creates nothing twice; a held order's receipt waits for the decision.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import type { AccessClaims } from '../../core/auth.ts';
import { signInternalToken } from '../../core/internal-auth.ts';
import { startSubgraph, type RunningSubgraph } from '../../core/graphql/subgraph.ts';
import { inventorySubgraph } from '../../subgraphs/inventory/index.ts';
import { ordersSubgraph } from '../../subgraphs/orders/index.ts';
import { TEST_INTERNAL_SECRET, type GraphQLResponse } from '../support/graph.ts';
import { silentLogger } from '../../core/log.ts';
import { postingPayload } from '../../core/postings.ts';
import { startConfirmationWindows, type ConfirmationWindows } from '../../ingest/reactions/confirmation-windows.ts';
import { createOperationTracker } from '../../ingest/reactions/operations.ts';
import { sscc } from '../../ingest/reactions/pallets.ts';
import { createQualityReaction } from '../../ingest/reactions/quality.ts';
import { createLineStateProcessor } from '../../ingest/state/processor.ts';
import { createThresholdProcessor } from '../../ingest/thresholds/processor.ts';
import { startIngestWorker, type IngestWorker } from '../../ingest/worker.ts';
import { startIngestFixture, type IngestFixture, type ReadingInput } from '../support/ingest.ts';

const WINDOW = 60; // seconds
const t0 = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3_600_000; // on a window boundary, an hour ago
const at = (seconds: number) => new Date(t0 + seconds * 1_000);

interface PostingRow {
  kind: string;
  idempotency_key: string;
  payload: Record<string, unknown>;
  lot_id: string | null;
  source_event_ids: string[];
}

describe('goods movements: backflush per confirmation, pallet completion → FG receipt, put-away, shipment readiness', () => {
  let fixture: IngestFixture;
  let worker: IngestWorker;
  let windows: ConfirmationWindows;
  let cas10: string;
  let pal20: string;
  let orderId: string;
  let cas10OperationId: string;
  let customerId: string;

  beforeAll(async () => {
    fixture = await startIngestFixture('goods_movements');
    cas10 = await fixture.assetId('CAS10');
    pal20 = await fixture.assetId('PAL20');
    const { pool } = fixture.database;
    const { rows } = await pool.query<{ order_id: string; id: string; customer_id: string }>(
      `SELECT op.order_id, op.id, o.customer_id FROM orders.operation op JOIN orders.production_order o ON o.id = op.order_id WHERE o.erp_order_number = '3000301' AND op.sequence = 10`,
    );
    ({ order_id: orderId, id: cas10OperationId, customer_id: customerId } = rows[0]!);
    // three pallets of 60 cases make the order
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
  const casePacker = (): ReadingInput[] => [
    reading(cas10, 'c0', 5, 'good_count', 0),
    reading(cas10, 'c1', 10, 'state', 'RUNNING'),
    reading(cas10, 'c2', 40, 'good_count', 10),
    reading(cas10, 'c3', 70, 'good_count', 25),
  ];
  // two pallets of 60 cases
  const palletizer = (): ReadingInput[] => [
    reading(pal20, 'p0', 5, 'cases_stacked', 0),
    reading(pal20, 'p1', 5, 'pallets_completed', 0),
    reading(pal20, 'p2', 10, 'state', 'RUNNING'),
    reading(pal20, 'p3', 100, 'cases_stacked', 60),
    reading(pal20, 'p4', 100, 'pallets_completed', 1),
    reading(pal20, 'p5', 200, 'cases_stacked', 120),
    reading(pal20, 'p6', 200, 'pallets_completed', 2),
  ];
  const thirdPallet = (): ReadingInput[] => [reading(pal20, 'p7', 300, 'cases_stacked', 180), reading(pal20, 'p8', 300, 'pallets_completed', 3)];

  const postings = async (kinds: string[]) =>
    (await fixture.database.pool.query<PostingRow>(
      `SELECT kind::text, idempotency_key, payload, lot_id, source_event_ids FROM integration.erp_posting WHERE order_id = $1 AND kind::text = ANY($2) ORDER BY created_at, idempotency_key`,
      [orderId, kinds],
    )).rows;
  const pallets = async () =>
    (await fixture.database.pool.query<{ id: string; sscc: string; status: string; quantity: number; lot_number: string; lot_status: string; location: string; completed_at: Date }>(
      `SELECT p.id, p.sscc, p.status::text, p.quantity::float8 AS quantity, l.lot_number, l.status::text AS lot_status, loc.code AS location, p.completed_at
         FROM inventory.pallet p JOIN inventory.material_lot l ON l.id = p.lot_id JOIN inventory.location loc ON loc.id = p.location_id
        WHERE p.order_id = $1 ORDER BY p.completed_at`,
      [orderId],
    )).rows;
  const movements = async () =>
    (await fixture.database.pool.query<{ kind: string; material: string; quantity: number; from_code: string | null; to_code: string | null; idempotency_key: string; occurred_at: Date }>(
      `SELECT mm.kind::text, m.erp_material_number AS material, mm.quantity::float8 AS quantity, f.code AS from_code, t.code AS to_code, mm.idempotency_key, mm.occurred_at
         FROM inventory.material_movement mm JOIN inventory.material m ON m.id = mm.material_id
         LEFT JOIN inventory.location f ON f.id = mm.from_location_id LEFT JOIN inventory.location t ON t.id = mm.to_location_id
        WHERE mm.order_id = $1 ORDER BY mm.occurred_at, mm.idempotency_key`,
      [orderId],
    )).rows;
  const readiness = async () =>
    (await fixture.database.pool.query<{ status: string; quantity: number; pallet_ids: string[]; ready_at: Date }>(
      `SELECT status::text, quantity::float8 AS quantity, pallet_ids, ready_at FROM orders.shipment_readiness WHERE order_id = $1`,
      [orderId],
    )).rows;
  const snapshot = async () => ({
    postings: await postings(['GOODS_ISSUE', 'GOODS_RECEIPT', 'TRANSFER', 'SHIPMENT_READINESS', 'PRODUCTION_CONFIRMATION']),
    pallets: await pallets(),
    movements: await movements(),
    readiness: await readiness(),
  });

  it('each confirmation of the first operation issues the BOM components for its yield (261), with CONSUME movements from the line side', async () => {
    await fixture.publish(casePacker());
    await fixture.idle();
    // [0,60): 10 cases, [60,120): 15 cases
    expect(await windows.closeWindows(at(135))).toBe(2);
    const issues = await postings(['GOODS_ISSUE']);
    const windowKey = (seconds: number) => `confirmation:${cas10OperationId}:${at(seconds).toISOString()}`;
    expect(issues.map((p) => [p.idempotency_key, p.payload.materialNumber, p.payload.quantity, p.payload.unit, p.payload.lotNumber, p.payload.locationCode])).toEqual([
      [`goods-issue:${windowKey(0)}:10`, 'SF-2101', 120, 'PC', 'LYO-SF2101-24001', 'LS-PCK1'],
      [`goods-issue:${windowKey(0)}:20`, 'PK-4103', 10, 'PC', 'LYO-PK4103-24001', 'LS-PCK1'],
      [`goods-issue:${windowKey(0)}:30`, 'PK-4104', 10, 'PC', 'LYO-PK4104-24001', 'LS-PCK1'],
      [`goods-issue:${windowKey(60)}:10`, 'SF-2101', 180, 'PC', 'LYO-SF2101-24001', 'LS-PCK1'],
      [`goods-issue:${windowKey(60)}:20`, 'PK-4103', 15, 'PC', 'LYO-PK4103-24001', 'LS-PCK1'],
      [`goods-issue:${windowKey(60)}:30`, 'PK-4104', 15, 'PC', 'LYO-PK4104-24001', 'LS-PCK1'],
    ]);
    for (const issue of issues) {
      expect(postingPayload('GOODS_ISSUE', issue.payload)).toMatchObject({ movementType: '261', erpOrderNumber: '3000301', orderId });
      expect(issue.payload.postedFor).toBe(issue.idempotency_key.replace(/^goods-issue:/, '').replace(/:\d+$/, ''));
      expect(issue.source_event_ids.length).toBeGreaterThan(0);
    }
    const consumed = (await movements()).filter((m) => m.kind === 'CONSUME');
    expect(consumed.map((m) => [m.material, m.quantity, m.from_code, m.occurred_at])).toEqual([
      ['SF-2101', 120, 'LS-PCK1', at(60)],
      ['PK-4103', 10, 'LS-PCK1', at(60)],
      ['PK-4104', 10, 'LS-PCK1', at(60)],
      ['SF-2101', 180, 'LS-PCK1', at(120)],
      ['PK-4103', 15, 'LS-PCK1', at(120)],
      ['PK-4104', 15, 'LS-PCK1', at(120)],
    ]);
    const { rows: lot } = await fixture.database.pool.query<{ quantity: number }>(`SELECT quantity::float8 AS quantity FROM inventory.material_lot WHERE lot_number = 'LYO-SF2101-24001'`);
    expect(lot[0]!.quantity).toBe(2400 - 300);
    // running the job again issues nothing more
    expect(await windows.closeWindows(at(135))).toBe(0);
    expect(await postings(['GOODS_ISSUE'])).toHaveLength(6);
  });

  it('a pallet completion on the palletizer makes a COMPLETE pallet, an FG lot, a GOODS_RECEIPT (101) and a put-away to WH01; a replay adds nothing', async () => {
    await fixture.publish(palletizer());
    await fixture.idle();
    // the job completes pallets from stored readings older than the grace: not yet the one at 200 s
    await windows.closeWindows(at(205));
    expect((await pallets()).map((p) => p.completed_at)).toEqual([at(100)]);
    await windows.closeWindows(at(215));
    const made = await pallets();
    expect(made.map((p) => [p.status, p.quantity, p.lot_number, p.lot_status, p.location, p.completed_at])).toEqual([
      ['COMPLETE', 60, '3000301-P001', 'AVAILABLE', 'WH01', at(100)],
      ['COMPLETE', 60, '3000301-P002', 'AVAILABLE', 'WH01', at(200)],
    ]);
    for (const pallet of made) {
      expect(pallet.sscc).toMatch(/^\d{18}$/);
      expect(pallet.sscc).toBe(sscc('03012345110019', pallet.id));
    }
    // written in one transaction (same created_at), so in pallet order by lot number
    const byLot = (rows: PostingRow[]) => rows.sort((a, b) => String(a.payload.lotNumber).localeCompare(String(b.payload.lotNumber)));
    const receipts = byLot(await postings(['GOODS_RECEIPT']));
    expect(receipts.map((p) => p.idempotency_key)).toEqual(made.map((p) => `goods-receipt:pallet:${p.id}`));
    expect(receipts.map((p) => postingPayload('GOODS_RECEIPT', p.payload))).toEqual(
      made.map((p) => expect.objectContaining({ movementType: '101', materialNumber: 'FG-1101', quantity: 60, unit: 'CS', lotNumber: p.lot_number, locationCode: 'LS-PCK1', palletId: p.id })),
    );
    expect(receipts.map((p) => p.source_event_ids)).toEqual([['p4'], ['p6']]);
    const transfers = byLot(await postings(['TRANSFER']));
    expect(transfers.map((p) => [p.idempotency_key, p.payload.movementType, p.payload.fromLocationCode, p.payload.toLocationCode, p.payload.quantity])).toEqual(
      made.map((p) => [`put-away:pallet:${p.id}`, '311', 'LS-PCK1', 'WH01', 60]),
    );
    const moved = (await movements()).filter((m) => m.kind !== 'CONSUME');
    expect(moved.map((m) => [m.kind, m.quantity, m.from_code, m.to_code, m.occurred_at])).toEqual([
      ['PRODUCE', 60, null, 'LS-PCK1', at(100)],
      ['TRANSFER', 60, 'LS-PCK1', 'WH01', at(100)],
      ['PRODUCE', 60, null, 'LS-PCK1', at(200)],
      ['TRANSFER', 60, 'LS-PCK1', 'WH01', at(200)],
    ]);
    // 120 of 180 received: not ready to ship yet
    expect(await readiness()).toEqual([]);
    expect(await postings(['SHIPMENT_READINESS'])).toEqual([]);

    const before = await snapshot();
    await fixture.publish([...casePacker(), ...palletizer()], 'replay-everything');
    await fixture.idle();
    await windows.closeWindows(at(215));
    expect(await snapshot()).toEqual(before);
  });

  it('while the order is held the last pallet completes in QUARANTINE and its receipt waits; the decision releases it, and the order is ready to ship', async () => {
    const { pool } = fixture.database;
    const { rows: lot } = await pool.query<{ id: string }>(
      `INSERT INTO quality.inspection_lot (order_id, origin, status, idempotency_key) VALUES ($1, 'MANUAL', 'OPEN', 'test:goods-movements:hold') RETURNING id`,
      [orderId],
    );
    await pool.query(`INSERT INTO quality.quality_hold (order_id, inspection_lot_id, reason) VALUES ($1, $2, 'test hold')`, [orderId, lot[0]!.id]);

    await fixture.publish(thirdPallet());
    await fixture.idle();
    // the job runs while the order is held: the pallet completes, nothing is released
    await windows.closeWindows(at(400));
    const third = (await pallets())[2]!;
    expect([third.status, third.quantity, third.lot_number, third.lot_status, third.location]).toEqual(['COMPLETE', 60, '3000301-P003', 'QUARANTINE', 'LS-PCK1']);
    expect((await postings(['GOODS_RECEIPT'])).map((p) => p.payload.palletId)).not.toContain(third.id);
    expect((await movements()).filter((m) => m.kind === 'PRODUCE')).toHaveLength(3);
    expect(await postings(['GOODS_RECEIPT'])).toHaveLength(2);
    expect(await readiness()).toEqual([]);

    // decided (as decideInspectionLot does: lot DECIDED, hold released)
    await pool.query(`UPDATE quality.inspection_lot SET status = 'DECIDED', decision = 'ACCEPTED', decided_at = $2 WHERE id = $1`, [lot[0]!.id, at(450)]);
    await pool.query(`UPDATE quality.quality_hold SET active = false, released_at = $2 WHERE inspection_lot_id = $1`, [lot[0]!.id, at(450)]);
    await windows.closeWindows(at(500));

    const receipts = await postings(['GOODS_RECEIPT']);
    expect(receipts.map((p) => p.payload.palletId)).toContain(third.id);
    expect(receipts).toHaveLength(3);
    const released = (await pallets())[2]!;
    expect([released.lot_status, released.location]).toEqual(['AVAILABLE', 'WH01']);
    const putAway = (await movements()).find((m) => m.idempotency_key === `put-away:pallet:${third.id}`)!;
    expect(putAway.occurred_at).toEqual(at(450)); // dated at the decision

    const all = await pallets();
    expect(await readiness()).toEqual([{ status: 'READY', quantity: 180, pallet_ids: all.map((p) => p.id), ready_at: at(450) }]);
    const ready = await postings(['SHIPMENT_READINESS']);
    expect(ready.map((p) => p.idempotency_key)).toEqual([`shipment-readiness:${orderId}`]);
    expect(postingPayload('SHIPMENT_READINESS', ready[0]!.payload)).toEqual({
      orderId,
      erpOrderNumber: '3000301',
      customerId,
      quantity: 180,
      unit: 'CS',
      palletIds: all.map((p) => p.id),
      readyAt: at(450).toISOString(),
    });

    // again, and a replay of everything: nothing twice
    const before = await snapshot();
    await windows.closeWindows(at(500));
    await fixture.publish([...casePacker(), ...palletizer(), ...thirdPallet()], 'replay-all-again');
    await fixture.idle();
    await windows.closeWindows(at(500));
    expect(await snapshot()).toEqual(before);
  });

  it('the graph shows the order\'s pallets (inventory) and its shipment readiness (orders), the latter to the partner of the order\'s customer', async () => {
    const options = { port: 0, database: fixture.database, internalSecret: TEST_INTERNAL_SECRET, log: silentLogger };
    const subgraphs: RunningSubgraph[] = [await startSubgraph(ordersSubgraph, options), await startSubgraph(inventorySubgraph, options)];
    try {
      const query = async <T>(subgraph: RunningSubgraph, claims: AccessClaims, text: string) => {
        const response = await fetch(subgraph.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-request-id': randomUUID(), 'x-plantgraph-internal': await signInternalToken(claims, TEST_INTERNAL_SECRET) },
          body: JSON.stringify({ query: text, variables: { representations: [{ __typename: 'ProductionOrder', id: orderId }] } }),
        });
        return (await response.json()) as GraphQLResponse<T>;
      };
      const all = await pallets();
      const partner = await query<{ _entities: { shipmentReadiness: { status: string; quantity: number; unit: string; readyAt: string; pallets: { id: string }[] }[] }[] }>(
        subgraphs[0]!,
        { sub: 'initech-buyer', role: 'partner', customerId },
        `query($representations: [_Any!]!) { _entities(representations: $representations) { ... on ProductionOrder { shipmentReadiness { status quantity unit readyAt pallets { id } } } } }`,
      );
      expect(partner.errors).toBeUndefined();
      expect(partner.data!._entities[0]!.shipmentReadiness).toEqual([{ status: 'READY', quantity: 180, unit: 'CS', readyAt: at(450).toISOString(), pallets: all.map((p) => ({ id: p.id })) }]);

      const plant = await query<{ _entities: { pallets: { id: string; sscc: string; status: string; quantity: number; lot: { lotNumber: string }; location: { code: string } }[] }[] }>(
        subgraphs[1]!,
        { sub: 'planner-1', role: 'planner' },
        `query($representations: [_Any!]!) { _entities(representations: $representations) { ... on ProductionOrder { pallets { id sscc status quantity lot { lotNumber } location { code } } } } }`,
      );
      expect(plant.errors).toBeUndefined();
      expect(plant.data!._entities[0]!.pallets).toEqual(all.map((p) => ({ id: p.id, sscc: p.sscc, status: 'COMPLETE', quantity: 60, lot: { lotNumber: p.lot_number }, location: { code: 'WH01' } })));
    } finally {
      for (const subgraph of subgraphs) await subgraph.stop();
    }
  });
});
