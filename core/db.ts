// The database handles of a process: one pg pool, used both for hand-written SQL (telemetry,
// migrations) and by the Prisma client through the pg driver adapter, so a process holds one set
// of connections. Every statement sent is counted (`statements`), which is how tests prove that a
// list query's statement count does not grow with its length.
import pg from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../prisma/generated/client.ts';
import type { Logger } from './log.ts';

export type { PrismaClient };
export type Pool = pg.Pool;
/** Anything with pg's `query`: the pool, or a client inside a transaction. */
export type Queryable = Pick<pg.PoolClient, 'query'>;

/**
 * Run `work` in one transaction on a pooled client: COMMIT when it resolves, ROLLBACK when it
 * throws (and rethrow), the client released either way.
 */
export async function withTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

export interface DatabaseOptions {
  url: string;
  /** Maximum connections of the pool. */
  poolMax: number;
  /** PostgreSQL application_name, shown in pg_stat_activity. @default 'plantgraph' */
  applicationName?: string;
  log: Logger;
}

/** Statements sent to PostgreSQL by this process since it opened the database. */
export interface StatementCounter {
  count: number;
}

export interface Database {
  pool: pg.Pool;
  prisma: PrismaClient;
  statements: StatementCounter;
  close(): Promise<void>;
}

export function openDatabase({ url, poolMax, applicationName = 'plantgraph', log }: DatabaseOptions): Database {
  const statements: StatementCounter = { count: 0 };
  class CountingClient extends pg.Client {
    // pg's query() has many overloads; counting must not change which one runs.
    override query(...args: unknown[]): never {
      statements.count += 1;
      return (super.query as (...a: unknown[]) => never)(...args);
    }
  }
  const pool = new pg.Pool({ connectionString: url, max: poolMax, application_name: applicationName, Client: CountingClient });
  // An idle client losing its connection (database restart) must not crash the process.
  pool.on('error', (error: Error & { code?: string }) => log.warn({ code: error.code, reason: error.message }, 'idle PostgreSQL connection failed'));
  // A connection lost while checked out (database restart, shutdown) emits 'error' on its client as
  // well as failing the query in flight; without a listener that event would end the process.
  pool.on('connect', (client) => client.on('error', (error: Error & { code?: string }) => log.debug({ code: error.code, reason: error.message }, 'PostgreSQL connection in use failed')));
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  let closed = false;
  return {
    pool,
    prisma,
    statements,
    async close() {
      if (closed) return;
      closed = true;
      await prisma.$disconnect().catch(() => undefined);
      await pool.end().catch(() => undefined);
    },
  };
}
