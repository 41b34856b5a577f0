// The outbox gauges on /metrics say what integrationHealth says.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Registry } from 'prom-client';
import { openDatabase, type Database } from '../../core/db.ts';
import { silentLogger } from '../../core/log.ts';
import { migrate } from '../../core/migrations.ts';
import { seedDemoPlant } from '../../prisma/seed.ts';
import { readIntegrationHealth } from '../../subgraphs/integration/health.ts';
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

  it('health per line - open maintenance requests and unresolved downtime by line, failed goods receipts', async () => {
    const { prisma, pool } = database;
    const { rows: cells } = await pool.query<{ id: string; line_id: string }>(`SELECT id, line_id FROM assets.work_cell WHERE code IN ('OP10', 'OP20') ORDER BY code`);
    const [op10, op20] = cells;
    const downSince = new Date(Date.now() - 300_000);
    await pool.query(`INSERT INTO assets.equipment_state (asset_kind, asset_id, state, started_at, source) VALUES ('WORK_CELL', $1, 'DOWN', $2, 'DETECTED'), ('WORK_CELL', $3, 'DOWN', now(), 'DETECTED')`, [op10!.id, downSince, op20!.id]);
    await pool.query(`INSERT INTO maintenance.maintenance_request (asset_kind, asset_id, priority, reason, idempotency_key) VALUES ('WORK_CELL', $1, 'HIGH', 'jam', 'health-line-1')`, [op10!.id]);
    const receipt = await insertPosting(prisma, 'GOODS_RECEIPT', {});
    await prisma.erpPosting.update({ where: { id: receipt.id }, data: { status: 'FAILED' } });

    const health = await readIntegrationHealth(prisma);
    expect(health.failedGoodsReceipts).toBe(1);
    expect(health.lines).toEqual([
      { line: { id: op10!.line_id }, openMaintenanceRequests: 1, assetsDown: 2, downSince, downSeconds: expect.any(Number) },
    ]);
    expect(health.lines[0]!.downSeconds).toBeGreaterThanOrEqual(299);
    const registry = new Registry();
    registerIntegrationMetrics(registry, prisma);
    const text = await registry.metrics();
    expect(text).toContain(`plantgraph_maintenance_requests_open_by_line{line="${op10!.line_id}"} 1`);
    expect(text).toMatch(new RegExp(`plantgraph_downtime_unresolved_seconds\\{line="${op10!.line_id}"\\} (29\\d|3\\d\\d)\\n`));
    expect(text).toMatch(/plantgraph_erp_goods_receipts_failed 1\n/);
  });
});
