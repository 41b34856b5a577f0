// The telemetry tables take the TimescaleDB shape where the server has the extension and the plain
// PostgreSQL shape otherwise; both answer the same queries.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { migrate } from '../../core/migrations.ts';
import { silentLogger } from '../../core/log.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';

describe('telemetry storage', () => {
  let database: TestDatabase;
  let pool: pg.Pool;
  let timescaleUsable: boolean;

  beforeAll(async () => {
    database = await createTestDatabase('telemetry_storage');
    pool = new pg.Pool({ connectionString: database.url, max: 2 });
    await migrate({ pool, log: silentLogger });
    const { rows } = await pool.query<{ usable: boolean }>('SELECT telemetry.timescale_usable() AS usable');
    timescaleUsable = rows[0]!.usable;
    if (!timescaleUsable) console.info('TimescaleDB is not available on this server: the plain PostgreSQL branch is tested, the Timescale branch is skipped');
  });
  afterAll(async () => {
    await pool.end();
    await database.drop();
  });

  it('telemetry - detection agrees with pg_available_extensions and picks the storage mode', async () => {
    const { rows } = await pool.query<{ listed: boolean; mode: string }>(
      `SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb') AS listed, telemetry.storage_mode() AS mode`,
    );
    if (!rows[0]!.listed) expect(timescaleUsable).toBe(false);
    expect(rows[0]!.mode).toBe(timescaleUsable ? 'timescaledb' : 'postgresql');
  });

  it('telemetry - plain PostgreSQL: BRIN on time and a rollup table refreshed by function', async () => {
    if (timescaleUsable) return console.info('skipped: this server uses the TimescaleDB branch');
    const { rows: indexes } = await pool.query<{ indexdef: string }>(`SELECT indexdef FROM pg_indexes WHERE schemaname = 'telemetry' AND tablename = 'reading'`);
    expect(indexes.map((index) => index.indexdef).join('\n')).toMatch(/USING brin \("time"\)/);
    const { rows: kinds } = await pool.query<{ relkind: string }>(`SELECT relkind FROM pg_class WHERE oid = 'telemetry.reading_1m'::regclass`);
    expect(kinds[0]!.relkind).toBe('r');
  });

  it('telemetry - TimescaleDB: hypertable, compression and a continuous aggregate', async () => {
    if (!timescaleUsable) return console.info('skipped: TimescaleDB is not available on this server (docker-compose brings it)');
    const { rows } = await pool.query<{ compression_enabled: boolean }>(
      `SELECT compression_enabled FROM timescaledb_information.hypertables WHERE hypertable_schema = 'telemetry' AND hypertable_name = 'reading'`,
    );
    expect(rows).toEqual([{ compression_enabled: true }]);
    const { rows: aggregates } = await pool.query(`SELECT view_name FROM timescaledb_information.continuous_aggregates WHERE view_schema = 'telemetry'`);
    expect(aggregates).toEqual([{ view_name: 'reading_1m' }]);
  });

  it('telemetry - a replayed reading is stored once, and the 1-minute rollup answers the same query on both', async () => {
    const insert = `INSERT INTO telemetry.reading (time, asset_id, tag, value, reading_id)
                    VALUES ($1, '00000000-0000-4000-8000-000000000001', 'spindle_temperature', $2, $3)
                    ON CONFLICT DO NOTHING`;
    const minute = '2026-11-25T08:00:00Z';
    await pool.query(insert, ['2026-11-25T08:00:10Z', 40, 'r-1']);
    await pool.query(insert, ['2026-11-25T08:00:20Z', 44, 'r-2']);
    const replay = await pool.query(insert, ['2026-11-25T08:00:10Z', 40, 'r-1']);
    expect(replay.rowCount).toBe(0);

    if (timescaleUsable) await pool.query(`CALL refresh_continuous_aggregate('telemetry.reading_1m', NULL, NULL)`);
    else await pool.query(`SELECT telemetry.refresh_reading_1m($1, $2)`, [minute, '2026-11-25T08:01:00Z']);
    const { rows } = await pool.query(
      `SELECT min_value, max_value, avg_value, reading_count::int AS reading_count FROM telemetry.reading_1m WHERE tag = 'spindle_temperature' AND bucket = $1`,
      [minute],
    );
    expect(rows).toEqual([{ min_value: 40, max_value: 44, avg_value: 42, reading_count: 2 }]);
  });

  it('telemetry - a reading without any value is refused by the table itself', async () => {
    await expect(
      pool.query(`INSERT INTO telemetry.reading (time, asset_id, tag, reading_id) VALUES (now(), gen_random_uuid(), 'x', 'r-empty')`),
    ).rejects.toThrow(/reading_has_value/);
  });
});
