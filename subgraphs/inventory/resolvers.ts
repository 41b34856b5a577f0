// GraphQL → service. Related rows go through the request's loaders; references to other domains
// are entity stubs ({ __typename, id }) that the owning subgraph resolves.
import { entityReference, loadOptional } from '../../core/graphql/references.ts';
import type { SubgraphContext } from '../../core/graphql/subgraph.ts';
import { scalarResolvers } from '../../core/graphql/scalars.ts';
import type { PageArguments } from '../../core/graphql/pagination.ts';
import { parseId } from '../../core/graphql/input.ts';
import { NotFoundError } from '../../core/errors.ts';
import type { Location, Material } from '../../prisma/generated/client.ts';
import type { InventoryLoaders } from './loaders.ts';
import {
  createMaterial,
  findMaterialByNumber,
  listLocations,
  listLots,
  listMaterials,
  listMovements,
  listPallets,
  updateMaterial,
  type BomItemRecord,
  type LotRecord,
  type MovementRecord,
  type PalletRecord,
} from './service.ts';

import { blockLot, releaseLot, upsertMaterial } from './commands.ts';

type Context = SubgraphContext<InventoryLoaders>;

async function loadLot(loaders: InventoryLoaders, lotId: string) {
  const lot = await loaders.lotById.load(lotId);
  if (!lot) throw new NotFoundError('material lot', lotId);
  return lot;
}
type ListArguments = PageArguments & { filter?: unknown };


async function loadMaterial(loaders: InventoryLoaders, materialId: string) {
  const material = await loaders.materialById.load(materialId);
  if (!material) throw new NotFoundError('material', materialId);
  return material;
}

export const inventoryResolvers = {
  DateTime: scalarResolvers.DateTime,
  Query: {
    materials: (_: unknown, args: ListArguments, { prisma }: Context) => listMaterials(prisma, args.filter, args),
    material: (_: unknown, { id }: { id: string }, { loaders }: Context) => loaders.materialById.load(parseId(id)),
    materialByNumber: (_: unknown, { erpMaterialNumber }: { erpMaterialNumber: string }, { prisma }: Context) => findMaterialByNumber(prisma, erpMaterialNumber),
    materialLots: (_: unknown, args: ListArguments, { prisma, caller }: Context) => listLots(prisma, caller, args.filter, args),
    materialLot: (_: unknown, { id }: { id: string }, { loaders }: Context) => loaders.lotById.load(parseId(id)),
    materialMovements: (_: unknown, args: ListArguments, { prisma, caller }: Context) => listMovements(prisma, caller, args.filter, args),
    locations: (_: unknown, args: ListArguments, { prisma, caller }: Context) => listLocations(prisma, caller, args.filter, args),
    pallets: (_: unknown, args: ListArguments, { prisma, caller }: Context) => listPallets(prisma, caller, args.filter, args),
  },
  Mutation: {
    upsertMaterial: async (_: unknown, args: { input: unknown; idempotencyKey: string }, { prisma, caller, loaders }: Context) => {
      const { materialId, created, replayed } = await upsertMaterial(prisma, caller, args.input, args.idempotencyKey);
      return { material: await loadMaterial(loaders, materialId), created, replayed };
    },
    blockLot: async (_: unknown, { idempotencyKey, ...input }: { lotId: string; reason: string; idempotencyKey: string }, { prisma, caller, loaders }: Context) => {
      const { lotId, replayed } = await blockLot(prisma, caller, input, idempotencyKey);
      return { lot: await loadLot(loaders, lotId), replayed };
    },
    releaseLot: async (_: unknown, { idempotencyKey, ...input }: { lotId: string; idempotencyKey: string }, { prisma, caller, loaders }: Context) => {
      const { lotId, replayed } = await releaseLot(prisma, caller, input, idempotencyKey);
      return { lot: await loadLot(loaders, lotId), replayed };
    },
    createMaterial: async (_: unknown, args: { input: unknown; idempotencyKey: string }, { prisma, caller, loaders }: Context) => {
      const { materialId, replayed } = await createMaterial(prisma, caller, args.input, args.idempotencyKey);
      return { material: await loadMaterial(loaders, materialId), replayed };
    },
    updateMaterial: async (_: unknown, args: { id: string; input: unknown; idempotencyKey: string }, { prisma, caller, loaders }: Context) => {
      const { materialId, replayed } = await updateMaterial(prisma, caller, parseId(args.id), args.input, args.idempotencyKey);
      return { material: await loadMaterial(loaders, materialId), replayed };
    },
  },
  Material: {
    __resolveReference: ({ id }: { id: string }, { loaders }: Context) => loaders.materialById.load(id),
    billOfMaterials: (material: Material, _: unknown, { loaders }: Context) => loaders.bomsByMaterialId.load(material.id),
  },
  BomItem: {
    component: (item: BomItemRecord, _: unknown, { loaders }: Context) => loadMaterial(loaders, item.componentMaterialId),
  },
  Location: {
    __resolveReference: ({ id }: { id: string }, { loaders }: Context) => loaders.locationById.load(id),
    site: (location: Location) => entityReference('Site', location.siteId),
    line: (location: Location) => entityReference('Line', location.lineId),
  },
  MaterialLot: {
    __resolveReference: ({ id }: { id: string }, { loaders }: Context) => loaders.lotById.load(id),
    material: (lot: LotRecord, _: unknown, { loaders }: Context) => loadMaterial(loaders, lot.materialId),
    location: (lot: LotRecord, _: unknown, { loaders }: Context) => loadOptional(lot.locationId, (id) => loaders.locationById.load(id)),
    producedBy: (lot: LotRecord) => entityReference('ProductionOrder', lot.producedByOrderId),
  },
  MaterialMovement: {
    __resolveReference: ({ id }: { id: string }, { loaders }: Context) => loaders.movementById.load(id),
    material: (movement: MovementRecord, _: unknown, { loaders }: Context) => loadMaterial(loaders, movement.materialId),
    lot: (movement: MovementRecord, _: unknown, { loaders }: Context) => loadOptional(movement.lotId, (id) => loaders.lotById.load(id)),
    fromLocation: (movement: MovementRecord, _: unknown, { loaders }: Context) => loadOptional(movement.fromLocationId, (id) => loaders.locationById.load(id)),
    toLocation: (movement: MovementRecord, _: unknown, { loaders }: Context) => loadOptional(movement.toLocationId, (id) => loaders.locationById.load(id)),
    order: (movement: MovementRecord) => entityReference('ProductionOrder', movement.orderId),
    operation: (movement: MovementRecord) => entityReference('Operation', movement.operationId),
  },
  Pallet: {
    __resolveReference: ({ id }: { id: string }, { loaders }: Context) => loaders.palletById.load(id),
    material: (pallet: PalletRecord, _: unknown, { loaders }: Context) => loadMaterial(loaders, pallet.materialId),
    lot: (pallet: PalletRecord, _: unknown, { loaders }: Context) => loadOptional(pallet.lotId, (id) => loaders.lotById.load(id)),
    location: (pallet: PalletRecord, _: unknown, { loaders }: Context) => loadOptional(pallet.locationId, (id) => loaders.locationById.load(id)),
    order: (pallet: PalletRecord) => entityReference('ProductionOrder', pallet.orderId),
  },
  ProductionOrder: {
    materialMovements: ({ id }: { id: string }, _: unknown, { loaders }: Context) => loaders.recentMovementsByOrderId.load(id),
    pallets: ({ id }: { id: string }, _: unknown, { loaders }: Context) => loaders.palletsByOrderId.load(id),
  },
};
