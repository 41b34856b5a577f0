// Order commands from the ERP after release: priority, schedule, cancellation. Each runs once per
// idempotency key (core/idempotency.ts); a status change writes OrderStatusChanged to the event
// outbox in the same transaction, so the bus hears of it exactly when it commits.
import { z } from 'zod';
import type { PrismaClient } from '../../core/db.ts';
import { ErrorCodes, NotFoundError, PlantgraphError } from '../../core/errors.ts';
import { createEvent } from '../../core/events.ts';
import { runIdempotentCommand, type Transaction } from '../../core/idempotency.ts';
import type { Caller } from '../../core/internal-auth.ts';
import { parseInput } from '../../core/graphql/input.ts';
import { outboxInsert } from '../../core/outbox.ts';
import type { ProductionOrderStatus } from '../../prisma/generated/client.ts';

/** Orders the ERP can no longer change: finished one way or the other. */
const CLOSED: readonly ProductionOrderStatus[] = ['COMPLETED', 'CANCELLED'];
/**
 * Orders that may be cancelled. IN_PROGRESS may not: production is running on the line, and
 * stopping it is the plant's decision (hold it first); the ERP gets INVALID_STATE.
 */
const CANCELLABLE: readonly ProductionOrderStatus[] = ['CREATED', 'RELEASED', 'ON_HOLD'];

export const changePriorityInputSchema = z.object({ orderId: z.string().uuid(), priority: z.number().int().min(1).max(9) });
export const rescheduleInputSchema = z
  .object({ orderId: z.string().uuid(), dueAt: z.date().nullish(), plannedStartAt: z.date().nullish() })
  .refine((input) => input.dueAt !== undefined || input.plannedStartAt !== undefined, 'give dueAt, plannedStartAt or both')
  .refine((input) => !input.dueAt || !input.plannedStartAt || input.plannedStartAt <= input.dueAt, {
    message: 'plannedStartAt must not be after dueAt',
    path: ['plannedStartAt'],
  });
export const cancelInputSchema = z.object({ orderId: z.string().uuid(), reason: z.string().trim().min(1).max(500) });

export async function changeOrderPriority(prisma: PrismaClient, caller: Caller, rawInput: unknown, idempotencyKey: string) {
  const input = parseInput(changePriorityInputSchema, rawInput, 'input');
  return orderCommand(prisma, caller, 'changeOrderPriority', input, idempotencyKey, async (tx) => {
    await openOrder(tx, input.orderId, 'change the priority of');
    await tx.productionOrder.update({ where: { id: input.orderId }, data: { priority: input.priority } });
  });
}

export async function rescheduleOrder(prisma: PrismaClient, caller: Caller, rawInput: unknown, idempotencyKey: string) {
  const input = parseInput(rescheduleInputSchema, rawInput, 'input');
  return orderCommand(prisma, caller, 'rescheduleOrder', input, idempotencyKey, async (tx) => {
    const order = await openOrder(tx, input.orderId, 'reschedule');
    // Absent keeps the stored date, null clears it; the result must still be in order.
    const dueAt = input.dueAt === undefined ? order.dueAt : input.dueAt;
    const plannedStartAt = input.plannedStartAt === undefined ? order.plannedStartAt : input.plannedStartAt;
    if (dueAt && plannedStartAt && plannedStartAt > dueAt) {
      throw new PlantgraphError(ErrorCodes.VALIDATION_FAILED, 'plannedStartAt would be after dueAt', { details: { argument: 'input' } });
    }
    await tx.productionOrder.update({ where: { id: input.orderId }, data: { dueAt, plannedStartAt } });
  });
}

export async function cancelOrder(prisma: PrismaClient, caller: Caller, rawInput: unknown, idempotencyKey: string) {
  const input = parseInput(cancelInputSchema, rawInput, 'input');
  return orderCommand(prisma, caller, 'cancelOrder', input, idempotencyKey, async (tx) => {
    const order = await lockOrder(tx, input.orderId);
    if (!CANCELLABLE.includes(order.status)) {
      throw new PlantgraphError(ErrorCodes.INVALID_STATE, `order ${order.erpOrderNumber} is ${order.status} and cannot be cancelled`, {
        details: { orderId: order.id, status: order.status },
      });
    }
    const changedAt = new Date();
    await tx.productionOrder.update({ where: { id: order.id }, data: { status: 'CANCELLED' } });
    await tx.operation.updateMany({ where: { orderId: order.id, status: { notIn: ['COMPLETED', 'CANCELLED'] } }, data: { status: 'CANCELLED' } });
    const event = createEvent({
      type: 'OrderStatusChanged',
      source: 'subgraph/orders',
      subject: `order/${order.id}`,
      occurredAt: changedAt,
      data: { orderId: order.id, customerId: order.customerId, lineId: order.lineId, status: 'CANCELLED', previousStatus: order.status, changedAt: changedAt.toISOString() },
    });
    const { text, values } = outboxInsert([event]);
    await tx.$executeRawUnsafe(text, ...values);
  });
}

async function orderCommand<Input extends { orderId: string }>(
  prisma: PrismaClient,
  caller: Caller,
  commandName: string,
  input: Input,
  idempotencyKey: string,
  execute: (tx: Transaction) => Promise<void>,
) {
  const { replayed } = await runIdempotentCommand(prisma, { idempotencyKey, commandName, input, actor: caller.sub }, async (tx) => {
    await execute(tx);
    return { orderId: input.orderId };
  });
  return { orderId: input.orderId, replayed };
}

/** The order row, locked for the rest of the transaction so concurrent commands on it serialize. */
async function lockOrder(tx: Transaction, orderId: string) {
  await tx.$queryRaw`SELECT id FROM orders.production_order WHERE id = ${orderId}::uuid FOR UPDATE`;
  const order = await tx.productionOrder.findUnique({ where: { id: orderId } });
  if (!order) throw new NotFoundError('production order', orderId);
  return order;
}

async function openOrder(tx: Transaction, orderId: string, verb: string) {
  const order = await lockOrder(tx, orderId);
  if (CLOSED.includes(order.status)) {
    throw new PlantgraphError(ErrorCodes.INVALID_STATE, `cannot ${verb} order ${order.erpOrderNumber}: it is ${order.status}`, {
      details: { orderId: order.id, status: order.status },
    });
  }
  return order;
}
