import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { silentLogger } from '../../core/log.ts';
import { createAssetDirectory } from '../../ingest/asset-directory.ts';
import { startIdleSweeper } from '../../ingest/state/idle-sweeper.ts';
import { createLineStateProcessor } from '../../ingest/state/processor.ts';
import { createThresholdProcessor } from '../../ingest/thresholds/processor.ts';
import { startIngestWorker, type IngestWorker } from '../../ingest/worker.ts';
import { startIngestFixture, type IngestFixture, type ReadingInput } from '../support/ingest.ts';

const t0 = Math.floor(Date.now() / 60_000) * 60_000 - 30 * 60 * 1_000; // half an hour ago, on a minute
const at = (seconds: number) => new Date(t0 + seconds * 1_000).toISOString();

describe('line state and threshold rules in the ingest worker', () => {
  let fixture: IngestFixture;
  let worker: IngestWorker;
  let op10: string;

  beforeAll(async () => {
    fixture = await startIngestFixture('line_state');
    op10 = await fixture.assetId('OP10');
    worker = await startIngestWorker({
      pool: fixture.database.pool,
      bus: fixture.bus,
      streams: fixture.streams,
      log: silentLogger,
      processors: [createLineStateProcessor(), createThresholdProcessor()],
    });
  });
  afterAll(async () => {
    await worker.stop();
    await fixture.close();
  });

  const reading = (id: string, seconds: number, tag: string, value: number | string): ReadingInput => ({ readingId: id, assetId: op10, tag, value, timestamp: at(seconds) });
  const script = (): ReadingInput[] => [
    reading('s1', 0, 'state', 'RUNNING'),
    reading('t1', 1, 'spindle_temp', 55), // normal (warn 60, alarm 70)
    reading('s2', 10, 'state', 'RUNNING'), // heartbeat: no change
    reading('t2', 11, 'spindle_temp', 65), // → HIGH_WARN
    reading('t3', 12, 'spindle_temp', 75), // → HIGH_ALARM
    reading('s3', 20, 'state', 'DOWN:SPINDLE_JAM'),
    reading('s4', 30, 'state', 'DOWN:SPINDLE_JAM'), // still down: no change
    reading('t4', 31, 'spindle_temp', 66), // → HIGH_WARN
    reading('s5', 40, 'state', 'RUNNING'),
    reading('t5', 41, 'spindle_temp', 50), // → normal
    reading('s6', 50, 'state', 'IDLE'),
  ];

  const intervals = async () =>
    (
      await fixture.database.pool.query<{ state: string; started_at: Date; ended_at: Date | null; reason_code: string | null }>(
        'SELECT state, started_at, ended_at, reason_code FROM assets.equipment_state WHERE asset_id = $1 ORDER BY started_at',
        [op10],
      )
    ).rows.map((row) => [row.state, row.started_at.toISOString(), row.ended_at?.toISOString() ?? null, row.reason_code]);
  const eventCounts = async () =>
    Object.fromEntries(
      (await fixture.database.pool.query<{ type: string; n: string }>('SELECT type, count(*) AS n FROM events.outbox GROUP BY type')).rows.map((row) => [row.type, Number(row.n)]),
    );

  it('a scripted sequence gives exactly the expected intervals, alarms and events', async () => {
    // in two messages, so state carries over from one batch to the next
    await fixture.publish(script().slice(0, 5));
    await fixture.idle();
    await fixture.publish(script().slice(5));
    await fixture.idle();

    expect(await intervals()).toEqual([
      ['RUNNING', at(0), at(20), null],
      ['DOWN', at(20), at(40), 'SPINDLE_JAM'],
      ['RUNNING', at(40), at(50), null],
      ['IDLE', at(50), null, null],
    ]);
    const alarms = await fixture.database.pool.query<{ code: string; severity: string; raised_at: Date; cleared_at: Date | null }>(
      'SELECT code, severity, raised_at, cleared_at FROM maintenance.alarm WHERE asset_id = $1 ORDER BY raised_at',
      [op10],
    );
    expect(alarms.rows.map((row) => [row.code, row.severity, row.raised_at.toISOString(), row.cleared_at?.toISOString()])).toEqual([
      ['SPINDLE_TEMP_HIGH_WARN', 'WARNING', at(11), at(12)],
      ['SPINDLE_TEMP_HIGH_ALARM', 'CRITICAL', at(12), at(31)],
      ['SPINDLE_TEMP_HIGH_WARN', 'WARNING', at(31), at(41)],
    ]);
    expect(await eventCounts()).toEqual({ LineStateChanged: 4, ThresholdCrossed: 3, AlarmRaised: 3, AlarmCleared: 3 });

    const changes = await fixture.database.pool.query<{ data: { state: string; previousState: string | null; reasonCode: string | null; lineId: string } }>(
      `SELECT envelope->'data' AS data FROM events.outbox WHERE type = 'LineStateChanged' ORDER BY position`,
    );
    expect(changes.rows.map(({ data }) => [data.previousState, data.state, data.reasonCode])).toEqual([
      [null, 'RUNNING', null],
      ['RUNNING', 'DOWN', 'SPINDLE_JAM'],
      ['DOWN', 'RUNNING', null],
      ['RUNNING', 'IDLE', null],
    ]);
    expect(changes.rows[0]!.data.lineId).toBe(await fixture.assetId('CNC1'));
  });

  it('the same readings again, under new message ids, or a late reading change nothing', async () => {
    const before = [await intervals(), await eventCounts()];
    await fixture.publish(script(), 'replay-of-everything');
    await fixture.publish([reading('late-1', 25, 'state', 'RUNNING'), reading('late-2', 26, 'spindle_temp', 90)]);
    await fixture.idle();
    expect([await intervals(), await eventCounts()]).toEqual(before);
  });

  it('BAD quality readings are ignored by the rules', async () => {
    await fixture.publish([{ ...reading('bad-1', 60, 'spindle_temp', 95), quality: 'BAD' }, { ...reading('bad-2', 61, 'state', 'DOWN'), quality: 'BAD' }]);
    await fixture.idle();
    expect((await intervals()).at(-1)).toEqual(['IDLE', at(50), null, null]);
    expect((await eventCounts()).AlarmRaised).toBe(3);
  });

  it('an asset without a STATE tag runs while its counter goes up and is swept to idle when counts stop', async () => {
    const { pool } = fixture.database;
    const cell = randomUUID();
    await pool.query(`INSERT INTO assets.work_cell (id, line_id, code, name) SELECT $1, line_id, 'OP50', 'Marking laser' FROM assets.work_cell WHERE id = $2`, [cell, op10]);
    await pool.query(`INSERT INTO assets.tag (asset_kind, asset_id, name, kind, unit) VALUES ('WORK_CELL', $1, 'good_count', 'COUNTER_GOOD', 'PC')`, [cell]);
    const counter = (id: string, seconds: number, value: number): ReadingInput => ({ readingId: id, assetId: cell, tag: 'good_count', value, timestamp: at(seconds) });
    await fixture.publish([counter('c1', 100, 10), counter('c2', 110, 10), counter('c3', 120, 11), counter('c4', 130, 12)]);
    await fixture.idle();
    const states = async () => (await pool.query<{ state: string; started_at: Date }>('SELECT state, started_at FROM assets.equipment_state WHERE asset_id = $1 ORDER BY started_at', [cell])).rows.map((row) => [row.state, row.started_at.toISOString()]);
    expect(await states()).toEqual([['RUNNING', at(120)]]);

    const sweeper = startIdleSweeper({ pool, assets: createAssetDirectory(pool), log: silentLogger, idleAfterSeconds: 60, intervalMs: 60 * 60 * 1_000 });
    try {
      expect(await sweeper.sweep(new Date(t0 + 150 * 1_000))).toBe(0); // counted 20 s ago: still running
      expect(await sweeper.sweep(new Date(t0 + 200 * 1_000))).toBe(1); // nothing counted since 130 s
      expect(await sweeper.sweep(new Date(t0 + 300 * 1_000))).toBe(0); // idle already
    } finally {
      await sweeper.stop();
    }
    expect(await states()).toEqual([
      ['RUNNING', at(120)],
      ['IDLE', at(140)],
    ]);
  });
});
