// The database handles of a process: one pg pool (for hand-written SQL such as telemetry and
// migrations) and one Prisma client on the pg driver adapter (for the relational model).
import pg from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../prisma/generated/client.ts';
import type { Logger } from './log.ts';

export type { PrismaClient };
export type Pool = pg.Pool;

export interface DatabaseOptions {
  url: string;
  /** Maximum connections of the pg pool. The Prisma adapter keeps its own pool of the same size. */
  poolMax: number;
  /** PostgreSQL application_name, shown in pg_stat_activity. @default 'plantgraph' */
  applicationName?: string;
  log: Logger;
}

export interface Database {
  pool: pg.Pool;
  prisma: PrismaClient;
  close(): Promise<void>;
}

export function openDatabase({ url, poolMax, applicationName = 'plantgraph', log }: DatabaseOptions): Database {
  const pool = new pg.Pool({ connectionString: url, max: poolMax, application_name: applicationName });
  // An idle client losing its connection (database restart) must not crash the process.
  pool.on('error', (error) => log.warn({ err: error }, 'idle PostgreSQL connection failed'));
  const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: url, max: poolMax, application_name: applicationName }) });
  let closed = false;
  return {
    pool,
    prisma,
    async close() {
      if (closed) return;
      closed = true;
      await Promise.allSettled([prisma.$disconnect(), pool.end()]);
    },
  };
}
