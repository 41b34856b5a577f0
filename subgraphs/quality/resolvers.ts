// GraphQL → service. Related rows go through the request's loaders; references to other domains
// are entity stubs ({ __typename, id }) that the owning subgraph resolves.
import { entityReference, loadOptional } from '../../core/graphql/references.ts';
import type { SubgraphContext } from '../../core/graphql/subgraph.ts';
import { scalarResolvers } from '../../core/graphql/scalars.ts';
import type { PageArguments } from '../../core/graphql/pagination.ts';
import { parseId } from '../../core/graphql/input.ts';
import { NotFoundError } from '../../core/errors.ts';
import type { Characteristic, InspectionLot, InspectionPlan, InspectionPlanCharacteristic, InspectionResult, Nonconformance, QualityHold } from '../../prisma/generated/client.ts';
import type { QualityLoaders } from './loaders.ts';
import { decideInspectionLot } from './commands.ts';
import { listCharacteristics, listHolds, listInspectionLots, listInspectionPlans, listNonconformances } from './service.ts';

type Context = SubgraphContext<QualityLoaders>;
type ListArguments = PageArguments & { filter?: unknown };


/** Characteristics are referenced by foreign key inside the quality schema, so a missing one is a broken row. */
async function loadCharacteristic(loaders: QualityLoaders, characteristicId: string) {
  const characteristic = await loaders.characteristicById.load(characteristicId);
  if (!characteristic) throw new NotFoundError('characteristic', characteristicId);
  return characteristic;
}

export const qualityResolvers = {
  DateTime: scalarResolvers.DateTime,
  Query: {
    inspectionLots: (_: unknown, args: ListArguments, { prisma }: Context) => listInspectionLots(prisma, args.filter, args),
    inspectionLot: (_: unknown, { id }: { id: string }, { loaders }: Context) => loaders.inspectionLotById.load(parseId(id)),
    characteristics: (_: unknown, args: PageArguments, { prisma }: Context) => listCharacteristics(prisma, args),
    inspectionPlans: (_: unknown, args: PageArguments, { prisma }: Context) => listInspectionPlans(prisma, args),
    qualityHolds: (_: unknown, args: ListArguments, { prisma }: Context) => listHolds(prisma, args.filter, args),
    nonconformances: (_: unknown, args: ListArguments, { prisma }: Context) => listNonconformances(prisma, args.filter, args),
  },
  Mutation: {
    decideInspectionLot: async (_: unknown, { idempotencyKey, ...input }: { idempotencyKey: string } & Record<string, unknown>, { prisma, caller, loaders }: Context) => {
      const { inspectionLotId, nonconformanceId, replayed } = await decideInspectionLot(prisma, caller, input, idempotencyKey);
      const inspectionLot = await loaders.inspectionLotById.load(inspectionLotId);
      if (!inspectionLot) throw new NotFoundError('inspection lot', inspectionLotId);
      return { inspectionLot, nonconformance: nonconformanceId ? await loaders.nonconformanceById.load(nonconformanceId) : null, replayed };
    },
  },
  Characteristic: {
    __resolveReference: ({ id }: { id: string }, { loaders }: Context) => loaders.characteristicById.load(id),
    material: (characteristic: Characteristic) => entityReference('Material', characteristic.materialId),
  },
  InspectionPlan: {
    __resolveReference: ({ id }: { id: string }, { loaders }: Context) => loaders.planById.load(id),
    material: (plan: InspectionPlan) => entityReference('Material', plan.materialId),
    characteristics: (plan: InspectionPlan, _: unknown, { loaders }: Context) => loaders.planCharacteristicsByPlanId.load(plan.id),
  },
  InspectionPlanCharacteristic: {
    characteristic: (item: InspectionPlanCharacteristic, _: unknown, { loaders }: Context) => loadCharacteristic(loaders, item.characteristicId),
  },
  InspectionLot: {
    __resolveReference: ({ id }: { id: string }, { loaders }: Context) => loaders.inspectionLotById.load(id),
    order: (lot: InspectionLot) => entityReference('ProductionOrder', lot.orderId),
    materialLot: (lot: InspectionLot) => entityReference('MaterialLot', lot.materialLotId),
    material: (lot: InspectionLot) => entityReference('Material', lot.materialId),
    triggerTag: (lot: InspectionLot) => entityReference('Tag', lot.triggerTagId),
    plan: (lot: InspectionLot, _: unknown, { loaders }: Context) => loadOptional(lot.planId, (id) => loaders.planById.load(id)),
    characteristics: async (lot: InspectionLot, _: unknown, { loaders }: Context) => {
      if (!lot.planId) return [];
      const items = await loaders.planCharacteristicsByPlanId.load(lot.planId);
      return Promise.all(items.map((item) => loadCharacteristic(loaders, item.characteristicId)));
    },
    results: (lot: InspectionLot, _: unknown, { loaders }: Context) => loaders.resultsByInspectionLotId.load(lot.id),
    holds: (lot: InspectionLot, _: unknown, { loaders }: Context) => loaders.holdsByInspectionLotId.load(lot.id),
    nonconformances: (lot: InspectionLot, _: unknown, { loaders }: Context) => loaders.nonconformancesByInspectionLotId.load(lot.id),
  },
  InspectionResult: {
    characteristic: (result: InspectionResult, _: unknown, { loaders }: Context) => loadCharacteristic(loaders, result.characteristicId),
  },
  QualityHold: {
    __resolveReference: ({ id }: { id: string }, { loaders }: Context) => loaders.holdById.load(id),
    order: (hold: QualityHold) => entityReference('ProductionOrder', hold.orderId),
    materialLot: (hold: QualityHold) => entityReference('MaterialLot', hold.materialLotId),
    inspectionLot: (hold: QualityHold, _: unknown, { loaders }: Context) => loadOptional(hold.inspectionLotId, (id) => loaders.inspectionLotById.load(id)),
  },
  Nonconformance: {
    __resolveReference: ({ id }: { id: string }, { loaders }: Context) => loaders.nonconformanceById.load(id),
    inspectionLot: (nonconformance: Nonconformance, _: unknown, { loaders }: Context) =>
      loadOptional(nonconformance.inspectionLotId, (id) => loaders.inspectionLotById.load(id)),
  },
  ProductionOrder: {
    inspectionLots: ({ id }: { id: string }, _: unknown, { loaders }: Context) => loaders.recentInspectionLotsByOrderId.load(id),
  },
  MaterialLot: {
    inspectionLots: ({ id }: { id: string }, _: unknown, { loaders }: Context) => loaders.recentInspectionLotsByMaterialLotId.load(id),
  },
};
