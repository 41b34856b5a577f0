// Per-request DataLoaders: every related-row lookup of a list query becomes one statement per
// kind of relation, however many lots, movements or materials the page holds.
import DataLoader from 'dataloader';
import type { PrismaClient } from '../../core/db.ts';
import type { Caller } from '../../core/internal-auth.ts';
import { rowsByKey, rowsGroupedByKey } from '../../core/graphql/batching.ts';
import { Prisma, type Location, type Material, type MaterialMovement } from '../../prisma/generated/client.ts';
import {
  toBom,
  toLot,
  toMovement,
  toPallet,
  visibleLocations,
  visibleLots,
  visibleMovements,
  visiblePallets,
  type BomRecord,
  type LotRecord,
  type MovementRecord,
  type PalletRecord,
} from './service.ts';

/** How many movements `ProductionOrder.materialMovements` shows per order. */
export const RECENT_MOVEMENTS = 100;

export interface InventoryLoaders {
  materialById: DataLoader<string, Material | null>;
  bomsByMaterialId: DataLoader<string, BomRecord[]>;
  locationById: DataLoader<string, Location | null>;
  lotById: DataLoader<string, LotRecord | null>;
  movementById: DataLoader<string, MovementRecord | null>;
  palletById: DataLoader<string, PalletRecord | null>;
  recentMovementsByOrderId: DataLoader<string, MovementRecord[]>;
  palletsByOrderId: DataLoader<string, PalletRecord[]>;
}

export function createInventoryLoaders(prisma: PrismaClient, caller: Caller): InventoryLoaders {
  return {
    materialById: new DataLoader(async (ids) => rowsByKey(ids, await prisma.material.findMany({ where: { id: { in: [...ids] } } }), (row) => row.id)),
    // BOMs with their items: two statements for any number of materials.
    bomsByMaterialId: new DataLoader(async (materialIds) => {
      const rows = await prisma.billOfMaterials.findMany({
        where: { materialId: { in: [...materialIds] } },
        include: { items: { orderBy: { position: 'asc' } } },
        orderBy: { alternative: 'asc' },
      });
      return rowsGroupedByKey(materialIds, rows.map(toBom), (row) => row.materialId);
    }),
    // Rows the caller may not see (another site's stock) load as null, the same as rows that do not exist.
    locationById: new DataLoader(async (ids) => {
      const rows = await prisma.location.findMany({ where: { AND: [{ id: { in: [...ids] } }, visibleLocations(caller)] } });
      return rowsByKey(ids, rows, (row) => row.id);
    }),
    lotById: new DataLoader(async (ids) => {
      const rows = await prisma.materialLot.findMany({ where: { AND: [{ id: { in: [...ids] } }, visibleLots(caller)] } });
      return rowsByKey(ids, rows.map(toLot), (row) => row.id);
    }),
    palletsByOrderId: new DataLoader(async (orderIds) => {
      const rows = await prisma.pallet.findMany({
        where: { AND: [{ orderId: { in: [...orderIds] } }, visiblePallets(caller)] },
        orderBy: [{ completedAt: { sort: 'asc', nulls: 'last' } }, { createdAt: 'asc' }, { id: 'asc' }],
      });
      return rowsGroupedByKey(orderIds, rows.map(toPallet), (row) => row.orderId ?? '');
    }),
    movementById: new DataLoader(async (ids) => {
      const rows = await prisma.materialMovement.findMany({ where: { AND: [{ id: { in: [...ids] } }, visibleMovements(caller)] } });
      return rowsByKey(ids, rows.map(toMovement), (row) => row.id);
    }),
    palletById: new DataLoader(async (ids) => {
      const rows = await prisma.pallet.findMany({ where: { AND: [{ id: { in: [...ids] } }, visiblePallets(caller)] } });
      return rowsByKey(ids, rows.map(toPallet), (row) => row.id);
    }),
    // The newest N per order in one statement (a window function; Prisma's findMany cannot limit per group).
    // No site filter here: the gateway asks for an order's movements only after the orders subgraph
    // has shown the caller that order, and an order's movements are at its own site.
    recentMovementsByOrderId: new DataLoader(async (orderIds) => {
      const rows = await prisma.$queryRaw<MaterialMovement[]>(Prisma.sql`
        SELECT id, kind, material_id AS "materialId", lot_id AS "lotId", quantity, unit, from_location_id AS "fromLocationId",
               to_location_id AS "toLocationId", order_id AS "orderId", operation_id AS "operationId", occurred_at AS "occurredAt",
               idempotency_key AS "idempotencyKey", source_event_ids AS "sourceEventIds", created_at AS "createdAt"
          FROM (SELECT m.*, row_number() OVER (PARTITION BY order_id ORDER BY occurred_at DESC, id) AS rank
                  FROM inventory.material_movement m WHERE order_id = ANY(${[...orderIds]}::uuid[])) ranked
         WHERE rank <= ${RECENT_MOVEMENTS}
         ORDER BY occurred_at DESC, id`);
      return rowsGroupedByKey(orderIds, rows.map((row) => toMovement({ ...row, quantity: new Prisma.Decimal(row.quantity) })), (row) => row.orderId);
    }),
  };
}
