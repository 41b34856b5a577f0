// The statement counter is what the "statements do not grow with the page size" tests rely on; it
// must see Prisma's statements as well as hand-written SQL, or those tests could not fail.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { openDatabase, type Database } from '../../core/db.ts';
import { silentLogger } from '../../core/log.ts';
import { migrate } from '../../core/migrations.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';

describe('statement counter', () => {
  let testDatabase: TestDatabase;
  let database: Database;

  beforeAll(async () => {
    testDatabase = await createTestDatabase('statements');
    database = openDatabase({ url: testDatabase.url, poolMax: 2, log: silentLogger });
    await migrate({ pool: database.pool, log: silentLogger });
    await database.prisma.site.findMany(); // opens the connections
  });
  afterAll(async () => {
    await database.close();
    await testDatabase.drop();
  });

  it('statements - each Prisma query and each pool query counts once', async () => {
    const before = database.statements.count;
    await database.prisma.site.findMany();
    await database.prisma.customer.count();
    await database.prisma.$queryRaw`SELECT 1`;
    await database.pool.query('SELECT 1');
    expect(database.statements.count - before).toBe(4);
  });

  it('statements - one statement per row when loading rows one by one (what loaders avoid)', async () => {
    const before = database.statements.count;
    for (let i = 0; i < 5; i++) await database.prisma.productionOrder.findFirst({ where: { erpOrderNumber: `n-${i}` } });
    expect(database.statements.count - before).toBe(5);
  });
});
