// Orders: who may see which order, listing with filters, and releasing an order from the ERP.
// Prisma stays in here; callers get plain records with numbers instead of Decimals.
import { z } from 'zod';
import { scopes } from '../../core/auth.ts';
import type { PrismaClient } from '../../core/db.ts';
import { ErrorCodes, PlantgraphError, ValidationError } from '../../core/errors.ts';
import { runIdempotentCommand } from '../../core/idempotency.ts';
import type { Caller } from '../../core/internal-auth.ts';
import { pageOf, prismaPage, toConnection, type Connection, type PageArguments } from '../../core/graphql/pagination.ts';
import type { Prisma, ProductionOrder, Operation, Confirmation, ShipmentReadiness } from '../../prisma/generated/client.ts';
import { parseInput } from '../../core/graphql/input.ts';
import { createEvent } from '../../core/events.ts';
import { outboxInsert } from '../../core/outbox.ts';

export type OrderRecord = Omit<ProductionOrder, 'quantity'> & { quantity: number };
export type OperationRecord = Omit<Operation, 'plannedQuantity'> & { plannedQuantity: number };
export type ConfirmationRecord = Omit<Confirmation, 'yieldQuantity' | 'scrapQuantity' | 'reworkQuantity'> & {
  yieldQuantity: number;
  scrapQuantity: number;
  reworkQuantity: number;
};

export type ShipmentReadinessRecord = Omit<ShipmentReadiness, 'quantity'> & { quantity: number };
export const toShipmentReadiness = (row: ShipmentReadiness): ShipmentReadinessRecord => ({ ...row, quantity: row.quantity.toNumber() });
export const toOrder = (row: ProductionOrder): OrderRecord => ({ ...row, quantity: row.quantity.toNumber() });
export const toOperation = (row: Operation): OperationRecord => ({ ...row, plannedQuantity: row.plannedQuantity.toNumber() });
export const toConfirmation = (row: Confirmation): ConfirmationRecord => ({
  ...row,
  yieldQuantity: row.yieldQuantity.toNumber(),
  scrapQuantity: row.scrapQuantity.toNumber(),
  reworkQuantity: row.reworkQuantity.toNumber(),
});

// --- who sees what -----------------------------------------------------------------------------

/** Plant staff see every customer's orders; a partner only its own customer's. */
export function seesAllCustomers(caller: Caller): boolean {
  return caller.scopes.includes(scopes.readPlant);
}

/** The row filter every order read goes through: customer scope for partners, site scope for site-bound tokens. */
export function visibleOrders(caller: Caller): Prisma.ProductionOrderWhereInput {
  return {
    ...(seesAllCustomers(caller) ? {} : { customerId: caller.customerId ?? '00000000-0000-0000-0000-000000000000' }),
    ...(caller.siteIds ? { siteId: { in: caller.siteIds } } : {}),
  };
}

export function canSeeOrder(caller: Caller, order: Pick<OrderRecord, 'customerId' | 'siteId'>): boolean {
  if (!seesAllCustomers(caller) && order.customerId !== caller.customerId) return false;
  return !caller.siteIds || caller.siteIds.includes(order.siteId);
}

// --- listing -----------------------------------------------------------------------------------

const id = z.string().uuid();
export const orderFilterSchema = z
  .object({
    status: z.array(z.enum(['CREATED', 'RELEASED', 'IN_PROGRESS', 'ON_HOLD', 'COMPLETED', 'CANCELLED'])).nullish(),
    lineId: id.nullish(),
    siteId: id.nullish(),
    customerId: id.nullish(),
    materialId: id.nullish(),
    dueFrom: z.date().nullish(),
    dueTo: z.date().nullish(),
  })
  .nullish();
export type OrderFilter = z.infer<typeof orderFilterSchema>;

export async function listOrders(prisma: PrismaClient, caller: Caller, rawFilter: unknown, pageArgs: PageArguments): Promise<Connection<OrderRecord>> {
  const filter = parseInput(orderFilterSchema, rawFilter, 'filter');
  if (filter?.customerId && !seesAllCustomers(caller) && filter.customerId !== caller.customerId) {
    throw new PlantgraphError(ErrorCodes.FORBIDDEN, 'partners may only list their own customer’s orders', { details: { argument: 'filter.customerId' } });
  }
  const page = pageOf(pageArgs);
  const where: Prisma.ProductionOrderWhereInput = {
    AND: [
      visibleOrders(caller),
      {
        ...(filter?.status?.length ? { status: { in: filter.status } } : {}),
        ...(filter?.lineId ? { lineId: filter.lineId } : {}),
        ...(filter?.siteId ? { siteId: filter.siteId } : {}),
        ...(filter?.customerId ? { customerId: filter.customerId } : {}),
        ...(filter?.materialId ? { materialId: filter.materialId } : {}),
        ...(filter?.dueFrom || filter?.dueTo ? { dueAt: { ...(filter.dueFrom ? { gte: filter.dueFrom } : {}), ...(filter.dueTo ? { lt: filter.dueTo } : {}) } } : {}),
      },
    ],
  };
  const rows = await prisma.productionOrder.findMany({
    where,
    orderBy: [{ dueAt: { sort: 'asc', nulls: 'last' } }, { id: 'asc' }],
    ...prismaPage(page),
  });
  return toConnection(rows.map(toOrder), page, () => prisma.productionOrder.count({ where }));
}

export const confirmationFilterSchema = z.object({ orderId: id.nullish(), operationId: id.nullish(), since: z.date().nullish() }).nullish();

export async function listConfirmations(prisma: PrismaClient, rawFilter: unknown, pageArgs: PageArguments): Promise<Connection<ConfirmationRecord>> {
  const filter = parseInput(confirmationFilterSchema, rawFilter, 'filter');
  const page = pageOf(pageArgs);
  const where: Prisma.ConfirmationWhereInput = {
    ...(filter?.orderId ? { orderId: filter.orderId } : {}),
    ...(filter?.operationId ? { operationId: filter.operationId } : {}),
    ...(filter?.since ? { windowStart: { gte: filter.since } } : {}),
  };
  const rows = await prisma.confirmation.findMany({ where, orderBy: [{ windowStart: 'desc' }, { id: 'asc' }], ...prismaPage(page) });
  return toConnection(rows.map(toConfirmation), page, () => prisma.confirmation.count({ where }));
}

/** The order with this ERP number, if the caller may see it. */
export async function findOrderByNumber(prisma: PrismaClient, caller: Caller, erpOrderNumber: string): Promise<OrderRecord | null> {
  const row = await prisma.productionOrder.findUnique({ where: { erpOrderNumber } });
  const order = row ? toOrder(row) : null;
  return order && canSeeOrder(caller, order) ? order : null;
}

export async function listCustomers(prisma: PrismaClient, pageArgs: PageArguments) {
  const page = pageOf(pageArgs);
  const rows = await prisma.customer.findMany({ orderBy: [{ code: 'asc' }, { id: 'asc' }], ...prismaPage(page) });
  return toConnection(rows, page, () => prisma.customer.count());
}

// --- release (ERP command) ---------------------------------------------------------------------

export const releaseInputSchema = z
  .object({
    erpOrderNumber: z.string().trim().min(1).max(40),
    materialId: id,
    quantity: z.number().positive().max(1e12),
    unit: z.string().trim().min(1).max(10),
    lineId: id,
    siteId: id,
    customerId: id.nullish(),
    priority: z.number().int().min(1).max(9).nullish(),
    dueAt: z.date().nullish(),
    plannedStartAt: z.date().nullish(),
    operations: z
      .array(
        z.object({
          sequence: z.number().int().positive(),
          description: z.string().trim().min(1).max(200),
          workCellId: id.nullish(),
          erpWorkCenter: z.string().max(40).nullish(),
          plannedQuantity: z.number().positive().nullish(),
          plannedSetupSeconds: z.number().int().min(0).nullish(),
          idealCycleSeconds: z.number().positive().nullish(),
        }),
      )
      .min(1, 'an order needs at least one operation')
      .refine((operations) => new Set(operations.map((o) => o.sequence)).size === operations.length, 'operation sequences must be unique'),
  })
  .refine((input) => !input.dueAt || !input.plannedStartAt || input.plannedStartAt <= input.dueAt, {
    message: 'plannedStartAt must not be after dueAt',
    path: ['plannedStartAt'],
  });
export type ReleaseInput = z.infer<typeof releaseInputSchema>;

export async function releaseProductionOrder(prisma: PrismaClient, caller: Caller, rawInput: unknown, idempotencyKey: string) {
  const input = parseInput(releaseInputSchema, rawInput, 'input');
  const { result, replayed } = await runIdempotentCommand(
    prisma,
    { idempotencyKey, commandName: 'releaseProductionOrder', input, actor: caller.sub },
    async (tx) => {
      const existing = await tx.productionOrder.findUnique({ where: { erpOrderNumber: input.erpOrderNumber }, select: { id: true, status: true } });
      if (existing) {
        throw new PlantgraphError(ErrorCodes.INVALID_STATE, `order ${input.erpOrderNumber} was already released (status ${existing.status})`, {
          details: { orderId: existing.id },
        });
      }
      if (input.customerId && !(await tx.customer.findUnique({ where: { id: input.customerId }, select: { id: true } }))) {
        throw new ValidationError(`customer ${input.customerId} does not exist`, { details: { argument: 'input.customerId' } });
      }
      const now = new Date();
      const order = await tx.productionOrder.create({
        data: {
          erpOrderNumber: input.erpOrderNumber,
          materialId: input.materialId,
          quantity: input.quantity,
          unit: input.unit,
          lineId: input.lineId,
          siteId: input.siteId,
          customerId: input.customerId ?? null,
          priority: input.priority ?? 5,
          dueAt: input.dueAt ?? null,
          plannedStartAt: input.plannedStartAt ?? null,
          status: 'RELEASED',
          releasedAt: now,
          operations: {
            create: input.operations.map((operation) => ({
              sequence: operation.sequence,
              description: operation.description,
              workCellId: operation.workCellId ?? null,
              erpWorkCenter: operation.erpWorkCenter ?? null,
              plannedQuantity: operation.plannedQuantity ?? input.quantity,
              unit: input.unit,
              plannedSetupSeconds: operation.plannedSetupSeconds ?? null,
              idealCycleSeconds: operation.idealCycleSeconds ?? null,
              status: 'RELEASED',
            })),
          },
        },
        select: { id: true },
      });
      // The order exists from here on: tell the bus (through the outbox, in this transaction).
      const event = createEvent({
        type: 'OrderStatusChanged',
        source: 'subgraph/orders',
        subject: `order/${order.id}`,
        occurredAt: now,
        data: { orderId: order.id, customerId: input.customerId ?? null, lineId: input.lineId, status: 'RELEASED', previousStatus: null, changedAt: now.toISOString() },
      });
      const { text, values } = outboxInsert([event]);
      await tx.$executeRawUnsafe(text, ...values);
      return { orderId: order.id };
    },
  );
  return { orderId: result.orderId, replayed };
}
