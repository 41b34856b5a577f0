// The benchmark's own PostgreSQL database: created empty next to the others (like
// test/support/database.ts), migrated with our runner, seeded with the demo plant plus the rows the
// board query needs (board-data.ts), and dropped WITH (FORCE) at the end, even if a child process
// still holds connections to it.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase } from '../../core/db.ts';
import { silentLogger } from '../../core/log.ts';
import { migrate } from '../../core/migrations.ts';
import { seedDemoPlant } from '../../prisma/seed.ts';
import { addBoardData, type BoardData } from './board-data.ts';

/** Where databases are created and dropped (user postgres, trust auth on this machine). */
export const DEFAULT_ADMIN_DATABASE_URL = 'postgresql://postgres@127.0.0.1:5432/postgres';

export interface BenchDatabase {
  name: string;
  url: string;
  /** What board-data.ts added on top of the demo plant. */
  board: BoardData;
  drop(): Promise<void>;
}

export interface BenchDatabaseOptions {
  /** @default postgresql://postgres@127.0.0.1:5432/postgres */
  adminUrl?: string;
  /** Called as soon as the database exists, so a failure while seeding still drops it. */
  onCreated(drop: () => Promise<void>): void;
}

export async function createBenchDatabase(options: BenchDatabaseOptions): Promise<BenchDatabase> {
  const adminUrl = options.adminUrl ?? DEFAULT_ADMIN_DATABASE_URL;
  const name = `plantgraph_bench_${randomBytes(4).toString('hex')}`;
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  await adminQuery(adminUrl, `CREATE DATABASE ${name}`);
  const drop = () => adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  options.onCreated(drop);

  const database = openDatabase({ url: url.toString(), poolMax: 2, applicationName: 'plantgraph-bench-setup', log: silentLogger });
  try {
    await migrate({ pool: database.pool, log: silentLogger });
    await seedDemoPlant(database.prisma);
    const board = await addBoardData(database.prisma);
    return { name, url: url.toString(), board, drop };
  } finally {
    await database.close();
  }
}

async function adminQuery(adminUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
