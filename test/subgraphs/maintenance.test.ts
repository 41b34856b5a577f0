import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { maintenanceSubgraph } from '../../subgraphs/maintenance/index.ts';
import { countStatements, startSubgraphsUnderTest, type SubgraphsUnderTest } from '../support/graph.ts';

type Page<Node> = { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string | null }; edges: { node: Node }[] };
type Severity = 'INFO' | 'WARNING' | 'CRITICAL';
type Priority = 'LOW' | 'MEDIUM' | 'HIGH' | 'EMERGENCY';
type Status = 'OPEN' | 'IN_PROGRESS' | 'DONE' | 'CANCELLED';

const ALARMS_PAGE = `query($first: Int, $after: String, $filter: AlarmFilter) {
  alarms(first: $first, after: $after, filter: $filter) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { id code severity raisedAt open line { id } workCell { id } tag { id }
      maintenanceRequests { status sparePartRequests { quantity material { id } } } } }
  }
}`;

const REQUESTS_PAGE = `query($first: Int, $after: String, $filter: MaintenanceRequestFilter) {
  maintenanceRequests(first: $first, after: $after, filter: $filter) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { id reason status priority createdAt line { id } workCell { id }
      sourceAlarm { code } sparePartRequests { quantity unit status } } }
  }
}`;

const ENTITIES = `query($representations: [_Any!]!) { _entities(representations: $representations) {
  ... on Line { openAlarms { code } maintenanceRequests { reason } open: maintenanceRequests(status: [OPEN]) { reason } }
  ... on WorkCell { openAlarms { code } maintenanceRequests(status: [DONE]) { reason } }
  ... on Alarm { code severity }
  ... on MaintenanceRequest { reason sourceAlarm { code } }
} }`;

const hoursAgo = (hours: number) => new Date(Date.now() - hours * 3_600_000);

// [code, asset, severity, raised hours ago, still open]
const ALARMS: [string, string, Severity, number, boolean][] = [
  ['ALM-01', 'OP10', 'CRITICAL', 1, true],
  ['ALM-02', 'CNC1', 'WARNING', 2, true],
  ['ALM-03', 'OP20', 'INFO', 3, false],
  ['ALM-04', 'FIL20', 'WARNING', 4, true],
  ['ALM-05', 'OP10', 'WARNING', 5, false],
  ['ALM-06', 'MIX1', 'CRITICAL', 6, true],
  ['ALM-07', 'OP10', 'INFO', 7, true],
  ['ALM-08', 'CAP30', 'INFO', 8, false],
  ['ALM-09', 'OP30', 'CRITICAL', 9, false],
  ['ALM-10', 'PCK1', 'WARNING', 10, true],
  ['ALM-11', 'OP20', 'WARNING', 11, true],
];

// [reason, asset, priority, status, created hours ago, source alarm]
const REQUESTS: [string, string, Priority, Status, number, string | null][] = [
  ['R1 spindle overheating', 'OP10', 'HIGH', 'OPEN', 1, 'ALM-01'],
  ['R2 line conveyor noise', 'CNC1', 'MEDIUM', 'IN_PROGRESS', 2, null],
  ['R3 filler nozzle drip', 'FIL20', 'LOW', 'DONE', 3, null],
  ['R4 turret jam', 'OP20', 'EMERGENCY', 'OPEN', 4, 'ALM-11'],
  ['R5 agitator seal', 'MIX1', 'MEDIUM', 'CANCELLED', 5, null],
  ['R6 coolant filter change', 'OP10', 'LOW', 'DONE', 26, null],
];

describe('maintenance subgraph', () => {
  let graph: SubgraphsUnderTest;
  const assets: Record<string, { id: string; kind: 'LINE' | 'WORK_CELL' }> = {};
  const alarmIds: Record<string, string> = {};
  const requestIds: string[] = [];
  const cnc1WorkCells: { id: string }[] = [];

  beforeAll(async () => {
    graph = await startSubgraphsUnderTest('maintenance', [maintenanceSubgraph]);
    const { prisma } = graph.database;
    // The seed has no alarms or requests; the asset ids are the seed's, read once as a gateway would know them.
    for (const line of await prisma.line.findMany()) assets[line.code] = { id: line.id, kind: 'LINE' };
    for (const cell of await prisma.workCell.findMany({ orderBy: { code: 'asc' } })) {
      assets[cell.code] = { id: cell.id, kind: 'WORK_CELL' };
      if (cell.lineId === assets.CNC1?.id) cnc1WorkCells.push({ id: cell.id });
    }
    const spindleTemp = await prisma.tag.findFirstOrThrow({ where: { assetId: assets.OP10!.id, name: 'spindle_temp' } });
    for (const [code, asset, severity, hours, open] of ALARMS) {
      const alarm = await prisma.alarm.create({
        data: {
          assetKind: assets[asset]!.kind,
          assetId: assets[asset]!.id,
          tagId: code === 'ALM-01' ? spindleTemp.id : null,
          code,
          message: `${code} on ${asset}`,
          severity,
          raisedAt: hoursAgo(hours),
          clearedAt: open ? null : hoursAgo(hours - 0.5),
          sourceEventId: `event-${code}`,
        },
      });
      alarmIds[code] = alarm.id;
    }
    const material = await prisma.material.findFirstOrThrow({ where: { erpMaterialNumber: 'RM-3001' } });
    for (const [reason, asset, priority, status, hours, alarm] of REQUESTS) {
      const request = await prisma.maintenanceRequest.create({
        data: {
          assetKind: assets[asset]!.kind,
          assetId: assets[asset]!.id,
          priority,
          status,
          reason,
          sourceAlarmId: alarm ? alarmIds[alarm]! : null,
          createdAt: hoursAgo(hours),
          completedAt: status === 'DONE' ? hoursAgo(hours - 1) : null,
          sparePartRequests: reason.startsWith('R1')
            ? { create: [{ materialId: material.id, quantity: 1.5, unit: 'KG' }, { materialId: material.id, quantity: 2, unit: 'KG', status: 'RESERVED' }] }
            : undefined,
        },
      });
      requestIds.push(request.id);
    }
  });
  afterAll(() => graph.stop());

  const alarms = (variables: Record<string, unknown>) => graph.query<{ alarms: Page<{ code: string; severity: Severity; open: boolean }> }>('maintenance', ALARMS_PAGE, { first: 50, ...variables });
  const codes = (response: Awaited<ReturnType<typeof alarms>>) => response.data!.alarms.edges.map((edge) => edge.node.code);
  const requests = (variables: Record<string, unknown>) => graph.query<{ maintenanceRequests: Page<{ reason: string }> }>('maintenance', REQUESTS_PAGE, { first: 50, ...variables });
  const reasons = (response: Awaited<ReturnType<typeof requests>>) => response.data!.maintenanceRequests.edges.map((edge) => edge.node.reason.split(' ')[0]);

  it('maintenance - pages through all alarms newest first without gaps or repeats', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    do {
      const page: { data?: { alarms: Page<{ code: string }> } | null } = await graph.query('maintenance', ALARMS_PAGE, { first: 4, after });
      expect(page.data!.alarms.totalCount).toBe(ALARMS.length);
      seen.push(...page.data!.alarms.edges.map((edge) => edge.node.code));
      after = page.data!.alarms.pageInfo.hasNextPage ? page.data!.alarms.pageInfo.endCursor : null;
    } while (after);
    expect(seen).toEqual(ALARMS.map(([code]) => code));
  });

  it('maintenance - filters alarms by asset, minimum severity, open and time window', async () => {
    expect(codes(await alarms({ filter: { assetId: assets.OP10!.id } }))).toEqual(['ALM-01', 'ALM-05', 'ALM-07']);
    expect(codes(await alarms({ filter: { severity: 'CRITICAL' } }))).toEqual(['ALM-01', 'ALM-06', 'ALM-09']);
    expect(codes(await alarms({ filter: { severity: 'WARNING' } }))).toEqual(['ALM-01', 'ALM-02', 'ALM-04', 'ALM-05', 'ALM-06', 'ALM-09', 'ALM-10', 'ALM-11']);
    expect(codes(await alarms({ filter: { open: false } }))).toEqual(['ALM-03', 'ALM-05', 'ALM-08', 'ALM-09']);
    expect(codes(await alarms({ filter: { open: true, severity: 'CRITICAL' } }))).toEqual(['ALM-01', 'ALM-06']);
    expect(codes(await alarms({ filter: { from: hoursAgo(5.5).toISOString(), to: hoursAgo(2.5).toISOString() } }))).toEqual(['ALM-03', 'ALM-04', 'ALM-05']);
    const backwards = await alarms({ filter: { from: hoursAgo(1).toISOString(), to: hoursAgo(2).toISOString() } });
    expect(backwards.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION_FAILED', fields: [{ field: 'filter.from' }] });
  });

  it('maintenance - pages through maintenance requests and filters them by status, priority, asset and time', async () => {
    const first = await requests({ first: 4 });
    expect(reasons(first)).toEqual(['R1', 'R2', 'R3', 'R4']);
    const rest = await requests({ first: 4, after: first.data!.maintenanceRequests.pageInfo.endCursor });
    expect(reasons(rest)).toEqual(['R5', 'R6']);
    expect(rest.data!.maintenanceRequests.pageInfo.hasNextPage).toBe(false);

    expect(reasons(await requests({ filter: { status: ['OPEN', 'IN_PROGRESS'] } }))).toEqual(['R1', 'R2', 'R4']);
    expect(reasons(await requests({ filter: { priority: ['LOW'] } }))).toEqual(['R3', 'R6']);
    expect(reasons(await requests({ filter: { assetId: assets.OP10!.id } }))).toEqual(['R1', 'R6']);
    expect(reasons(await requests({ filter: { from: hoursAgo(24).toISOString() } }))).toEqual(['R1', 'R2', 'R3', 'R4', 'R5']);

    const r1 = first.data!.maintenanceRequests.edges[0]!.node as unknown as { workCell: { id: string }; line: null; sourceAlarm: { code: string }; sparePartRequests: unknown[] };
    expect(r1).toMatchObject({ workCell: { id: assets.OP10!.id }, line: null, sourceAlarm: { code: 'ALM-01' } });
    expect(r1.sparePartRequests).toHaveLength(2);
    expect(r1.sparePartRequests).toEqual(expect.arrayContaining([{ quantity: 1.5, unit: 'KG', status: 'REQUESTED' }, { quantity: 2, unit: 'KG', status: 'RESERVED' }]));
  });

  it('maintenance - the statement count of a page does not grow with its size', async () => {
    // The newest alarm and request have every relation (tag, request, spare parts, source alarm).
    for (const [query, name] of [[ALARMS_PAGE, 'alarms'], [REQUESTS_PAGE, 'requests']] as const) {
      const one = await countStatements(graph.database, () => graph.query('maintenance', query, { first: 1 }));
      const all = await countStatements(graph.database, () => graph.query('maintenance', query, { first: 50 }));
      expect({ name, statements: all }).toEqual({ name, statements: one });
    }
  });

  it('maintenance - a line lists the open alarms and requests of its work cells too, a work cell its own', async () => {
    const response = await graph.query<{ _entities: unknown[] }>('maintenance', ENTITIES, {
      representations: [
        { __typename: 'Line', id: assets.CNC1!.id, workCells: cnc1WorkCells },
        { __typename: 'Line', id: assets.CNC1!.id },
        { __typename: 'WorkCell', id: assets.OP10!.id },
        { __typename: 'Alarm', id: alarmIds['ALM-06'] },
        { __typename: 'Alarm', id: '00000000-0000-4000-8000-000000000000' },
      ],
    });
    expect(response.errors).toBeUndefined();
    const [withCells, alone, op10, alarm, missing] = response.data!._entities as Record<string, { code?: string; reason?: string }[]>[];
    expect(withCells!.openAlarms!.map((row) => row.code)).toEqual(['ALM-01', 'ALM-02', 'ALM-07', 'ALM-11']);
    expect(withCells!.maintenanceRequests!.map((row) => row.reason!.split(' ')[0])).toEqual(['R1', 'R2', 'R4', 'R6']);
    expect(withCells!.open!.map((row) => row.reason!.split(' ')[0])).toEqual(['R1', 'R4']);
    // Without the work cells the gateway adds (@requires), only the line's own rows.
    expect(alone!.openAlarms!.map((row) => row.code)).toEqual(['ALM-02']);
    expect(op10!.openAlarms!.map((row) => row.code)).toEqual(['ALM-01', 'ALM-07']);
    expect(op10!.maintenanceRequests!.map((row) => row.reason!.split(' ')[0])).toEqual(['R6']);
    expect(alarm).toEqual({ code: 'ALM-06', severity: 'CRITICAL' });
    expect(missing).toBeNull();
  });

  it('maintenance - entity references are batched: statements do not grow with the representations', async () => {
    const lines = (codes: string[]) => ({ representations: codes.map((code) => ({ __typename: 'Line', id: assets[code]!.id, workCells: code === 'CNC1' ? cnc1WorkCells : [] })) });
    const one = await countStatements(graph.database, () => graph.query('maintenance', ENTITIES, lines(['CNC1'])));
    const three = await countStatements(graph.database, () => graph.query('maintenance', ENTITIES, lines(['CNC1', 'MIX1', 'PCK1'])));
    expect(three).toBe(one);
    const requestRefs = (count: number) => ({ representations: requestIds.slice(0, count).map((id) => ({ __typename: 'MaintenanceRequest', id })) });
    const fromAlarms = (codes: string[]) => ({ representations: codes.map((code) => ({ __typename: 'Alarm', id: alarmIds[code] })) });
    expect(await countStatements(graph.database, () => graph.query('maintenance', ENTITIES, fromAlarms(['ALM-01', 'ALM-02', 'ALM-03', 'ALM-04'])))).toBe(
      await countStatements(graph.database, () => graph.query('maintenance', ENTITIES, fromAlarms(['ALM-01']))),
    );
    expect(await countStatements(graph.database, () => graph.query('maintenance', ENTITIES, requestRefs(4)))).toBe(await countStatements(graph.database, () => graph.query('maintenance', ENTITIES, requestRefs(1))));
  });

  it('maintenance - single lookups return null for unknown ids and VALIDATION_FAILED for malformed ones', async () => {
    const lookup = `query($alarm: ID!, $request: ID!) { alarm(id: $alarm) { code } maintenanceRequest(id: $request) { reason } }`;
    const found = await graph.query<{ alarm: unknown; maintenanceRequest: unknown }>('maintenance', lookup, { alarm: alarmIds['ALM-04'], request: '00000000-0000-4000-8000-000000000000' });
    expect(found.data).toEqual({ alarm: { code: 'ALM-04' }, maintenanceRequest: null });
    const malformed = await graph.query('maintenance', `{ alarm(id: "ALM-04") { code } }`);
    expect(malformed.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION_FAILED', fields: [{ field: 'id' }] });
    const badFilter = await alarms({ filter: { assetId: 'OP10' } });
    expect(badFilter.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION_FAILED', fields: [{ field: 'filter.assetId' }] });
    const badSeverity = await alarms({ filter: { severity: 'LOUD' } });
    expect(badSeverity.errors?.[0]?.extensions?.code).toBe('VALIDATION_FAILED');
    const tooMany = await requests({ first: 101 });
    expect(tooMany.errors?.[0]?.extensions?.code).toBe('VALIDATION_FAILED');
    for (const response of [malformed, badFilter, badSeverity, tooMany]) expect(JSON.stringify(response)).not.toMatch(/stacktrace|at .*\.ts:\d+/);
  });

  it('maintenance - a call without the gateway signature is refused', async () => {
    const response = await graph.query('maintenance', ALARMS_PAGE, {}, null);
    expect(response.status).toBe(401);
    expect(response.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});
