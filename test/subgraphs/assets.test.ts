import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { assetsSubgraph } from '../../subgraphs/assets/index.ts';
import { SignJWT } from 'jose';
import { signInternalToken } from '../../core/internal-auth.ts';
import { admin, countStatements, startSubgraphsUnderTest, TEST_INTERNAL_SECRET, type SubgraphsUnderTest } from '../support/graph.ts';

type Page<Node> = { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string | null }; edges: { cursor: string; node: Node }[] };
interface StateNode {
  id: string;
  state: string;
  startedAt: string;
  endedAt: string | null;
  line: { code: string } | null;
  workCell: { code: string } | null;
}

const WORK_CELLS_PAGE = `query($first: Int, $after: String, $filter: WorkCellFilter) {
  workCells(first: $first, after: $after, filter: $filter) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { cursor node { id code line { code site { code } } parent { code } children { code } tags { name kind highAlarm }
      currentState { state } stateHistory(first: 2) { totalCount edges { node { state } } } } }
  }
}`;

const LINES_PAGE = `query($first: Int, $after: String, $filter: LineFilter) {
  lines(first: $first, after: $after, filter: $filter) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { id code site { code areas { code } } area { code lines { code } } workCells { code tags { name } currentState { state } }
      tags { name } currentState { state startedAt } stateHistory(first: 3) { totalCount pageInfo { hasNextPage } edges { node { state } } } } }
  }
}`;

const STATES_PAGE = `query($first: Int, $after: String, $filter: EquipmentStateFilter) {
  equipmentStates(first: $first, after: $after, filter: $filter) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { cursor node { id state startedAt endedAt line { code } workCell { code } } }
  }
}`;

const LINE_HISTORY = `query($id: ID!, $first: Int, $after: String, $from: DateTime, $to: DateTime) {
  line(id: $id) { stateHistory(first: $first, after: $after, from: $from, to: $to) { totalCount pageInfo { hasNextPage endCursor } edges { node { id startedAt } } } }
}`;

const CREATE_LINE = `mutation($input: CreateLineInput!, $key: String!) {
  createLine(input: $input, idempotencyKey: $key) { replayed line { id code name site { code } area { code } } }
}`;

const hoursAgo = (hours: number) => new Date(Date.now() - hours * 3_600_000);

describe('assets subgraph', () => {
  let graph: SubgraphsUnderTest;
  const sites: Record<string, string> = {};
  const areas: Record<string, string> = {};
  const lines: Record<string, string> = {};
  const cells: Record<string, string> = {};

  beforeAll(async () => {
    graph = await startSubgraphsUnderTest('assets', [assetsSubgraph]);
    const { prisma } = graph.database;
    for (const row of await prisma.site.findMany()) sites[row.code] = row.id;
    for (const row of await prisma.area.findMany()) areas[row.code] = row.id;
    for (const row of await prisma.line.findMany()) lines[row.code] = row.id;
    for (const row of await prisma.workCell.findMany()) cells[row.code] = row.id;
    // The seed has no state intervals: CNC1 gets six (the last open), OP10 four, MIX1 two, PCK1 none.
    const history = (assetKind: 'LINE' | 'WORK_CELL', assetId: string, states: ('RUNNING' | 'IDLE' | 'DOWN' | 'CHANGEOVER')[]) =>
      states.map((state, index) => ({
        assetKind,
        assetId,
        state,
        startedAt: hoursAgo(states.length - index),
        endedAt: index === states.length - 1 ? null : hoursAgo(states.length - index - 1),
      }));
    await prisma.equipmentState.createMany({
      data: [
        ...history('LINE', lines.CNC1!, ['RUNNING', 'DOWN', 'RUNNING', 'IDLE', 'CHANGEOVER', 'RUNNING']),
        ...history('WORK_CELL', cells.OP10!, ['RUNNING', 'DOWN', 'RUNNING', 'DOWN']),
        ...history('LINE', lines.MIX1!, ['RUNNING', 'DOWN']),
      ],
    });
    await prisma.tag.create({ data: { assetKind: 'LINE', assetId: lines.CNC1!, name: 'line_speed', kind: 'SPEED', unit: 'PC/h', highWarn: 20 } });
  });
  afterAll(() => graph.stop());

  it('assets - pages through all work cells by code without gaps or repeats', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    do {
      const page: { data?: { workCells: Page<{ id: string; code: string }> } | null } = await graph.query('assets', WORK_CELLS_PAGE, { first: 3, after });
      const connection = page.data!.workCells;
      expect(connection.totalCount).toBe(await graph.database.prisma.workCell.count());
      seen.push(...connection.edges.map((edge) => edge.node.id));
      const codes = connection.edges.map((edge) => edge.node.code);
      expect([...codes].sort()).toEqual(codes);
      after = connection.pageInfo.hasNextPage ? connection.pageInfo.endCursor : null;
    } while (after);
    expect(seen).toHaveLength(await graph.database.prisma.workCell.count());
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('assets - pages through all state intervals newest first without gaps or repeats', async () => {
    const seen: StateNode[] = [];
    let after: string | null = null;
    do {
      const page: { data?: { equipmentStates: Page<StateNode> } | null } = await graph.query('assets', STATES_PAGE, { first: 5, after });
      seen.push(...page.data!.equipmentStates.edges.map((edge) => edge.node));
      after = page.data!.equipmentStates.pageInfo.hasNextPage ? page.data!.equipmentStates.pageInfo.endCursor : null;
    } while (after);
    expect(seen).toHaveLength(12);
    expect(new Set(seen.map((state) => state.id)).size).toBe(12);
    const starts = seen.map((state) => state.startedAt);
    expect([...starts].sort().reverse()).toEqual(starts);
  });

  it('assets - filters lines by site and area, work cells by line and site', async () => {
    const lyo = await graph.query<{ lines: Page<{ code: string }> }>('assets', LINES_PAGE, { filter: { siteId: sites.LYO } });
    expect(lyo.data!.lines.edges.map((edge) => edge.node.code)).toEqual(['MIX1', 'PCK1']);
    const pack = await graph.query<{ lines: Page<{ code: string }> }>('assets', LINES_PAGE, { filter: { areaId: areas.PACK } });
    expect(pack.data!.lines.edges.map((edge) => edge.node.code)).toEqual(['PCK1']);

    const cnc = await graph.query<{ workCells: Page<{ code: string }> }>('assets', WORK_CELLS_PAGE, { first: 50, filter: { lineId: lines.CNC1 } });
    expect(cnc.data!.workCells.edges.map((edge) => edge.node.code)).toEqual(['OP10', 'OP20', 'OP20-BF', 'OP30']);
    const ber = await graph.query<{ workCells: Page<{ code: string }> }>('assets', WORK_CELLS_PAGE, { first: 50, filter: { siteId: sites.BER } });
    expect(ber.data!.workCells.totalCount).toBe(4);
    const none = await graph.query<{ workCells: Page<{ code: string }> }>('assets', WORK_CELLS_PAGE, { filter: { siteId: sites.BER, lineId: lines.MIX1 } });
    expect(none.data!.workCells.totalCount).toBe(0);
  });

  it('assets - filters state intervals by asset, line, state and time window', async () => {
    const states = (filter: Record<string, unknown>) => graph.query<{ equipmentStates: Page<StateNode> }>('assets', STATES_PAGE, { first: 50, filter });
    const op10 = await states({ assetId: cells.OP10 });
    expect(op10.data!.equipmentStates.edges.map((edge) => edge.node.workCell?.code)).toEqual(['OP10', 'OP10', 'OP10', 'OP10']);
    // A line's filter takes in its work cells.
    expect((await states({ lineId: lines.CNC1 })).data!.equipmentStates.totalCount).toBe(10);
    const down = await states({ state: ['DOWN'] });
    expect(down.data!.equipmentStates.edges.map((edge) => edge.node.state)).toEqual(['DOWN', 'DOWN', 'DOWN', 'DOWN']);
    // Overlapping the last 90 minutes: CNC1's last two, OP10's last two, MIX1's last two.
    const recent = await states({ from: hoursAgo(1.5).toISOString() });
    expect(recent.data!.equipmentStates.totalCount).toBe(6);
    const window = await states({ assetId: lines.CNC1, from: hoursAgo(4.5).toISOString(), to: hoursAgo(2.5).toISOString() });
    expect(window.data!.equipmentStates.edges.map((edge) => edge.node.state)).toEqual(['IDLE', 'RUNNING', 'DOWN']);
    const backwards = await states({ from: hoursAgo(1).toISOString(), to: hoursAgo(2).toISOString() });
    expect(backwards.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION_FAILED', fields: [{ field: 'filter.from' }] });
  });

  it('assets - a line shows its current state, and its history pages with cursors', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    do {
      const page: { data?: { line: { stateHistory: Page<{ id: string }> } } | null } = await graph.query('assets', LINE_HISTORY, { id: lines.CNC1, first: 4, after });
      expect(page.data!.line.stateHistory.totalCount).toBe(6);
      seen.push(...page.data!.line.stateHistory.edges.map((edge) => edge.node.id));
      after = page.data!.line.stateHistory.pageInfo.hasNextPage ? page.data!.line.stateHistory.pageInfo.endCursor : null;
    } while (after);
    const all = await graph.query<{ equipmentStates: Page<StateNode> }>('assets', STATES_PAGE, { first: 50, filter: { assetId: lines.CNC1 } });
    expect(seen).toEqual(all.data!.equipmentStates.edges.map((edge) => edge.node.id));

    const windowed = await graph.query<{ line: { stateHistory: Page<unknown> } }>('assets', LINE_HISTORY, { id: lines.CNC1, first: 10, from: hoursAgo(2.5).toISOString() });
    expect(windowed.data!.line.stateHistory.totalCount).toBe(3);

    const page = await graph.query<{ lines: Page<{ code: string; currentState: { state: string } | null; tags: { name: string }[] }> }>('assets', LINES_PAGE, {});
    const byCode = Object.fromEntries(page.data!.lines.edges.map((edge) => [edge.node.code, edge.node]));
    expect(byCode.CNC1?.currentState?.state).toBe('RUNNING');
    expect(byCode.MIX1?.currentState?.state).toBe('DOWN');
    expect(byCode.PCK1?.currentState).toBeNull();
    expect(byCode.CNC1?.tags.map((tag) => tag.name)).toEqual(['line_speed']);
  });

  it('assets - the statement count of a page does not grow with its size', async () => {
    // Both pages start at OP20-BF, the one work cell with a parent, so both load every relation.
    const start = await graph.query<{ workCells: Page<{ code: string }> }>('assets', WORK_CELLS_PAGE, { first: 50 });
    const after = start.data!.workCells.edges.find((edge) => edge.node.code === 'OP20')!.cursor;
    const oneCell = await countStatements(graph.database, () => graph.query('assets', WORK_CELLS_PAGE, { first: 1, after }));
    const allCells = await countStatements(graph.database, () => graph.query('assets', WORK_CELLS_PAGE, { first: 50, after }));
    expect(allCells).toBe(oneCell);
    const oneLine = await countStatements(graph.database, () => graph.query('assets', LINES_PAGE, { first: 1 }));
    const allLines = await countStatements(graph.database, () => graph.query('assets', LINES_PAGE, { first: 50 }));
    expect(allLines).toBe(oneLine);
  });

  it('assets - resolves entity references, batched', async () => {
    const entities = `query($representations: [_Any!]!) { _entities(representations: $representations) {
      ... on Line { code site { code } currentState { state } }
      ... on WorkCell { code line { code } }
      ... on Site { code }
      ... on Tag { name workCell { code } characteristic { id } }
    } }`;
    const tag = await graph.database.prisma.tag.findFirstOrThrow({ where: { assetId: cells.FIL20, name: 'fill_weight' } });
    const mixed = await graph.query<{ _entities: unknown[] }>('assets', entities, {
      representations: [
        { __typename: 'Line', id: lines.CNC1 },
        { __typename: 'WorkCell', id: cells['OP20-BF'] },
        { __typename: 'Site', id: sites.LYO },
        { __typename: 'Tag', id: tag.id },
        { __typename: 'Line', id: '00000000-0000-4000-8000-000000000000' },
      ],
    });
    expect(mixed.data!._entities).toEqual([
      { code: 'CNC1', site: { code: 'BER' }, currentState: { state: 'RUNNING' } },
      { code: 'OP20-BF', line: { code: 'CNC1' } },
      { code: 'LYO' },
      { name: 'fill_weight', workCell: { code: 'FIL20' }, characteristic: { id: tag.characteristicId } },
      null,
    ]);

    const lineReferences = (ids: string[]) => ({ representations: ids.map((id) => ({ __typename: 'Line', id })) });
    const one = await countStatements(graph.database, () => graph.query('assets', entities, lineReferences([lines.CNC1!])));
    const three = await countStatements(graph.database, () => graph.query('assets', entities, lineReferences([lines.CNC1!, lines.MIX1!, lines.PCK1!])));
    expect(three).toBe(one);
  });

  it('assets - a token bound to sites sees only those sites', async () => {
    const berViewer = { sub: 'viewer-ber', role: 'viewer' as const, siteIds: [sites.BER!] };
    const sitesPage = await graph.query<{ sites: Page<{ code: string }> }>('assets', `{ sites { totalCount edges { node { code } } } }`, {}, berViewer);
    expect(sitesPage.data!.sites.edges.map((edge) => edge.node.code)).toEqual(['BER']);
    const linesPage = await graph.query<{ lines: Page<{ code: string }> }>('assets', LINES_PAGE, {}, berViewer);
    expect(linesPage.data!.lines.edges.map((edge) => edge.node.code)).toEqual(['CNC1']);
    const mix = await graph.query<{ line: unknown }>('assets', `query($id: ID!) { line(id: $id) { code } }`, { id: lines.MIX1 }, berViewer);
    expect(mix.data!.line).toBeNull();
    const states = await graph.query<{ equipmentStates: Page<StateNode> }>('assets', STATES_PAGE, { first: 50 }, berViewer);
    expect(states.data!.equipmentStates.totalCount).toBe(10);
  });

  it('assets - creates and updates a site, idempotently', async () => {
    const create = `mutation($input: CreateSiteInput!, $key: String!) { createSite(input: $input, idempotencyKey: $key) { replayed site { id code name timezone erpPlantCode } } }`;
    const input = { enterpriseCode: 'DEMO', code: 'PRG', name: 'Prague Assembly Plant', timezone: 'Europe/Prague', countryCode: 'CZ', erpPlantCode: '1300' };
    const first = await graph.query<{ createSite: { replayed: boolean; site: { id: string; code: string; timezone: string } } }>('assets', create, { input, key: 'site-create-prg' });
    expect(first.data!.createSite).toMatchObject({ replayed: false, site: { code: 'PRG', timezone: 'Europe/Prague' } });
    const again = await graph.query<{ createSite: { replayed: boolean; site: { id: string } } }>('assets', create, { input, key: 'site-create-prg' });
    expect(again.data!.createSite).toEqual({ replayed: true, site: { ...first.data!.createSite.site } });
    const conflict = await graph.query('assets', create, { input: { ...input, name: 'Praha' }, key: 'site-create-prg' });
    expect(conflict.errors?.[0]?.extensions?.code).toBe('IDEMPOTENCY_CONFLICT');
    const duplicate = await graph.query('assets', create, { input: { ...input, code: 'BER' }, key: 'site-create-ber-again' });
    expect(duplicate.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION_FAILED', fields: [{ field: 'input.code', message: 'site code BER is already used' }] });
    const badZone = await graph.query('assets', create, { input: { ...input, code: 'XXX', timezone: 'Europe/Atlantis', enterpriseCode: 'NOPE' }, key: 'site-create-xxx' });
    expect(badZone.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION_FAILED', fields: [{ field: 'input.timezone' }] });
    const noEnterprise = await graph.query('assets', create, { input: { ...input, code: 'XXX', enterpriseCode: 'NOPE' }, key: 'site-create-xxx' });
    expect(noEnterprise.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION_FAILED', fields: [{ field: 'input.enterpriseCode' }] });

    const update = `mutation($id: ID!, $input: UpdateSiteInput!, $key: String!) { updateSite(id: $id, input: $input, idempotencyKey: $key) { replayed site { code name erpPlantCode } } }`;
    const siteId = first.data!.createSite.site.id;
    const renamed = await graph.query<{ updateSite: unknown }>('assets', update, { id: siteId, input: { name: 'Praha Assembly', erpPlantCode: null }, key: 'site-update-prg-1' });
    expect(renamed.data!.updateSite).toEqual({ replayed: false, site: { code: 'PRG', name: 'Praha Assembly', erpPlantCode: null } });
    const taken = await graph.query('assets', update, { id: siteId, input: { code: 'LYO' }, key: 'site-update-prg-2' });
    expect(taken.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION_FAILED', fields: [{ field: 'input.code' }] });
    const nameless = await graph.query('assets', update, { id: siteId, input: { name: null }, key: 'site-update-prg-3' });
    expect(nameless.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION_FAILED', fields: [{ field: 'input.name' }] });
    const unknown = await graph.query('assets', update, { id: '00000000-0000-4000-8000-000000000000', input: { name: 'Ghost' }, key: 'site-update-ghost' });
    expect(unknown.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it('assets - creates and updates a line within the hierarchy, idempotently', async () => {
    const input = { siteId: sites.BER, areaId: areas.MACH, code: 'CNC2', name: 'CNC Machining Line 2', erpWorkCenter: 'BER-CNC2', idealCycleSeconds: 200 };
    const first = await graph.query<{ createLine: { replayed: boolean; line: { id: string } } }>('assets', CREATE_LINE, { input, key: 'line-create-cnc2' });
    expect(first.data!.createLine).toMatchObject({ replayed: false, line: { code: 'CNC2', site: { code: 'BER' }, area: { code: 'MACH' } } });
    const again = await graph.query<{ createLine: { replayed: boolean; line: { id: string } } }>('assets', CREATE_LINE, { input, key: 'line-create-cnc2' });
    expect(again.data!.createLine.replayed).toBe(true);
    expect(again.data!.createLine.line.id).toBe(first.data!.createLine.line.id);
    const conflict = await graph.query('assets', CREATE_LINE, { input: { ...input, name: 'Other' }, key: 'line-create-cnc2' });
    expect(conflict.errors?.[0]?.extensions?.code).toBe('IDEMPOTENCY_CONFLICT');

    const otherSiteArea = await graph.query('assets', CREATE_LINE, { input: { ...input, code: 'CNC3', areaId: areas.PACK }, key: 'line-create-cnc3' });
    expect(otherSiteArea.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION_FAILED', fields: [{ field: 'input.areaId' }] });
    const taken = await graph.query('assets', CREATE_LINE, { input: { ...input, code: 'CNC1' }, key: 'line-create-cnc1-again' });
    expect(taken.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION_FAILED', fields: [{ field: 'input.code', message: 'line code CNC1 is already used in this site' }] });
    const invalid = await graph.query('assets', CREATE_LINE, { input: { ...input, code: 'CNC.3', idealCycleSeconds: -1 }, key: 'line-create-bad' });
    expect(invalid.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION_FAILED', fields: [{ field: 'input.code' }, { field: 'input.idealCycleSeconds' }] });

    const update = `mutation($id: ID!, $input: UpdateLineInput!, $key: String!) { updateLine(id: $id, input: $input, idempotencyKey: $key) { replayed line { code name erpWorkCenter area { code } } } }`;
    const lineId = first.data!.createLine.line.id;
    const renamed = await graph.query<{ updateLine: unknown }>('assets', update, { id: lineId, input: { name: 'CNC Line 2', erpWorkCenter: null }, key: 'line-update-cnc2-1' });
    expect(renamed.data!.updateLine).toEqual({ replayed: false, line: { code: 'CNC2', name: 'CNC Line 2', erpWorkCenter: null, area: { code: 'MACH' } } });
    const moved = await graph.query('assets', update, { id: lineId, input: { areaId: areas.PROC }, key: 'line-update-cnc2-2' });
    expect(moved.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION_FAILED', fields: [{ field: 'input.areaId', message: `area ${areas.PROC} is not in site ${sites.BER}` }] });
    const unknown = await graph.query('assets', update, { id: '00000000-0000-4000-8000-000000000000', input: { name: 'Ghost' }, key: 'line-update-ghost' });
    expect(unknown.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const badId = await graph.query('assets', update, { id: 'CNC2', input: { name: 'Ghost' }, key: 'line-update-bad-id' });
    expect(badId.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION_FAILED', fields: [{ field: 'id' }] });
  });

  it('assets - creates and updates work cells under a parent of the same line, without cycles', async () => {
    const create = `mutation($input: CreateWorkCellInput!, $key: String!) { createWorkCell(input: $input, idempotencyKey: $key) { replayed workCell { id code parent { code } line { code } } } }`;
    const input = { lineId: lines.CNC1, parentId: cells.OP10, code: 'OP10-TC', name: 'Tool changer', equipmentClass: 'TOOL_CHANGER' };
    const first = await graph.query<{ createWorkCell: { replayed: boolean; workCell: { id: string } } }>('assets', create, { input, key: 'cell-create-op10-tc' });
    expect(first.data!.createWorkCell).toMatchObject({ replayed: false, workCell: { code: 'OP10-TC', parent: { code: 'OP10' }, line: { code: 'CNC1' } } });
    const again = await graph.query<{ createWorkCell: { replayed: boolean } }>('assets', create, { input, key: 'cell-create-op10-tc' });
    expect(again.data!.createWorkCell.replayed).toBe(true);
    const conflict = await graph.query('assets', create, { input: { ...input, name: 'Changer' }, key: 'cell-create-op10-tc' });
    expect(conflict.errors?.[0]?.extensions?.code).toBe('IDEMPOTENCY_CONFLICT');
    const foreignParent = await graph.query('assets', create, { input: { ...input, code: 'OP11', parentId: cells.FIL20 }, key: 'cell-create-op11' });
    expect(foreignParent.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION_FAILED', fields: [{ field: 'input.parentId' }] });
    const taken = await graph.query('assets', create, { input: { ...input, code: 'OP20' }, key: 'cell-create-op20-again' });
    expect(taken.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION_FAILED', fields: [{ field: 'input.code' }] });
    const noLine = await graph.query('assets', create, { input: { ...input, lineId: '00000000-0000-4000-8000-000000000000' }, key: 'cell-create-no-line' });
    expect(noLine.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION_FAILED', fields: [{ field: 'input.lineId' }] });

    const update = `mutation($id: ID!, $input: UpdateWorkCellInput!, $key: String!) { updateWorkCell(id: $id, input: $input, idempotencyKey: $key) { replayed workCell { code parent { code } children { code } } } }`;
    const cycle = await graph.query('assets', update, { id: cells.OP10, input: { parentId: first.data!.createWorkCell.workCell.id }, key: 'cell-update-op10-cycle' });
    expect(cycle.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION_FAILED', fields: [{ field: 'input.parentId' }] });
    const own = await graph.query('assets', update, { id: cells.OP10, input: { parentId: cells.OP10 }, key: 'cell-update-op10-self' });
    expect(own.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION_FAILED', fields: [{ field: 'input.parentId' }] });
    const detached = await graph.query<{ updateWorkCell: unknown }>('assets', update, { id: first.data!.createWorkCell.workCell.id, input: { parentId: null, code: 'OP15' }, key: 'cell-update-op10-tc' });
    expect(detached.data!.updateWorkCell).toEqual({ replayed: false, workCell: { code: 'OP15', parent: null, children: [] } });
    const unknown = await graph.query('assets', update, { id: '00000000-0000-4000-8000-000000000000', input: { name: 'Ghost' }, key: 'cell-update-ghost' });
    expect(unknown.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it('assets - concurrent creates of one code: one line is created, the others are VALIDATION_FAILED', async () => {
    const input = { siteId: sites.LYO, areaId: areas.PROC, code: 'MIX2', name: 'Mixing Line 2' };
    const results = await Promise.all([1, 2, 3, 4].map((n) => graph.query('assets', CREATE_LINE, { input: { ...input, name: `Mixing Line 2 (${n})` }, key: `line-create-mix2-${n}` })));
    expect(results.filter((result) => result.data?.createLine)).toHaveLength(1);
    for (const failed of results.filter((result) => result.errors)) {
      expect(failed.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION_FAILED', fields: [{ field: 'input.code' }] });
    }
    expect(await graph.database.prisma.line.count({ where: { code: 'MIX2' } })).toBe(1);
  });

  it('assets - bad input gives codes, not stack traces', async () => {
    const badId = await graph.query('assets', `{ workCell(id: "OP10") { id } }`);
    expect(badId.errors?.[0]?.extensions?.code).toBe('VALIDATION_FAILED');
    const badFilter = await graph.query('assets', LINES_PAGE, { filter: { siteId: 'BER' } });
    expect(badFilter.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION_FAILED', fields: [{ field: 'filter.siteId' }] });
    const tooMany = await graph.query('assets', LINE_HISTORY, { id: lines.CNC1, first: 500 });
    expect(tooMany.errors?.[0]?.extensions?.code).toBe('VALIDATION_FAILED');
    const badCursor = await graph.query('assets', STATES_PAGE, { after: 'nope' });
    expect(badCursor.errors?.[0]?.extensions?.code).toBe('VALIDATION_FAILED');
    for (const response of [badId, badFilter, tooMany, badCursor]) expect(JSON.stringify(response)).not.toMatch(/stacktrace|at .*\.ts:\d+/);
  });

  it('assets - a call without the gateway signature is refused', async () => {
    const response = await graph.query('assets', LINES_PAGE, {}, null);
    expect(response.status).toBe(401);
    expect(response.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('assets - a remembered signature lets no forged, foreign or expired one through', async () => {
    const withHeader = async (header: string) => {
      const response = await fetch(graph.subgraphs.assets!.url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-plantgraph-internal': header }, body: JSON.stringify({ query: '{ __typename }' }) });
      return ((await response.json()) as { errors?: { extensions?: { code?: string } }[] }).errors?.map((error) => error.extensions?.code);
    };
    const valid = await signInternalToken(admin, TEST_INTERNAL_SECRET);
    expect(await withHeader(valid)).toBeUndefined();
    expect(await withHeader(valid)).toBeUndefined(); // verified once, remembered
    const [head, payload, signature] = valid.split('.') as [string, string, string];
    const forged = `${head}.${payload}.${signature.slice(0, 5)}${signature[5] === 'A' ? 'B' : 'A'}${signature.slice(6)}`;
    expect(await withHeader(forged)).toEqual(['UNAUTHENTICATED']);
    expect(await withHeader(await signInternalToken(admin, 'another-internal-secret-of-32-characters'))).toEqual(['UNAUTHENTICATED']);
    const expired = await new SignJWT({ role: 'admin' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(admin.sub)
      .setIssuer('plantgraph-gateway')
      .setAudience('plantgraph-subgraph')
      .setExpirationTime(Math.floor(Date.now() / 1000) - 5)
      .sign(new TextEncoder().encode(TEST_INTERNAL_SECRET));
    expect(await withHeader(expired)).toEqual(['UNAUTHENTICATED']);
  });
});
