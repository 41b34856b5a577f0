// Per-request DataLoaders: every related-row lookup of a list query becomes one statement per
// kind of relation, however many inspection lots, holds or results the page holds.
import DataLoader from 'dataloader';
import type { PrismaClient } from '../../core/db.ts';
import type { Caller } from '../../core/internal-auth.ts';
import { rowsByKey, rowsGroupedByKey } from '../../core/graphql/batching.ts';
import {
  Prisma,
  type Characteristic,
  type InspectionLot,
  type InspectionPlan,
  type InspectionPlanCharacteristic,
  type InspectionResult,
  type Nonconformance,
  type QualityHold,
} from '../../prisma/generated/client.ts';

/** How many inspection lots `ProductionOrder.inspectionLots` and `MaterialLot.inspectionLots` show. */
export const RECENT_INSPECTION_LOTS = 50;

export interface QualityLoaders {
  inspectionLotById: DataLoader<string, InspectionLot | null>;
  characteristicById: DataLoader<string, Characteristic | null>;
  planById: DataLoader<string, InspectionPlan | null>;
  planCharacteristicsByPlanId: DataLoader<string, InspectionPlanCharacteristic[]>;
  resultsByInspectionLotId: DataLoader<string, InspectionResult[]>;
  holdById: DataLoader<string, QualityHold | null>;
  holdsByInspectionLotId: DataLoader<string, QualityHold[]>;
  nonconformanceById: DataLoader<string, Nonconformance | null>;
  nonconformancesByInspectionLotId: DataLoader<string, Nonconformance[]>;
  recentInspectionLotsByOrderId: DataLoader<string, InspectionLot[]>;
  recentInspectionLotsByMaterialLotId: DataLoader<string, InspectionLot[]>;
}

export function createQualityLoaders(prisma: PrismaClient, _caller: Caller): QualityLoaders {
  return {
    inspectionLotById: new DataLoader(async (ids) => rowsByKey(ids, await prisma.inspectionLot.findMany({ where: { id: { in: [...ids] } } }), (row) => row.id)),
    characteristicById: new DataLoader(async (ids) => rowsByKey(ids, await prisma.characteristic.findMany({ where: { id: { in: [...ids] } } }), (row) => row.id)),
    planById: new DataLoader(async (ids) => rowsByKey(ids, await prisma.inspectionPlan.findMany({ where: { id: { in: [...ids] } } }), (row) => row.id)),
    planCharacteristicsByPlanId: new DataLoader(async (planIds) => {
      const rows = await prisma.inspectionPlanCharacteristic.findMany({ where: { planId: { in: [...planIds] } }, orderBy: { sequence: 'asc' } });
      return rowsGroupedByKey(planIds, rows, (row) => row.planId);
    }),
    // Results per lot are bounded by the plan (characteristics × sample size), so all of them are shown.
    resultsByInspectionLotId: new DataLoader(async (lotIds) => {
      const rows = await prisma.inspectionResult.findMany({ where: { inspectionLotId: { in: [...lotIds] } }, orderBy: [{ measuredAt: 'asc' }, { id: 'asc' }] });
      return rowsGroupedByKey(lotIds, rows, (row) => row.inspectionLotId);
    }),
    holdById: new DataLoader(async (ids) => rowsByKey(ids, await prisma.qualityHold.findMany({ where: { id: { in: [...ids] } } }), (row) => row.id)),
    holdsByInspectionLotId: new DataLoader(async (lotIds) => {
      const rows = await prisma.qualityHold.findMany({ where: { inspectionLotId: { in: [...lotIds] } }, orderBy: [{ createdAt: 'desc' }, { id: 'asc' }] });
      return rowsGroupedByKey(lotIds, rows, (row) => row.inspectionLotId);
    }),
    nonconformanceById: new DataLoader(async (ids) => rowsByKey(ids, await prisma.nonconformance.findMany({ where: { id: { in: [...ids] } } }), (row) => row.id)),
    nonconformancesByInspectionLotId: new DataLoader(async (lotIds) => {
      const rows = await prisma.nonconformance.findMany({ where: { inspectionLotId: { in: [...lotIds] } }, orderBy: [{ createdAt: 'desc' }, { id: 'asc' }] });
      return rowsGroupedByKey(lotIds, rows, (row) => row.inspectionLotId);
    }),
    recentInspectionLotsByOrderId: new DataLoader(async (orderIds) => rowsGroupedByKey(orderIds, await recentInspectionLots(prisma, 'order_id', orderIds), (row) => row.orderId)),
    recentInspectionLotsByMaterialLotId: new DataLoader(async (lotIds) =>
      rowsGroupedByKey(lotIds, await recentInspectionLots(prisma, 'material_lot_id', lotIds), (row) => row.materialLotId),
    ),
  };
}

/**
 * The newest N inspection lots per order or per material lot in one statement (a window function;
 * Prisma's findMany cannot limit per group). Threshold crossings can open many lots, so the nested
 * list is bounded; Query.inspectionLots pages through all.
 */
function recentInspectionLots(prisma: PrismaClient, column: 'order_id' | 'material_lot_id', keys: readonly string[]): Promise<InspectionLot[]> {
  return prisma.$queryRaw<InspectionLot[]>(Prisma.sql`
    SELECT id, order_id AS "orderId", material_lot_id AS "materialLotId", material_id AS "materialId", plan_id AS "planId", origin, status,
           decision, decided_at AS "decidedAt", decided_by AS "decidedBy", trigger_tag_id AS "triggerTagId", idempotency_key AS "idempotencyKey",
           source_event_ids AS "sourceEventIds", erp_inspection_lot_number AS "erpInspectionLotNumber", created_at AS "createdAt", updated_at AS "updatedAt"
      FROM (SELECT l.*, row_number() OVER (PARTITION BY ${Prisma.raw(column)} ORDER BY created_at DESC, id) AS rank
              FROM quality.inspection_lot l WHERE ${Prisma.raw(column)} = ANY(${[...keys]}::uuid[])) ranked
     WHERE rank <= ${RECENT_INSPECTION_LOTS}
     ORDER BY created_at DESC, id`);
}
