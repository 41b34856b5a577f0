// Issue 7: the seed's three plant scenarios end to end, release → run → complete, through the
// gateway. An ERP adapter releases each order with releaseProductionOrder (real JWTs over HTTP); the
// machines' telemetry goes through the test's own JetStream stream to a real ingest worker running
// the hub's reading processors; the confirmation job is driven with an explicit `now`
// (closeWindows), so every window is deterministic; people and programs look only through the
// gateway (productionOrder, erpPostings, maintenanceRequests, inspection lots, claim/acknowledge).
//   1. BER/CNC1: a confirmation per closed window; a critical spindle alarm while the mill is down
//      opens a maintenance request and its MAINTENANCE_NOTIFICATION at once; running again gives the
//      request its downtime end; the last window completes the order.
//   2. LYO/MIX1: a fill-weight threshold crossing opens an inspection lot and holds the batch; its
//      completion (OPERATION_STATUS COMPLETED / ORDER_COMPLETED, status COMPLETED) is posted only
//      after decideInspectionLot by quality.
//   3. LYO/PCK1: pallets counted on the palletizer (PAL20 `pallets_completed`) become FG receipts,
//      put-away tasks for the warehouse and, with the order's quantity in, shipment readiness that
//      the customer's partner sees (and no other partner does).
// Each scenario runs in an hour of its own (three, two and one hour ago, on window boundaries), so
// the confirmation job's `now` only moves forward. Pallets are expected only after a closeWindows
// at least the grace after their readings (pallet completion may move into that job).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { connectBus, ensureStreams, type StreamSettings } from '../../core/bus.ts';
import { silentLogger } from '../../core/log.ts';
import { telemetrySubject } from '../../core/telemetry.ts';
import { startConfirmationWindows, type ConfirmationWindows } from '../../ingest/reactions/confirmation-windows.ts';
import { INGEST_CONSUMER, startIngestWorker, type IngestWorker } from '../../ingest/worker.ts';
import { deleteStreams, testStreamSettings } from '../support/bus.ts';
import { eventually } from '../support/eventually.ts';
import { startHubUnderTest, type HubUnderTest, type Identity } from '../support/hub.ts';
import type { ReadingInput } from '../support/ingest.ts';
import { hubReadingProcessors } from '../support/reaction-processors.ts';
import { natsUrl } from '../support/services.ts';

const WINDOW = 60; // seconds
const GRACE = 10; // seconds
const HOUR = 3_600_000;
const firstHour = Math.floor(Date.now() / HOUR) * HOUR - 3 * HOUR;
/** The clock of the scenario in the given hour: seconds after its start. */
const clockOf = (hour: number) => (seconds: number) => new Date(firstHour + hour * HOUR + seconds * 1_000);

const ERP_ADAPTER: Identity = { role: 'erp-adapter' }; // token subject test-erp-adapter, the lease owner
const MAINTENANCE_PLANNER: Identity = { role: 'maintenance' };
const QUALITY_ENGINEER: Identity = { role: 'quality' };
const PLANNER: Identity = { role: 'planner' };
const partnerOf = (customerId: string): Identity => ({ role: 'partner', customerId });

const PLANT = `{
  lines(first: 10) { edges { node { id code site { id code } workCells { id code } } } }
  materials(first: 100) { edges { node { id erpMaterialNumber } } }
  customers(first: 10) { edges { node { id code } } }
}`;
const RELEASE = `mutation($input: ReleaseProductionOrderInput!, $key: String!) {
  releaseProductionOrder(input: $input, idempotencyKey: $key) { replayed order { id status operations { id sequence status workCell { code } } } }
}`;
const ORDER = `query($id: ID!) { productionOrder(id: $id) {
  status startedAt completedAt operations { sequence status actualStartAt actualEndAt }
} }`;
const POSTINGS = `query($filter: ErpPostingFilter) {
  erpPostings(filter: $filter, first: 100) { edges { node { id kind status idempotencyKey payload } } }
}`;
const CLAIM = `mutation($kinds: [ErpPostingKind!]) {
  claimErpPostings(kinds: $kinds, limit: 20, leaseSeconds: 60) { id kind status attempts leaseOwner }
}`;
const ACKNOWLEDGE = `mutation($id: ID!, $document: String!) { acknowledgeErpPosting(id: $id, erpDocumentId: $document) { id status erpDocumentId } }`;
const ACKNOWLEDGE_ALL = `mutation($acknowledgements: [ErpAcknowledgement!]!) {
  acknowledgeErpPostings(acknowledgements: $acknowledgements) { id errorCode posting { status erpDocumentId } }
}`;
const MAINTENANCE_REQUESTS = `query($assetId: ID!) { maintenanceRequests(filter: { assetId: $assetId }) { edges { node {
  id priority status reason downtimeStartAt downtimeEndAt erpNotificationNumber sourceAlarm { code severity } workCell { code }
} } } }`;
const INSPECTION_LOTS = `query($id: ID!) { productionOrder(id: $id) { status inspectionLots {
  id origin status decision decidedAt triggerTag { name } results { value withinLimits measuredAt characteristic { code } } holds { active }
} } }`;
const DECIDE = `mutation($id: ID!, $key: String!) {
  decideInspectionLot(id: $id, decision: ACCEPTED, idempotencyKey: $key) { replayed inspectionLot { status decision decidedAt holds { active } } }
}`;
const SHIPMENT = `query($id: ID!) { productionOrder(id: $id) { status shipmentReadiness { status quantity unit readyAt } } }`;
const PALLETS = `query($id: ID!) { productionOrder(id: $id) { pallets { id sscc status quantity unit completedAt lot { id lotNumber status } location { code } } } }`;

interface Posting {
  id: string;
  kind: string;
  status: string;
  idempotencyKey: string;
  payload: Record<string, unknown>;
}
interface ReleasedOrder {
  id: string;
  operations: { id: string; sequence: number; status: string; workCell: { code: string } }[];
}
interface OrderToRelease {
  erpOrderNumber: string;
  material: string;
  quantity: number;
  unit: string;
  /** site/line */
  line: string;
  customer: string | null;
  operations: { sequence: number; workCell: string; description: string }[];
}

describe('plant scenarios through the gateway: release → run → complete', () => {
  let hub: HubUnderTest;
  let bus: NatsConnection;
  let streams: StreamSettings;
  let worker: IngestWorker;
  let confirmationJob: ConfirmationWindows;
  /** Ids by natural key, as an adapter reads them from the graph: `BER/CNC1`, `BER/CNC1/OP10`, `FG-1001`, `ACME`. */
  const plant = new Map<string, string>();
  const idOf = (key: string) => {
    const found = plant.get(key);
    if (!found) throw new Error(`${key} is not in the plant`);
    return found;
  };

  beforeAll(async () => {
    hub = await startHubUnderTest('plant_scenarios');
    bus = await connectBus({ url: natsUrl, name: 'test-plant-scenarios', log: silentLogger });
    streams = testStreamSettings('plant_scenarios');
    await ensureStreams(bus, streams, silentLogger);
    worker = await startIngestWorker({ pool: hub.database.pool, bus, streams, log: silentLogger, processors: hubReadingProcessors() });
    // driven by the test only: its own interval is an hour
    confirmationJob = startConfirmationWindows({ pool: hub.database.pool, log: silentLogger, windowSeconds: WINDOW, graceSeconds: GRACE, intervalMs: HOUR });

    const directory = await ask<{
      lines: { edges: { node: { id: string; code: string; site: { id: string; code: string }; workCells: { id: string; code: string }[] } }[] };
      materials: { edges: { node: { id: string; erpMaterialNumber: string } }[] };
      customers: { edges: { node: { id: string; code: string } }[] };
    }>(PLANT, {}, ERP_ADAPTER);
    for (const { node: line } of directory.lines.edges) {
      plant.set(line.site.code, line.site.id);
      plant.set(`${line.site.code}/${line.code}`, line.id);
      for (const cell of line.workCells) plant.set(`${line.site.code}/${line.code}/${cell.code}`, cell.id);
    }
    for (const { node } of directory.materials.edges) plant.set(node.erpMaterialNumber, node.id);
    for (const { node } of directory.customers.edges) plant.set(node.code, node.id);
  });
  afterAll(async () => {
    await confirmationJob?.stop();
    await worker?.stop();
    if (bus) {
      await deleteStreams(bus, streams);
      await bus.close();
    }
    await hub?.stop();
  });

  // --- the graph, as the adapter and the plant people use it ------------------------------------

  async function ask<Data>(query: string, variables: Record<string, unknown>, identity: Identity): Promise<Data> {
    const response = await hub.query<Data>(query, variables, identity);
    expect(response.errors).toBeUndefined();
    return response.data!;
  }

  /** What the ERP sends for an order: ids read from the graph, priority 1 so its work cells start it before the seed's orders. */
  const releaseInput = (order: OrderToRelease) => ({
    erpOrderNumber: order.erpOrderNumber,
    materialId: idOf(order.material),
    quantity: order.quantity,
    unit: order.unit,
    lineId: idOf(order.line),
    siteId: idOf(order.line.split('/')[0]!),
    customerId: order.customer === null ? null : idOf(order.customer),
    priority: 1,
    operations: order.operations.map((operation) => ({ sequence: operation.sequence, description: operation.description, workCellId: idOf(`${order.line}/${operation.workCell}`) })),
  });

  async function erpReleases(order: OrderToRelease, idempotencyKey: string): Promise<ReleasedOrder> {
    const { releaseProductionOrder: released } = await ask<{ releaseProductionOrder: { replayed: boolean; order: ReleasedOrder & { status: string } } }>(RELEASE, { input: releaseInput(order), key: idempotencyKey }, ERP_ADAPTER);
    expect(released.replayed).toBe(false);
    expect(released.order.status).toBe('RELEASED');
    expect(released.order.operations.map((operation) => [operation.sequence, operation.status, operation.workCell.code])).toEqual(
      order.operations.map((operation) => [operation.sequence, 'RELEASED', operation.workCell]),
    );
    return released.order;
  }

  const orderAsPlanned = async (orderId: string) =>
    (await ask<{ productionOrder: { status: string; startedAt: string | null; completedAt: string | null; operations: { sequence: number; status: string; actualStartAt: string | null; actualEndAt: string | null }[] } }>(ORDER, { id: orderId }, PLANNER)).productionOrder;

  /** The outbox as the adapter reads it; PENDING and CONFIRMED alike. */
  const erpPostings = async (filter: { orderId?: string; kind?: string[] }): Promise<Posting[]> =>
    (await ask<{ erpPostings: { edges: { node: Posting }[] } }>(POSTINGS, { filter }, ERP_ADAPTER)).erpPostings.edges.map((edge) => edge.node);

  /** Kind, key and payload, by kind and lot number: postings of one transaction share created_at and have random ids, so the outbox's order among them is not fixed. */
  const byKind = (postings: Posting[]) =>
    postings
      .map(({ kind, idempotencyKey, payload }) => ({ kind, idempotencyKey, payload }))
      .sort((a, b) => a.kind.localeCompare(b.kind) || String(a.payload.lotNumber).localeCompare(String(b.payload.lotNumber)));

  /** [operation sequence, status, at], by time, status and sequence (one run's postings share created_at). */
  const statusPostings = async (orderId: string) =>
    (await erpPostings({ orderId, kind: ['OPERATION_STATUS'] }))
      .map((posting) => [posting.payload.operationSequence as number | null, posting.payload.status as string, posting.payload.at as string] as const)
      .sort((a, b) => a[2].localeCompare(b[2]) || a[1].localeCompare(b[1]) || (a[0] ?? Infinity) - (b[0] ?? Infinity));

  const confirmations = async (orderId: string) =>
    (await erpPostings({ orderId, kind: ['PRODUCTION_CONFIRMATION'] }))
      .map((posting) => posting.payload)
      .sort((a, b) => Number(a.operationSequence) - Number(b.operationSequence) || String(a.windowStart).localeCompare(String(b.windowStart)))
      .map((c) => ({ sequence: c.operationSequence, window: [c.windowStart, c.windowEnd], made: [c.yieldQuantity, c.scrapQuantity], seconds: { run: c.runSeconds, down: c.downSeconds, setup: c.setupSeconds }, final: c.final }));

  const adapterClaims = async (kinds: string[]) => (await ask<{ claimErpPostings: { id: string; kind: string; status: string; attempts: number; leaseOwner: string }[] }>(CLAIM, { kinds }, ERP_ADAPTER)).claimErpPostings;

  // --- the shop floor ---------------------------------------------------------------------------

  /** A device publishes its readings on the real stream; resolves once the ingest worker acknowledged everything. */
  async function machineReports(subject: [site: string, line: string, asset: string], readings: ReadingInput[]): Promise<void> {
    await jetstream(bus).publish(telemetrySubject(...subject, streams.SUBJECT_PREFIX), JSON.stringify({ version: 1, readings }), { msgID: `${subject.join('.')}:${readings[0]!.readingId}` });
    const manager = await jetstreamManager(bus);
    await eventually(async () => {
      const info = await manager.consumers.info(streams.STREAM_TELEMETRY, INGEST_CONSUMER);
      expect(info.num_pending + info.num_ack_pending).toBe(0);
    });
  }

  /** The device of a work cell: its reading `id` of `tag` at `seconds` on the scenario's clock. */
  const deviceOf = (assetId: string, at: (seconds: number) => Date) => (id: string, seconds: number, tag: string, value: number | string): ReadingInput => ({
    readingId: id,
    assetId,
    tag,
    value,
    timestamp: at(seconds).toISOString(),
  });

  it('CNC line: released by the ERP, confirmed per window; a critical alarm while down opens a maintenance request and its notification at once, and running again ends its downtime', async () => {
    const at = clockOf(0);
    const iso = (seconds: number) => at(seconds).toISOString();
    const op10 = idOf('BER/CNC1/OP10');

    const valveBodies: OrderToRelease = {
      erpOrderNumber: '1000199',
      material: 'FG-1001',
      quantity: 20,
      unit: 'PC',
      line: 'BER/CNC1',
      customer: 'ACME',
      operations: [{ sequence: 10, workCell: 'OP10', description: 'Mill body contours and bores' }],
    };
    const order = await erpReleases(valveBodies, 'release-1000199');
    const operationId = order.operations[0]!.id;
    // the adapter's retry of the same release changes nothing
    const retry = await ask<{ releaseProductionOrder: { replayed: boolean; order: { id: string } } }>(RELEASE, { input: releaseInput(valveBodies), key: 'release-1000199' }, ERP_ADAPTER);
    expect(retry.releaseProductionOrder).toMatchObject({ replayed: true, order: { id: order.id } });

    // the mill starts, makes parts, stops on a spindle fault and its spindle runs hot
    const mill = deviceOf(op10, at);
    await machineReports(['BER', 'CNC1', 'OP10'], [
      mill('m-g0', 5, 'good_count', 0),
      mill('m-x0', 5, 'scrap_count', 0),
      mill('m-s1', 10, 'state', 'RUNNING'),
      mill('m-g1', 40, 'good_count', 6),
      mill('m-g2', 70, 'good_count', 9),
      mill('m-x1', 70, 'scrap_count', 1),
      mill('m-s2', 80, 'state', 'DOWN:SPINDLE_FAULT'),
      mill('m-t1', 85, 'spindle_temp', 78), // beyond the high alarm limit 70: critical
    ]);

    // at once, before any job runs: the request, with the stop's start, and its notification for the EAM
    const requests = async () => (await ask<{ maintenanceRequests: { edges: { node: Record<string, unknown> & { id: string } }[] } }>(MAINTENANCE_REQUESTS, { assetId: op10 }, MAINTENANCE_PLANNER)).maintenanceRequests.edges.map((edge) => edge.node);
    const [request, ...noOther] = await requests();
    expect(noOther).toEqual([]);
    const reason = 'spindle_temp 78 °C is beyond its high alarm limit 70 on OP10';
    expect(request).toEqual({
      id: expect.any(String),
      priority: 'HIGH',
      status: 'OPEN',
      reason,
      downtimeStartAt: iso(80),
      downtimeEndAt: null,
      erpNotificationNumber: null,
      sourceAlarm: { code: 'SPINDLE_TEMP_HIGH_ALARM', severity: 'CRITICAL' },
      workCell: { code: 'OP10' },
    });
    const [notification, ...noOtherNotification] = await erpPostings({ kind: ['MAINTENANCE_NOTIFICATION'] });
    expect(noOtherNotification).toEqual([]);
    expect(notification).toEqual({
      id: expect.any(String),
      kind: 'MAINTENANCE_NOTIFICATION',
      status: 'PENDING',
      idempotencyKey: `maintenance-notification:${request!.id}`,
      payload: { maintenanceRequestId: request!.id, assetId: op10, assetCode: 'OP10', erpWorkCenter: 'BER-MILL10', priority: 'HIGH', reason, alarmCode: 'SPINDLE_TEMP_HIGH_ALARM', downtimeStartAt: iso(80), downtimeEndAt: null },
    });

    // the mill's start started the operation and the order
    expect(await orderAsPlanned(order.id)).toEqual({ status: 'IN_PROGRESS', startedAt: iso(10), completedAt: null, operations: [{ sequence: 10, status: 'IN_PROGRESS', actualStartAt: iso(10), actualEndAt: null }] });
    expect(await statusPostings(order.id)).toEqual([[10, 'STARTED', iso(10)]]);

    // the EAM adapter takes the notification and books it
    const claimed = await adapterClaims(['MAINTENANCE_NOTIFICATION']);
    expect(claimed).toEqual([{ id: notification!.id, kind: 'MAINTENANCE_NOTIFICATION', status: 'IN_FLIGHT', attempts: 1, leaseOwner: 'test-erp-adapter' }]);
    const booked = await ask<{ acknowledgeErpPosting: unknown }>(ACKNOWLEDGE, { id: notification!.id, document: 'EAM-10004711' }, ERP_ADAPTER);
    expect(booked.acknowledgeErpPosting).toEqual({ id: notification!.id, status: 'CONFIRMED', erpDocumentId: 'EAM-10004711' });

    // the first window closes: one confirmation
    expect(await confirmationJob.closeWindows(at(100))).toBe(1);
    expect(await confirmations(order.id)).toEqual([{ sequence: 10, window: [iso(0), iso(60)], made: [6, 0], seconds: { run: 50, down: 0, setup: 0 }, final: false }]);

    // repaired after 70 s (below the 120 s downtime threshold: no second request); it runs to the order's quantity
    await machineReports(['BER', 'CNC1', 'OP10'], [
      mill('m-t2', 145, 'spindle_temp', 52),
      mill('m-s3', 150, 'state', 'RUNNING'),
      mill('m-g3', 170, 'good_count', 15),
      mill('m-g4', 200, 'good_count', 21),
    ]);
    // the EAM's number for the acknowledged notification shows on the request
    expect(await requests()).toEqual([{ ...request, downtimeEndAt: iso(150), erpNotificationNumber: 'EAM-10004711' }]);

    expect(await confirmationJob.closeWindows(at(260))).toBe(3);
    expect(await confirmations(order.id)).toEqual([
      { sequence: 10, window: [iso(0), iso(60)], made: [6, 0], seconds: { run: 50, down: 0, setup: 0 }, final: false },
      { sequence: 10, window: [iso(60), iso(120)], made: [3, 1], seconds: { run: 20, down: 40, setup: 0 }, final: false },
      { sequence: 10, window: [iso(120), iso(180)], made: [6, 0], seconds: { run: 30, down: 30, setup: 0 }, final: false },
      { sequence: 10, window: [iso(180), iso(240)], made: [6, 0], seconds: { run: 60, down: 0, setup: 0 }, final: true },
    ]);
    const confirmationKeys = (await erpPostings({ orderId: order.id, kind: ['PRODUCTION_CONFIRMATION'] })).map((posting) => posting.idempotencyKey).sort();
    expect(confirmationKeys).toEqual([0, 60, 120, 180].map((seconds) => `confirmation:${operationId}:${iso(seconds)}`));
    // the 21 valve bodies consumed their forged blanks and VCI bags (backflush per confirmation)
    const issued = (await erpPostings({ orderId: order.id, kind: ['GOODS_ISSUE'] })).map((posting) => [posting.payload.materialNumber, posting.payload.quantity, posting.payload.movementType]);
    expect(issued.sort()).toEqual([
      ['PK-4001', 3, '261'], ['PK-4001', 6, '261'], ['PK-4001', 6, '261'], ['PK-4001', 6, '261'],
      ['RM-3002', 3, '261'], ['RM-3002', 6, '261'], ['RM-3002', 6, '261'], ['RM-3002', 6, '261'],
    ]);

    // the final window completed the operation and the order
    expect(await orderAsPlanned(order.id)).toEqual({ status: 'COMPLETED', startedAt: iso(10), completedAt: iso(240), operations: [{ sequence: 10, status: 'COMPLETED', actualStartAt: iso(10), actualEndAt: iso(240) }] });
    expect(await statusPostings(order.id)).toEqual([[10, 'STARTED', iso(10)], [10, 'COMPLETED', iso(240)], [null, 'ORDER_COMPLETED', iso(240)]]);
    // and again: nothing twice
    expect(await confirmationJob.closeWindows(at(400))).toBe(0);
    expect(await erpPostings({ orderId: order.id, kind: ['PRODUCTION_CONFIRMATION', 'OPERATION_STATUS'] })).toHaveLength(7);
  });

  // The number is the integration subgraph's: the confirmed MAINTENANCE_NOTIFICATION posting's document id.
  it('CNC line: the EAM\'s notification number, acknowledged for the notification posting, shows on the maintenance request', async () => {
    const at = clockOf(0);
    const op20 = idOf('BER/CNC1/OP20');
    await machineReports(['BER', 'CNC1', 'OP20'], [deviceOf(op20, at)('t-t1', 1_000, 'spindle_temp', 80)]); // beyond its high alarm limit 75
    const [notification, ...noOther] = await adapterClaims(['MAINTENANCE_NOTIFICATION']);
    expect(noOther).toEqual([]);
    expect(notification!.status).toBe('IN_FLIGHT');
    expect((await ask<{ acknowledgeErpPosting: { status: string } }>(ACKNOWLEDGE, { id: notification!.id, document: 'EAM-10004712' }, ERP_ADAPTER)).acknowledgeErpPosting.status).toBe('CONFIRMED');
    const requests = (await ask<{ maintenanceRequests: { edges: { node: { erpNotificationNumber: string | null } }[] } }>(MAINTENANCE_REQUESTS, { assetId: op20 }, MAINTENANCE_PLANNER)).maintenanceRequests.edges;
    expect(requests).toHaveLength(1);
    expect(requests[0]!.node.erpNotificationNumber).toBe('EAM-10004712');
  });

  it('batch with a quality threshold crossing: the inspection lot holds the order, and its completion is posted only after the quality decision', async () => {
    const at = clockOf(1);
    const iso = (seconds: number) => at(seconds).toISOString();
    const fil20 = idOf('LYO/MIX1/FIL20');
    const cap30 = idOf('LYO/MIX1/CAP30');

    const order = await erpReleases(
      {
        erpOrderNumber: '2000299',
        material: 'SF-2101',
        quantity: 20,
        unit: 'PC',
        line: 'LYO/MIX1',
        customer: 'GLOBEX',
        operations: [
          { sequence: 10, workCell: 'FIL20', description: 'Fill 1 L bottles' },
          { sequence: 20, workCell: 'CAP30', description: 'Cap bottles' },
        ],
      },
      'release-2000299',
    );

    // the filler runs; one bottle's fill weight crosses the high warning limit (1040 g), then the weights are normal again
    const filler = deviceOf(fil20, at);
    const capper = deviceOf(cap30, at);
    await machineReports(['LYO', 'MIX1', 'FIL20'], [
      filler('f-g0', 5, 'good_count', 0),
      filler('f-s1', 10, 'state', 'RUNNING'),
      filler('f-w1', 20, 'fill_weight', 1030),
      filler('f-w2', 30, 'fill_weight', 1043),
      filler('f-g1', 50, 'good_count', 12),
      filler('f-w3', 55, 'fill_weight', 1031),
      filler('f-g2', 90, 'good_count', 20),
    ]);
    await machineReports(['LYO', 'MIX1', 'CAP30'], [
      capper('c-g0', 5, 'good_count', 0),
      capper('c-s1', 15, 'state', 'RUNNING'),
      capper('c-g1', 45, 'good_count', 10),
      capper('c-g2', 100, 'good_count', 20),
    ]);

    // quality sees the inspection lot the crossing opened, with its result, holding the order
    const inspection = async () =>
      (await ask<{ productionOrder: { status: string; inspectionLots: (Record<string, unknown> & { id: string; decidedAt: string | null })[] } }>(INSPECTION_LOTS, { id: order.id }, QUALITY_ENGINEER)).productionOrder;
    const held = await inspection();
    expect(held).toEqual({
      status: 'IN_PROGRESS',
      inspectionLots: [
        {
          id: expect.any(String),
          origin: 'THRESHOLD',
          status: 'OPEN',
          decision: null,
          decidedAt: null,
          triggerTag: { name: 'fill_weight' },
          results: [{ value: 1043, withinLimits: true, measuredAt: iso(30), characteristic: { code: 'FILL-WEIGHT' } }],
          holds: [{ active: true }],
        },
      ],
    });
    const lotId = held.inspectionLots[0]!.id;

    // both operations reach the quantity in the second window: the final confirmations are posted, the completion waits
    expect(await confirmationJob.closeWindows(at(200))).toBe(4);
    expect(await confirmations(order.id)).toEqual([
      { sequence: 10, window: [iso(0), iso(60)], made: [12, 0], seconds: { run: 50, down: 0, setup: 0 }, final: false },
      { sequence: 10, window: [iso(60), iso(120)], made: [8, 0], seconds: { run: 60, down: 0, setup: 0 }, final: true },
      { sequence: 20, window: [iso(0), iso(60)], made: [10, 0], seconds: { run: 45, down: 0, setup: 0 }, final: false },
      { sequence: 20, window: [iso(60), iso(120)], made: [10, 0], seconds: { run: 60, down: 0, setup: 0 }, final: true },
    ]);
    const waiting = { status: 'IN_PROGRESS', startedAt: iso(10), completedAt: null, operations: [
      { sequence: 10, status: 'IN_PROGRESS', actualStartAt: iso(10), actualEndAt: null },
      { sequence: 20, status: 'IN_PROGRESS', actualStartAt: iso(15), actualEndAt: null },
    ] };
    expect(await orderAsPlanned(order.id)).toEqual(waiting);
    expect(await statusPostings(order.id)).toEqual([[10, 'STARTED', iso(10)], [20, 'STARTED', iso(15)]]);
    // later runs change nothing while the lot is undecided
    expect(await confirmationJob.closeWindows(at(400))).toBe(0);
    expect(await orderAsPlanned(order.id)).toEqual(waiting);
    expect(await erpPostings({ orderId: order.id, kind: ['OPERATION_STATUS', 'INSPECTION_RESULT'] })).toHaveLength(2);

    // the quality engineer accepts the lot; the hold is released and the result posted
    const decided = await ask<{ decideInspectionLot: { replayed: boolean; inspectionLot: { status: string; decision: string; decidedAt: string; holds: { active: boolean }[] } } }>(
      DECIDE,
      { id: lotId, key: 'qa-2000299-fill-weight' },
      QUALITY_ENGINEER,
    );
    expect(decided.decideInspectionLot).toMatchObject({ replayed: false, inspectionLot: { status: 'DECIDED', decision: 'ACCEPTED', holds: [{ active: false }] } });
    const decidedAt = decided.decideInspectionLot.inspectionLot.decidedAt;
    expect(await erpPostings({ orderId: order.id, kind: ['INSPECTION_RESULT'] })).toEqual([
      {
        id: expect.any(String),
        kind: 'INSPECTION_RESULT',
        status: 'PENDING',
        idempotencyKey: `inspection-result:${lotId}`,
        payload: { inspectionLotId: lotId, orderId: order.id, erpOrderNumber: '2000299', lotId: null, decision: 'ACCEPTED', results: [{ characteristicCode: 'FILL-WEIGHT', value: 1043, conforming: true }] },
      },
    ]);
    // the decision alone completes nothing: the confirmation job's next run does, dated at the decision
    expect(await statusPostings(order.id)).toEqual([[10, 'STARTED', iso(10)], [20, 'STARTED', iso(15)]]);
    expect(await confirmationJob.closeWindows(at(500))).toBe(0);
    expect(await orderAsPlanned(order.id)).toEqual({ status: 'COMPLETED', startedAt: iso(10), completedAt: decidedAt, operations: [
      { sequence: 10, status: 'COMPLETED', actualStartAt: iso(10), actualEndAt: decidedAt },
      { sequence: 20, status: 'COMPLETED', actualStartAt: iso(15), actualEndAt: decidedAt },
    ] });
    expect(await statusPostings(order.id)).toEqual([
      [10, 'STARTED', iso(10)],
      [20, 'STARTED', iso(15)],
      [10, 'COMPLETED', decidedAt],
      [20, 'COMPLETED', decidedAt],
      [null, 'ORDER_COMPLETED', decidedAt],
    ]);
    expect((await inspection()).inspectionLots[0]).toMatchObject({ status: 'DECIDED', decision: 'ACCEPTED', decidedAt, holds: [{ active: false }] });
  });
  it('pallets on the palletizer: FG receipts and put-away tasks per pallet, and with the order\'s quantity in, shipment readiness for the customer\'s partner', async () => {
    const at = clockOf(2);
    const iso = (seconds: number) => at(seconds).toISOString();
    const cas10 = idOf('LYO/PCK1/CAS10');
    const pal20 = idOf('LYO/PCK1/PAL20');
    const initech = idOf('INITECH');

    // two pallets of 60 cases
    const order = await erpReleases(
      {
        erpOrderNumber: '3000399',
        material: 'FG-1101',
        quantity: 120,
        unit: 'CS',
        line: 'LYO/PCK1',
        customer: 'INITECH',
        operations: [
          { sequence: 10, workCell: 'CAS10', description: 'Pack bottles into cases of 12' },
          { sequence: 20, workCell: 'PAL20', description: 'Palletize, 60 cases per pallet' },
        ],
      },
      'release-3000399',
    );
    const casePacker = deviceOf(cas10, at);
    const palletizer = deviceOf(pal20, at);
    const packed = async () =>
      (await ask<{ productionOrder: { pallets: { id: string; sscc: string; status: string; quantity: number; unit: string; completedAt: string; lot: { id: string; lotNumber: string; status: string }; location: { code: string } }[] } }>(
        PALLETS,
        { id: order.id },
        PLANNER,
      )).productionOrder.pallets;
    const goodsMovements = async () => byKind(await erpPostings({ orderId: order.id, kind: ['GOODS_RECEIPT', 'TRANSFER', 'SHIPMENT_READINESS'] }));
    const partnerSees = async (customerId: string) => (await ask<{ productionOrder: unknown }>(SHIPMENT, { id: order.id }, partnerOf(customerId))).productionOrder;

    // the first pallet
    await machineReports(['LYO', 'PCK1', 'CAS10'], [casePacker('k-g0', 5, 'good_count', 0), casePacker('k-s1', 10, 'state', 'RUNNING'), casePacker('k-g1', 50, 'good_count', 50)]);
    await machineReports(['LYO', 'PCK1', 'PAL20'], [
      palletizer('p-c0', 5, 'cases_stacked', 0),
      palletizer('p-p0', 5, 'pallets_completed', 0), // the counter's baseline
      palletizer('p-s1', 10, 'state', 'RUNNING'),
      palletizer('p-c1', 58, 'cases_stacked', 60),
      palletizer('p-p1', 59, 'pallets_completed', 1),
    ]);
    expect(await confirmationJob.closeWindows(at(75))).toBe(2);
    const [first, ...noOtherPallet] = await packed();
    expect(noOtherPallet).toEqual([]);
    expect(first).toEqual({
      id: expect.any(String),
      sscc: expect.stringMatching(/^03012345\d{10}$/), // GS1 company prefix of FG-1101's GTIN
      status: 'COMPLETE',
      quantity: 60,
      unit: 'CS',
      completedAt: iso(59),
      lot: { id: expect.any(String), lotNumber: '3000399-P001', status: 'AVAILABLE' },
      location: { code: 'WH01' }, // put away
    });
    const receiptOf = (pallet: typeof first & object) => ({
      kind: 'GOODS_RECEIPT',
      idempotencyKey: `goods-receipt:pallet:${pallet.id}`,
      payload: { orderId: order.id, erpOrderNumber: '3000399', materialId: idOf('FG-1101'), materialNumber: 'FG-1101', quantity: 60, unit: 'CS', lotId: pallet.lot.id, lotNumber: pallet.lot.lotNumber, locationCode: 'LS-PCK1', movementType: '101', palletId: pallet.id },
    });
    const putAwayOf = (pallet: typeof first & object) => ({
      kind: 'TRANSFER',
      idempotencyKey: `put-away:pallet:${pallet.id}`,
      payload: { materialId: idOf('FG-1101'), materialNumber: 'FG-1101', quantity: 60, unit: 'CS', lotId: pallet.lot.id, lotNumber: pallet.lot.lotNumber, locationCode: 'WH01', movementType: '311', fromLocationCode: 'LS-PCK1', toLocationCode: 'WH01' },
    });
    expect(await goodsMovements()).toEqual([receiptOf(first!), putAwayOf(first!)]);
    // 60 of 120 cases received: not ready to ship, and the partner sees nothing yet
    expect(await partnerSees(initech)).toEqual({ status: 'IN_PROGRESS', shipmentReadiness: [] });

    // the second pallet completes the order's quantity
    await machineReports(['LYO', 'PCK1', 'CAS10'], [casePacker('k-g2', 110, 'good_count', 120)]);
    await machineReports(['LYO', 'PCK1', 'PAL20'], [palletizer('p-c2', 115, 'cases_stacked', 120), palletizer('p-p2', 118, 'pallets_completed', 2)]);
    expect(await confirmationJob.closeWindows(at(200))).toBe(2);
    const pallets = await packed();
    expect(pallets.map((pallet) => [pallet.status, pallet.quantity, pallet.completedAt, pallet.lot.lotNumber, pallet.lot.status, pallet.location.code])).toEqual([
      ['COMPLETE', 60, iso(59), '3000399-P001', 'AVAILABLE', 'WH01'],
      ['COMPLETE', 60, iso(118), '3000399-P002', 'AVAILABLE', 'WH01'],
    ]);
    const second = pallets[1]!;
    expect(await goodsMovements()).toEqual([
      receiptOf(first!),
      receiptOf(second),
      {
        kind: 'SHIPMENT_READINESS',
        idempotencyKey: `shipment-readiness:${order.id}`,
        payload: { orderId: order.id, erpOrderNumber: '3000399', customerId: initech, quantity: 120, unit: 'CS', palletIds: [first!.id, second.id], readyAt: iso(118) },
      },
      putAwayOf(first!),
      putAwayOf(second),
    ]);
    // the order is made: both operations confirmed to their quantity
    expect(await confirmations(order.id)).toEqual([
      { sequence: 10, window: [iso(0), iso(60)], made: [50, 0], seconds: { run: 50, down: 0, setup: 0 }, final: false },
      { sequence: 10, window: [iso(60), iso(120)], made: [70, 0], seconds: { run: 60, down: 0, setup: 0 }, final: true },
      { sequence: 20, window: [iso(0), iso(60)], made: [60, 0], seconds: { run: 50, down: 0, setup: 0 }, final: false },
      { sequence: 20, window: [iso(60), iso(120)], made: [60, 0], seconds: { run: 60, down: 0, setup: 0 }, final: true },
    ]);
    expect(await statusPostings(order.id)).toEqual([
      [10, 'STARTED', iso(10)],
      [20, 'STARTED', iso(10)],
      [10, 'COMPLETED', iso(120)],
      [20, 'COMPLETED', iso(120)],
      [null, 'ORDER_COMPLETED', iso(120)],
    ]);
    // the cases consumed their bottles, shipping cases and labels (backflush of the first operation)
    const issued = (await erpPostings({ orderId: order.id, kind: ['GOODS_ISSUE'] })).map((posting) => [posting.payload.materialNumber, posting.payload.quantity]);
    expect(issued.sort()).toEqual([['PK-4103', 50], ['PK-4103', 70], ['PK-4104', 50], ['PK-4104', 70], ['SF-2101', 600], ['SF-2101', 840]]);

    // the warehouse works its put-away tasks through the adapter API
    const tasks = await adapterClaims(['TRANSFER']);
    expect(tasks.map((task) => task.id).sort()).toEqual((await erpPostings({ orderId: order.id, kind: ['TRANSFER'] })).map((posting) => posting.id).sort());
    expect(tasks.map((task) => [task.kind, task.status, task.leaseOwner])).toEqual([['TRANSFER', 'IN_FLIGHT', 'test-erp-adapter'], ['TRANSFER', 'IN_FLIGHT', 'test-erp-adapter']]);
    const done = await ask<{ acknowledgeErpPostings: { id: string; errorCode: string | null; posting: { status: string; erpDocumentId: string } }[] }>(
      ACKNOWLEDGE_ALL,
      { acknowledgements: tasks.map((task, index) => ({ id: task.id, erpDocumentId: `WM-TO-${index + 1}` })) },
      ERP_ADAPTER,
    );
    expect(done.acknowledgeErpPostings).toEqual(tasks.map((task, index) => ({ id: task.id, errorCode: null, posting: { status: 'CONFIRMED', erpDocumentId: `WM-TO-${index + 1}` } })));

    // the customer's partner sees the order ready to ship; another customer's partner does not see the order at all
    expect(await partnerSees(initech)).toEqual({ status: 'COMPLETED', shipmentReadiness: [{ status: 'READY', quantity: 120, unit: 'CS', readyAt: iso(118) }] });
    expect(await partnerSees(idOf('ACME'))).toBeNull();
  });
});
