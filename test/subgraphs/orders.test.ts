import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ordersSubgraph } from '../../subgraphs/orders/index.ts';
import { countStatements, startSubgraphsUnderTest, type SubgraphsUnderTest } from '../support/graph.ts';

interface OrdersPage {
  productionOrders: {
    totalCount: number;
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
    edges: { node: { id: string; erpOrderNumber: string; dueAt: string | null; customer: { code: string } | null; operations: { sequence: number }[] } }[];
  };
}

const ORDERS_PAGE = `query($first: Int, $after: String, $filter: ProductionOrderFilter) {
  productionOrders(first: $first, after: $after, filter: $filter) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { id erpOrderNumber dueAt customer { code } operations { sequence } recentConfirmations { id } } }
  }
}`;

const RELEASE = `mutation($input: ReleaseProductionOrderInput!, $key: String!) {
  releaseProductionOrder(input: $input, idempotencyKey: $key) { replayed order { id status erpOrderNumber quantity operations { sequence plannedQuantity } } }
}`;

describe('orders subgraph', () => {
  let graph: SubgraphsUnderTest;
  let customers: Record<string, string>;

  beforeAll(async () => {
    graph = await startSubgraphsUnderTest('orders', [ordersSubgraph]);
    const rows = await graph.database.prisma.customer.findMany();
    customers = Object.fromEntries(rows.map((row) => [row.code, row.id]));
  });
  afterAll(() => graph.stop());

  it('orders - pages through all orders soonest due first without gaps or repeats', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    let total = 0;
    do {
      const page: { data?: OrdersPage | null } = await graph.query<OrdersPage>('orders', ORDERS_PAGE, { first: 3, after });
      const connection = page.data!.productionOrders;
      total = connection.totalCount;
      seen.push(...connection.edges.map((edge) => edge.node.id));
      const dues = connection.edges.map((edge) => edge.node.dueAt!);
      expect([...dues].sort()).toEqual(dues);
      after = connection.pageInfo.hasNextPage ? connection.pageInfo.endCursor : null;
    } while (after);
    expect(total).toBe(await graph.database.prisma.productionOrder.count());
    expect(new Set(seen).size).toBe(total);
  });

  it('orders - filters by customer, status and due window', async () => {
    const acme = await graph.query<OrdersPage>('orders', ORDERS_PAGE, { first: 50, filter: { customerId: customers.ACME } });
    const codes = acme.data!.productionOrders.edges.map((edge) => edge.node.customer?.code);
    expect(codes.length).toBeGreaterThan(0);
    expect(new Set(codes)).toEqual(new Set(['ACME']));

    const none = await graph.query<OrdersPage>('orders', ORDERS_PAGE, { filter: { status: ['COMPLETED'] } });
    expect(none.data!.productionOrders.totalCount).toBe(0);

    const soon = await graph.query<OrdersPage>('orders', ORDERS_PAGE, { first: 50, filter: { dueTo: new Date(Date.now() + 3 * 86_400_000).toISOString() } });
    const expected = await graph.database.prisma.productionOrder.count({ where: { dueAt: { lt: new Date(Date.now() + 3 * 86_400_000) } } });
    expect(soon.data!.productionOrders.totalCount).toBe(expected);
  });

  it('orders - the statement count of a page does not grow with its size', async () => {
    const one = await countStatements(graph.database, () => graph.query('orders', ORDERS_PAGE, { first: 1 }));
    const all = await countStatements(graph.database, () => graph.query('orders', ORDERS_PAGE, { first: 50 }));
    expect(all).toBe(one);
  });

  it('orders - a partner sees only its own customer, and asking for another is FORBIDDEN', async () => {
    const partner = { sub: 'partner-acme', role: 'partner' as const, customerId: customers.ACME! };
    const own = await graph.query<OrdersPage>('orders', ORDERS_PAGE, { first: 50 }, partner);
    const ownCodes = own.data!.productionOrders.edges.map((edge) => edge.node.customer?.code);
    expect(ownCodes.length).toBe(await graph.database.prisma.productionOrder.count({ where: { customerId: customers.ACME } }));
    expect(new Set(ownCodes)).toEqual(new Set(['ACME']));

    const other = await graph.query<OrdersPage>('orders', ORDERS_PAGE, { filter: { customerId: customers.GLOBEX } }, partner);
    expect(other.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    const globexOrder = await graph.database.prisma.productionOrder.findFirstOrThrow({ where: { customerId: customers.GLOBEX } });
    const direct = await graph.query<{ productionOrder: unknown }>('orders', `query($id: ID!) { productionOrder(id: $id) { id } }`, { id: globexOrder.id }, partner);
    expect(direct.data!.productionOrder).toBeNull();
  });

  it('orders - release is idempotent: same key and input replays, a different input conflicts', async () => {
    const input = releaseInput('5100001');
    const first = await graph.query<{ releaseProductionOrder: { replayed: boolean; order: { id: string; status: string; operations: { plannedQuantity: number }[] } } }>('orders', RELEASE, { input, key: 'erp-release-5100001' });
    expect(first.data!.releaseProductionOrder.replayed).toBe(false);
    expect(first.data!.releaseProductionOrder.order.status).toBe('RELEASED');
    expect(first.data!.releaseProductionOrder.order.operations[0]!.plannedQuantity).toBe(250);

    const again = await graph.query<{ releaseProductionOrder: { replayed: boolean; order: { id: string } } }>('orders', RELEASE, { input, key: 'erp-release-5100001' });
    expect(again.data!.releaseProductionOrder.replayed).toBe(true);
    expect(again.data!.releaseProductionOrder.order.id).toBe(first.data!.releaseProductionOrder.order.id);

    const conflict = await graph.query('orders', RELEASE, { input: { ...input, quantity: 300 }, key: 'erp-release-5100001' });
    expect(conflict.errors?.[0]?.extensions?.code).toBe('IDEMPOTENCY_CONFLICT');

    expect(await graph.database.prisma.productionOrder.count({ where: { erpOrderNumber: '5100001' } })).toBe(1);
    const logged = await graph.database.prisma.inboundCommand.findUniqueOrThrow({ where: { idempotencyKey: 'erp-release-5100001' } });
    expect(logged).toMatchObject({ commandName: 'releaseProductionOrder', status: 'SUCCEEDED', actor: 'test-admin' });
  });

  it('orders - concurrent duplicates of one command have one effect', async () => {
    const input = releaseInput('5100002');
    const results = await Promise.all(Array.from({ length: 5 }, () => graph.query<{ releaseProductionOrder: { replayed: boolean; order: { id: string } } }>('orders', RELEASE, { input, key: 'erp-release-5100002' })));
    const ids = new Set(results.map((result) => result.data!.releaseProductionOrder.order.id));
    expect(ids.size).toBe(1);
    expect(results.filter((result) => !result.data!.releaseProductionOrder.replayed)).toHaveLength(1);
  });

  it('orders - bad input gives codes and field names, not stack traces', async () => {
    const invalid = await graph.query('orders', RELEASE, { input: { ...releaseInput('5100003'), quantity: -5, operations: [] }, key: 'erp-release-5100003' });
    expect(invalid.errors?.[0]?.extensions).toMatchObject({
      code: 'VALIDATION_FAILED',
      fields: [{ field: 'input.quantity' }, { field: 'input.operations' }],
    });
    const wrongType = await graph.query('orders', RELEASE, { input: { ...releaseInput('5100004'), quantity: 'lots' }, key: 'erp-release-5100004' });
    expect(wrongType.errors?.[0]?.extensions?.code).toBe('VALIDATION_FAILED');
    const badId = await graph.query('orders', `{ productionOrder(id: "17") { id } }`);
    expect(badId.errors?.[0]?.extensions?.code).toBe('VALIDATION_FAILED');
    const badCursor = await graph.query('orders', ORDERS_PAGE, { after: 'not-a-cursor' });
    expect(badCursor.errors?.[0]?.extensions?.code).toBe('VALIDATION_FAILED');
    const tooMany = await graph.query('orders', ORDERS_PAGE, { first: 1000 });
    expect(tooMany.errors?.[0]?.message).toBe('first must be between 1 and 100, got 1000');
    for (const response of [invalid, wrongType, badId, badCursor, tooMany]) expect(JSON.stringify(response)).not.toMatch(/stacktrace|at .*\.ts:\d+/);
  });

  it('orders - a call without the gateway signature is refused', async () => {
    const response = await graph.query('orders', ORDERS_PAGE, {}, null);
    expect(response.status).toBe(401);
    expect(response.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});

function releaseInput(erpOrderNumber: string) {
  return {
    erpOrderNumber,
    materialId: '6f1c1a52-2f6a-4a51-9d6a-0a4b2c3d4e5f',
    quantity: 250,
    unit: 'PC',
    lineId: '7a2d2b63-3a7b-4b62-8e7b-1b5c3d4e5f60',
    siteId: '8b3e3c74-4b8c-4c73-9f8c-2c6d4e5f6071',
    dueAt: '2026-12-01T12:00:00Z',
    operations: [{ sequence: 10, description: 'Turn shaft' }, { sequence: 20, description: 'Grind bearing seats' }],
  };
}
