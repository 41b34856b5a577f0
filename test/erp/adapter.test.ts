// The reference adapter (sim/erp/adapter.ts) against the stand-in ERP (sim/erp/stand-in-erp.ts),
// through the real gateway: postings end CONFIRMED with the ERP's document numbers, or — when the
// ERP fails, refuses or times out — are retried with backoff and end DEAD or FAILED, visible in
// integrationHealth. Nothing is booked twice.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { silentLogger } from '../../core/log.ts';
import { postingPayload } from '../../core/postings.ts';
import { createErpAdapter, type ErpAdapter } from '../../sim/erp/adapter.ts';
import { startStandInErp, type StandInErp } from '../../sim/erp/stand-in-erp.ts';
import type { HubUnderTest } from '../support/hub.ts';
import { startHubUnderTest } from '../support/hub.ts';
import { asAdapter, confirmationPayload, HEALTH, insertPosting, maintenancePayload, sleep, tokenFor } from './support.ts';

const REQUEST_TIMEOUT_MS = 400;

describe('reference ERP adapter against the stand-in ERP', () => {
  let hub: HubUnderTest;
  let erp: StandInErp;
  let adapter: ErpAdapter;
  const environment = { ...process.env };

  beforeAll(async () => {
    process.env.ERP_MAX_ATTEMPTS = '3';
    process.env.ERP_RETRY_BASE_SECONDS = '0.2';
    hub = await startHubUnderTest('erp_adapter');
    erp = await startStandInErp();
    adapter = createErpAdapter({
      graphqlUrl: hub.gateway.graphqlUrl,
      token: () => tokenFor(hub, 'reference-adapter-1'),
      erpUrl: erp.url,
      leaseSeconds: 30,
      requestTimeoutMs: REQUEST_TIMEOUT_MS,
      idleDelayMs: 50,
      log: silentLogger,
    });
  });
  afterAll(async () => {
    process.env = environment;
    await adapter.stop();
    await erp.close();
    await hub.stop();
  });
  beforeEach(async () => {
    erp.behave({ mode: 'ok', delayMs: 0 });
    await hub.database.prisma.integrationException.deleteMany();
    await hub.database.prisma.erpPosting.deleteMany();
  });

  /** Adapter rounds until no posting is PENDING or IN_FLIGHT any more. */
  const drain = async (limitMs = 10_000) => {
    const deadline = Date.now() + limitMs;
    while (Date.now() < deadline) {
      await adapter.runOnce();
      const open = await hub.database.prisma.erpPosting.count({ where: { status: { in: ['PENDING', 'IN_FLIGHT'] } } });
      if (open === 0) return;
      await sleep(50);
    }
    throw new Error('postings still open after draining');
  };

  const goodsMovements = async () => {
    const { prisma } = hub.database;
    const order = await prisma.productionOrder.findUniqueOrThrow({ where: { erpOrderNumber: '1000101' } });
    const material = await prisma.material.findUniqueOrThrow({ where: { id: order.materialId } });
    const component = await prisma.materialLot.findUniqueOrThrow({ where: { lotNumber: 'BER-RM3001-24001' }, include: { material: true } });
    const line = { orderId: order.id, erpOrderNumber: order.erpOrderNumber, lotId: null, lotNumber: null, locationCode: 'WH01' };
    return {
      order,
      receipt: postingPayload('GOODS_RECEIPT', { ...line, materialId: material.id, materialNumber: material.erpMaterialNumber, quantity: 40, unit: 'PC', movementType: '101', palletId: null }),
      issue: postingPayload('GOODS_ISSUE', {
        ...line,
        materialId: component.materialId,
        materialNumber: component.material.erpMaterialNumber,
        quantity: 12.5,
        unit: 'KG',
        lotId: component.id,
        lotNumber: component.lotNumber,
        locationCode: 'LS-CNC1',
        movementType: '261',
        postedFor: 'backflush',
      }),
    };
  };

  it('adapter - posts confirmations, goods movements and a maintenance notification in SAP shapes and confirms them with the document numbers', async () => {
    const { prisma } = hub.database;
    const { order, receipt, issue } = await goodsMovements();
    const confirmation = await insertPosting(prisma, 'PRODUCTION_CONFIRMATION', await confirmationPayload(prisma, 0), order.id);
    const goodsReceipt = await insertPosting(prisma, 'GOODS_RECEIPT', receipt, order.id);
    const goodsIssue = await insertPosting(prisma, 'GOODS_ISSUE', issue, order.id);
    const notification = await insertPosting(prisma, 'MAINTENANCE_NOTIFICATION', await maintenancePayload(prisma));
    await drain();

    const postings = await prisma.erpPosting.findMany();
    expect(postings.map((posting) => posting.status)).toEqual(['CONFIRMED', 'CONFIRMED', 'CONFIRMED', 'CONFIRMED']);
    const documents = new Map(erp.documents().map((document) => [document.idempotencyKey, document]));
    for (const posting of postings) expect(posting.erpDocumentId).toBe(documents.get(posting.idempotencyKey)?.documentNumber);

    expect(documents.get(confirmation.idempotencyKey)).toMatchObject({
      endpoint: '/sap/production-order-confirmations',
      body: { OrderID: '000001000101', OrderOperation: '0010', ConfirmationYieldQuantity: 40, ConfirmationScrapQuantity: 1, FinalConfirmationType: '' },
    });
    expect(documents.get(goodsReceipt.idempotencyKey)?.body).toMatchObject({ MaterialDocumentItems: [{ GoodsMovementType: '101', QuantityInEntryUnit: 40, ManufacturingOrder: '000001000101' }] });
    expect(documents.get(goodsIssue.idempotencyKey)?.body).toMatchObject({ MaterialDocumentItems: [{ GoodsMovementType: '261', QuantityInEntryUnit: 12.5, Batch: 'BER-RM3001-24001' }] });
    expect(documents.get(notification.idempotencyKey)).toMatchObject({ endpoint: '/sap/maintenance-notifications', body: { NotificationType: 'M2', MaintPriority: '2', BreakdownIndicator: true } });

    const confirmed = await asAdapter<{ erpPostings: { edges: { node: { erpDocumentId: string; status: string } }[] } }>(
      hub,
      'reader',
      `query($orderId: ID) { erpPostings(filter: { orderId: $orderId, status: CONFIRMED }) { edges { node { erpDocumentId status } } } }`,
      { orderId: order.id },
    );
    expect(confirmed.data!.erpPostings.edges).toHaveLength(3);
  });

  it('adapter - an ERP that fails twice is retried with backoff and the posting ends CONFIRMED on the third attempt', async () => {
    const { prisma } = hub.database;
    const posting = await insertPosting(prisma, 'PRODUCTION_CONFIRMATION', await confirmationPayload(prisma, 1));
    erp.behave({ mode: 'fail', times: 2 });
    await drain();
    const row = await prisma.erpPosting.findUniqueOrThrow({ where: { id: posting.id } });
    expect(row).toMatchObject({ status: 'CONFIRMED', attempts: 3, lastError: null });
    expect(row.erpDocumentId).toMatch(/^CONF\d{8}$/);
  });

  it('adapter - an ERP that keeps failing makes the posting DEAD after the last attempt, with an exception, in integrationHealth', async () => {
    const { prisma } = hub.database;
    const posting = await insertPosting(prisma, 'PRODUCTION_CONFIRMATION', await confirmationPayload(prisma, 2));
    erp.behave({ mode: 'fail' });
    await drain();
    const row = await prisma.erpPosting.findUniqueOrThrow({ where: { id: posting.id }, include: { exceptions: true } });
    expect(row).toMatchObject({ status: 'DEAD', attempts: 3, erpDocumentId: null });
    expect(row.lastError).toContain('ERP answered 503');
    expect(row.exceptions.map((exception) => exception.kind)).toEqual(['POSTING_DEAD']);
    const health = await asAdapter<{ integrationHealth: { deadPostings: number; retryAttempts: number; openExceptions: number } }>(hub, 'reader', HEALTH);
    expect(health.data!.integrationHealth).toMatchObject({ deadPostings: 1, retryAttempts: 2, openExceptions: 1 });
  });

  it('adapter - a timeout is retried; an ERP that booked but answered too late hands back the same document, so nothing is booked twice', async () => {
    const { prisma } = hub.database;
    const posting = await insertPosting(prisma, 'PRODUCTION_CONFIRMATION', await confirmationPayload(prisma, 3));
    erp.behave({ mode: 'timeout', times: 1 });
    await adapter.runOnce();
    expect(await prisma.erpPosting.findUniqueOrThrow({ where: { id: posting.id } })).toMatchObject({ status: 'PENDING', attempts: 1, lastError: `ERP did not answer within ${REQUEST_TIMEOUT_MS} ms` });

    // Slow: the ERP books the document after the adapter gave up waiting.
    erp.behave({ mode: 'ok', delayMs: REQUEST_TIMEOUT_MS + 200 });
    await sleep(250);
    await adapter.runOnce();
    expect(await prisma.erpPosting.findUniqueOrThrow({ where: { id: posting.id } })).toMatchObject({ status: 'PENDING', attempts: 2 });
    await sleep(300);
    const booked = erp.documents().filter((document) => document.idempotencyKey === posting.idempotencyKey);
    expect(booked).toHaveLength(1);

    erp.behave({ mode: 'ok', delayMs: 0 });
    await drain();
    const row = await prisma.erpPosting.findUniqueOrThrow({ where: { id: posting.id } });
    expect(row).toMatchObject({ status: 'CONFIRMED', attempts: 3, erpDocumentId: booked[0]!.documentNumber });
    expect(erp.documents().filter((document) => document.idempotencyKey === posting.idempotencyKey)).toHaveLength(1);
  });

  it('adapter - a refusal by the ERP or a payload it cannot map fails the posting at once, without retries', async () => {
    const { prisma } = hub.database;
    const refused = await insertPosting(prisma, 'MAINTENANCE_NOTIFICATION', await maintenancePayload(prisma));
    erp.behave({ mode: 'refuse' });
    await drain();
    expect(await prisma.erpPosting.findUniqueOrThrow({ where: { id: refused.id } })).toMatchObject({ status: 'FAILED', attempts: 1 });

    erp.behave({ mode: 'ok' });
    const requestsBefore = erp.requestCount();
    const broken = await insertPosting(prisma, 'GOODS_RECEIPT', { orderId: 'not-a-uuid', quantity: -1 });
    await drain();
    const row = await prisma.erpPosting.findUniqueOrThrow({ where: { id: broken.id }, include: { exceptions: true } });
    expect(row).toMatchObject({ status: 'FAILED', attempts: 1 });
    expect(row.lastError).toContain('cannot map GOODS_RECEIPT payload');
    expect(row.exceptions.map((exception) => exception.kind)).toEqual(['POSTING_REJECTED']);
    expect(erp.requestCount()).toBe(requestsBefore); // never sent
  });

  it('adapter - the running loop picks up postings as they are written', async () => {
    const { prisma } = hub.database;
    adapter.start();
    try {
      const written = [];
      for (let window = 10; window < 15; window += 1) written.push(await insertPosting(prisma, 'PRODUCTION_CONFIRMATION', await confirmationPayload(prisma, window)));
      const deadline = Date.now() + 10_000;
      while ((await prisma.erpPosting.count({ where: { status: 'CONFIRMED' } })) < written.length && Date.now() < deadline) await sleep(50);
    } finally {
      await adapter.stop();
    }
    expect(await prisma.erpPosting.count({ where: { status: 'CONFIRMED', erpDocumentId: { not: null } } })).toBe(5);
  });
});
