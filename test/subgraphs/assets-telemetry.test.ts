// Telemetry queries of the assets subgraph over readings and state intervals written straight into
// the test's own database: latest values, reading series, state timelines and OEE on a scripted day.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { assetsSubgraph } from '../../subgraphs/assets/index.ts';
import type { Database } from '../../core/db.ts';
import { countStatements, startSubgraphsUnderTest, type SubgraphsUnderTest } from '../support/graph.ts';
import { startHubUnderTest, type HubUnderTest } from '../support/hub.ts';

interface Reading {
  assetId: string;
  tag: string;
  time: Date;
  value?: number | null;
  valueText?: string | null;
  quality?: string;
}

let readingSequence = 0;
async function insertReadings(database: Database, readings: Reading[]) {
  await database.pool.query(
    `INSERT INTO telemetry.reading (time, asset_id, tag, value, value_text, quality, reading_id)
     SELECT * FROM unnest($1::timestamptz[], $2::uuid[], $3::text[], $4::float8[], $5::text[], $6::text[], $7::text[])`,
    [
      readings.map((r) => r.time),
      readings.map((r) => r.assetId),
      readings.map((r) => r.tag),
      readings.map((r) => r.value ?? null),
      readings.map((r) => r.valueText ?? null),
      readings.map((r) => r.quality ?? 'GOOD'),
      readings.map(() => `test-reading-${(readingSequence += 1).toString().padStart(8, '0')}`),
    ],
  );
}

/** What the ingest's rollup job (plain PostgreSQL) or the continuous aggregate policy (TimescaleDB) does. */
async function refreshRollup(database: Database, from: string, to: string) {
  const { rows } = await database.pool.query<{ mode: string }>('SELECT telemetry.storage_mode() AS mode');
  if (rows[0]!.mode === 'timescaledb') await database.pool.query(`CALL refresh_continuous_aggregate('telemetry.reading_1m', $1::timestamptz, $2::timestamptz)`, [from, to]);
  else await database.pool.query('SELECT telemetry.refresh_reading_1m($1, $2)', [from, to]);
}

type StateName = 'RUNNING' | 'IDLE' | 'DOWN' | 'PLANNED_STOP' | 'CHANGEOVER';
async function insertStates(database: Database, assetKind: 'LINE' | 'WORK_CELL', assetId: string, states: [StateName, string, string | null][]) {
  await database.prisma.equipmentState.createMany({
    data: states.map(([state, startedAt, endedAt]) => ({ assetKind, assetId, state, startedAt: new Date(startedAt), endedAt: endedAt ? new Date(endedAt) : null })),
  });
}

const at = (iso: string) => new Date(iso);
const T0 = '2026-11-16T08:00:00.000Z';
const plus = (seconds: number) => new Date(Date.parse(T0) + seconds * 1000);

const HISTORY = `query($assetId: ID!, $tag: String!, $from: DateTime!, $to: DateTime!, $bucket: ReadingBucket, $aggregation: ReadingAggregation, $first: Int, $after: String) {
  readingHistory(assetId: $assetId, tag: $tag, from: $from, to: $to, bucket: $bucket, aggregation: $aggregation, first: $first, after: $after) {
    unit bucket aggregation points { time value valueText count quality } pageInfo { hasNextPage endCursor }
  }
}`;

interface Point {
  time: string;
  value: number | null;
  valueText: string | null;
  count: number;
  quality: string | null;
}
interface Series {
  unit: string | null;
  points: Point[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

const OEE_FIELDS = `from to shift { code from to } plannedSeconds runningSeconds plannedStopSeconds unrecordedSeconds goodCount scrapCount totalCount
  idealCycleSeconds availability performance quality oee outputWorkCell { code }`;

describe('assets subgraph - telemetry', () => {
  let graph: SubgraphsUnderTest;
  const cells: Record<string, string> = {};
  const lines: Record<string, string> = {};
  let oeeLine: string;
  let oeeCells: Record<string, string>;

  beforeAll(async () => {
    graph = await startSubgraphsUnderTest('assets_telemetry', [assetsSubgraph]);
    const { prisma } = graph.database;
    for (const row of await prisma.line.findMany()) lines[row.code] = row.id;
    for (const row of await prisma.workCell.findMany({ include: { line: true } })) cells[`${row.line.code}/${row.code}`] = row.id;

    // A line of its own for OEE: counters on two work cells, none on the line, ideal cycle 30 s.
    const cnc = await prisma.line.findFirstOrThrow({ where: { code: 'CNC1' } });
    const line = await prisma.line.create({ data: { siteId: cnc.siteId, areaId: cnc.areaId, code: 'OEE1', name: 'OEE test line', idealCycleSeconds: 30 } });
    oeeLine = line.id;
    oeeCells = {};
    for (const code of ['OP10', 'OP20']) {
      const cell = await prisma.workCell.create({ data: { lineId: line.id, code, name: code } });
      oeeCells[code] = cell.id;
      await prisma.tag.createMany({
        data: [
          { assetKind: 'WORK_CELL', assetId: cell.id, name: 'good_count', kind: 'COUNTER_GOOD', unit: 'PC' },
          { assetKind: 'WORK_CELL', assetId: cell.id, name: 'scrap_count', kind: 'COUNTER_SCRAP', unit: 'PC' },
        ],
      });
    }
  });
  afterAll(() => graph.stop());

  it('telemetry - latest reading per tag of many work cells, with unit and quality', async () => {
    const op10 = cells['CNC1/OP10']!;
    const op20 = cells['CNC1/OP20']!;
    await insertReadings(graph.database, [
      { assetId: op10, tag: 'spindle_temp', time: at('2026-11-20T10:00:00Z'), value: 40 },
      { assetId: op10, tag: 'spindle_temp', time: at('2026-11-20T10:00:10Z'), value: 41.5, quality: 'UNCERTAIN' },
      { assetId: op10, tag: 'spindle_temp', time: at('2026-11-20T09:59:00Z'), value: 39 },
      { assetId: op20, tag: 'spindle_temp', time: at('2026-11-20T10:00:05Z'), value: 55 },
      { assetId: op20, tag: 'state', time: at('2026-11-20T09:00:00Z'), valueText: 'RUNNING' },
      { assetId: op20, tag: 'state', time: at('2026-11-20T09:30:00Z'), valueText: 'DOWN' },
    ]);
    const query = `query($tags: [String!]) { workCells(first: 50) { edges { node { code line { code } latestReadings(tags: $tags) { tag value valueText unit quality time } } } } }`;
    const all = await graph.query<{ workCells: { edges: { node: { code: string; line: { code: string }; latestReadings: unknown[] } }[] } }>('assets', query, {});
    const byCode = Object.fromEntries(all.data!.workCells.edges.filter((edge) => edge.node.line.code === 'CNC1').map((edge) => [edge.node.code, edge.node.latestReadings]));
    expect(byCode.OP10).toEqual([{ tag: 'spindle_temp', value: 41.5, valueText: null, unit: '°C', quality: 'UNCERTAIN', time: '2026-11-20T10:00:10.000Z' }]);
    expect(byCode.OP20).toEqual([
      { tag: 'spindle_temp', value: 55, valueText: null, unit: '°C', quality: 'GOOD', time: '2026-11-20T10:00:05.000Z' },
      { tag: 'state', value: null, valueText: 'DOWN', unit: null, quality: 'GOOD', time: '2026-11-20T09:30:00.000Z' },
    ]);
    expect(byCode.OP30).toEqual([]);
    const onlyState = await graph.query<{ workCells: { edges: { node: { code: string; line: { code: string }; latestReadings: { tag: string }[] } }[] } }>('assets', query, { tags: ['state'] });
    const filtered = Object.fromEntries(onlyState.data!.workCells.edges.filter((edge) => edge.node.line.code === 'CNC1').map((edge) => [edge.node.code, edge.node.latestReadings.map((reading) => reading.tag)]));
    expect(filtered.OP10).toEqual([]);
    expect(filtered.OP20).toEqual(['state']);
  });

  describe('reading history', () => {
    // OP30 wash_temp over [T0, T0 + 6 min): minute 0: 10, 20; minute 1: 30, 50; minute 2: 5; minute 5: 100.
    let op30: string;
    const history = (variables: Record<string, unknown>) => graph.query<{ readingHistory: Series }>('assets', HISTORY, { assetId: op30, tag: 'wash_temp', from: T0, to: plus(360).toISOString(), ...variables });
    const values = (series: Series) => series.points.map((point) => [point.time.slice(11, 19), point.value, point.count]);

    beforeAll(async () => {
      op30 = cells['CNC1/OP30']!;
      await insertReadings(graph.database, [
        { assetId: op30, tag: 'wash_temp', time: plus(0), value: 10 },
        { assetId: op30, tag: 'wash_temp', time: plus(30), value: 20 },
        { assetId: op30, tag: 'wash_temp', time: plus(60), value: 30 },
        { assetId: op30, tag: 'wash_temp', time: plus(90), value: 50 },
        { assetId: op30, tag: 'wash_temp', time: plus(150), value: 5, quality: 'BAD' },
        { assetId: op30, tag: 'wash_temp', time: plus(330), value: 100 },
        // outside the window on both sides
        { assetId: op30, tag: 'wash_temp', time: plus(-1), value: 1000 },
        { assetId: op30, tag: 'wash_temp', time: plus(360), value: 1000 },
      ]);
      await refreshRollup(graph.database, '2026-11-16T00:00:00Z', '2026-11-17T00:00:00Z');
    });

    it('telemetry - one-minute buckets: every bucket of the window, averages and counts', async () => {
      const series = (await history({ bucket: 'ONE_MINUTE', aggregation: 'AVG' })).data!.readingHistory;
      expect(series.unit).toBe('°C');
      expect(values(series)).toEqual([
        ['08:00:00', 15, 2],
        ['08:01:00', 40, 2],
        ['08:02:00', 5, 1],
        ['08:03:00', null, 0],
        ['08:04:00', null, 0],
        ['08:05:00', 100, 1],
      ]);
      expect(series.pageInfo.hasNextPage).toBe(false);
      // Explicit nulls are the defaults: one-minute averages, 500 points a page.
      expect((await history({ bucket: null, aggregation: null, first: null })).data!.readingHistory.points).toEqual(series.points);
    });

    it('telemetry - five-minute buckets with MIN, MAX, COUNT and LAST', async () => {
      const of = async (aggregation: string) => values((await history({ bucket: 'FIVE_MINUTES', aggregation })).data!.readingHistory);
      expect(await of('MIN')).toEqual([['08:00:00', 5, 5], ['08:05:00', 100, 1]]);
      expect(await of('MAX')).toEqual([['08:00:00', 50, 5], ['08:05:00', 100, 1]]);
      expect(await of('COUNT')).toEqual([['08:00:00', 5, 5], ['08:05:00', 1, 1]]);
      expect(await of('AVG')).toEqual([['08:00:00', (10 + 20 + 30 + 50 + 5) / 5, 5], ['08:05:00', 100, 1]]);
      const last = (await history({ bucket: 'FIVE_MINUTES', aggregation: 'LAST' })).data!.readingHistory;
      expect(last.points.map((point) => [point.value, point.quality])).toEqual([[5, 'BAD'], [100, 'GOOD']]);
      // An hour bucket holding the window: only readings inside [from, to) count.
      expect(values((await history({ bucket: 'ONE_HOUR', aggregation: 'MAX' })).data!.readingHistory)).toEqual([['08:00:00', 100, 6]]);
    });

    it('telemetry - a window off the bucket grid counts only its own readings', async () => {
      const series = (await history({ from: plus(45).toISOString(), to: plus(155).toISOString(), bucket: 'ONE_MINUTE', aggregation: 'AVG' })).data!.readingHistory;
      expect(values(series)).toEqual([['08:00:00', null, 0], ['08:01:00', 40, 2], ['08:02:00', 5, 1]]);
    });

    it('telemetry - settled minutes come from the 1-minute rollup, the newest from the raw readings', async () => {
      const op20 = cells['CNC1/OP20']!;
      const minute = (minutesAgo: number) => new Date(Math.floor(Date.now() / 60_000) * 60_000 - minutesAgo * 60_000);
      await insertReadings(graph.database, [
        { assetId: op20, tag: 'spindle_temp', time: new Date(minute(30).getTime() + 5_000), value: 40 },
        { assetId: op20, tag: 'spindle_temp', time: new Date(minute(30).getTime() + 35_000), value: 44 },
        { assetId: op20, tag: 'spindle_temp', time: new Date(minute(2).getTime() + 1_000), value: 60 },
      ]);
      // The rollup of the old minute is made, then its raw readings change: the series must show the
      // rollup's figures for it (proving it reads the rollup), and the raw figures for the new minute.
      await refreshRollup(graph.database, minute(31).toISOString(), minute(29).toISOString());
      await graph.database.pool.query(`UPDATE telemetry.reading SET value = value + 1000 WHERE asset_id = $1 AND tag = 'spindle_temp' AND time >= $2 AND time < $3`, [op20, minute(30), minute(29)]);
      const series = await graph.query<{ readingHistory: Series }>('assets', HISTORY, {
        assetId: op20, tag: 'spindle_temp', from: minute(30).toISOString(), to: minute(0).toISOString(), bucket: 'ONE_MINUTE', aggregation: 'AVG',
      });
      const points = series.data!.readingHistory.points;
      expect(points).toHaveLength(30);
      expect(points.filter((point) => point.count > 0).map((point) => [point.time, point.value, point.count])).toEqual([
        [minute(30).toISOString(), 42, 2],
        [minute(2).toISOString(), 60, 1],
      ]);
    });

    it('telemetry - LAST of a text tag gives the newest text per bucket', async () => {
      const op20 = cells['CNC1/OP20']!;
      await insertReadings(graph.database, [
        { assetId: op20, tag: 'state', time: at('2026-11-19T09:00:00Z'), valueText: 'RUNNING' },
        { assetId: op20, tag: 'state', time: at('2026-11-19T09:10:00Z'), valueText: 'IDLE' },
        { assetId: op20, tag: 'state', time: at('2026-11-19T09:30:00Z'), valueText: 'DOWN' },
      ]);
      await refreshRollup(graph.database, '2026-11-19T00:00:00Z', '2026-11-20T00:00:00Z');
      const series = await graph.query<{ readingHistory: Series }>('assets', HISTORY, {
        assetId: op20, tag: 'state', from: '2026-11-19T09:00:00Z', to: '2026-11-19T10:00:00Z', bucket: 'FIFTEEN_MINUTES', aggregation: 'LAST',
      });
      expect(series.data!.readingHistory.points.map((point) => [point.valueText, point.count])).toEqual([['IDLE', 2], [null, 0], ['DOWN', 1], [null, 0]]);
    });

    it('telemetry - bucket pages continue where the last ended; raw readings page too', async () => {
      const whole = (await history({ bucket: 'ONE_MINUTE', first: 10 })).data!.readingHistory.points;
      const paged: Point[] = [];
      let after: string | null = null;
      let pages = 0;
      do {
        const page: Series = (await history({ bucket: 'ONE_MINUTE', first: 4, after })).data!.readingHistory;
        paged.push(...page.points);
        pages += 1;
        after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
      } while (after);
      expect(pages).toBe(2);
      expect(paged).toEqual(whole);

      const raw = (await history({ bucket: 'RAW', first: 4 })).data!.readingHistory;
      expect(raw.points.map((point) => point.value)).toEqual([10, 20, 30, 50]);
      expect(raw.pageInfo.hasNextPage).toBe(true);
      const rest = (await history({ bucket: 'RAW', first: 4, after: raw.pageInfo.endCursor })).data!.readingHistory;
      expect(rest.points.map((point) => [point.value, point.quality, point.count])).toEqual([[5, 'BAD', 1], [100, 'GOOD', 1]]);
      expect(rest.pageInfo.hasNextPage).toBe(false);
    });

    it('telemetry - windows beyond the limits, backwards windows and unknown tags are refused with codes', async () => {
      const backwards = await history({ from: plus(60).toISOString(), to: T0 });
      expect(backwards.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION_FAILED', fields: [{ field: 'readingHistory.from' }] });
      const tooManyBuckets = await history({ to: plus(8 * 86_400).toISOString(), bucket: 'ONE_MINUTE' });
      expect(tooManyBuckets.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION_FAILED', maximum: 10_000, actual: 11_520 });
      expect(tooManyBuckets.errors?.[0]?.message).toMatch(/11520 buckets of ONE_MINUTE/);
      const tooLong = await history({ to: plus(100 * 86_400).toISOString(), bucket: 'ONE_DAY' });
      expect(tooLong.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION_FAILED', maximum: 92 });
      const bigPage = await history({ first: 5000 });
      expect(bigPage.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION_FAILED', fields: [{ field: 'readingHistory.first' }] });
      const badCursor = await history({ after: 'bm9wZQ' });
      expect(badCursor.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION_FAILED', fields: [{ field: 'after' }] });
      const unknownTag = await history({ tag: 'no_such_tag' });
      expect(unknownTag.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      const otherSite = await graph.query('assets', HISTORY, { assetId: op30, tag: 'wash_temp', from: T0, to: plus(60).toISOString() }, { sub: 'viewer-lyo', role: 'viewer', siteIds: [(await graph.database.prisma.site.findFirstOrThrow({ where: { code: 'LYO' } })).id] });
      expect(otherSite.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');

      // RAW: more readings in the window than the maximum.
      await graph.database.pool.query(
        `INSERT INTO telemetry.reading (time, asset_id, tag, value, reading_id)
         SELECT TIMESTAMPTZ '2026-11-18T00:00:00Z' + n * interval '1 second', $1, 'wash_temp', n, 'bulk-' || n FROM generate_series(1, 10001) n`,
        [op30],
      );
      await refreshRollup(graph.database, '2026-11-18T00:00:00Z', '2026-11-19T00:00:00Z');
      const tooManyReadings = await history({ from: '2026-11-18T00:00:00Z', to: '2026-11-19T00:00:00Z', bucket: 'RAW' });
      expect(tooManyReadings.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION_FAILED', maximum: 10_000, actual: 10_001 });
      // The same window bucketed is fine: 24 hourly points, 10001 readings in all.
      const hourly = (await history({ from: '2026-11-18T00:00:00Z', to: '2026-11-19T00:00:00Z', bucket: 'ONE_HOUR', aggregation: 'COUNT' })).data!.readingHistory;
      expect(hourly.points).toHaveLength(24);
      expect(hourly.points.reduce((sum, point) => sum + point.count, 0)).toBe(10_001);
      for (const response of [backwards, tooManyBuckets, unknownTag, tooManyReadings]) expect(JSON.stringify(response)).not.toMatch(/stacktrace|at .*\.ts:\d+/);
    });
  });

  describe('state timeline', () => {
    const TIMELINE = `query($id: ID!, $from: DateTime!, $to: DateTime!, $first: Int, $after: String) {
      workCell(id: $id) { stateTimeline(from: $from, to: $to, first: $first, after: $after) {
        from to totalCount unrecordedSeconds durations { state seconds }
        pageInfo { hasNextPage endCursor } edges { cursor node { state startedAt endedAt durationSeconds reasonCode interval { startedAt endedAt } } } } }
    }`;
    interface Timeline {
      totalCount: number;
      unrecordedSeconds: number;
      durations: { state: string; seconds: number }[];
      pageInfo: { hasNextPage: boolean; endCursor: string | null };
      edges: { node: { state: string; startedAt: string; endedAt: string; durationSeconds: number; reasonCode: string | null; interval: { startedAt: string; endedAt: string | null } } }[];
    }
    let mix10: string;

    beforeAll(async () => {
      mix10 = cells['MIX1/MIX10']!;
      await insertStates(graph.database, 'WORK_CELL', mix10, [
        ['RUNNING', '2026-11-17T07:00:00Z', '2026-11-17T09:00:00Z'],
        ['DOWN', '2026-11-17T09:00:00Z', '2026-11-17T09:30:00Z'],
        ['RUNNING', '2026-11-17T09:30:00Z', '2026-11-17T10:00:00Z'],
        ['IDLE', '2026-11-17T10:15:00Z', '2026-11-17T13:00:00Z'],
      ]);
      await graph.database.prisma.equipmentState.updateMany({ where: { assetId: mix10, state: 'DOWN' }, data: { reasonCode: 'JAM' } });
    });

    it('telemetry - intervals are clipped to the window, with seconds per state and the unrecorded gap', async () => {
      const response = await graph.query<{ workCell: { stateTimeline: Timeline } }>('assets', TIMELINE, { id: mix10, from: '2026-11-17T08:00:00Z', to: '2026-11-17T11:00:00Z' });
      const timeline = response.data!.workCell.stateTimeline;
      expect(timeline.edges.map((edge) => [edge.node.state, edge.node.startedAt.slice(11, 16), edge.node.endedAt.slice(11, 16), edge.node.durationSeconds])).toEqual([
        ['RUNNING', '08:00', '09:00', 3600],
        ['DOWN', '09:00', '09:30', 1800],
        ['RUNNING', '09:30', '10:00', 1800],
        ['IDLE', '10:15', '11:00', 2700],
      ]);
      expect(timeline.edges[0]!.node.interval.startedAt).toBe('2026-11-17T07:00:00.000Z');
      expect(timeline.edges[1]!.node.reasonCode).toBe('JAM');
      expect(timeline.totalCount).toBe(4);
      // In the order of OperatingState.
      expect(timeline.durations).toEqual([
        { state: 'RUNNING', seconds: 5400 },
        { state: 'IDLE', seconds: 2700 },
        { state: 'DOWN', seconds: 1800 },
      ]);
      expect(timeline.unrecordedSeconds).toBe(900);
    });

    it('telemetry - timeline pages keep the totals of the whole window; bad windows are refused', async () => {
      const window = { id: mix10, from: '2026-11-17T08:00:00Z', to: '2026-11-17T11:00:00Z' };
      const first = (await graph.query<{ workCell: { stateTimeline: Timeline } }>('assets', TIMELINE, { ...window, first: 3 })).data!.workCell.stateTimeline;
      expect(first.edges).toHaveLength(3);
      expect(first.pageInfo.hasNextPage).toBe(true);
      const second = (await graph.query<{ workCell: { stateTimeline: Timeline } }>('assets', TIMELINE, { ...window, first: 3, after: first.pageInfo.endCursor })).data!.workCell.stateTimeline;
      expect(second.edges.map((edge) => edge.node.state)).toEqual(['IDLE']);
      expect(second.pageInfo.hasNextPage).toBe(false);
      expect(second.totalCount).toBe(4);
      const backwards = await graph.query('assets', TIMELINE, { ...window, from: window.to, to: window.from });
      expect(backwards.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION_FAILED', fields: [{ field: 'stateTimeline.from' }] });
      const tooBig = await graph.query('assets', TIMELINE, { ...window, first: 1000 });
      expect(tooBig.errors?.[0]?.extensions?.code).toBe('VALIDATION_FAILED');
    });
  });

  describe('OEE', () => {
    // Monday 2026-11-16 in Berlin (UTC+1): EARLY 05:00–13:00Z, LATE 13:00–21:00Z, NIGHT 21:00–05:00Z.
    // OEE1 has no counters of its own: it is measured at OP20, the last work cell with a good counter.
    beforeAll(async () => {
      const { OP10: op10, OP20: op20 } = oeeCells as { OP10: string; OP20: string };
      await insertStates(graph.database, 'WORK_CELL', op20, [
        ['RUNNING', '2026-11-16T04:00:00Z', '2026-11-16T07:00:00Z'],
        ['PLANNED_STOP', '2026-11-16T07:00:00Z', '2026-11-16T07:30:00Z'],
        ['RUNNING', '2026-11-16T07:30:00Z', '2026-11-16T10:00:00Z'],
        ['DOWN', '2026-11-16T10:00:00Z', '2026-11-16T11:00:00Z'],
        ['RUNNING', '2026-11-16T11:00:00Z', '2026-11-16T13:30:00Z'],
      ]);
      // OP10's states must not count: the line is measured at OP20.
      await insertStates(graph.database, 'WORK_CELL', op10, [['DOWN', '2026-11-16T04:00:00Z', '2026-11-16T20:00:00Z']]);
      await insertReadings(graph.database, [
        // good at OP20: baseline 1000 before the shift, +100, +100, reset to 50 (+50), +250; 400 is in the late shift (+100)
        { assetId: op20, tag: 'good_count', time: at('2026-11-16T04:50:00Z'), value: 1000 },
        { assetId: op20, tag: 'good_count', time: at('2026-11-16T06:00:00Z'), value: 1100 },
        { assetId: op20, tag: 'good_count', time: at('2026-11-16T08:00:00Z'), value: 1200 },
        { assetId: op20, tag: 'good_count', time: at('2026-11-16T09:00:00Z'), value: 50 },
        { assetId: op20, tag: 'good_count', time: at('2026-11-16T12:59:00Z'), value: 300 },
        { assetId: op20, tag: 'good_count', time: at('2026-11-16T13:10:00Z'), value: 400 },
        // scrap at OP20: 10 before the shift, 25 in it (+15)
        { assetId: op20, tag: 'scrap_count', time: at('2026-11-16T04:55:00Z'), value: 10 },
        { assetId: op20, tag: 'scrap_count', time: at('2026-11-16T12:00:00Z'), value: 25 },
        // scrap at OP10: first reading ever 0 (baseline), 5 (+5), reset to 3 (+3)
        { assetId: op10, tag: 'scrap_count', time: at('2026-11-16T06:00:00Z'), value: 0 },
        { assetId: op10, tag: 'scrap_count', time: at('2026-11-16T10:00:00Z'), value: 5 },
        { assetId: op10, tag: 'scrap_count', time: at('2026-11-16T12:00:00Z'), value: 3 },
        // OP10's good counter is not the line's output
        { assetId: op10, tag: 'good_count', time: at('2026-11-16T06:00:00Z'), value: 0 },
        { assetId: op10, tag: 'good_count', time: at('2026-11-16T12:00:00Z'), value: 900 },
      ]);
    });

    // Hand-computed for the early shift: 8 h = 28800 s; planned stop 1800 s → planned 27000 s;
    // running 7200 + 9000 + 7200 (clipped at 13:00) = 23400 s; good 500, scrap 15 + 8 = 23, total 523.
    const early = {
      plannedSeconds: 27_000,
      runningSeconds: 23_400,
      plannedStopSeconds: 1_800,
      unrecordedSeconds: 0,
      goodCount: 500,
      scrapCount: 23,
      totalCount: 523,
      idealCycleSeconds: 30,
      availability: 23_400 / 27_000,
      performance: (30 * 523) / 23_400,
      quality: 500 / 523,
      oee: (23_400 / 27_000) * ((30 * 523) / 23_400) * (500 / 523),
      outputWorkCell: { code: 'OP20' },
    };

    it('telemetry - OEE of a line over a window, measured at its output work cell, counter reset handled', async () => {
      const response = await graph.query<{ line: { oee: Record<string, unknown> } }>('assets', `query($id: ID!) { line(id: $id) { oee(from: "2026-11-16T05:00:00Z", to: "2026-11-16T13:00:00Z") { ${OEE_FIELDS} } } }`, { id: oeeLine });
      expect(response.errors).toBeUndefined();
      const oee = response.data!.line.oee;
      expect(oee).toMatchObject({ ...early, availability: expect.any(Number), performance: expect.any(Number), quality: expect.any(Number), oee: expect.any(Number) });
      for (const component of ['availability', 'performance', 'quality', 'oee'] as const) expect(oee[component]).toBeCloseTo(early[component], 12);
      expect(oee.oee).toBeCloseTo(0.5555555, 6); // 23400/27000 × 15690/23400 × 500/523 = 15690 × 500 / (27000 × 523)
    });

    it('telemetry - OEE per shift of a local date, and the shift windows of a site', async () => {
      const response = await graph.query<{ line: { oeeByShift: Record<string, unknown>[] } }>('assets', `query($id: ID!) { line(id: $id) { oeeByShift(date: "2026-11-16") { ${OEE_FIELDS} } } }`, { id: oeeLine });
      expect(response.errors).toBeUndefined();
      const [earlyShift, late, night] = response.data!.line.oeeByShift;
      expect(response.data!.line.oeeByShift).toHaveLength(3);
      expect(earlyShift).toMatchObject({ shift: { code: 'EARLY', from: '2026-11-16T05:00:00.000Z', to: '2026-11-16T13:00:00.000Z' }, goodCount: 500, scrapCount: 23 });
      expect(earlyShift!.oee).toBeCloseTo(early.oee, 12);
      // Late: running 13:00–13:30 only, the rest unrecorded; good +100, no scrap.
      expect(late).toMatchObject({ shift: { code: 'LATE', from: '2026-11-16T13:00:00.000Z' }, runningSeconds: 1800, unrecordedSeconds: 27_000, goodCount: 100, scrapCount: 0, quality: 1 });
      expect(late!.availability).toBeCloseTo(1800 / 28_800, 12);
      expect(late!.performance).toBeCloseTo((30 * 100) / 1800, 12);
      // Night: nothing recorded or counted: availability 0, the others undefined (null, not NaN).
      expect(night).toMatchObject({ shift: { code: 'NIGHT', from: '2026-11-16T21:00:00.000Z', to: '2026-11-17T05:00:00.000Z' }, availability: 0, performance: null, quality: null, oee: null });

      const sites = `query($date: String!) { sites { edges { node { code shiftWindows(date: $date) { code date from to } } } } }`;
      const saturday = await graph.query<{ sites: { edges: { node: { code: string; shiftWindows: { code: string; from: string }[] } }[] } }>('assets', sites, { date: '2026-11-21' });
      const bySite = Object.fromEntries(saturday.data!.sites.edges.map((edge) => [edge.node.code, edge.node.shiftWindows]));
      expect(bySite.BER).toEqual([]);
      expect(bySite.LYO!.map((shift) => [shift.code, shift.from])).toEqual([['MORNING', '2026-11-21T04:00:00.000Z'], ['AFTERNOON', '2026-11-21T12:00:00.000Z']]);
      // Summer time: Berlin is UTC+2.
      const summer = await graph.query<{ sites: { edges: { node: { code: string; shiftWindows: { code: string; from: string }[] } }[] } }>('assets', sites, { date: '2026-07-06' });
      expect(summer.data!.sites.edges.find((edge) => edge.node.code === 'BER')!.node.shiftWindows[0]).toMatchObject({ code: 'EARLY', from: '2026-07-06T04:00:00.000Z' });
      const badDate = await graph.query('assets', sites, { date: '2026-02-30' });
      expect(badDate.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION_FAILED', fields: [{ field: 'date' }] });
    });

    it('telemetry - a work cell is measured on itself; empty and too long windows', async () => {
      const cell = await graph.query<{ workCell: { oee: Record<string, unknown> } }>('assets', `query($id: ID!) { workCell(id: $id) { oee(from: "2026-11-16T05:00:00Z", to: "2026-11-16T13:00:00Z") { ${OEE_FIELDS} } } }`, { id: oeeCells.OP10 });
      // OP10: DOWN the whole shift, good +900, scrap +8, no ideal cycle.
      expect(cell.data!.workCell.oee).toMatchObject({ runningSeconds: 0, goodCount: 900, scrapCount: 8, availability: 0, performance: null, quality: 900 / 908, oee: null, outputWorkCell: null, idealCycleSeconds: null });
      const tooLong = await graph.query('assets', `query($id: ID!) { line(id: $id) { oee(from: "2026-01-01T00:00:00Z", to: "2026-03-01T00:00:00Z") { oee } } }`, { id: oeeLine });
      expect(tooLong.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION_FAILED', fields: [{ field: 'oee.to' }] });
      const future = await graph.query<{ line: { oee: Record<string, unknown> } }>('assets', `query($id: ID!) { line(id: $id) { oee(from: "2099-01-01T00:00:00Z", to: "2099-01-02T00:00:00Z") { to plannedSeconds availability oee } } }`, { id: oeeLine });
      expect(future.data!.line.oee).toEqual({ to: '2099-01-01T00:00:00.000Z', plannedSeconds: 0, availability: null, oee: null });
    });
  });

  it('telemetry - the statement count of a page of lines does not grow with its size', async () => {
    const page = `query($first: Int) { lines(first: $first) { edges { node { code
      latestReadings { tag value }
      stateTimeline(from: "2026-11-16T00:00:00Z", to: "2026-11-18T00:00:00Z") { totalCount durations { state seconds } unrecordedSeconds edges { node { state } } }
      oee(from: "2026-11-16T05:00:00Z", to: "2026-11-16T13:00:00Z") { oee goodCount outputWorkCell { code } }
      oeeByShift(date: "2026-11-16") { shift { code } oee }
      workCells { code latestReadings { tag value } stateTimeline(from: "2026-11-16T00:00:00Z", to: "2026-11-18T00:00:00Z") { totalCount edges { node { state } } } oee(from: "2026-11-16T05:00:00Z", to: "2026-11-16T13:00:00Z") { goodCount } }
    } } } }`;
    const all = await graph.query<{ lines: { edges: unknown[] } }>('assets', page, { first: 50 });
    expect(all.errors).toBeUndefined();
    expect(all.data!.lines.edges.length).toBeGreaterThanOrEqual(4);
    const one = await countStatements(graph.database, () => graph.query('assets', page, { first: 1 }));
    const many = await countStatements(graph.database, () => graph.query('assets', page, { first: 50 }));
    expect(many).toBe(one);
  });
});

describe('assets telemetry through the gateway', () => {
  let hub: HubUnderTest;
  let lineId: string;

  beforeAll(async () => {
    hub = await startHubUnderTest('assets_telemetry_gw');
    const line = await hub.database.prisma.line.findFirstOrThrow({ where: { code: 'CNC1' }, include: { workCells: true } });
    lineId = line.id;
    const op30 = line.workCells.find((cell) => cell.code === 'OP30')!;
    await insertReadings(hub.database, [
      { assetId: op30.id, tag: 'good_count', time: at('2026-11-16T04:00:00Z'), value: 10 },
      { assetId: op30.id, tag: 'good_count', time: at('2026-11-16T06:00:00Z'), value: 70 },
      { assetId: op30.id, tag: 'wash_temp', time: at('2026-11-16T06:00:00Z'), value: 60 },
    ]);
    await insertStates(hub.database, 'WORK_CELL', op30.id, [['RUNNING', '2026-11-16T05:00:00Z', '2026-11-16T13:00:00Z']]);
    await refreshRollup(hub.database, '2026-11-16T00:00:00Z', '2026-11-17T00:00:00Z');
  });
  afterAll(() => hub.stop());

  it('telemetry - a viewer reads latest values, history and shift OEE of a line through the gateway', async () => {
    const query = `query($id: ID!, $cell: ID!) {
      line(id: $id) { code oeeByShift(date: "2026-11-16") { shift { code } goodCount availability outputWorkCell { code } } workCells { code latestReadings(tags: ["wash_temp"]) { value unit } } }
      readingHistory(assetId: $cell, tag: "good_count", from: "2026-11-16T00:00:00Z", to: "2026-11-17T00:00:00Z", bucket: ONE_HOUR, aggregation: MAX, first: 24) { points { value count } }
    }`;
    const cell = (await hub.database.prisma.workCell.findFirstOrThrow({ where: { lineId, code: 'OP30' } })).id;
    const response = await hub.query<{
      line: { oeeByShift: { shift: { code: string }; goodCount: number; availability: number; outputWorkCell: { code: string } }[]; workCells: { code: string; latestReadings: unknown[] }[] };
      readingHistory: { points: { value: number | null; count: number }[] };
    }>(query, { id: lineId, cell }, { role: 'viewer' });
    expect(response.errors).toBeUndefined();
    expect(response.data!.line.oeeByShift[0]).toEqual({ shift: { code: 'EARLY' }, goodCount: 60, availability: 1, outputWorkCell: { code: 'OP30' } });
    expect(response.data!.line.workCells.find((workCell) => workCell.code === 'OP30')!.latestReadings).toEqual([{ value: 60, unit: '°C' }]);
    expect(response.data!.readingHistory.points.filter((point) => point.count > 0)).toEqual([{ value: 10, count: 1 }, { value: 70, count: 1 }]);
    const anonymous = await hub.query(query, { id: lineId, cell }, null);
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});
