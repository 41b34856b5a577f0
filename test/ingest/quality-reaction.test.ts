// The quality reaction end to end on real PostgreSQL and NATS: a fill-weight reading beyond its
// limits on FIL20 (order 2000201, operation 20 running) opens an inspection lot with the result and
// a hold; a replay adds nothing; the final confirmation waits for the decision; decideInspectionLot
// (through the real quality subgraph) releases it (ACCEPTED → completion goes through) or rejects
// it (nonconformance, SCRAP and INSPECTION_RESULT postings), once per idempotency key.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { signInternalToken } from '../../core/internal-auth.ts';
import { silentLogger } from '../../core/log.ts';
import { postingPayload } from '../../core/postings.ts';
import { startSubgraph, type RunningSubgraph } from '../../core/graphql/subgraph.ts';
import { startConfirmationWindows, type ConfirmationWindows } from '../../ingest/reactions/confirmation-windows.ts';
import { createOperationTracker } from '../../ingest/reactions/operations.ts';
import { createQualityReaction } from '../../ingest/reactions/quality.ts';
import { createLineStateProcessor } from '../../ingest/state/processor.ts';
import { createThresholdProcessor } from '../../ingest/thresholds/processor.ts';
import { startIngestWorker, type IngestWorker } from '../../ingest/worker.ts';
import { qualitySubgraph } from '../../subgraphs/quality/index.ts';
import { TEST_INTERNAL_SECRET, type GraphQLResponse } from '../support/graph.ts';
import { startIngestFixture, type IngestFixture, type ReadingInput } from '../support/ingest.ts';

const WINDOW = 60; // seconds
const t0 = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3_600_000; // on a window boundary, an hour ago
const at = (seconds: number) => new Date(t0 + seconds * 1_000);

const DECIDE = `mutation($id: ID!, $decision: InspectionDecision!, $key: String!, $scrapQuantity: Float, $note: String) {
  decideInspectionLot(id: $id, decision: $decision, idempotencyKey: $key, scrapQuantity: $scrapQuantity, note: $note) {
    replayed inspectionLot { id status decision holds { active } } nonconformance { id disposition status }
  }
}`;

describe('quality reaction: threshold → inspection lot and hold; decision releases completion', () => {
  let fixture: IngestFixture;
  let worker: IngestWorker;
  let windows: ConfirmationWindows;
  let subgraph: RunningSubgraph;
  let fil20: string;
  let orderId: string;
  let operationId: string;
  const opened: { key: string; latencyMs: number }[] = [];

  beforeAll(async () => {
    fixture = await startIngestFixture('quality_reaction');
    fil20 = await fixture.assetId('FIL20');
    const { pool } = fixture.database;
    const { rows } = await pool.query<{ order_id: string; id: string }>(
      `SELECT op.order_id, op.id FROM orders.operation op JOIN orders.production_order o ON o.id = op.order_id WHERE o.erp_order_number = '2000201' AND op.sequence = 20`,
    );
    ({ order_id: orderId, id: operationId } = rows[0]!);
    // only operation 20 is left to do, with a small quantity, so its final confirmation completes the order
    await pool.query(`UPDATE orders.operation SET status = 'COMPLETED' WHERE order_id = $1 AND id <> $2`, [orderId, operationId]);
    await pool.query(`UPDATE orders.operation SET planned_quantity = 20 WHERE id = $1`, [operationId]);
    worker = await startIngestWorker({
      pool,
      bus: fixture.bus,
      streams: fixture.streams,
      log: silentLogger,
      processors: [
        createLineStateProcessor(),
        createThresholdProcessor(),
        createOperationTracker(),
        createQualityReaction({ onInspectionLotOpened: ({ key, readingTime }) => opened.push({ key, latencyMs: Date.now() - readingTime.getTime() }) }),
      ],
    });
    windows = startConfirmationWindows({ pool, log: silentLogger, windowSeconds: WINDOW, graceSeconds: 10, intervalMs: 60 * 60 * 1_000 });
    subgraph = await startSubgraph(qualitySubgraph, { port: 0, database: fixture.database, internalSecret: TEST_INTERNAL_SECRET, log: silentLogger });
  });
  afterAll(async () => {
    await subgraph?.stop();
    await windows?.stop();
    await worker?.stop();
    await fixture?.close();
  });

  const decide = async (variables: Record<string, unknown>) => {
    const response = await fetch(subgraph.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-request-id': randomUUID(),
        'x-plantgraph-internal': await signInternalToken({ sub: 'quality-engineer-1', role: 'quality' }, TEST_INTERNAL_SECRET),
      },
      body: JSON.stringify({ query: DECIDE, variables }),
    });
    return (await response.json()) as GraphQLResponse<{ decideInspectionLot: { replayed: boolean; inspectionLot: { id: string; status: string; decision: string; holds: { active: boolean }[] }; nonconformance: { id: string; disposition: string; status: string } | null } }>;
  };
  const reading = (id: string, seconds: number, tag: string, value: number | string): ReadingInput => ({ readingId: id, assetId: fil20, tag, value, timestamp: at(seconds).toISOString() });
  // fill weight: warn 1020–1040, alarm 1015–1045, spec 1015–1045
  const script = (): ReadingInput[] => [
    reading('g0', 5, 'good_count', 0),
    reading('s1', 10, 'state', 'RUNNING'),
    reading('w1', 20, 'fill_weight', 1030),
    reading('w2', 30, 'fill_weight', 1048), // HIGH_ALARM: opens the lot
    reading('g1', 40, 'good_count', 8),
    reading('w3', 50, 'fill_weight', 1030), // back to normal
    reading('w4', 70, 'fill_weight', 1042), // HIGH_WARN: a second crossing, same lot
    reading('g2', 90, 'good_count', 21),
  ];
  const state = async () => {
    const { pool } = fixture.database;
    const lots = (await pool.query<{ id: string; origin: string; status: string; order_id: string; idempotency_key: string; trigger_tag_id: string }>(
      `SELECT id, origin::text, status::text, order_id, idempotency_key, trigger_tag_id FROM quality.inspection_lot WHERE order_id = $1 ORDER BY created_at`, [orderId])).rows;
    const results = (await pool.query<{ value: number; within_limits: boolean; measured_at: Date }>(
      `SELECT value, within_limits, measured_at FROM quality.inspection_result r JOIN quality.inspection_lot l ON l.id = r.inspection_lot_id WHERE l.order_id = $1 ORDER BY measured_at`, [orderId])).rows;
    const holds = (await pool.query<{ active: boolean; inspection_lot_id: string }>(`SELECT active, inspection_lot_id FROM quality.quality_hold WHERE order_id = $1 ORDER BY created_at`, [orderId])).rows;
    const events = (await pool.query<{ type: string }>(`SELECT type FROM events.outbox WHERE type LIKE 'InspectionLot%' ORDER BY position`)).rows.map((row) => row.type);
    return { lots, results, holds, events };
  };
  const postings = async () =>
    (await fixture.database.pool.query<{ kind: string; idempotency_key: string; payload: unknown; inspection_lot_id: string | null }>(
      `SELECT kind::text, idempotency_key, payload, inspection_lot_id FROM integration.erp_posting WHERE order_id = $1 ORDER BY created_at, idempotency_key`,
      [orderId],
    )).rows;

  it('a quality threshold crossing opens one inspection lot with its results and a hold on the order; a replay adds nothing', async () => {
    await fixture.publish(script());
    await fixture.idle();
    const first = await state();
    expect(first.lots).toHaveLength(1);
    expect(first.lots[0]).toMatchObject({ origin: 'THRESHOLD', status: 'OPEN' });
    expect(first.lots[0]!.idempotency_key).toMatch(new RegExp(`^quality:threshold:${orderId}:[0-9a-f-]+:w2$`));
    // the alarm crossing (out of spec) and the later warn crossing (in spec) went into the same lot
    expect(first.results.map((r) => [r.value, r.within_limits, r.measured_at])).toEqual([
      [1048, false, at(30)],
      [1042, true, at(70)],
    ]);
    expect(first.holds).toEqual([{ active: true, inspection_lot_id: first.lots[0]!.id }]);
    expect(first.events).toEqual(['InspectionLotOpened']);
    expect(opened).toHaveLength(1);
    expect(opened[0]!.latencyMs).toBeGreaterThan(0);

    await fixture.publish(script(), 'replay-everything');
    await fixture.idle();
    expect(await state()).toEqual(first);
  });

  it('the final confirmation is posted but the completion waits while the lot is undecided', async () => {
    expect(await windows.closeWindows(at(200))).toBe(2); // [0,60): 8, [60,120): 13 → 21 ≥ 20: final
    const operation = await fixture.database.pool.query<{ status: string; order_status: string }>(
      `SELECT op.status::text, o.status::text AS order_status FROM orders.operation op JOIN orders.production_order o ON o.id = op.order_id WHERE op.id = $1`,
      [operationId],
    );
    expect(operation.rows[0]).toEqual({ status: 'IN_PROGRESS', order_status: 'IN_PROGRESS' });
    expect((await postings()).map((p) => p.kind)).toEqual(['OPERATION_STATUS', 'PRODUCTION_CONFIRMATION', 'PRODUCTION_CONFIRMATION']);
    // running again changes nothing while held
    expect(await windows.closeWindows(at(400))).toBe(0);
    expect((await postings()).map((p) => p.kind)).toEqual(['OPERATION_STATUS', 'PRODUCTION_CONFIRMATION', 'PRODUCTION_CONFIRMATION']);
  });

  it('ACCEPTED releases the hold, posts the inspection result, and the next confirmation run completes the order; the same key repeats, another input conflicts', async () => {
    const lotId = (await state()).lots[0]!.id;
    const first = await decide({ id: lotId, decision: 'ACCEPTED', key: 'qa-decision-accept-1' });
    expect(first.errors).toBeUndefined();
    expect(first.data!.decideInspectionLot).toEqual({ replayed: false, inspectionLot: { id: lotId, status: 'DECIDED', decision: 'ACCEPTED', holds: [{ active: false }] }, nonconformance: null });
    const again = await decide({ id: lotId, decision: 'ACCEPTED', key: 'qa-decision-accept-1' });
    expect(again.data!.decideInspectionLot).toEqual({ ...first.data!.decideInspectionLot, replayed: true });
    const conflict = await decide({ id: lotId, decision: 'REJECTED', key: 'qa-decision-accept-1' });
    expect(conflict.errors?.[0]?.extensions?.code).toBe('IDEMPOTENCY_CONFLICT');
    const decidedTwice = await decide({ id: lotId, decision: 'REJECTED', key: 'qa-decision-accept-2' });
    expect(decidedTwice.errors?.[0]?.extensions?.code).toBe('INVALID_STATE');

    const inspection = (await postings()).filter((p) => p.kind === 'INSPECTION_RESULT');
    expect(inspection).toHaveLength(1);
    expect(inspection[0]!.idempotency_key).toBe(`inspection-result:${lotId}`);
    expect(postingPayload('INSPECTION_RESULT', inspection[0]!.payload)).toEqual({
      inspectionLotId: lotId,
      orderId,
      erpOrderNumber: '2000201',
      lotId: null,
      decision: 'ACCEPTED',
      results: [
        { characteristicCode: 'FILL-WEIGHT', value: 1048, conforming: false },
        { characteristicCode: 'FILL-WEIGHT', value: 1042, conforming: true },
      ],
    });
    expect((await state()).events).toEqual(['InspectionLotOpened', 'InspectionLotDecided']);

    await windows.closeWindows(at(400));
    const operation = await fixture.database.pool.query<{ status: string; order_status: string }>(
      `SELECT op.status::text, o.status::text AS order_status FROM orders.operation op JOIN orders.production_order o ON o.id = op.order_id WHERE op.id = $1`,
      [operationId],
    );
    expect(operation.rows[0]).toEqual({ status: 'COMPLETED', order_status: 'COMPLETED' });
    const kinds = (await postings()).map((p) => p.kind);
    expect(kinds.slice(-2)).toEqual(['OPERATION_STATUS', 'OPERATION_STATUS']);
    const statuses = (await postings()).filter((p) => p.kind === 'OPERATION_STATUS').map((p) => postingPayload('OPERATION_STATUS', p.payload).status);
    // the two completions commit together (same created_at), so their order among themselves is the keys' (random ids)
    expect(statuses[0]).toBe('STARTED');
    expect(statuses.slice(1).sort()).toEqual(['COMPLETED', 'ORDER_COMPLETED']);
    // and once only
    await windows.closeWindows(at(500));
    expect((await postings()).map((p) => p.kind)).toEqual(kinds);
  });

  it('REJECTED opens a nonconformance and writes SCRAP and INSPECTION_RESULT postings', async () => {
    const { pool } = fixture.database;
    // a second order running on MIX1 (2000202, operation 20 on FIL20) gets its own lot
    const { rows } = await pool.query<{ order_id: string; id: string }>(
      `SELECT op.order_id, op.id FROM orders.operation op JOIN orders.production_order o ON o.id = op.order_id WHERE o.erp_order_number = '2000202' AND op.sequence = 20`,
    );
    const second = rows[0]!;
    await fixture.publish([reading('s2', 600, 'state', 'IDLE'), reading('s3', 610, 'state', 'RUNNING'), reading('w5', 620, 'fill_weight', 1010)]);
    await fixture.idle();
    const lot = (await pool.query<{ id: string }>(`SELECT id FROM quality.inspection_lot WHERE order_id = $1`, [second.order_id])).rows;
    expect(lot).toHaveLength(1);
    const lotId = lot[0]!.id;

    const response = await decide({ id: lotId, decision: 'REJECTED', key: 'qa-decision-reject-1', scrapQuantity: 120, note: 'underfilled bottles' });
    expect(response.errors).toBeUndefined();
    const result = response.data!.decideInspectionLot;
    expect(result).toMatchObject({ replayed: false, inspectionLot: { id: lotId, status: 'DECIDED', decision: 'REJECTED', holds: [{ active: false }] }, nonconformance: { disposition: 'SCRAP', status: 'OPEN' } });
    const repeat = await decide({ id: lotId, decision: 'REJECTED', key: 'qa-decision-reject-1', scrapQuantity: 120, note: 'underfilled bottles' });
    expect(repeat.data!.decideInspectionLot).toEqual({ ...result, replayed: true });
    const conflict = await decide({ id: lotId, decision: 'REJECTED', key: 'qa-decision-reject-1', scrapQuantity: 100, note: 'underfilled bottles' });
    expect(conflict.errors?.[0]?.extensions?.code).toBe('IDEMPOTENCY_CONFLICT');

    const posted = (await pool.query<{ kind: string; idempotency_key: string; payload: unknown }>(
      `SELECT kind::text, idempotency_key, payload FROM integration.erp_posting WHERE inspection_lot_id = $1 ORDER BY kind`, [lotId])).rows;
    expect(posted.map((p) => [p.kind, p.idempotency_key])).toEqual([
      ['SCRAP', `scrap:inspection-lot:${lotId}`],
      ['INSPECTION_RESULT', `inspection-result:${lotId}`],
    ].sort((a, b) => (a[0]! < b[0]! ? -1 : 1)));
    const scrap = postingPayload('SCRAP', posted.find((p) => p.kind === 'SCRAP')!.payload);
    expect(scrap).toMatchObject({ orderId: second.order_id, erpOrderNumber: '2000202', materialNumber: 'SF-2101', quantity: 120, unit: 'PC', movementType: '551', lotId: null });
    expect(scrap.reason).toContain('underfilled bottles');
    expect(postingPayload('INSPECTION_RESULT', posted.find((p) => p.kind === 'INSPECTION_RESULT')!.payload)).toMatchObject({
      decision: 'REJECTED',
      results: [{ characteristicCode: 'FILL-WEIGHT', value: 1010, conforming: false }],
    });
    const nonconformances = await pool.query<{ description: string }>(`SELECT description FROM quality.nonconformance WHERE inspection_lot_id = $1`, [lotId]);
    expect(nonconformances.rows).toHaveLength(1);
    expect(nonconformances.rows[0]!.description).toContain('FILL-WEIGHT 1010');
  });
});
