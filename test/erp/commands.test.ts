// ERP → plant commands through the real gateway as an erp-adapter: each runs once per idempotency
// key (repeat → first result, other input → IDEMPOTENCY_CONFLICT, ten concurrent duplicates → one
// effect), refuses what the state does not allow (INVALID_STATE), and is logged in
// integration.inbound_command.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { HubUnderTest } from '../support/hub.ts';
import { startHubUnderTest } from '../support/hub.ts';
import type { GraphQLResponse } from '../support/graph.ts';
import { asAdapter } from './support.ts';

const RELEASE = `mutation($input: ReleaseProductionOrderInput!, $key: String!) {
  releaseProductionOrder(input: $input, idempotencyKey: $key) { replayed order { id status erpOrderNumber } }
}`;
const PRIORITY = `mutation($orderId: ID!, $priority: Int!, $key: String!) {
  changeOrderPriority(orderId: $orderId, priority: $priority, idempotencyKey: $key) { replayed order { id priority status } }
}`;
const RESCHEDULE = `mutation($orderId: ID!, $dueAt: DateTime, $plannedStartAt: DateTime, $key: String!) {
  rescheduleOrder(orderId: $orderId, dueAt: $dueAt, plannedStartAt: $plannedStartAt, idempotencyKey: $key) { replayed order { id dueAt plannedStartAt } }
}`;
const CANCEL = `mutation($orderId: ID!, $reason: String!, $key: String!) {
  cancelOrder(orderId: $orderId, reason: $reason, idempotencyKey: $key) { replayed order { id status operations { status } } }
}`;
const UPSERT_MATERIAL = `mutation($input: UpsertMaterialInput!, $key: String!) {
  upsertMaterial(input: $input, idempotencyKey: $key) { created replayed material { id erpMaterialNumber description active } }
}`;
const UPSERT_EQUIPMENT = `mutation($input: UpsertEquipmentInput!, $key: String!) {
  upsertEquipment(input: $input, idempotencyKey: $key) { created replayed line { id code name } workCell { id code name } }
}`;
const BLOCK = `mutation($lotId: ID!, $reason: String!, $key: String!) { blockLot(lotId: $lotId, reason: $reason, idempotencyKey: $key) { replayed lot { id status } } }`;
const RELEASE_LOT = `mutation($lotId: ID!, $key: String!) { releaseLot(lotId: $lotId, idempotencyKey: $key) { replayed lot { id status } } }`;

type Payload = { replayed: boolean } & Record<string, unknown>;
const code = (response: GraphQLResponse) => response.errors?.[0]?.extensions?.code;

describe('ERP commands', () => {
  let hub: HubUnderTest;
  let orders: Record<string, string>;
  const call = <Data = Record<string, Payload>>(query: string, variables: Record<string, unknown>) => asAdapter<Data>(hub, 'erp-adapter-1', query, variables);
  const payload = (response: GraphQLResponse<Record<string, Payload>>) => {
    expect(response.errors).toBeUndefined();
    return Object.values(response.data!)[0]!;
  };
  /** Ten identical calls at once: exactly one does the work, nine get its result back. */
  const tenAtOnce = async (query: string, variables: Record<string, unknown>) => {
    const responses = await Promise.all(Array.from({ length: 10 }, () => call(query, variables)));
    const payloads = responses.map(payload);
    expect(payloads.filter((p) => !p.replayed)).toHaveLength(1);
    const { replayed: _, ...first } = payloads[0]!;
    for (const p of payloads) expect(p).toMatchObject(first);
    expect(await hub.database.prisma.inboundCommand.count({ where: { idempotencyKey: variables.key as string } })).toBe(1);
    return payloads;
  };
  const orderStatusEvents = (orderId: string) =>
    hub.database.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM events.outbox WHERE type = 'OrderStatusChanged' AND envelope->'data'->>'orderId' = $1`, [orderId]).then((r) => r.rows[0]!.n);

  beforeAll(async () => {
    hub = await startHubUnderTest('erp_commands');
    orders = Object.fromEntries((await hub.database.prisma.productionOrder.findMany()).map((order) => [order.erpOrderNumber, order.id]));
  });
  afterAll(() => hub.stop());

  it('commands - releaseProductionOrder: ten concurrent duplicates release one order and raise one OrderStatusChanged', async () => {
    const { prisma } = hub.database;
    const template = await prisma.productionOrder.findUniqueOrThrow({ where: { erpOrderNumber: '1000101' }, include: { operations: true } });
    const input = {
      erpOrderNumber: '1000999',
      materialId: template.materialId,
      quantity: 250,
      unit: 'PC',
      lineId: template.lineId,
      siteId: template.siteId,
      customerId: template.customerId,
      priority: 3,
      dueAt: '2026-12-24T12:00:00.000Z',
      operations: template.operations.map((operation) => ({ sequence: operation.sequence, description: operation.description, workCellId: operation.workCellId, erpWorkCenter: operation.erpWorkCenter })),
    };
    const payloads = await tenAtOnce(RELEASE, { input, key: 'release-1000999' });
    const orderId = (payloads[0]!.order as { id: string }).id;
    expect(payloads[0]).toMatchObject({ order: { status: 'RELEASED', erpOrderNumber: '1000999' } });
    expect(await prisma.productionOrder.count({ where: { erpOrderNumber: '1000999' } })).toBe(1);
    expect(await orderStatusEvents(orderId)).toBe(1);
    expect(code(await call(RELEASE, { input: { ...input, quantity: 300 }, key: 'release-1000999' }))).toBe('IDEMPOTENCY_CONFLICT');
    expect(code(await call(RELEASE, { input, key: 'release-1000999-again' }))).toBe('INVALID_STATE');
  });

  it('commands - changeOrderPriority: repeat returns the first result, other input conflicts, concurrent duplicates act once', async () => {
    const orderId = orders['1000102']!;
    const first = payload(await call(PRIORITY, { orderId, priority: 1, key: 'prio-1000102-a' }));
    expect(first).toMatchObject({ replayed: false, order: { priority: 1 } });
    expect(payload(await call(PRIORITY, { orderId, priority: 1, key: 'prio-1000102-a' }))).toMatchObject({ replayed: true, order: { priority: 1 } });
    expect(code(await call(PRIORITY, { orderId, priority: 2, key: 'prio-1000102-a' }))).toBe('IDEMPOTENCY_CONFLICT');
    expect((await hub.database.prisma.productionOrder.findUniqueOrThrow({ where: { id: orderId } })).priority).toBe(1);
    await tenAtOnce(PRIORITY, { orderId, priority: 4, key: 'prio-1000102-b' });
    expect((await hub.database.prisma.productionOrder.findUniqueOrThrow({ where: { id: orderId } })).priority).toBe(4);
    expect(code(await call(PRIORITY, { orderId, priority: 10, key: 'prio-1000102-c' }))).toBe('VALIDATION_FAILED');
    expect(code(await call(PRIORITY, { orderId: '00000000-0000-4000-8000-000000000000', priority: 3, key: 'prio-missing' }))).toBe('NOT_FOUND');
    const logged = await hub.database.prisma.inboundCommand.findUniqueOrThrow({ where: { idempotencyKey: 'prio-1000102-a' } });
    expect(logged).toMatchObject({ commandName: 'changeOrderPriority', status: 'SUCCEEDED', actor: 'erp-adapter-1', result: { orderId } });
  });

  it('commands - rescheduleOrder: moves dates once per key and refuses a start after the due date', async () => {
    const orderId = orders['1000103']!;
    const dueAt = '2026-12-20T12:00:00.000Z';
    const first = payload(await call(RESCHEDULE, { orderId, dueAt, key: 'resched-1000103-a' }));
    expect(first).toMatchObject({ replayed: false, order: { dueAt } });
    expect(payload(await call(RESCHEDULE, { orderId, dueAt, key: 'resched-1000103-a' })).replayed).toBe(true);
    expect(code(await call(RESCHEDULE, { orderId, dueAt: '2026-12-21T12:00:00.000Z', key: 'resched-1000103-a' }))).toBe('IDEMPOTENCY_CONFLICT');
    expect(code(await call(RESCHEDULE, { orderId, plannedStartAt: '2026-12-24T00:00:00.000Z', key: 'resched-1000103-b' }))).toBe('VALIDATION_FAILED');
    expect(code(await call(RESCHEDULE, { orderId, key: 'resched-1000103-c' }))).toBe('VALIDATION_FAILED');
    await tenAtOnce(RESCHEDULE, { orderId, plannedStartAt: '2026-12-18T06:00:00.000Z', key: 'resched-1000103-d' });
    const order = await hub.database.prisma.productionOrder.findUniqueOrThrow({ where: { id: orderId } });
    expect(order.dueAt?.toISOString()).toBe(dueAt);
    expect(order.plannedStartAt?.toISOString()).toBe('2026-12-18T06:00:00.000Z');
  });

  it('commands - cancelOrder: ten concurrent duplicates cancel once and raise one OrderStatusChanged; closed and running orders are INVALID_STATE', async () => {
    const orderId = orders['1000103']!;
    const payloads = await tenAtOnce(CANCEL, { orderId, reason: 'customer withdrew', key: 'cancel-1000103' });
    expect(payloads[0]).toMatchObject({ order: { status: 'CANCELLED' } });
    expect((payloads[0]!.order as { operations: { status: string }[] }).operations.every((operation) => operation.status === 'CANCELLED')).toBe(true);
    expect(await orderStatusEvents(orderId)).toBe(1);
    const { rows } = await hub.database.pool.query<{ envelope: { data: Record<string, unknown> } }>(`SELECT envelope FROM events.outbox WHERE type = 'OrderStatusChanged' AND envelope->'data'->>'orderId' = $1`, [orderId]);
    expect(rows[0]!.envelope.data).toMatchObject({ orderId, status: 'CANCELLED', previousStatus: 'RELEASED' });

    expect(code(await call(CANCEL, { orderId, reason: 'again', key: 'cancel-1000103-again' }))).toBe('INVALID_STATE');
    expect(code(await call(PRIORITY, { orderId, priority: 2, key: 'prio-cancelled' }))).toBe('INVALID_STATE');
    expect(code(await call(RESCHEDULE, { orderId, dueAt: '2027-01-01T00:00:00.000Z', key: 'resched-cancelled' }))).toBe('INVALID_STATE');
    expect(await orderStatusEvents(orderId)).toBe(1);
    // A failed command leaves no log row: the same key can be used again once the state allows it.
    expect(await hub.database.prisma.inboundCommand.count({ where: { idempotencyKey: 'cancel-1000103-again' } })).toBe(0);

    const running = orders['1000101']!;
    await hub.database.prisma.productionOrder.update({ where: { id: running }, data: { status: 'IN_PROGRESS' } });
    expect(code(await call(CANCEL, { orderId: running, reason: 'no', key: 'cancel-1000101' }))).toBe('INVALID_STATE');
    expect(await orderStatusEvents(running)).toBe(0);
  });

  it('commands - upsertMaterial: creates by ERP number, updates with a new key, concurrent duplicates create one', async () => {
    const input = { erpMaterialNumber: 'FG-9001', description: 'Bracket, anodised', baseUnit: 'PC', type: 'FINISHED' };
    const created = await tenAtOnce(UPSERT_MATERIAL, { input, key: 'material-FG-9001-v1' });
    expect(created[0]).toMatchObject({ created: true, material: { erpMaterialNumber: 'FG-9001', active: true } });
    expect(await hub.database.prisma.material.count({ where: { erpMaterialNumber: 'FG-9001' } })).toBe(1);
    expect(code(await call(UPSERT_MATERIAL, { input: { ...input, description: 'other' }, key: 'material-FG-9001-v1' }))).toBe('IDEMPOTENCY_CONFLICT');
    const updated = payload(await call(UPSERT_MATERIAL, { input: { ...input, description: 'Bracket, anodised black', active: false }, key: 'material-FG-9001-v2' }));
    expect(updated).toMatchObject({ created: false, replayed: false, material: { id: (created[0]!.material as { id: string }).id, description: 'Bracket, anodised black', active: false } });
    expect(code(await call(UPSERT_MATERIAL, { input: { ...input, gtin: '12' }, key: 'material-FG-9001-v3' }))).toBe('VALIDATION_FAILED');
  });

  it('commands - upsertEquipment: a new line by codes, then a work cell on it; concurrent duplicates create one', async () => {
    const line = { siteCode: '1100', areaCode: 'MACH', lineCode: 'CNC9', name: 'CNC cell 9', erpWorkCenter: 'WC-CNC9' };
    const created = await tenAtOnce(UPSERT_EQUIPMENT, { input: line, key: 'equipment-CNC9-v1' });
    expect(created[0]).toMatchObject({ created: true, line: { code: 'CNC9', name: 'CNC cell 9' }, workCell: null });
    const cell = payload(await call(UPSERT_EQUIPMENT, { input: { siteCode: 'BER', lineCode: 'CNC9', workCellCode: 'MILL1', name: '5-axis mill', equipmentClass: 'CNC_MILL' }, key: 'equipment-CNC9-MILL1' }));
    expect(cell).toMatchObject({ created: true, workCell: { code: 'MILL1', name: '5-axis mill' } });
    const renamed = payload(await call(UPSERT_EQUIPMENT, { input: { ...line, name: 'CNC cell nine' }, key: 'equipment-CNC9-v2' }));
    expect(renamed).toMatchObject({ created: false, line: { id: (created[0]!.line as { id: string }).id, name: 'CNC cell nine' } });
    expect(code(await call(UPSERT_EQUIPMENT, { input: { ...line, name: 'x' }, key: 'equipment-CNC9-v1' }))).toBe('IDEMPOTENCY_CONFLICT');
    expect(code(await call(UPSERT_EQUIPMENT, { input: { siteCode: 'BER', lineCode: 'NEW1', name: 'no area' }, key: 'equipment-NEW1' }))).toBe('VALIDATION_FAILED');
    expect(code(await call(UPSERT_EQUIPMENT, { input: { siteCode: 'BER', lineCode: 'NOPE', workCellCode: 'X1', name: 'x' }, key: 'equipment-NOPE-X1' }))).toBe('VALIDATION_FAILED');
    expect(code(await call(UPSERT_EQUIPMENT, { input: { siteCode: 'ZZZ', lineCode: 'L1', areaCode: 'MACH', name: 'x' }, key: 'equipment-ZZZ' }))).toBe('VALIDATION_FAILED');
    expect(await hub.database.prisma.workCell.count({ where: { code: 'MILL1', line: { code: 'CNC9' } } })).toBe(1);
  });

  it('commands - blockLot / releaseLot: AVAILABLE ↔ BLOCKED once per key; a quality hold keeps the lot blocked', async () => {
    const { prisma } = hub.database;
    const lot = await prisma.materialLot.findUniqueOrThrow({ where: { lotNumber: 'BER-RM3002-24001' } });
    const blocked = await tenAtOnce(BLOCK, { lotId: lot.id, reason: 'supplier recall 4711', key: 'block-BER-RM3002-24001' });
    expect(blocked[0]).toMatchObject({ lot: { status: 'BLOCKED' } });
    expect(code(await call(BLOCK, { lotId: lot.id, reason: 'other reason', key: 'block-BER-RM3002-24001' }))).toBe('IDEMPOTENCY_CONFLICT');
    expect(code(await call(BLOCK, { lotId: lot.id, reason: 'twice', key: 'block-BER-RM3002-again' }))).toBe('INVALID_STATE');

    const hold = await prisma.qualityHold.create({ data: { materialLotId: lot.id, reason: 'inspection lot open' } });
    expect(code(await call(RELEASE_LOT, { lotId: lot.id, key: 'release-BER-RM3002-1' }))).toBe('INVALID_STATE');
    await prisma.qualityHold.update({ where: { id: hold.id }, data: { active: false, releasedAt: new Date() } });
    const released = await tenAtOnce(RELEASE_LOT, { lotId: lot.id, key: 'release-BER-RM3002-2' });
    expect(released[0]).toMatchObject({ lot: { status: 'AVAILABLE' } });
    expect(code(await call(RELEASE_LOT, { lotId: lot.id, key: 'release-BER-RM3002-3' }))).toBe('INVALID_STATE');
    expect(code(await call(BLOCK, { lotId: '00000000-0000-4000-8000-000000000000', reason: 'x', key: 'block-missing-lot' }))).toBe('NOT_FOUND');
  });

  it('commands - need an idempotency key of the right form and a role that may command', async () => {
    const orderId = orders['1000102']!;
    expect(code(await call(PRIORITY, { orderId, priority: 3, key: 'short' }))).toBe('VALIDATION_FAILED');
    const viewer = await hub.query(PRIORITY, { orderId, priority: 3, key: 'prio-by-viewer' }, { role: 'viewer' });
    expect(code(viewer)).toBe('FORBIDDEN');
    const material = await hub.query(UPSERT_MATERIAL, { input: { erpMaterialNumber: 'X-1', description: 'x', baseUnit: 'PC', type: 'RAW' }, key: 'material-by-operator' }, { role: 'operator' });
    expect(code(material)).toBe('FORBIDDEN');
    const admin = await hub.query(PRIORITY, { orderId, priority: 3, key: 'prio-by-admin' }, { role: 'admin' });
    expect(admin.errors).toBeUndefined();
  });
});
