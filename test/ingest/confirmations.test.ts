import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { silentLogger } from '../../core/log.ts';
import { postingPayload } from '../../core/postings.ts';
import { startConfirmationWindows, type ConfirmationWindows } from '../../ingest/reactions/confirmation-windows.ts';
import { createOperationTracker } from '../../ingest/reactions/operations.ts';
import { createLineStateProcessor } from '../../ingest/state/processor.ts';
import { startIngestWorker, type IngestWorker } from '../../ingest/worker.ts';
import { startIngestFixture, type IngestFixture, type ReadingInput } from '../support/ingest.ts';

const WINDOW = 60; // seconds
// on a window boundary, an hour ago
const t0 = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3_600_000;
const at = (seconds: number) => new Date(t0 + seconds * 1_000);

describe('production confirmations per operation and window', () => {
  let fixture: IngestFixture;
  let worker: IngestWorker;
  let windows: ConfirmationWindows;
  let op10: string;
  let operationId: string; // order 1000101 (priority 2), operation 10 on OP10

  beforeAll(async () => {
    fixture = await startIngestFixture('confirmations');
    op10 = await fixture.assetId('OP10');
    const { rows } = await fixture.database.pool.query<{ id: string }>(
      `SELECT op.id FROM orders.operation op JOIN orders.production_order o ON o.id = op.order_id WHERE o.erp_order_number = '1000101' AND op.sequence = 10`,
    );
    operationId = rows[0]!.id;
    // a small planned quantity, so the test reaches the final confirmation
    await fixture.database.pool.query(`UPDATE orders.operation SET planned_quantity = 25 WHERE id = $1`, [operationId]);
    worker = await startIngestWorker({ pool: fixture.database.pool, bus: fixture.bus, streams: fixture.streams, log: silentLogger, processors: [createLineStateProcessor(), createOperationTracker()] });
    windows = startConfirmationWindows({ pool: fixture.database.pool, log: silentLogger, windowSeconds: WINDOW, graceSeconds: 10, intervalMs: 60 * 60 * 1_000 });
  });
  afterAll(async () => {
    await windows.stop();
    await worker.stop();
    await fixture.close();
  });

  const reading = (id: string, seconds: number, tag: string, value: number | string): ReadingInput => ({ readingId: id, assetId: op10, tag, value, timestamp: at(seconds).toISOString() });
  // counters 100 before the start; RUNNING from 10 s; a DOWN from 70 to 100 s; a PLC restart at 130 s
  const script = (): ReadingInput[] => [
    reading('g0', 5, 'good_count', 100),
    reading('x0', 5, 'scrap_count', 3),
    reading('s1', 10, 'state', 'RUNNING'),
    reading('g1', 40, 'good_count', 108),
    reading('g2', 65, 'good_count', 112),
    reading('x1', 66, 'scrap_count', 4),
    reading('s2', 70, 'state', 'DOWN:TOOL_BREAK'),
    reading('s3', 100, 'state', 'RUNNING'),
    reading('g3', 130, 'good_count', 0),
    reading('g4', 150, 'good_count', 9),
    reading('g5', 170, 'good_count', 14),
  ];

  const confirmations = async () =>
    (
      await fixture.database.pool.query<{ window_start: Date; yield_quantity: string; scrap_quantity: string; run_seconds: number; down_seconds: number; final: boolean }>(
        'SELECT window_start, yield_quantity, scrap_quantity, run_seconds, down_seconds, final FROM orders.confirmation WHERE operation_id = $1 ORDER BY window_start',
        [operationId],
      )
    ).rows.map((row) => [row.window_start.getTime() - t0, Number(row.yield_quantity), Number(row.scrap_quantity), row.run_seconds, row.down_seconds, row.final]);
  const postings = async () =>
    (await fixture.database.pool.query<{ kind: string; idempotency_key: string; payload: unknown }>(
      // the backflush's GOODS_ISSUE postings are test/ingest/goods-movements.test.ts's subject
      `SELECT kind::text, idempotency_key, payload FROM integration.erp_posting
        WHERE order_id = (SELECT order_id FROM orders.operation WHERE id = $1) AND kind <> 'GOODS_ISSUE' ORDER BY created_at, idempotency_key`,
      [operationId],
    )).rows;

  it('the operation starts with the work cell, each closed window is confirmed once with hand-computed figures, and the last one is final', async () => {
    await fixture.publish(script());
    await fixture.idle();
    const started = await fixture.database.pool.query<{ status: string; actual_start_at: Date; order_status: string }>(
      `SELECT op.status, op.actual_start_at, o.status AS order_status FROM orders.operation op JOIN orders.production_order o ON o.id = op.order_id WHERE op.id = $1`,
      [operationId],
    );
    expect(started.rows[0]).toEqual({ status: 'IN_PROGRESS', actual_start_at: at(10), order_status: 'IN_PROGRESS' });

    // at 135 s, windows [0, 60) and [60, 120) are closed (10 s grace); [120, 180) is not
    expect(await windows.closeWindows(at(135))).toBe(2);
    // [0,60): good 108−100 (the reading at 65 s is the next window's), run 10→60 = 50 s
    // [60,120): good 112−108 = 4, scrap 1, run 60→70 and 100→120 = 30 s, down 30 s
    expect(await confirmations()).toEqual([
      [0, 8, 0, 50, 0, false],
      [60_000, 4, 1, 30, 30, false],
    ]);
    // nothing more to confirm at the same time; again later, the third window with the counter reset
    expect(await windows.closeWindows(at(135))).toBe(0);
    expect(await windows.closeWindows(at(200))).toBe(1);
    // [120,180): 0 after the restart counts from zero, then 9 and 5: 14 → 8 + 4 + 14 = 26 ≥ 25: final
    expect((await confirmations()).at(-1)).toEqual([120_000, 14, 0, 60, 0, true]);
    const operation = await fixture.database.pool.query<{ status: string; actual_end_at: Date }>('SELECT status, actual_end_at FROM orders.operation WHERE id = $1', [operationId]);
    expect(operation.rows[0]).toEqual({ status: 'COMPLETED', actual_end_at: at(180) });

    const posted = await postings();
    expect(posted.map((posting) => posting.kind)).toEqual(['OPERATION_STATUS', 'PRODUCTION_CONFIRMATION', 'PRODUCTION_CONFIRMATION', 'PRODUCTION_CONFIRMATION', 'OPERATION_STATUS']);
    const last = postingPayload('PRODUCTION_CONFIRMATION', posted[3]!.payload);
    expect(last).toMatchObject({ erpOrderNumber: '1000101', operationSequence: 10, erpWorkCenter: expect.any(String), yieldQuantity: 14, final: true, windowStart: at(120).toISOString(), windowEnd: at(180).toISOString() });
    expect(posted[3]!.idempotency_key).toBe(`confirmation:${operationId}:${at(120).toISOString()}`);
  });

  it('replaying the readings and confirming again changes nothing', async () => {
    const before = [await confirmations(), (await postings()).map((posting) => posting.idempotency_key)];
    await fixture.publish(script(), 'replay-everything');
    await fixture.idle();
    await windows.closeWindows(at(400));
    expect([await confirmations(), (await postings()).map((posting) => posting.idempotency_key)]).toEqual(before);
  });
});
