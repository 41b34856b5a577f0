// `npm run db:diff -- <name>`: write the SQL that takes the database from the last migrated model
// (prisma/migrations/applied-schema.prisma) to prisma/schema.prisma into a new migration folder,
// then remember the new model. Needs no database: Prisma diffs the two schema files.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const prismaDir = fileURLToPath(new URL('..', import.meta.url));
export const SCHEMA = path.join(prismaDir, 'schema.prisma');
export const APPLIED_SCHEMA = path.join(prismaDir, 'migrations', 'applied-schema.prisma');
const EMPTY_MIGRATION = '-- This is an empty migration.';
const LOCAL_DATABASE_URL = 'postgresql://postgres@127.0.0.1:5432/postgres';

/** SQL from the last migrated model (or from nothing) to the current schema.prisma. */
export function pendingSchemaSql(databaseUrl = process.env.DATABASE_URL ?? LOCAL_DATABASE_URL): string {
  const from = existsSync(APPLIED_SCHEMA) ? ['--from-schema-datamodel', APPLIED_SCHEMA] : ['--from-empty'];
  return execFileSync('npx', ['prisma', 'migrate', 'diff', ...from, '--to-schema-datamodel', SCHEMA, '--script'], {
    cwd: path.dirname(prismaDir),
    encoding: 'utf8',
    // The wasm schema engine opens a connection through the driver adapter (prisma.config.ts)
    // even for a file-to-file diff; it reads and changes nothing there.
    env: { ...process.env, DATABASE_URL: databaseUrl },
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim();
}

export function isEmptyMigration(sql: string): boolean {
  return sql === '' || sql === EMPTY_MIGRATION;
}

function main(): void {
  const name = process.argv[2];
  if (!name || !/^[a-z0-9_]+$/.test(name)) {
    console.error('usage: npm run db:diff -- <name in snake_case>');
    process.exit(2);
  }
  const sql = pendingSchemaSql();
  if (isEmptyMigration(sql)) {
    console.log('schema.prisma matches the migrations: nothing to write');
    return;
  }
  const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
  const folder = path.join(prismaDir, 'migrations', `${stamp}_${name}`);
  mkdirSync(folder, { recursive: true });
  writeFileSync(path.join(folder, 'migration.sql'), `${sql}\n`);
  copyFileSync(SCHEMA, APPLIED_SCHEMA);
  console.log(`wrote ${path.relative(process.cwd(), folder)}/migration.sql`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) main();
