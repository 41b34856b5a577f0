// Our migration runner. Prisma's own `migrate deploy` needs a native schema engine that the npm
// registry does not ship, so Prisma only writes the SQL (`npm run db:diff`) and this applies
// prisma/migrations/<timestamp>_<name>/migration.sql in order, each in its own transaction,
// recording name and checksum. Applying twice changes nothing; an edited, already-applied
// migration is refused rather than silently skipped.
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import type { Logger } from './log.ts';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../prisma/migrations/', import.meta.url));
/** Arbitrary constant: one migrator at a time per database, whatever process runs it. */
const MIGRATION_LOCK_KEY = 4_711_001;
export const MIGRATIONS_TABLE = 'public.plantgraph_migration';

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrationResult {
  applied: string[];
  skipped: string[];
}

export class MigrationChecksumError extends Error {
  override readonly name = 'MigrationChecksumError';
  constructor(readonly migration: string) {
    super(`migration ${migration} was changed after it was applied; add a new migration instead of editing it`);
  }
}

/** Read every migration folder, sorted by name (they start with a timestamp). */
export async function readMigrations(directory = MIGRATIONS_DIR): Promise<Migration[]> {
  const entries = await readdir(directory, { withFileTypes: true });
  const folders = entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort();
  return Promise.all(
    folders.map(async (name) => {
      const sql = await readFile(path.join(directory, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    }),
  );
}

export interface MigrateOptions {
  pool: pg.Pool;
  log: Logger;
  /** Where the migration folders are. @default prisma/migrations */
  directory?: string;
}

export async function migrate({ pool, log, directory }: MigrateOptions): Promise<MigrationResult> {
  const migrations = await readMigrations(directory);
  const client = await pool.connect();
  const result: MigrationResult = { applied: [], skipped: [] };
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    await client.query(`CREATE TABLE IF NOT EXISTS ${MIGRATIONS_TABLE} (
      name text PRIMARY KEY,
      checksum text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now(),
      duration_ms integer NOT NULL
    )`);
    const { rows } = await client.query<{ name: string; checksum: string }>(`SELECT name, checksum FROM ${MIGRATIONS_TABLE}`);
    const appliedChecksums = new Map(rows.map((row) => [row.name, row.checksum]));

    for (const migration of migrations) {
      const appliedChecksum = appliedChecksums.get(migration.name);
      if (appliedChecksum !== undefined) {
        if (appliedChecksum !== migration.checksum) throw new MigrationChecksumError(migration.name);
        result.skipped.push(migration.name);
        continue;
      }
      const started = performance.now();
      try {
        await client.query('BEGIN');
        await client.query(migration.sql);
        await client.query(`INSERT INTO ${MIGRATIONS_TABLE} (name, checksum, duration_ms) VALUES ($1, $2, $3)`, [
          migration.name,
          migration.checksum,
          Math.round(performance.now() - started),
        ]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw new Error(`migration ${migration.name} failed: ${(error as Error).message}`, { cause: error });
      }
      log.info({ migration: migration.name, ms: Math.round(performance.now() - started) }, 'migration applied');
      result.applied.push(migration.name);
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    client.release();
  }
  if (result.applied.length === 0) log.debug({ migrations: result.skipped.length }, 'database schema up to date');
  return result;
}
