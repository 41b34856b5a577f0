import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { qualitySubgraph } from '../../subgraphs/quality/index.ts';
import type { ProductionOrder } from '../../prisma/generated/client.ts';
import { countStatements, startSubgraphsUnderTest, type SubgraphsUnderTest } from '../support/graph.ts';

type Connection<Node> = { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string | null }; edges: { node: Node }[] };
type LotNode = { id: string; origin: string; status: string; decision: string | null; createdAt: string; order: { id: string } | null; materialLot: { id: string } | null };

const LOTS_PAGE = `query($first: Int, $after: String, $filter: InspectionLotFilter) {
  inspectionLots(first: $first, after: $after, filter: $filter) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node {
      id origin status decision createdAt order { id } materialLot { id } material { id } triggerTag { id }
      plan { code characteristics { sequence sampleSize characteristic { code } } }
      characteristics { code }
      results { value withinLimits characteristic { code upperSpecLimit } }
      holds { reason active }
      nonconformances { description status }
    } }
  }
}`;

const LOT = `query($id: ID!) { inspectionLot(id: $id) {
  id status decision decidedBy erpInspectionLotNumber sourceEventIds plan { code }
  characteristics { code lowerSpecLimit upperSpecLimit target }
  results { value withinLimits measuredAt characteristic { code } }
  holds { reason active materialLot { id } inspectionLot { id } }
  nonconformances { description disposition status inspectionLot { id } }
} }`;

const HOLDS = `query($filter: QualityHoldFilter) { qualityHolds(filter: $filter, first: 50) { totalCount edges { node { id reason active order { id } materialLot { id } inspectionLot { id } } } } }`;
const NONCONFORMANCES = `query($filter: NonconformanceFilter) { nonconformances(filter: $filter, first: 50) { totalCount edges { node { id status disposition inspectionLot { id } } } } }`;

describe('quality subgraph', () => {
  let graph: SubgraphsUnderTest;
  let orders: ProductionOrder[];
  let quarantineLotId: string;
  let incomingInspectionId: string;
  let rejectedLotId: string;
  const start = new Date('2026-03-02T06:00:00Z');
  const at = (minutes: number) => new Date(start.getTime() + minutes * 60_000);

  beforeAll(async () => {
    graph = await startSubgraphsUnderTest('quality', [qualitySubgraph]);
    const prisma = graph.database.prisma;
    orders = await prisma.productionOrder.findMany({ orderBy: { erpOrderNumber: 'asc' } });
    const plan = await prisma.inspectionPlan.findUniqueOrThrow({ where: { code: 'QP-SF-2101' }, include: { characteristics: { include: { characteristic: true } } } });
    const characteristics = Object.fromEntries(plan.characteristics.map((pc) => [pc.characteristic.code, pc.characteristic]));
    const fillWeightTag = await prisma.tag.findFirstOrThrow({ where: { characteristicId: characteristics['FILL-WEIGHT']!.id } });
    const quarantineLot = await prisma.materialLot.findUniqueOrThrow({ where: { lotNumber: 'LYO-RM3103-24001' } });
    quarantineLotId = quarantineLot.id;

    // Every order gets a scheduled in-process lot; orders of SF-2101 (the bottle with a plan) get the plan,
    // results and a decision. Lots are one hour apart in order-number order.
    for (const [index, order] of orders.entries()) {
      const planned = order.materialId === plan.materialId;
      await prisma.inspectionLot.create({
        data: {
          orderId: order.id,
          materialId: order.materialId,
          planId: planned ? plan.id : null,
          origin: 'SCHEDULED',
          status: planned ? 'DECIDED' : 'OPEN',
          decision: planned ? 'ACCEPTED' : null,
          decidedAt: planned ? at(index * 60 + 30) : null,
          decidedBy: planned ? 'qa-lyon' : null,
          createdAt: at(index * 60),
          results: planned
            ? {
                create: [
                  { characteristicId: characteristics.VISCOSITY!.id, value: 2480, withinLimits: true, measuredAt: at(index * 60 + 5) },
                  { characteristicId: characteristics.PH!.id, value: 7.1, withinLimits: true, measuredAt: at(index * 60 + 6) },
                  { characteristicId: characteristics['FILL-WEIGHT']!.id, value: 1031, withinLimits: true, measuredAt: at(index * 60 + 7) },
                ],
              }
            : undefined,
        },
      });
    }
    // A fill-weight crossing on the first SF-2101 order: rejected, a hold on the order and a nonconformance.
    const bottleOrder = orders.find((order) => order.materialId === plan.materialId)!;
    const rejected = await prisma.inspectionLot.create({
      data: {
        orderId: bottleOrder.id,
        materialId: bottleOrder.materialId,
        planId: plan.id,
        origin: 'THRESHOLD',
        status: 'DECIDED',
        decision: 'REJECTED',
        decidedAt: at(1000),
        decidedBy: 'qa-lyon',
        triggerTagId: fillWeightTag.id,
        idempotencyKey: 'threshold:fill-weight:test',
        sourceEventIds: ['evt-fill-1', 'evt-fill-2'],
        erpInspectionLotNumber: '890000000123',
        createdAt: at(990),
        results: { create: [{ characteristicId: characteristics['FILL-WEIGHT']!.id, value: 1009, withinLimits: false, measuredAt: at(991), sourceEventId: 'evt-fill-1' }] },
        holds: { create: [{ orderId: bottleOrder.id, reason: 'Underfilled bottles', placedBy: 'qa-lyon', createdAt: at(1001) }] },
        nonconformances: { create: [{ description: 'Fill weight below LSL on filler head 3', status: 'IN_REVIEW', createdAt: at(1002) }] },
      },
    });
    rejectedLotId = rejected.id;
    // Incoming inspection of the quarantined fragrance lot, with a hold that was released again.
    const incoming = await prisma.inspectionLot.create({
      data: {
        materialLotId: quarantineLot.id,
        materialId: quarantineLot.materialId,
        origin: 'MANUAL',
        status: 'IN_INSPECTION',
        createdAt: at(1100),
        holds: {
          create: [
            { materialLotId: quarantineLot.id, reason: 'Incoming inspection', placedBy: 'qa-lyon', createdAt: at(1101) },
            { materialLotId: quarantineLot.id, reason: 'Supplier certificate missing', active: false, releasedAt: at(1102), releasedBy: 'qa-lyon', createdAt: at(1099) },
          ],
        },
        nonconformances: { create: [{ description: 'Label torn', disposition: 'USE_AS_IS', status: 'CLOSED', closedAt: at(1103), createdAt: at(1103) }] },
      },
    });
    incomingInspectionId = incoming.id;
  });
  afterAll(() => graph.stop());

  it('quality - pages through all inspection lots newest first without gaps or repeats', async () => {
    const seen: LotNode[] = [];
    let after: string | null = null;
    do {
      const page: { data?: { inspectionLots: Connection<LotNode> } | null } = await graph.query<{ inspectionLots: Connection<LotNode> }>('quality', LOTS_PAGE, { first: 3, after });
      seen.push(...page.data!.inspectionLots.edges.map((edge) => edge.node));
      after = page.data!.inspectionLots.pageInfo.hasNextPage ? page.data!.inspectionLots.pageInfo.endCursor : null;
    } while (after);
    expect(seen).toHaveLength(await graph.database.prisma.inspectionLot.count());
    expect(new Set(seen.map((lot) => lot.id)).size).toBe(seen.length);
    const times = seen.map((lot) => lot.createdAt);
    expect([...times].sort().reverse()).toEqual(times);
  });

  it('quality - filters inspection lots by order, material lot, status, decision, origin and time', async () => {
    const bottleOrder = (await graph.database.prisma.inspectionLot.findUniqueOrThrow({ where: { id: rejectedLotId } })).orderId!;
    expect((await lots({ orderId: bottleOrder })).map((lot) => lot.origin)).toEqual(['THRESHOLD', 'SCHEDULED']);
    expect((await lots({ materialLotId: quarantineLotId })).map((lot) => lot.id)).toEqual([incomingInspectionId]);
    expect((await lots({ status: ['IN_INSPECTION'] })).map((lot) => lot.id)).toEqual([incomingInspectionId]);
    expect((await lots({ decision: ['REJECTED'] })).map((lot) => lot.id)).toEqual([rejectedLotId]);
    expect(await lots({ status: ['OPEN'] })).toHaveLength(await graph.database.prisma.inspectionLot.count({ where: { status: 'OPEN' } }));
    expect((await lots({ origin: ['THRESHOLD', 'MANUAL'] })).map((lot) => lot.id)).toEqual([incomingInspectionId, rejectedLotId]);
    const firstTwoHours = await lots({ from: at(0).toISOString(), to: at(120).toISOString() });
    expect(firstTwoHours.map((lot) => lot.order?.id)).toEqual([orders[1]!.id, orders[0]!.id]);
    const bad = await graph.query('quality', LOTS_PAGE, { filter: { orderId: 'order-1' } });
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION_FAILED', fields: [{ field: 'filter.orderId' }] });

    const active = await graph.query<{ qualityHolds: Connection<{ reason: string; active: boolean }> }>('quality', HOLDS, { filter: { active: true } });
    expect(active.data!.qualityHolds.edges.map((edge) => edge.node.reason)).toEqual(['Incoming inspection', 'Underfilled bottles']);
    const released = await graph.query<{ qualityHolds: Connection<{ reason: string }> }>('quality', HOLDS, { filter: { active: false } });
    expect(released.data!.qualityHolds.edges.map((edge) => edge.node.reason)).toEqual(['Supplier certificate missing']);
    const onOrder = await graph.query<{ qualityHolds: Connection<{ order: { id: string } }> }>('quality', HOLDS, { filter: { orderId: bottleOrder } });
    expect(onOrder.data!.qualityHolds.edges.map((edge) => edge.node.order.id)).toEqual([bottleOrder]);
    const onLot = await graph.query<{ qualityHolds: Connection<unknown> }>('quality', HOLDS, { filter: { materialLotId: quarantineLotId } });
    expect(onLot.data!.qualityHolds.totalCount).toBe(2);

    const open = await graph.query<{ nonconformances: Connection<{ status: string; inspectionLot: { id: string } }> }>('quality', NONCONFORMANCES, { filter: { status: ['OPEN', 'IN_REVIEW'] } });
    expect(open.data!.nonconformances.edges.map((edge) => edge.node.inspectionLot.id)).toEqual([rejectedLotId]);
    const ofLot = await graph.query<{ nonconformances: Connection<{ disposition: string }> }>('quality', NONCONFORMANCES, { filter: { inspectionLotId: incomingInspectionId } });
    expect(ofLot.data!.nonconformances.edges.map((edge) => edge.node.disposition)).toEqual(['USE_AS_IS']);
    const all = await graph.query<{ nonconformances: Connection<unknown> }>('quality', NONCONFORMANCES, {});
    expect(all.data!.nonconformances.totalCount).toBe(2);
  });

  it('quality - an inspection lot shows its plan characteristics, results, holds and nonconformances', async () => {
    const response = await graph.query<{ inspectionLot: Record<string, unknown> }>('quality', LOT, { id: rejectedLotId });
    expect(response.errors).toBeUndefined();
    expect(response.data!.inspectionLot).toMatchObject({
      status: 'DECIDED',
      decision: 'REJECTED',
      decidedBy: 'qa-lyon',
      erpInspectionLotNumber: '890000000123',
      sourceEventIds: ['evt-fill-1', 'evt-fill-2'],
      plan: { code: 'QP-SF-2101' },
      characteristics: [{ code: 'VISCOSITY' }, { code: 'PH' }, { code: 'FILL-WEIGHT', lowerSpecLimit: 1015, upperSpecLimit: 1045, target: 1030 }],
      results: [{ value: 1009, withinLimits: false, characteristic: { code: 'FILL-WEIGHT' } }],
      holds: [{ reason: 'Underfilled bottles', active: true, materialLot: null, inspectionLot: { id: rejectedLotId } }],
      nonconformances: [{ status: 'IN_REVIEW', disposition: null, inspectionLot: { id: rejectedLotId } }],
    });
    const unplanned = await graph.query<{ inspectionLot: { characteristics: unknown[]; plan: unknown } }>('quality', LOT, { id: incomingInspectionId });
    expect(unplanned.data!.inspectionLot).toMatchObject({ characteristics: [], plan: null });
    const unknown = await graph.query<{ inspectionLot: unknown }>('quality', LOT, { id: randomUUID() });
    expect(unknown.data!.inspectionLot).toBeNull();
    const badId = await graph.query('quality', LOT, { id: 'IL-1' });
    expect(badId.errors?.[0]?.extensions?.code).toBe('VALIDATION_FAILED');
  });

  it('quality - lists characteristics and inspection plans by code', async () => {
    const characteristics = await graph.query<{ characteristics: Connection<{ code: string; material: { id: string } | null }> }>(
      'quality',
      `query($after: String) { characteristics(first: 2, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { code material { id } } } } }`,
    );
    const first = characteristics.data!.characteristics;
    expect(first.edges.map((edge) => edge.node.code)).toEqual(['FILL-WEIGHT', 'PH']);
    expect(first.totalCount).toBe(3);
    const rest = await graph.query<{ characteristics: Connection<{ code: string }> }>(
      'quality',
      `query($after: String) { characteristics(first: 2, after: $after) { pageInfo { hasNextPage } edges { node { code } } } }`,
      { after: first.pageInfo.endCursor },
    );
    expect(rest.data!.characteristics).toMatchObject({ pageInfo: { hasNextPage: false }, edges: [{ node: { code: 'VISCOSITY' } }] });

    const plans = await graph.query<{ inspectionPlans: Connection<unknown> }>('quality', `{ inspectionPlans { totalCount edges { node { code version active characteristics { sequence sampleSize required characteristic { code } } } } } }`);
    expect(plans.data!.inspectionPlans.edges).toEqual([
      {
        node: {
          code: 'QP-SF-2101',
          version: 1,
          active: true,
          characteristics: [
            { sequence: 10, sampleSize: 1, required: true, characteristic: { code: 'VISCOSITY' } },
            { sequence: 20, sampleSize: 1, required: true, characteristic: { code: 'PH' } },
            { sequence: 30, sampleSize: 5, required: true, characteristic: { code: 'FILL-WEIGHT' } },
          ],
        },
      },
    ]);
  });

  it('quality - the statement count of a page does not grow with its size', async () => {
    // Decided lots all have a plan, results, holds or nonconformances to load: the same relations on every page.
    const filter = { status: ['DECIDED'] };
    const one = await countStatements(graph.database, async () => expect((await graph.query('quality', LOTS_PAGE, { first: 1, filter })).errors).toBeUndefined());
    const many = await countStatements(graph.database, async () => expect((await graph.query('quality', LOTS_PAGE, { first: 50, filter })).errors).toBeUndefined());
    // characteristicById is reached at two depths (plan characteristics, results); whether those
    // keys meet in one batch or two depends on which query returns first, so ±1 either way. An
    // N+1 would add dozens for 50 lots.
    expect(Math.abs(many - one)).toBeLessThanOrEqual(1);
    const holds = await countStatements(graph.database, () => graph.query('quality', HOLDS, {}));
    expect(holds).toBeLessThanOrEqual(3);
  });

  it('quality - orders and material lots get their newest inspection lots through batched entity references', async () => {
    const QUERY = `query($representations: [_Any!]!) { _entities(representations: $representations) {
      ... on ProductionOrder { id inspectionLots { id origin results { characteristic { code } } } }
      ... on MaterialLot { id inspectionLots { id status holds { reason } } }
      ... on InspectionLot { id status }
    } }`;
    const representations = [
      ...orders.map((order) => ({ __typename: 'ProductionOrder', id: order.id })),
      { __typename: 'MaterialLot', id: quarantineLotId },
      { __typename: 'InspectionLot', id: rejectedLotId },
      { __typename: 'InspectionLot', id: randomUUID() },
    ];
    const response = await graph.query<{ _entities: ({ id: string; inspectionLots?: { id: string; origin?: string }[] } | null)[] }>('quality', QUERY, { representations });
    expect(response.errors).toBeUndefined();
    const entities = response.data!._entities;
    expect(entities.slice(0, orders.length).map((entity) => entity!.inspectionLots!.length)).toEqual(
      await Promise.all(orders.map((order) => graph.database.prisma.inspectionLot.count({ where: { orderId: order.id } }))),
    );
    expect(entities[orders.length]).toMatchObject({ id: quarantineLotId, inspectionLots: [{ id: incomingInspectionId, status: 'IN_INSPECTION', holds: [{ reason: 'Incoming inspection' }, { reason: 'Supplier certificate missing' }] }] });
    expect(entities.slice(-2)).toEqual([{ id: rejectedLotId, status: 'DECIDED' }, null]);

    const bottleOrder = orders.findIndex((order) => order.erpOrderNumber.startsWith('2'));
    const few = [representations[bottleOrder]!, ...representations.slice(orders.length, orders.length + 2)];
    const one = await countStatements(graph.database, () => graph.query('quality', QUERY, { representations: few }));
    const many = await countStatements(graph.database, () => graph.query('quality', QUERY, { representations }));
    expect(many).toBe(one);
  });

  it('quality - the nested list is the newest 50 per order; the root connection has all', async () => {
    const busyOrder = randomUUID();
    await graph.database.prisma.inspectionLot.createMany({
      data: Array.from({ length: 55 }, (_, index) => ({ orderId: busyOrder, origin: 'THRESHOLD' as const, createdAt: at(2000 + index), idempotencyKey: `threshold:busy:${index}` })),
    });
    const response = await graph.query<{ _entities: { inspectionLots: { createdAt: string }[] }[] }>(
      'quality',
      `query($representations: [_Any!]!) { _entities(representations: $representations) { ... on ProductionOrder { inspectionLots { createdAt } } } }`,
      { representations: [{ __typename: 'ProductionOrder', id: busyOrder }] },
    );
    const nested = response.data!._entities[0]!.inspectionLots;
    expect(nested).toHaveLength(50);
    expect(nested[0]!.createdAt).toBe(at(2054).toISOString());
    expect(nested.at(-1)!.createdAt).toBe(at(2005).toISOString());
    const root = await graph.query<{ inspectionLots: Connection<unknown> }>('quality', LOTS_PAGE, { filter: { orderId: busyOrder } });
    expect(root.data!.inspectionLots.totalCount).toBe(55);
    await graph.database.prisma.inspectionLot.deleteMany({ where: { orderId: busyOrder } });
  });

  it('quality - a call without the gateway signature is refused', async () => {
    const response = await graph.query('quality', LOTS_PAGE, {}, null);
    expect(response.status).toBe(401);
    expect(response.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  async function lots(filter: Record<string, unknown>): Promise<LotNode[]> {
    const response = await graph.query<{ inspectionLots: Connection<LotNode> }>('quality', LOTS_PAGE, { first: 100, filter });
    expect(response.errors).toBeUndefined();
    return response.data!.inspectionLots.edges.map((edge) => edge.node);
  }
});
