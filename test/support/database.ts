// Each test file gets a database of its own, created empty and dropped (with FORCE) afterwards,
// so files can run in parallel and leave nothing behind.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { adminDatabaseUrl } from './services.ts';

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

export function databaseUrl(name: string): string {
  const url = new URL(adminDatabaseUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function createTestDatabase(label: string): Promise<TestDatabase> {
  const name = `pgt_${label.replace(/\W/g, '_').slice(0, 30)}_${randomBytes(4).toString('hex')}`.toLowerCase();
  await adminQuery(`CREATE DATABASE ${name}`);
  return {
    name,
    url: databaseUrl(name),
    drop: () => adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminDatabaseUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
