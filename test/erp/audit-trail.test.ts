// The audit trail through the real gateway, on postings the ingest path produced from real
// telemetry: ERP document ← posting ← window/rule ← domain events ← readings, and back from a
// reading or an event to the postings it fed.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { connectBus, ensureStreams, type StreamSettings } from '../../core/bus.ts';
import { silentLogger } from '../../core/log.ts';
import { telemetrySubject } from '../../core/telemetry.ts';
import { startConfirmationWindows, type ConfirmationWindows } from '../../ingest/reactions/confirmation-windows.ts';
import { createMaintenanceReaction } from '../../ingest/reactions/maintenance.ts';
import { createOperationTracker } from '../../ingest/reactions/operations.ts';
import { createLineStateProcessor } from '../../ingest/state/processor.ts';
import { createThresholdProcessor } from '../../ingest/thresholds/processor.ts';
import { INGEST_CONSUMER, startIngestWorker, type IngestWorker } from '../../ingest/worker.ts';
import { deleteStreams, testStreamSettings } from '../support/bus.ts';
import { eventually } from '../support/eventually.ts';
import { startHubUnderTest, type HubUnderTest } from '../support/hub.ts';
import type { ReadingInput } from '../support/ingest.ts';
import { natsUrl } from '../support/services.ts';
import { ACK, asAdapter, CLAIM, confirmationPayload } from './support.ts';

const WINDOW = 60; // seconds
const t0 = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3_600_000; // a window boundary an hour ago
const at = (seconds: number) => new Date(t0 + seconds * 1_000);
const iso = (seconds: number) => at(seconds).toISOString();

const TRACE = `query($id: ID!, $first: Int, $after: String) {
  erpPosting(id: $id) {
    id
    trace {
      document { erpDocumentId confirmedAt }
      posting { id kind idempotencyKey status attempts }
      derivation {
        __typename
        ... on ConfirmationWindow { rule order { id } operation { id } windowStart windowEnd assetId counterTags readingsFrom }
        ... on MaintenanceTrigger { rule maintenanceRequest { id } assetId assetCode priority reason alarmCode downtimeStartAt downtimeEndAt }
        ... on InspectionOutcome { rule inspectionLot { id } decision }
      }
      events { id type occurredAt readingId data }
      unresolvedSourceEventIds
      readings(first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id time assetId tag value valueText quality } } }
    }
  }
}`;
const FED_BY = `query($readingId: ID, $eventId: ID) {
  postingsFedBy(readingId: $readingId, eventId: $eventId) { totalCount edges { node { id kind idempotencyKey } } }
}`;

interface Reading { id: string; time: string; assetId: string; tag: string; value: number | null; valueText: string | null; quality: string }
interface Trace {
  document: { erpDocumentId: string; confirmedAt: string } | null;
  posting: { id: string; kind: string; idempotencyKey: string; status: string; attempts: number };
  derivation: Record<string, unknown> | null;
  events: { id: string; type: string; occurredAt: string; readingId: string | null; data: Record<string, unknown> }[];
  unresolvedSourceEventIds: string[];
  readings: { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string | null }; edges: { cursor: string; node: Reading }[] };
}

describe('ERP audit trail', () => {
  let hub: HubUnderTest;
  let bus: NatsConnection;
  let streams: StreamSettings;
  let worker: IngestWorker;
  let windows: ConfirmationWindows;
  let op10: string;
  let operationId: string;
  let orderId: string;

  beforeAll(async () => {
    hub = await startHubUnderTest('audit_trail');
    bus = await connectBus({ url: natsUrl, name: 'test-audit-trail', log: silentLogger });
    streams = testStreamSettings('audit_trail');
    await ensureStreams(bus, streams, silentLogger);
    const { pool } = hub.database;
    op10 = (await pool.query<{ id: string }>(`SELECT id FROM assets.work_cell WHERE code = 'OP10'`)).rows[0]!.id;
    const operation = (await pool.query<{ id: string; order_id: string }>(
      `SELECT op.id, op.order_id FROM orders.operation op JOIN orders.production_order o ON o.id = op.order_id WHERE o.erp_order_number = '1000101' AND op.sequence = 10`,
    )).rows[0]!;
    operationId = operation.id;
    orderId = operation.order_id;
    worker = await startIngestWorker({
      pool,
      bus,
      streams,
      log: silentLogger,
      processors: [createLineStateProcessor(), createOperationTracker(), createThresholdProcessor(), createMaintenanceReaction({ downtimeRequestAfterSeconds: 120 })],
    });
    windows = startConfirmationWindows({ pool, log: silentLogger, windowSeconds: WINDOW, graceSeconds: 10, intervalMs: 60 * 60 * 1_000 });

    const reading = (id: string, seconds: number, tag: string, value: number | string): ReadingInput => ({ readingId: id, assetId: op10, tag, value, timestamp: iso(seconds) });
    const readings: ReadingInput[] = [
      reading('at-g0', 5, 'good_count', 100),
      reading('at-x0', 5, 'scrap_count', 3),
      reading('at-s1', 10, 'state', 'RUNNING'),
      reading('at-c1', 20, 'spindle_temp', 75), // beyond the high alarm limit 70: critical alarm → maintenance notification
      reading('at-g1', 40, 'good_count', 108),
      reading('at-g2', 65, 'good_count', 112),
      reading('at-x1', 66, 'scrap_count', 4),
      reading('at-s2', 70, 'state', 'DOWN:TOOL_BREAK'),
      reading('at-s3', 100, 'state', 'RUNNING'),
    ];
    await jetstream(bus).publish(telemetrySubject('BER', 'CNC1', 'TEST', streams.SUBJECT_PREFIX), JSON.stringify({ version: 1, readings }), { msgID: 'audit-trail-1' });
    const manager = await jetstreamManager(bus);
    await eventually(async () => {
      const info = await manager.consumers.info(streams.STREAM_TELEMETRY, INGEST_CONSUMER);
      expect(info.num_pending + info.num_ack_pending).toBe(0);
    });
    expect(await windows.closeWindows(at(135))).toBe(2); // [0, 60) and [60, 120)
  });
  afterAll(async () => {
    await windows?.stop();
    await worker?.stop();
    await deleteStreams(bus, streams);
    await bus.close();
    await hub.stop();
  });

  const postingId = async (kind: string, where = '') =>
    (await hub.database.pool.query<{ id: string }>(`SELECT id FROM integration.erp_posting WHERE kind = $1 ${where} ORDER BY created_at, id`, [kind])).rows.map((row) => row.id);
  const trace = async (id: string, variables: Record<string, unknown> = {}): Promise<Trace> => {
    const response = await hub.query<{ erpPosting: { trace: Trace } }>(TRACE, { id, ...variables });
    expect(response.errors).toBeUndefined();
    return response.data!.erpPosting.trace;
  };
  const fedBy = async (variables: Record<string, unknown>) => {
    const response = await hub.query<{ postingsFedBy: { totalCount: number; edges: { node: { id: string; kind: string; idempotencyKey: string } }[] } }>(FED_BY, variables);
    expect(response.errors).toBeUndefined();
    return response.data!.postingsFedBy;
  };
  const confirmationOf = async (windowSeconds: number) => (await postingId('PRODUCTION_CONFIRMATION', `AND payload->>'windowStart' = '${iso(windowSeconds)}'`))[0]!;

  it('audit trail - a confirmation: document ← posting ← window and rule ← LineStateChanged events ← state and counter readings, paged', async () => {
    const id = await confirmationOf(0);
    // the ERP books it
    // (both confirmations were written by one run and share created_at: claim both, book the first window's)
    const claimed = (await asAdapter<{ claimErpPostings: { id: string }[] }>(hub, 'adapter-trace', CLAIM, { kinds: ['PRODUCTION_CONFIRMATION'], limit: 2, lease: 60 })).data!.claimErpPostings;
    expect(claimed.map((posting) => posting.id)).toContain(id);
    const acknowledged = await asAdapter<{ acknowledgeErpPosting: { confirmedAt: string } }>(hub, 'adapter-trace', ACK, { id, doc: 'ERP-CONF-4711' });
    expect(acknowledged.errors).toBeUndefined();

    const first = await trace(id, { first: 1 });
    expect(first.document).toEqual({ erpDocumentId: 'ERP-CONF-4711', confirmedAt: acknowledged.data!.acknowledgeErpPosting.confirmedAt });
    expect(first.posting).toEqual({ id, kind: 'PRODUCTION_CONFIRMATION', idempotencyKey: `confirmation:${operationId}:${iso(0)}`, status: 'CONFIRMED', attempts: 1 });
    expect(first.derivation).toEqual({
      __typename: 'ConfirmationWindow',
      rule: 'counter-deltas-per-window/60s',
      order: { id: orderId },
      operation: { id: operationId },
      windowStart: iso(0),
      windowEnd: iso(60),
      assetId: op10,
      counterTags: expect.arrayContaining(['good_count', 'scrap_count']),
      readingsFrom: iso(10), // the operation started with RUNNING at 10 s
    });
    // the RUNNING interval from 10 s is the only state in [0, 60)
    expect(first.events).toEqual([{ id: expect.any(String), type: 'LineStateChanged', occurredAt: iso(10), readingId: 'at-s1', data: expect.objectContaining({ assetId: op10, state: 'RUNNING', since: iso(10), readingId: 'at-s1' }) }]);
    expect(first.unresolvedSourceEventIds).toEqual([]);
    // readings: the state reading that raised the event and the counter reading inside the window (those at 5 s are before the operation)
    expect(first.readings.totalCount).toBe(2);
    expect(first.readings.pageInfo.hasNextPage).toBe(true);
    expect(first.readings.edges.map((edge) => edge.node)).toEqual([{ id: 'at-s1', time: iso(10), assetId: op10, tag: 'state', value: null, valueText: 'RUNNING', quality: 'GOOD' }]);
    const second = await trace(id, { first: 1, after: first.readings.pageInfo.endCursor });
    expect(second.readings.edges.map((edge) => edge.node)).toEqual([{ id: 'at-g1', time: iso(40), assetId: op10, tag: 'good_count', value: 108, valueText: null, quality: 'GOOD' }]);
    expect(second.readings.pageInfo.hasNextPage).toBe(false);

    // the second window: the RUNNING, DOWN and RUNNING intervals; counters at 65 and 66 s
    const next = await trace(await confirmationOf(60), { first: 100 });
    expect(next.document).toBeNull();
    expect(next.events.map((event) => [event.type, event.data.state, event.readingId])).toEqual([
      ['LineStateChanged', 'RUNNING', 'at-s1'],
      ['LineStateChanged', 'DOWN', 'at-s2'],
      ['LineStateChanged', 'RUNNING', 'at-s3'],
    ]);
    expect(next.readings.edges.map((edge) => [edge.node.id, edge.node.value ?? edge.node.valueText])).toEqual([
      ['at-s1', 'RUNNING'],
      ['at-g2', 112],
      ['at-x1', 4],
      ['at-s2', 'DOWN:TOOL_BREAK'],
      ['at-s3', 'RUNNING'],
    ]);
    expect(next.readings.totalCount).toBe(5);
  });

  it('audit trail - a maintenance notification: posting ← critical-alarm rule and request ← AlarmRaised ← the spindle temperature reading', async () => {
    const [id] = await postingId('MAINTENANCE_NOTIFICATION');
    const requestId = (await hub.database.pool.query<{ id: string }>(`SELECT id FROM maintenance.maintenance_request WHERE asset_id = $1`, [op10])).rows[0]!.id;
    const notification = await trace(id!);
    expect(notification.document).toBeNull();
    expect(notification.posting).toMatchObject({ kind: 'MAINTENANCE_NOTIFICATION', idempotencyKey: `maintenance-notification:${requestId}`, status: 'PENDING', attempts: 0 });
    expect(notification.derivation).toEqual({
      __typename: 'MaintenanceTrigger',
      rule: 'critical-alarm',
      maintenanceRequest: { id: requestId },
      assetId: op10,
      assetCode: 'OP10',
      priority: 'HIGH',
      reason: expect.stringMatching(/spindle_temp 75/),
      alarmCode: 'SPINDLE_TEMP_HIGH_ALARM',
      downtimeStartAt: null,
      downtimeEndAt: null,
    });
    expect(notification.events).toEqual([
      { id: expect.any(String), type: 'AlarmRaised', occurredAt: iso(20), readingId: 'at-c1', data: expect.objectContaining({ assetId: op10, severity: 'CRITICAL', code: 'SPINDLE_TEMP_HIGH_ALARM' }) },
    ]);
    expect(notification.readings.totalCount).toBe(1);
    expect(notification.readings.edges[0]!.node).toEqual({ id: 'at-c1', time: iso(20), assetId: op10, tag: 'spindle_temp', value: 75, valueText: null, quality: 'GOOD' });
  });

  it('audit trail - the other way: from a reading or an event to the postings it fed', async () => {
    const [first, second] = [await confirmationOf(0), await confirmationOf(60)];
    const [notification] = await postingId('MAINTENANCE_NOTIFICATION');
    const [started] = await postingId('OPERATION_STATUS');
    // Backflush GOODS_ISSUE postings share their confirmation's state events as sources, so a state
    // reading also feeds them; they are checked apart, the rest below is about the other kinds.
    const ids = async (variables: Record<string, unknown>) => (await fedBy(variables)).edges.filter((edge) => edge.node.kind !== 'GOODS_ISSUE').map((edge) => edge.node.id);
    const goodsIssues = (await fedBy({ readingId: 'at-s2' })).edges.filter((edge) => edge.node.kind === 'GOODS_ISSUE');
    expect(goodsIssues.length).toBeGreaterThan(0);

    expect(await ids({ readingId: 'at-g1' })).toEqual([first]); // a counter reading inside the first window
    expect(await ids({ readingId: 'at-x1' })).toEqual([second]);
    expect(await ids({ readingId: 'at-s2' })).toEqual([second]); // the DOWN only overlaps the second window
    // RUNNING at 10 s started the operation and its interval overlaps both windows (the two
    // confirmations share created_at, written by one run: compared unordered)
    const fedByRunning = (await fedBy({ readingId: 'at-s1' })).edges.filter((edge) => edge.node.kind !== 'GOODS_ISSUE').map((edge) => [edge.node.id, edge.node.kind]);
    expect(fedByRunning[0]).toEqual([started, 'OPERATION_STATUS']);
    expect(fedByRunning.slice(1)).toEqual(expect.arrayContaining([[first, 'PRODUCTION_CONFIRMATION'], [second, 'PRODUCTION_CONFIRMATION']]));
    expect(fedByRunning).toHaveLength(3);
    expect(await ids({ readingId: 'at-c1' })).toEqual([notification]);
    expect(await ids({ readingId: 'at-g0' })).toEqual([]); // before the operation started: fed nothing
    expect((await fedBy({ readingId: 'no-such-reading' })).totalCount).toBe(0);

    const alarmEvent = (await trace(notification!)).events[0]!.id;
    expect(await ids({ eventId: alarmEvent })).toEqual([notification]);

    for (const variables of [{}, { readingId: 'at-g1', eventId: alarmEvent }]) {
      const response = await hub.query(FED_BY, variables);
      expect(response.errors?.[0]?.extensions?.code).toBe('VALIDATION_FAILED');
    }
  });

  it('audit trail - a posting with no sources has an empty but valid trace; unknown source ids are listed, not fatal', async () => {
    const { prisma } = hub.database;
    const bare = await prisma.erpPosting.create({ data: { kind: 'PRODUCTION_CONFIRMATION', payload: await confirmationPayload(prisma, 7), idempotencyKey: 'test:no-sources', orderId, operationId, sourceEventIds: [] } });
    const empty = await trace(bare.id);
    expect(empty).toMatchObject({ document: null, events: [], unresolvedSourceEventIds: [], readings: { totalCount: 0, pageInfo: { hasNextPage: false, endCursor: null }, edges: [] } });
    expect(empty.derivation).toMatchObject({ __typename: 'ConfirmationWindow', rule: 'test/window-5m', assetId: null, counterTags: [], readingsFrom: null });

    const status = await prisma.erpPosting.create({
      data: { kind: 'OPERATION_STATUS', payload: { orderId, erpOrderNumber: '1000101', operationId: null, operationSequence: null, status: 'STOPPED', at: iso(0) }, idempotencyKey: 'test:unknown-sources', orderId, sourceEventIds: ['not-an-event', '00000000-0000-4000-8000-000000000000'] },
    });
    const unknown = await trace(status.id);
    expect(unknown).toMatchObject({ derivation: null, events: [], unresolvedSourceEventIds: ['not-an-event', '00000000-0000-4000-8000-000000000000'], readings: { totalCount: 0, edges: [] } });
  });
});
