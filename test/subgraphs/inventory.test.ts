import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { inventorySubgraph } from '../../subgraphs/inventory/index.ts';
import type { ProductionOrder } from '../../prisma/generated/client.ts';
import { countStatements, startSubgraphsUnderTest, type SubgraphsUnderTest } from '../support/graph.ts';

type Connection<Node> = { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string | null }; edges: { node: Node }[] };

const MATERIALS_PAGE = `query($first: Int, $after: String, $filter: MaterialFilter) {
  materials(first: $first, after: $after, filter: $filter) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { id erpMaterialNumber description type billOfMaterials { alternative items { position quantityPerUnit component { erpMaterialNumber } } } } }
  }
}`;

const LOTS_PAGE = `query($first: Int, $after: String, $filter: MaterialLotFilter) {
  materialLots(first: $first, after: $after, filter: $filter) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { id lotNumber status quantity material { erpMaterialNumber } location { code type site { id } } producedBy { id } } }
  }
}`;

const MOVEMENTS_PAGE = `query($first: Int, $after: String, $filter: MaterialMovementFilter) {
  materialMovements(first: $first, after: $after, filter: $filter) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { id kind quantity occurredAt material { erpMaterialNumber } lot { lotNumber } fromLocation { code } toLocation { code } order { id } } }
  }
}`;

const LOCATIONS_PAGE = `query($first: Int, $after: String, $filter: LocationFilter) {
  locations(first: $first, after: $after, filter: $filter) { totalCount edges { node { id code type site { id } line { id } } } }
}`;

const CREATE = `mutation($input: CreateMaterialInput!, $key: String!) {
  createMaterial(input: $input, idempotencyKey: $key) { replayed material { id erpMaterialNumber description baseUnit type gtin active } }
}`;

const UPDATE = `mutation($id: ID!, $input: UpdateMaterialInput!, $key: String!) {
  updateMaterial(id: $id, input: $input, idempotencyKey: $key) { replayed material { id erpMaterialNumber description gtin active } }
}`;

type MaterialNode = { id: string; erpMaterialNumber: string; type: string; billOfMaterials: { items: { component: { erpMaterialNumber: string } }[] }[] };
type LotNode = { id: string; lotNumber: string; status: string; quantity: number; material: { erpMaterialNumber: string }; location: { code: string; site: { id: string } } | null; producedBy: { id: string } | null };
type MovementNode = { id: string; kind: string; occurredAt: string; lot: { lotNumber: string } | null; order: { id: string } | null };

describe('inventory subgraph', () => {
  let graph: SubgraphsUnderTest;
  let sites: Record<string, string>;
  let orders: ProductionOrder[];
  let fragranceId: string;
  const start = new Date('2026-03-02T06:00:00Z');

  beforeAll(async () => {
    graph = await startSubgraphsUnderTest('inventory', [inventorySubgraph]);
    const prisma = graph.database.prisma;
    sites = Object.fromEntries((await prisma.site.findMany()).map((site) => [site.code, site.id]));
    fragranceId = (await prisma.material.findUniqueOrThrow({ where: { erpMaterialNumber: 'RM-3103' } })).id;
    orders = await prisma.productionOrder.findMany({ orderBy: { erpOrderNumber: 'asc' } });
    // Each order consumes from its line side and produces a lot to shipping: 6 movements per order, 2 minutes apart.
    for (const [index, order] of orders.entries()) {
      const lineSide = await prisma.location.findFirstOrThrow({ where: { siteId: order.siteId, lineId: order.lineId } });
      const shipping = await prisma.location.findFirstOrThrow({ where: { siteId: order.siteId, type: 'SHIPPING' } });
      const consumed = await prisma.materialLot.findFirstOrThrow({ where: { locationId: lineSide.id } });
      const produced = await prisma.materialLot.create({
        data: { lotNumber: `PRD-${order.erpOrderNumber}`, materialId: order.materialId, quantity: 100, unit: order.unit, locationId: shipping.id, producedByOrderId: order.id, producedAt: start },
      });
      await prisma.pallet.create({
        data: { sscc: `34012345${String(index).padStart(10, '0')}`, materialId: order.materialId, lotId: produced.id, orderId: order.id, quantity: 100, unit: order.unit, status: index % 2 ? 'COMPLETE' : 'OPEN', locationId: shipping.id },
      });
      await prisma.materialMovement.createMany({
        data: Array.from({ length: 6 }, (_, step) => ({
          kind: step % 2 === 0 ? ('CONSUME' as const) : ('PRODUCE' as const),
          materialId: step % 2 === 0 ? consumed.materialId : order.materialId,
          lotId: step % 2 === 0 ? consumed.id : produced.id,
          quantity: 10 + step,
          unit: step % 2 === 0 ? consumed.unit : order.unit,
          ...(step % 2 === 0 ? { fromLocationId: lineSide.id } : { toLocationId: shipping.id }),
          orderId: order.id,
          occurredAt: new Date(start.getTime() + (index * 6 + step) * 120_000),
          idempotencyKey: `test-movement-${order.erpOrderNumber}-${step}`,
        })),
      });
    }
  });
  afterAll(() => graph.stop());

  it('inventory - pages through all materials and all movements without gaps or repeats', async () => {
    const materials = await pageThrough<MaterialNode>('materials', MATERIALS_PAGE, 4);
    expect(materials.map((m) => m.erpMaterialNumber)).toEqual([...materials.map((m) => m.erpMaterialNumber)].sort());
    expect(materials).toHaveLength(await graph.database.prisma.material.count());
    expect(new Set(materials.map((m) => m.id)).size).toBe(materials.length);
    const fg1101 = materials.find((m) => m.erpMaterialNumber === 'FG-1101')!;
    expect(fg1101.billOfMaterials[0]!.items.map((item) => item.component.erpMaterialNumber)).toEqual(['SF-2101', 'PK-4103', 'PK-4104']);

    const movements = await pageThrough<MovementNode>('materialMovements', MOVEMENTS_PAGE, 5);
    expect(movements).toHaveLength(orders.length * 6);
    expect(new Set(movements.map((m) => m.id)).size).toBe(movements.length);
    const times = movements.map((m) => m.occurredAt);
    expect([...times].sort().reverse()).toEqual(times);
  });

  it('inventory - filters materials, lots, movements and locations', async () => {
    const packaging = await graph.query<{ materials: Connection<MaterialNode> }>('inventory', MATERIALS_PAGE, { first: 50, filter: { type: ['PACKAGING'] } });
    expect(new Set(packaging.data!.materials.edges.map((edge) => edge.node.type))).toEqual(new Set(['PACKAGING']));
    expect(packaging.data!.materials.totalCount).toBe(await graph.database.prisma.material.count({ where: { type: 'PACKAGING' } }));
    const citrus = await graph.query<{ materials: Connection<MaterialNode> }>('inventory', MATERIALS_PAGE, { filter: { search: 'CITRUS' } });
    expect(citrus.data!.materials.edges.map((edge) => edge.node.erpMaterialNumber).sort()).toEqual(['FG-1101', 'RM-3103', 'SF-2101']);
    const byNumber = await graph.query<{ materials: Connection<MaterialNode> }>('inventory', MATERIALS_PAGE, { filter: { search: 'rm-31' } });
    expect(byNumber.data!.materials.totalCount).toBe(3);

    const fragranceLots = await lots({ materialId: fragranceId });
    expect(fragranceLots.map((lot) => lot.lotNumber)).toEqual(['LYO-RM3103-23009', 'LYO-RM3103-24001']);
    expect((await lots({ status: ['QUARANTINE'] })).map((lot) => lot.lotNumber)).toEqual(['LYO-RM3103-24001']);
    const quarantine = await graph.database.prisma.location.findFirstOrThrow({ where: { siteId: sites.LYO, code: 'QI01' } });
    expect((await lots({ locationId: quarantine.id })).map((lot) => lot.status)).toEqual(['QUARANTINE']);
    const produced = await lots({ producedByOrderId: orders[0]!.id });
    expect(produced).toMatchObject([{ lotNumber: `PRD-${orders[0]!.erpOrderNumber}`, producedBy: { id: orders[0]!.id }, quantity: 100 }]);

    const ofOrder = await movements({ orderId: orders[1]!.id });
    expect(ofOrder).toHaveLength(6);
    expect(new Set(ofOrder.map((m) => m.order?.id))).toEqual(new Set([orders[1]!.id]));
    expect(await movements({ lotId: produced[0]!.id })).toHaveLength(3);
    expect(await movements({ materialId: fragranceId })).toHaveLength(0);
    expect(new Set((await movements({ kind: ['PRODUCE'] })).map((m) => m.kind))).toEqual(new Set(['PRODUCE']));
    // [from, to): the first order's six movements, 2 minutes apart from `start`
    const firstOrder = await movements({ from: start.toISOString(), to: new Date(start.getTime() + 12 * 60_000).toISOString() });
    expect(new Set(firstOrder.map((m) => m.order?.id))).toEqual(new Set([orders[0]!.id]));
    expect(firstOrder).toHaveLength(6);
    const backwards = await graph.query('inventory', MOVEMENTS_PAGE, { filter: { from: '2026-03-02T07:00:00Z', to: '2026-03-02T06:00:00Z' } });
    expect(backwards.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION_FAILED', fields: [{ field: 'filter.from' }] });

    const berlin = await graph.query<{ locations: Connection<{ site: { id: string }; type: string }> }>('inventory', LOCATIONS_PAGE, { first: 50, filter: { siteId: sites.BER } });
    expect(berlin.data!.locations.totalCount).toBe(4);
    expect(new Set(berlin.data!.locations.edges.map((edge) => edge.node.site.id))).toEqual(new Set([sites.BER]));
    const lineSide = await graph.query<{ locations: Connection<{ type: string; line: { id: string } | null }> }>('inventory', LOCATIONS_PAGE, { first: 50, filter: { type: ['LINE_SIDE'] } });
    expect(lineSide.data!.locations.totalCount).toBe(3);
    expect(lineSide.data!.locations.edges.every((edge) => edge.node.line !== null)).toBe(true);
  });

  it('inventory - lists pallets by SSCC, filtered by order, lot and status', async () => {
    const PALLETS = `query($filter: PalletFilter) { pallets(filter: $filter, first: 50) { totalCount edges { node { id sscc status quantity material { erpMaterialNumber } lot { lotNumber } location { code } order { id } } } } }`;
    type PalletNode = { id: string; sscc: string; status: string; lot: { lotNumber: string }; location: { code: string }; order: { id: string } };
    const all = await graph.query<{ pallets: Connection<PalletNode> }>('inventory', PALLETS, {});
    const ssccs = all.data!.pallets.edges.map((edge) => edge.node.sscc);
    expect(ssccs).toHaveLength(orders.length);
    expect([...ssccs].sort()).toEqual(ssccs);
    const ofOrder = await graph.query<{ pallets: Connection<PalletNode> }>('inventory', PALLETS, { filter: { orderId: orders[2]!.id } });
    expect(ofOrder.data!.pallets.edges.map((edge) => edge.node)).toMatchObject([{ lot: { lotNumber: `PRD-${orders[2]!.erpOrderNumber}` }, location: { code: 'SHIP01' }, order: { id: orders[2]!.id } }]);
    const lot = await graph.database.prisma.materialLot.findUniqueOrThrow({ where: { lotNumber: `PRD-${orders[3]!.erpOrderNumber}` } });
    const ofLot = await graph.query<{ pallets: Connection<PalletNode> }>('inventory', PALLETS, { filter: { lotId: lot.id } });
    expect(ofLot.data!.pallets.totalCount).toBe(1);
    const complete = await graph.query<{ pallets: Connection<PalletNode> }>('inventory', PALLETS, { filter: { status: ['COMPLETE'] } });
    expect(complete.data!.pallets.totalCount).toBe(Math.floor(orders.length / 2));
    const reference = await graph.query<{ _entities: unknown[] }>('inventory', `query($r: [_Any!]!) { _entities(representations: $r) { ... on Pallet { sscc } } }`, {
      r: [{ __typename: 'Pallet', id: all.data!.pallets.edges[0]!.node.id }],
    });
    expect(reference.data!._entities).toEqual([{ sscc: ssccs[0] }]);
  });

  it('inventory - the statement count of a page does not grow with its size', async () => {
    for (const [query, name] of [[LOTS_PAGE, 'lots'], [MOVEMENTS_PAGE, 'movements'], [MATERIALS_PAGE, 'materials']] as const) {
      const one = await countStatements(graph.database, async () => expect((await graph.query('inventory', query, { first: 1 })).errors).toBeUndefined());
      const many = await countStatements(graph.database, async () => expect((await graph.query('inventory', query, { first: 50 })).errors).toBeUndefined());
      expect({ name, statements: many }).toEqual({ name, statements: one });
    }
  });

  it('inventory - resolves entity references in batches, and orders get their newest movements', async () => {
    const lot = await graph.database.prisma.materialLot.findFirstOrThrow({ where: { lotNumber: 'LYO-RM3103-24001' } });
    const entities = await graph.query<{ _entities: unknown[] }>(
      'inventory',
      `query($representations: [_Any!]!) { _entities(representations: $representations) {
        ... on MaterialLot { lotNumber material { erpMaterialNumber } location { code } }
        ... on Material { erpMaterialNumber }
      } }`,
      { representations: [{ __typename: 'MaterialLot', id: lot.id }, { __typename: 'Material', id: lot.materialId }, { __typename: 'MaterialLot', id: '00000000-0000-4000-8000-000000000000' }] },
    );
    expect(entities.data!._entities).toEqual([{ lotNumber: 'LYO-RM3103-24001', material: { erpMaterialNumber: 'RM-3103' }, location: { code: 'QI01' } }, { erpMaterialNumber: 'RM-3103' }, null]);

    const ORDER_MOVEMENTS = `query($representations: [_Any!]!) { _entities(representations: $representations) {
      ... on ProductionOrder { id materialMovements { id kind occurredAt lot { lotNumber } material { erpMaterialNumber } } }
    } }`;
    const representations = orders.map((order) => ({ __typename: 'ProductionOrder', id: order.id }));
    const all = await graph.query<{ _entities: { id: string; materialMovements: MovementNode[] }[] }>('inventory', ORDER_MOVEMENTS, { representations });
    for (const [index, entity] of all.data!._entities.entries()) {
      expect(entity.id).toBe(orders[index]!.id);
      expect(entity.materialMovements).toHaveLength(6);
      const times = entity.materialMovements.map((m) => m.occurredAt);
      expect([...times].sort().reverse()).toEqual(times);
    }
    const one = await countStatements(graph.database, () => graph.query('inventory', ORDER_MOVEMENTS, { representations: representations.slice(0, 1) }));
    const many = await countStatements(graph.database, () => graph.query('inventory', ORDER_MOVEMENTS, { representations }));
    expect(many).toBe(one);
  });

  it('inventory - the nested list is the newest 100 movements per order; the root connection has all', async () => {
    const busyOrder = randomUUID();
    await graph.database.prisma.materialMovement.createMany({
      data: Array.from({ length: 105 }, (_, index) => ({ kind: 'CONSUME' as const, materialId: fragranceId, quantity: 1, unit: 'KG', orderId: busyOrder, occurredAt: new Date(start.getTime() + index * 1000), idempotencyKey: `test-busy-${index}` })),
    });
    const nested = await graph.query<{ _entities: { materialMovements: { occurredAt: string }[] }[] }>(
      'inventory',
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on ProductionOrder { materialMovements { occurredAt } } } }`,
      { r: [{ __typename: 'ProductionOrder', id: busyOrder }] },
    );
    const recent = nested.data!._entities[0]!.materialMovements;
    expect(recent).toHaveLength(100);
    expect([recent[0]!.occurredAt, recent.at(-1)!.occurredAt]).toEqual([new Date(start.getTime() + 104_000).toISOString(), new Date(start.getTime() + 5_000).toISOString()]);
    const root = await graph.query<{ materialMovements: Connection<unknown> }>('inventory', MOVEMENTS_PAGE, { filter: { orderId: busyOrder } });
    expect(root.data!.materialMovements.totalCount).toBe(105);
    await graph.database.prisma.materialMovement.deleteMany({ where: { orderId: busyOrder } });
  });

  it('inventory - a token bound to a site sees only that site’s stock, and every material', async () => {
    const berlinViewer = { sub: 'viewer-ber', role: 'viewer' as const, siteIds: [sites.BER!] };
    const page = await graph.query<{ materialLots: Connection<LotNode> }>('inventory', LOTS_PAGE, { first: 50 }, berlinViewer);
    const visible = page.data!.materialLots.edges.map((edge) => edge.node);
    expect(visible.length).toBeGreaterThan(0);
    expect(new Set(visible.map((lot) => lot.location?.site.id))).toEqual(new Set([sites.BER]));
    const lyonLot = await graph.database.prisma.materialLot.findFirstOrThrow({ where: { lotNumber: 'LYO-RM3101-24001' } });
    const direct = await graph.query<{ materialLot: unknown }>('inventory', `query($id: ID!) { materialLot(id: $id) { id } }`, { id: lyonLot.id }, berlinViewer);
    expect(direct.data!.materialLot).toBeNull();
    const locations = await graph.query<{ locations: Connection<unknown> }>('inventory', LOCATIONS_PAGE, { first: 50 }, berlinViewer);
    expect(locations.data!.locations.totalCount).toBe(4);
    const moves = await graph.query<{ materialMovements: Connection<unknown> }>('inventory', MOVEMENTS_PAGE, { first: 50 }, berlinViewer);
    expect(moves.data!.materialMovements.totalCount).toBe(3 * 6);
    const materials = await graph.query<{ materials: Connection<unknown> }>('inventory', MATERIALS_PAGE, { first: 50 }, berlinViewer);
    expect(materials.data!.materials.totalCount).toBe(await graph.database.prisma.material.count());
  });

  it('inventory - finds a material by id and by ERP number, null when unknown', async () => {
    const found = await graph.query<{ materialByNumber: { id: string } | null }>('inventory', `{ materialByNumber(erpMaterialNumber: "SF-2101") { id } }`);
    const byId = await graph.query<{ material: { erpMaterialNumber: string } | null }>('inventory', `query($id: ID!) { material(id: $id) { erpMaterialNumber } }`, { id: found.data!.materialByNumber!.id });
    expect(byId.data!.material).toEqual({ erpMaterialNumber: 'SF-2101' });
    const unknown = await graph.query<{ materialByNumber: unknown }>('inventory', `{ materialByNumber(erpMaterialNumber: "XX-0000") { id } }`);
    expect(unknown.data!.materialByNumber).toBeNull();
  });

  it('inventory - createMaterial and updateMaterial are idempotent: same key and input replay, a different input conflicts', async () => {
    const input = { erpMaterialNumber: 'RM-3201', description: 'Stainless steel bar 1.4404, Ø40 mm', baseUnit: 'KG', type: 'RAW' };
    const created = await graph.query<{ createMaterial: { replayed: boolean; material: { id: string; active: boolean; gtin: string | null } } }>('inventory', CREATE, { input, key: 'erp-material-RM-3201' });
    expect(created.data!.createMaterial).toMatchObject({ replayed: false, material: { active: true, gtin: null } });
    const id = created.data!.createMaterial.material.id;
    const replay = await graph.query<{ createMaterial: { replayed: boolean; material: { id: string } } }>('inventory', CREATE, { input, key: 'erp-material-RM-3201' });
    expect(replay.data!.createMaterial).toMatchObject({ replayed: true, material: { id } });
    const conflict = await graph.query('inventory', CREATE, { input: { ...input, baseUnit: 'M' }, key: 'erp-material-RM-3201' });
    expect(conflict.errors?.[0]?.extensions?.code).toBe('IDEMPOTENCY_CONFLICT');
    expect(await graph.database.prisma.material.count({ where: { erpMaterialNumber: 'RM-3201' } })).toBe(1);

    const change = { description: 'Stainless steel bar 1.4404, Ø40 mm, peeled', gtin: '04012345320104' };
    const updated = await graph.query<{ updateMaterial: { replayed: boolean; material: { description: string; gtin: string } } }>('inventory', UPDATE, { id, input: change, key: 'erp-material-RM-3201-v2' });
    expect(updated.data!.updateMaterial).toEqual({ replayed: false, material: { id, erpMaterialNumber: 'RM-3201', description: change.description, gtin: change.gtin, active: true } });
    const again = await graph.query<{ updateMaterial: { replayed: boolean } }>('inventory', UPDATE, { id, input: change, key: 'erp-material-RM-3201-v2' });
    expect(again.data!.updateMaterial.replayed).toBe(true);
    const otherTarget = await graph.query('inventory', UPDATE, { id: fragranceId, input: change, key: 'erp-material-RM-3201-v2' });
    expect(otherTarget.errors?.[0]?.extensions?.code).toBe('IDEMPOTENCY_CONFLICT');
    const cleared = await graph.query<{ updateMaterial: { material: { gtin: string | null; active: boolean } } }>('inventory', UPDATE, { id, input: { gtin: null, active: false }, key: 'erp-material-RM-3201-v3' });
    expect(cleared.data!.updateMaterial.material).toMatchObject({ gtin: null, active: false });

    const logged = await graph.database.prisma.inboundCommand.findMany({ where: { idempotencyKey: { startsWith: 'erp-material-RM-3201' } }, orderBy: { createdAt: 'asc' } });
    expect(logged.map((row) => row.commandName)).toEqual(['createMaterial', 'updateMaterial', 'updateMaterial']);
  });

  it('inventory - a taken material number, bad fields and unknown ids give codes and field names', async () => {
    const taken = await graph.query('inventory', CREATE, { input: { erpMaterialNumber: 'FG-1001', description: 'Duplicate', baseUnit: 'PC', type: 'FINISHED' }, key: 'erp-material-dup-1' });
    expect(taken.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION_FAILED', fields: [{ field: 'input.erpMaterialNumber' }] });
    const renamed = await graph.query('inventory', UPDATE, { id: fragranceId, input: { erpMaterialNumber: 'FG-1001' }, key: 'erp-material-dup-2' });
    expect(renamed.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION_FAILED', fields: [{ field: 'input.erpMaterialNumber' }] });
    expect(renamed.errors?.[0]?.message).toMatch(/FG-1001/);

    const invalid = await graph.query('inventory', CREATE, { input: { erpMaterialNumber: ' ', description: 'x', baseUnit: 'PC', type: 'RAW', gtin: '12ab' }, key: 'erp-material-bad-1' });
    expect(invalid.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION_FAILED', fields: [{ field: 'input.erpMaterialNumber' }, { field: 'input.gtin' }] });
    const empty = await graph.query('inventory', UPDATE, { id: fragranceId, input: {}, key: 'erp-material-bad-2' });
    expect(empty.errors?.[0]?.extensions?.code).toBe('VALIDATION_FAILED');
    const nullDescription = await graph.query('inventory', UPDATE, { id: fragranceId, input: { description: null }, key: 'erp-material-bad-3' });
    expect(nullDescription.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION_FAILED', fields: [{ field: 'input.description' }] });
    const wrongType = await graph.query('inventory', CREATE, { input: { erpMaterialNumber: 'X-1', description: 'x', baseUnit: 'PC', type: 'LIQUID' }, key: 'erp-material-bad-4' });
    expect(wrongType.errors?.[0]?.extensions?.code).toBe('VALIDATION_FAILED');

    const missing = await graph.query('inventory', UPDATE, { id: '00000000-0000-4000-8000-000000000000', input: { description: 'x' }, key: 'erp-material-missing' });
    expect(missing.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const badId = await graph.query('inventory', UPDATE, { id: 'FG-1001', input: { description: 'x' }, key: 'erp-material-bad-id' });
    expect(badId.errors?.[0]?.extensions?.code).toBe('VALIDATION_FAILED');
    expect((await graph.query('inventory', `{ materialLot(id: "17") { id } }`)).errors?.[0]?.extensions?.code).toBe('VALIDATION_FAILED');
    expect((await graph.query('inventory', LOTS_PAGE, { filter: { materialId: 'nope' } })).errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION_FAILED', fields: [{ field: 'filter.materialId' }] });
    expect((await graph.query('inventory', LOTS_PAGE, { first: 101 })).errors?.[0]?.extensions?.code).toBe('VALIDATION_FAILED');
    expect(await graph.database.prisma.inboundCommand.count({ where: { idempotencyKey: { startsWith: 'erp-material-bad' } } })).toBe(0);
    for (const response of [taken, renamed, invalid, empty, missing, badId]) expect(JSON.stringify(response)).not.toMatch(/stacktrace|at .*\.ts:\d+/);
  });

  it('inventory - a call without the gateway signature is refused', async () => {
    const response = await graph.query('inventory', LOTS_PAGE, {}, null);
    expect(response.status).toBe(401);
    expect(response.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  async function pageThrough<Node>(field: string, query: string, first: number): Promise<Node[]> {
    const nodes: Node[] = [];
    let after: string | null = null;
    let total = 0;
    do {
      const page: { data?: Record<string, Connection<Node>> | null } = await graph.query<Record<string, Connection<Node>>>('inventory', query, { first, after });
      const connection = page.data![field]!;
      total = connection.totalCount;
      nodes.push(...connection.edges.map((edge) => edge.node));
      after = connection.pageInfo.hasNextPage ? connection.pageInfo.endCursor : null;
    } while (after);
    expect(nodes).toHaveLength(total);
    return nodes;
  }

  async function lots(filter: Record<string, unknown>): Promise<LotNode[]> {
    const response = await graph.query<{ materialLots: Connection<LotNode> }>('inventory', LOTS_PAGE, { first: 50, filter });
    return response.data!.materialLots.edges.map((edge) => edge.node);
  }

  async function movements(filter: Record<string, unknown>): Promise<MovementNode[]> {
    const response = await graph.query<{ materialMovements: Connection<MovementNode> }>('inventory', MOVEMENTS_PAGE, { first: 100, filter });
    return response.data!.materialMovements.edges.map((edge) => edge.node);
  }
});
