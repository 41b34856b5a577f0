import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { MIGRATIONS_DIR, MigrationChecksumError, migrate, readMigrations } from '../../core/migrations.ts';
import { silentLogger } from '../../core/log.ts';
import { isEmptyMigration, pendingSchemaSql } from '../../prisma/scripts/new-migration.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { adminDatabaseUrl } from '../support/services.ts';

const domainSchemas = ['assets', 'orders', 'inventory', 'quality', 'maintenance', 'integration', 'telemetry'];

describe('migrations', () => {
  let database: TestDatabase;
  let pool: pg.Pool;

  beforeAll(async () => {
    database = await createTestDatabase('migrations');
    pool = new pg.Pool({ connectionString: database.url, max: 2 });
  });
  afterAll(async () => {
    await pool.end();
    await database.drop();
  });

  it('migrations - an empty database gets every migration once; a second run changes nothing', async () => {
    const all = (await readMigrations()).map((migration) => migration.name);
    expect(all.length).toBeGreaterThanOrEqual(3);

    const first = await migrate({ pool, log: silentLogger });
    expect(first.applied).toEqual(all);
    expect(first.skipped).toEqual([]);

    const schemaBefore = await schemaFingerprint(pool);
    const second = await migrate({ pool, log: silentLogger });
    expect(second.applied).toEqual([]);
    expect(second.skipped).toEqual(all);
    expect(await schemaFingerprint(pool)).toEqual(schemaBefore);

    const { rows } = await pool.query<{ schema_name: string }>('SELECT schema_name FROM information_schema.schemata');
    expect(rows.map((row) => row.schema_name)).toEqual(expect.arrayContaining(domainSchemas));
  });

  it('migrations - two migrators at once apply each migration exactly once', async () => {
    const other = await createTestDatabase('migrations_race');
    const racePool = new pg.Pool({ connectionString: other.url, max: 4 });
    try {
      const [a, b] = await Promise.all([migrate({ pool: racePool, log: silentLogger }), migrate({ pool: racePool, log: silentLogger })]);
      expect([...a.applied, ...b.applied].sort()).toEqual((await readMigrations()).map((m) => m.name).sort());
      const { rows } = await racePool.query<{ count: string }>('SELECT count(*) FROM public.plantgraph_migration');
      expect(Number(rows[0]!.count)).toBe(a.applied.length + b.applied.length);
    } finally {
      await racePool.end();
      await other.drop();
    }
  });

  it('migrations - an applied migration that was edited afterwards is refused by name', async () => {
    const directory = await mkdtemp(path.join(os.tmpdir(), 'plantgraph-migrations-'));
    try {
      await cp(MIGRATIONS_DIR, directory, { recursive: true });
      const [firstMigration] = await readMigrations(directory);
      await writeFile(path.join(directory, firstMigration!.name, 'migration.sql'), `${firstMigration!.sql}\n-- edited later\n`);
      const attempt = migrate({ pool, log: silentLogger, directory });
      await expect(attempt).rejects.toBeInstanceOf(MigrationChecksumError);
      await expect(attempt).rejects.toThrow(`migration ${firstMigration!.name} was changed after it was applied`);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it('migrations - a failing migration rolls back whole and names itself', async () => {
    const other = await createTestDatabase('migrations_fail');
    const failPool = new pg.Pool({ connectionString: other.url, max: 1 });
    const directory = await mkdtemp(path.join(os.tmpdir(), 'plantgraph-migrations-'));
    try {
      await writeFile(path.join(await makeFolder(directory, '20990101000000_broken'), 'migration.sql'), 'CREATE TABLE half_done (id int);\nSELECT no_such_function();\n');
      await expect(migrate({ pool: failPool, log: silentLogger, directory })).rejects.toThrow(/^migration 20990101000000_broken failed: function no_such_function\(\) does not exist/);
      const { rows } = await failPool.query(`SELECT to_regclass('public.half_done') AS table_name`);
      expect(rows[0].table_name).toBeNull();
    } finally {
      await failPool.end();
      await other.drop();
      await rm(directory, { recursive: true, force: true });
    }
  });

  it('migrations - schema.prisma and the committed migrations agree (run `npm run db:diff -- <name>` if not)', () => {
    const pending = pendingSchemaSql(adminDatabaseUrl);
    expect(isEmptyMigration(pending) ? '' : pending).toBe('');
  });
});

async function makeFolder(parent: string, name: string): Promise<string> {
  const { mkdir } = await import('node:fs/promises');
  const folder = path.join(parent, name);
  await mkdir(folder);
  return folder;
}

/** Tables, columns and indexes of the migrated schemas, to compare before and after. */
async function schemaFingerprint(pool: pg.Pool): Promise<string[]> {
  const { rows } = await pool.query<{ line: string }>(
    `SELECT table_schema || '.' || table_name || '.' || column_name || ':' || data_type AS line
       FROM information_schema.columns WHERE table_schema = ANY($1)
     UNION ALL
     SELECT schemaname || '.' || indexname FROM pg_indexes WHERE schemaname = ANY($1)
     ORDER BY 1`,
    [domainSchemas],
  );
  return rows.map((row) => row.line);
}
