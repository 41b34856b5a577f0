// Per-request DataLoaders: every related-row lookup of a list query becomes one statement per
// kind of relation, however many orders the page holds.
import DataLoader from 'dataloader';
import type { PrismaClient } from '../../core/db.ts';
import type { Caller } from '../../core/internal-auth.ts';
import { rowsByKey, rowsGroupedByKey } from '../../core/graphql/batching.ts';
import { Prisma, type Customer, type Confirmation } from '../../prisma/generated/client.ts';
import { canSeeOrder, toConfirmation, toOperation, toOrder, toShipmentReadiness, type ConfirmationRecord, type OperationRecord, type OrderRecord, type ShipmentReadinessRecord } from './service.ts';

/** How many confirmations `ProductionOrder.recentConfirmations` shows per order. */
export const RECENT_CONFIRMATIONS = 50;

export interface OrdersLoaders {
  orderById: DataLoader<string, OrderRecord | null>;
  operationById: DataLoader<string, OperationRecord | null>;
  operationsByOrderId: DataLoader<string, OperationRecord[]>;
  customerById: DataLoader<string, Customer | null>;
  recentConfirmationsByOrderId: DataLoader<string, ConfirmationRecord[]>;
  currentOrderByLineId: DataLoader<string, OrderRecord | null>;
  shipmentReadinessByOrderId: DataLoader<string, ShipmentReadinessRecord[]>;
}

export function createOrdersLoaders(prisma: PrismaClient, caller: Caller): OrdersLoaders {
  return {
    // Rows the caller may not see load as null, the same as rows that do not exist.
    orderById: new DataLoader(async (ids) => {
      const rows = await prisma.productionOrder.findMany({ where: { id: { in: [...ids] } } });
      return rowsByKey(ids, rows.map(toOrder), (row) => row.id).map((order) => (order && canSeeOrder(caller, order) ? order : null));
    }),
    operationById: new DataLoader(async (ids) => {
      const rows = await prisma.operation.findMany({ where: { id: { in: [...ids] } } });
      return rowsByKey(ids, rows.map(toOperation), (row) => row.id);
    }),
    operationsByOrderId: new DataLoader(async (orderIds) => {
      const rows = await prisma.operation.findMany({ where: { orderId: { in: [...orderIds] } }, orderBy: { sequence: 'asc' } });
      return rowsGroupedByKey(orderIds, rows.map(toOperation), (row) => row.orderId);
    }),
    customerById: new DataLoader(async (ids) => rowsByKey(ids, await prisma.customer.findMany({ where: { id: { in: [...ids] } } }), (row) => row.id)),
    // The newest N per order in one statement (a window function; Prisma's findMany cannot limit per group).
    recentConfirmationsByOrderId: new DataLoader(async (orderIds) => {
      const rows = await prisma.$queryRaw<Confirmation[]>(Prisma.sql`
        SELECT id, operation_id AS "operationId", order_id AS "orderId", window_start AS "windowStart", window_end AS "windowEnd",
               yield_quantity AS "yieldQuantity", scrap_quantity AS "scrapQuantity", rework_quantity AS "reworkQuantity", unit,
               setup_seconds AS "setupSeconds", run_seconds AS "runSeconds", down_seconds AS "downSeconds", final,
               idempotency_key AS "idempotencyKey", source_event_ids AS "sourceEventIds", created_at AS "createdAt"
          FROM (SELECT c.*, row_number() OVER (PARTITION BY order_id ORDER BY window_start DESC) AS rank
                  FROM orders.confirmation c WHERE order_id = ANY(${[...orderIds]}::uuid[])) ranked
         WHERE rank <= ${RECENT_CONFIRMATIONS}
         ORDER BY window_start DESC`);
      return rowsGroupedByKey(orderIds, rows.map((row) => toConfirmation({ ...row, yieldQuantity: new Prisma.Decimal(row.yieldQuantity), scrapQuantity: new Prisma.Decimal(row.scrapQuantity), reworkQuantity: new Prisma.Decimal(row.reworkQuantity) })), (row) => row.orderId);
    }),
    // Read through ProductionOrder.shipmentReadiness only, i.e. for an order the caller may see.
    shipmentReadinessByOrderId: new DataLoader(async (orderIds) => {
      const rows = await prisma.shipmentReadiness.findMany({ where: { orderId: { in: [...orderIds] } }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
      return rowsGroupedByKey(orderIds, rows.map(toShipmentReadiness), (row) => row.orderId);
    }),
    // In progress first (status sorts in enum order, IN_PROGRESS after RELEASED), else the next released order by priority and due date.
    currentOrderByLineId: new DataLoader(async (lineIds) => {
      const rows = await prisma.productionOrder.findMany({
        where: { lineId: { in: [...lineIds] }, status: { in: ['IN_PROGRESS', 'RELEASED'] } },
        orderBy: [{ status: 'desc' }, { priority: 'asc' }, { dueAt: { sort: 'asc', nulls: 'last' } }],
        distinct: ['lineId'],
      });
      return rowsByKey(lineIds, rows.map(toOrder), (row) => row.lineId).map((order) => (order && canSeeOrder(caller, order) ? order : null));
    }),
  };
}
