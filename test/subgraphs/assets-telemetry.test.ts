import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { assetsSubgraph } from '../../subgraphs/assets/index.ts';
import { countStatements, startSubgraphsUnderTest, type SubgraphsUnderTest } from '../support/graph.ts';

// A window two hours ago, on a whole hour, so "now" never clips it.
const t0 = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 2 * 3_600_000;
const at = (seconds: number) => new Date(t0 + seconds * 1_000).toISOString();

const HISTORY = `query ($assetId: ID!, $tag: String!, $from: DateTime!, $to: DateTime!, $bucket: TimeBucket, $aggregation: ReadingAggregation) {
  readingHistory(assetId: $assetId, tag: $tag, from: $from, to: $to, bucket: $bucket, aggregation: $aggregation) { bucket aggregation points { time value readings } }
}`;
const OEE = `query ($id: ID!, $from: DateTime!, $to: DateTime!) {
  workCell(id: $id) { oee(from: $from, to: $to) { plannedSeconds runningSeconds downSeconds goodCount scrapCount availability performance quality oee assets } }
}`;
const CELLS_LATEST = `query ($first: Int) { workCells(first: $first) { edges { node { code latestReadings { tag value valueText unit quality time } tags { name latestReading { value } } } } } }`;

describe('assets subgraph: telemetry queries', () => {
  let graph: SubgraphsUnderTest;
  let cell: string; // a work cell of the test's own, with a 30-second ideal cycle

  const insertReadings = (rows: [string, string, number | null, string | null][], assetId = cell) =>
    graph.database.pool.query(
      `INSERT INTO telemetry.reading (time, asset_id, tag, value, value_text, reading_id)
       SELECT t, $1, tag, v, vt, gen_random_uuid()::text FROM unnest($2::timestamptz[], $3::text[], $4::float8[], $5::text[]) AS x(t, tag, v, vt)`,
      [assetId, rows.map((row) => row[0]), rows.map((row) => row[1]), rows.map((row) => row[2]), rows.map((row) => row[3])],
    );

  beforeAll(async () => {
    graph = await startSubgraphsUnderTest('assets_telemetry', [assetsSubgraph]);
    const { pool } = graph.database;
    cell = randomUUID();
    await pool.query(`INSERT INTO assets.work_cell (id, line_id, code, name, ideal_cycle_seconds) SELECT $1, id, 'OP90', 'Test cell', 30 FROM assets.line WHERE code = 'CNC1'`, [cell]);
    await pool.query(
      `INSERT INTO assets.tag (asset_kind, asset_id, name, kind, unit) VALUES
         ('WORK_CELL', $1, 'good_count', 'COUNTER_GOOD', 'PC'), ('WORK_CELL', $1, 'scrap_count', 'COUNTER_SCRAP', 'PC'),
         ('WORK_CELL', $1, 'state', 'STATE', NULL), ('WORK_CELL', $1, 'temp', 'TEMPERATURE', '°C')`,
      [cell],
    );
    // the scripted half hour: RUNNING 0–600 s, DOWN 600–900, PLANNED_STOP 900–1200, RUNNING 1200–1800
    await pool.query(
      `INSERT INTO assets.equipment_state (asset_kind, asset_id, state, started_at, ended_at, reason_code) VALUES
         ('WORK_CELL', $1, 'RUNNING', $2, $3, NULL), ('WORK_CELL', $1, 'DOWN', $3, $4, 'JAM'),
         ('WORK_CELL', $1, 'PLANNED_STOP', $4, $5, 'BREAK'), ('WORK_CELL', $1, 'RUNNING', $5, $6, NULL)`,
      [cell, at(0), at(600), at(900), at(1200), at(1800)],
    );
    await insertReadings([
      [at(-60), 'good_count', 100, null], // before the window: the base of the first delta
      [at(300), 'good_count', 110, null],
      [at(600), 'good_count', 120, null],
      [at(1200), 'good_count', 0, null], // PLC restart: the counter starts again
      [at(1799), 'good_count', 15, null],
      [at(-60), 'scrap_count', 5, null],
      [at(1799), 'scrap_count', 7, null],
      [at(0), 'temp', 20, null],
      [at(30), 'temp', 30, null],
      [at(59), 'temp', 40, null],
      [at(60), 'temp', 50, null],
      [at(150), 'temp', 70, null],
      [at(1799), 'state', null, 'RUNNING'],
    ]);
  });
  afterAll(async () => {
    await graph.stop();
  });

  it('latest readings per tag, with units, and the same through Tag.latestReading', async () => {
    const response = await graph.query<{ workCells: { edges: { node: { code: string; latestReadings: unknown[]; tags: { name: string; latestReading: { value: number } | null }[] } }[] } }>('assets', CELLS_LATEST, { first: 50 });
    expect(response.errors).toBeUndefined();
    const node = response.data!.workCells.edges.find((edge) => edge.node.code === 'OP90')!.node;
    expect(node.latestReadings).toEqual([
      { tag: 'good_count', value: 15, valueText: null, unit: 'PC', quality: 'GOOD', time: at(1799) },
      { tag: 'scrap_count', value: 7, valueText: null, unit: 'PC', quality: 'GOOD', time: at(1799) },
      { tag: 'state', value: null, valueText: 'RUNNING', unit: null, quality: 'GOOD', time: at(1799) },
      { tag: 'temp', value: 70, valueText: null, unit: '°C', quality: 'GOOD', time: at(150) },
    ]);
    expect(node.tags.find((tag) => tag.name === 'temp')!.latestReading).toEqual({ value: 70 });
  });

  it('latest readings of a page of work cells cost the same statements for 1 cell as for all', async () => {
    const one = await countStatements(graph.database, () => graph.query('assets', CELLS_LATEST, { first: 1 }));
    const all = await countStatements(graph.database, () => graph.query('assets', CELLS_LATEST, { first: 50 }));
    expect(all).toBe(one);
  });

  it('history per bucket with each aggregation, hand-computed', async () => {
    const history = async (bucket: string, aggregation: string) => {
      const response = await graph.query<{ readingHistory: { points: { time: string; value: number; readings: number }[] } }>('assets', HISTORY, { assetId: cell, tag: 'temp', from: at(0), to: at(180), bucket, aggregation });
      expect(response.errors).toBeUndefined();
      return response.data!.readingHistory.points;
    };
    expect(await history('ONE_MINUTE', 'AVG')).toEqual([
      { time: at(0), value: 30, readings: 3 },
      { time: at(60), value: 50, readings: 1 },
      { time: at(120), value: 70, readings: 1 },
    ]);
    expect((await history('ONE_MINUTE', 'MAX')).map((point) => point.value)).toEqual([40, 50, 70]);
    expect((await history('FIVE_MINUTES', 'COUNT')).map((point) => [point.time, point.value])).toEqual([[at(0), 5]]);
    // hour buckets read the rollup: recompute it, then the same numbers come back weighted by counts
    await graph.database.pool.query('SELECT telemetry.refresh_reading_1m($1, $2)', [at(-3600), at(3600)]);
    const hourly = await graph.query<{ readingHistory: { points: { value: number; readings: number }[] } }>('assets', HISTORY, { assetId: cell, tag: 'temp', from: at(0), to: at(3600), bucket: 'ONE_HOUR', aggregation: 'AVG' });
    expect(hourly.data!.readingHistory.points).toEqual([{ time: at(0), value: 42, readings: 5 }]);
  });

  it('refuses a window with too many points, a window backwards and an unknown asset, with codes', async () => {
    const tooLong = await graph.query('assets', HISTORY, { assetId: cell, tag: 'temp', from: at(0), to: at(2 * 86_400), bucket: 'ONE_MINUTE' });
    expect(tooLong.errors?.[0]?.extensions?.code).toBe('VALIDATION_FAILED');
    expect(tooLong.errors?.[0]?.message).toMatch(/at most 1440/);
    const backwards = await graph.query('assets', HISTORY, { assetId: cell, tag: 'temp', from: at(100), to: at(0) });
    expect(backwards.errors?.[0]?.extensions?.code).toBe('VALIDATION_FAILED');
    const unknown = await graph.query('assets', HISTORY, { assetId: randomUUID(), tag: 'temp', from: at(0), to: at(60) });
    expect(unknown.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it('OEE over the scripted half hour, counter reset included', async () => {
    const response = await graph.query<{ workCell: { oee: Record<string, number> } }>('assets', OEE, { id: cell, from: at(0), to: at(1800) });
    expect(response.errors).toBeUndefined();
    // planned 1800 − 300 planned stop = 1500 s; running 600 + 600 = 1200 s → availability 0.8
    // good 10 + 10 + 0 (reset to 0) + 15 = 35, scrap 2 → quality 35/37; performance 30 s × 37 / 1200 s
    expect(response.data!.workCell.oee).toEqual({
      plannedSeconds: 1500,
      runningSeconds: 1200,
      downSeconds: 300,
      goodCount: 35,
      scrapCount: 2,
      availability: 0.8,
      performance: 0.925,
      quality: 0.9459,
      oee: 0.7,
      assets: 1,
    });
    // a window without anything: parts of OEE are null, not NaN
    const empty = await graph.query<{ workCell: { oee: Record<string, number | null> } }>('assets', OEE, { id: cell, from: at(-7200), to: at(-3600) });
    expect(empty.data!.workCell.oee).toMatchObject({ runningSeconds: 0, availability: 0, performance: null, quality: null, oee: null });
  });
});
