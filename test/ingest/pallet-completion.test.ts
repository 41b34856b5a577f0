// Pallet completion as the confirmation job does it (ingest/reactions/pallets.ts completePallets),
// from readings stored in telemetry.reading on real PostgreSQL: lot numbers count the pallets made
// (a counter step with nothing counted on it uses no number), only readings older than the grace are
// completed and the next run carries on from the last pallet, readings stored in any order give the
// same pallets, and two processes running the job at once make every pallet once.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { openDatabase, type Database } from '../../core/db.ts';
import { silentLogger } from '../../core/log.ts';
import { migrate } from '../../core/migrations.ts';
import { completePallets } from '../../ingest/reactions/pallets.ts';
import { seedDemoPlant } from '../../prisma/seed.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';

const GRACE_MS = 10_000;
const t0 = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3_600_000;
const at = (seconds: number) => new Date(t0 + seconds * 1_000);

interface CounterReading {
  id: string;
  seconds: number;
  tag: 'cases_stacked' | 'pallets_completed';
  value: number;
}

/**
 * The palletizer of order 3000301: 61 cases on the first pallet; then the counter steps by two with
 * one case more counted (one pallet of 1, one with nothing on it); then a pallet of 59.
 */
const READINGS: CounterReading[] = [
  { id: 'c0', seconds: 5, tag: 'cases_stacked', value: 0 },
  { id: 'p0', seconds: 5, tag: 'pallets_completed', value: 0 },
  { id: 'c1', seconds: 100, tag: 'cases_stacked', value: 61 },
  { id: 'p1', seconds: 100, tag: 'pallets_completed', value: 1 },
  { id: 'c2', seconds: 110, tag: 'cases_stacked', value: 62 },
  { id: 'p2', seconds: 110, tag: 'pallets_completed', value: 3 },
  { id: 'c3', seconds: 200, tag: 'cases_stacked', value: 121 },
  { id: 'p3', seconds: 200, tag: 'pallets_completed', value: 4 },
];
const EXPECTED = [
  { lot: '3000301-P001', quantity: 61, completedAt: at(100), reading: 'p1' },
  { lot: '3000301-P002', quantity: 1, completedAt: at(110), reading: 'p2' },
  { lot: '3000301-P003', quantity: 59, completedAt: at(200), reading: 'p3' },
];

describe('pallet completion from stored palletizer readings', () => {
  let testDatabase: TestDatabase;
  let database: Database;
  let pal20: string;
  let orderId: string;

  beforeAll(async () => {
    testDatabase = await createTestDatabase('pallet_completion');
    database = openDatabase({ url: testDatabase.url, poolMax: 4, log: silentLogger });
    await migrate({ pool: database.pool, log: silentLogger });
    await seedDemoPlant(database.prisma);
    const { rows } = await database.pool.query<{ work_cell_id: string; order_id: string; id: string }>(
      `SELECT op.work_cell_id, op.order_id, op.id FROM orders.operation op JOIN orders.production_order o ON o.id = op.order_id WHERE o.erp_order_number = '3000301' AND op.sequence = 20`,
    );
    ({ work_cell_id: pal20, order_id: orderId } = rows[0]!);
    await database.pool.query(`UPDATE orders.production_order SET status = 'IN_PROGRESS', started_at = $2 WHERE id = $1`, [orderId, at(10)]);
    await database.pool.query(`UPDATE orders.operation SET status = 'IN_PROGRESS', actual_start_at = $2 WHERE id = $1`, [rows[0]!.id, at(10)]);
  });
  afterAll(async () => {
    await database?.close();
    await testDatabase?.drop();
  });

  beforeEach(async () => {
    // every test starts with no readings and no pallets on the order
    const { pool } = database;
    await pool.query(`DELETE FROM integration.erp_posting WHERE order_id = $1`, [orderId]);
    await pool.query(`DELETE FROM orders.shipment_readiness WHERE order_id = $1`, [orderId]);
    await pool.query(`DELETE FROM inventory.material_movement WHERE order_id = $1`, [orderId]);
    await pool.query(`DELETE FROM inventory.pallet WHERE order_id = $1`, [orderId]);
    await pool.query(`DELETE FROM inventory.material_lot WHERE produced_by_order_id = $1`, [orderId]);
    await pool.query(`DELETE FROM telemetry.reading WHERE asset_id = $1`, [pal20]);
  });

  const store = async (readings: CounterReading[]) => {
    for (const reading of readings) {
      await database.pool.query(`INSERT INTO telemetry.reading (time, asset_id, tag, value, reading_id) VALUES ($1, $2, $3, $4, $5)`, [
        at(reading.seconds),
        pal20,
        reading.tag,
        reading.value,
        reading.id,
      ]);
    }
  };
  const run = (seconds: number) => completePallets(database.pool, at(seconds), GRACE_MS, silentLogger);
  const pallets = async () =>
    (await database.pool.query<{ lot: string; quantity: number; completedAt: Date; reading: string }>(
      `SELECT l.lot_number AS lot, p.quantity::float8 AS quantity, p.completed_at AS "completedAt", mv.source_event_ids[1] AS reading
         FROM inventory.pallet p JOIN inventory.material_lot l ON l.id = p.lot_id
         JOIN inventory.material_movement mv ON mv.idempotency_key = 'produce:pallet:' || p.id
        WHERE p.order_id = $1 ORDER BY p.completed_at, l.lot_number`,
      [orderId],
    )).rows;
  const receipts = async () =>
    (await database.pool.query<{ lot: string }>(`SELECT payload->>'lotNumber' AS lot FROM integration.erp_posting WHERE order_id = $1 AND kind = 'GOODS_RECEIPT' ORDER BY 1`, [orderId])).rows.map(
      (row) => row.lot,
    );

  it('numbers lots by the pallets made: a counter step with nothing counted on it makes no pallet and uses no number', async () => {
    await store(READINGS);
    expect(await run(300)).toBe(3);
    expect(await pallets()).toEqual(EXPECTED);
    expect(await receipts()).toEqual(EXPECTED.map((pallet) => pallet.lot));
    expect(await run(300)).toBe(0); // a second run makes nothing twice
    expect(await pallets()).toEqual(EXPECTED);
  });

  it('completes only readings older than the grace; the next run carries on after the last pallet', async () => {
    await store(READINGS);
    expect(await run(105)).toBe(0); // the reading at 100 s is within the grace
    expect(await run(115)).toBe(1);
    expect(await pallets()).toEqual(EXPECTED.slice(0, 1));
    expect(await run(150)).toBe(1);
    expect(await run(215)).toBe(1);
    expect(await pallets()).toEqual(EXPECTED);
  });

  it('gives the same pallets whatever order the readings were stored in', async () => {
    // as a redelivery after a crash stores them: the completing readings before what they depend on
    await store([...READINGS].reverse());
    expect(await run(300)).toBe(3);
    expect(await pallets()).toEqual(EXPECTED);
  });

  it('makes every pallet once when two processes run the job at the same time', async () => {
    await store(READINGS);
    const made = await Promise.all([run(300), run(300), run(300)]);
    expect(made.reduce((sum, count) => sum + count, 0)).toBe(3);
    expect(await pallets()).toEqual(EXPECTED);
    expect(await receipts()).toEqual(EXPECTED.map((pallet) => pallet.lot));
  });
});
