// The outbox gauges on /metrics say what integrationHealth says.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Registry } from 'prom-client';
import { openDatabase, type Database } from '../../core/db.ts';
import { silentLogger } from '../../core/log.ts';
import { migrate } from '../../core/migrations.ts';
import { seedDemoPlant } from '../../prisma/seed.ts';
import { registerIntegrationMetrics } from '../../subgraphs/integration/metrics.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { confirmationPayload, insertPosting, maintenancePayload } from './support.ts';

describe('integration metrics', () => {
  let testDatabase: TestDatabase;
  let database: Database;

  beforeAll(async () => {
    testDatabase = await createTestDatabase('erp_metrics');
    database = openDatabase({ url: testDatabase.url, poolMax: 3, log: silentLogger });
    await migrate({ pool: database.pool, log: silentLogger });
    await seedDemoPlant(database.prisma);
  });
  afterAll(async () => {
    await database.close();
    await testDatabase.drop();
  });

  it('metrics - pending postings by kind, dead postings and open exceptions as gauges', async () => {
    const { prisma } = database;
    await insertPosting(prisma, 'PRODUCTION_CONFIRMATION', await confirmationPayload(prisma, 0));
    await insertPosting(prisma, 'PRODUCTION_CONFIRMATION', await confirmationPayload(prisma, 1));
    const dead = await insertPosting(prisma, 'MAINTENANCE_NOTIFICATION', await maintenancePayload(prisma));
    await prisma.erpPosting.update({ where: { id: dead.id }, data: { status: 'DEAD', attempts: 4 } });
    await prisma.integrationException.create({ data: { kind: 'POSTING_DEAD', postingId: dead.id, message: 'dead' } });

    const registry = new Registry();
    registerIntegrationMetrics(registry, prisma);
    const text = await registry.metrics();
    expect(text).toContain('plantgraph_erp_postings_pending{kind="PRODUCTION_CONFIRMATION"} 2');
    expect(text).toContain('plantgraph_erp_postings_pending{kind="MAINTENANCE_NOTIFICATION"} 0');
    expect(text).toMatch(/plantgraph_erp_postings_dead 1\n/);
    expect(text).toMatch(/plantgraph_erp_posting_retry_attempts 3\n/);
    expect(text).toMatch(/plantgraph_integration_exceptions_open 1\n/);
    expect(text).toMatch(/plantgraph_erp_confirmations_delayed 0\n/);
  });
});
