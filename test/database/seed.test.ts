import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { openDatabase, type Database } from '../../core/db.ts';
import { migrate } from '../../core/migrations.ts';
import { silentLogger } from '../../core/log.ts';
import { seedDemoPlant } from '../../prisma/seed.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';

describe('demo plant seed', () => {
  let testDatabase: TestDatabase;
  let database: Database;

  beforeAll(async () => {
    testDatabase = await createTestDatabase('seed');
    database = openDatabase({ url: testDatabase.url, poolMax: 3, log: silentLogger });
    await migrate({ pool: database.pool, log: silentLogger });
  });
  afterAll(async () => {
    await database.close();
    await testDatabase.drop();
  });

  it('seed - loads two sites, three scenario lines, customers and released orders', async () => {
    const summary = await seedDemoPlant(database.prisma);
    expect(summary.created).toBe(true);
    expect(summary.counts).toMatchObject({ sites: 2, lines: 3, customers: 3 });

    const lines = await database.prisma.line.findMany({ select: { code: true }, orderBy: { code: 'asc' } });
    expect(lines.map((line) => line.code)).toEqual(['CNC1', 'MIX1', 'PCK1']);
    const released = await database.prisma.productionOrder.count({ where: { status: 'RELEASED' } });
    expect(released).toBe(summary.counts.productionOrders);
    const tagsWithLimits = await database.prisma.tag.count({ where: { highAlarm: { not: null } } });
    expect(tagsWithLimits).toBeGreaterThan(0);
    const bomItems = await database.prisma.bomItem.count();
    expect(bomItems).toBeGreaterThan(0);
  });

  it('seed - a second run writes nothing and reports the same counts', async () => {
    const before = await rowVersions(database);
    const again = await seedDemoPlant(database.prisma);
    expect(again.created).toBe(false);
    expect(again.counts.sites).toBe(2);
    expect(again.counts.productionOrders).toBe(await database.prisma.productionOrder.count());
    expect(await rowVersions(database)).toEqual(before);
  });
});

/** Row count and newest row version (xmin) of every table the seed writes: any insert or update changes them. */
async function rowVersions(database: Database): Promise<Record<string, string>> {
  const { rows: tables } = await database.pool.query<{ name: string }>(
    `SELECT format('%I.%I', schemaname, relname) AS name FROM pg_stat_user_tables
      WHERE schemaname IN ('assets', 'orders', 'inventory', 'quality', 'maintenance', 'integration') ORDER BY 1`,
  );
  const versions: Record<string, string> = {};
  for (const { name } of tables) {
    const { rows } = await database.pool.query<{ state: string }>(`SELECT count(*) || '/' || coalesce(max(xmin::text::bigint), 0) AS state FROM ${name}`);
    versions[name] = rows[0]!.state;
  }
  return versions;
}
