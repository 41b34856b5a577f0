// GraphQL → service. Related rows go through the request's loaders; references to other domains
// are entity stubs ({ __typename, id }) that the owning subgraph resolves.
import { entityReference } from '../../core/graphql/references.ts';
import type { SubgraphContext } from '../../core/graphql/subgraph.ts';
import { scalarResolvers } from '../../core/graphql/scalars.ts';
import type { PageArguments } from '../../core/graphql/pagination.ts';
import type { OrdersLoaders } from './loaders.ts';
import { parseId } from '../../core/graphql/input.ts';
import { listConfirmations, listCustomers, listOrders, releaseProductionOrder, findOrderByNumber, type ConfirmationRecord, type OperationRecord, type OrderRecord, type ShipmentReadinessRecord } from './service.ts';
import { NotFoundError } from '../../core/errors.ts';
import { cancelOrder, changeOrderPriority, rescheduleOrder } from './commands.ts';

type OrderCommand = (prisma: Context['prisma'], caller: Context['caller'], input: unknown, idempotencyKey: string) => Promise<{ orderId: string; replayed: boolean }>;

/** A resolver for an order command: run it, then load the order as it is now. */
const orderCommandResolver =
  (command: OrderCommand) =>
  async (_: unknown, { idempotencyKey, ...input }: { idempotencyKey: string } & Record<string, unknown>, { prisma, caller, loaders }: Context) => {
    const { orderId, replayed } = await command(prisma, caller, input, idempotencyKey);
    const order = await loaders.orderById.load(orderId);
    if (!order) throw new NotFoundError('production order', orderId);
    return { order, replayed };
  };

type Context = SubgraphContext<OrdersLoaders>;
type ListArguments = PageArguments & { filter?: unknown };


export const ordersResolvers = {
  DateTime: scalarResolvers.DateTime,
  Query: {
    productionOrders: (_: unknown, args: ListArguments, { prisma, caller }: Context) => listOrders(prisma, caller, args.filter, args),
    productionOrder: (_: unknown, { id }: { id: string }, { loaders }: Context) => loaders.orderById.load(parseId(id)),
    productionOrderByNumber: (_: unknown, { erpOrderNumber }: { erpOrderNumber: string }, { prisma, caller }: Context) =>
      findOrderByNumber(prisma, caller, erpOrderNumber),
    confirmations: (_: unknown, args: ListArguments, { prisma }: Context) => listConfirmations(prisma, args.filter, args),
    customers: (_: unknown, args: PageArguments, { prisma }: Context) => listCustomers(prisma, args),
  },
  Mutation: {
    releaseProductionOrder: async (_: unknown, args: { input: unknown; idempotencyKey: string }, { prisma, caller, loaders }: Context) => {
      const { orderId, replayed } = await releaseProductionOrder(prisma, caller, args.input, args.idempotencyKey);
      const order = await loaders.orderById.load(orderId);
      if (!order) throw new NotFoundError('production order', orderId);
      return { order, replayed };
    },
    changeOrderPriority: orderCommandResolver(changeOrderPriority),
    rescheduleOrder: orderCommandResolver(rescheduleOrder),
    cancelOrder: orderCommandResolver(cancelOrder),
  },
  ProductionOrder: {
    __resolveReference: ({ id }: { id: string }, { loaders }: Context) => loaders.orderById.load(id),
    material: (order: OrderRecord) => entityReference('Material', order.materialId),
    line: (order: OrderRecord) => entityReference('Line', order.lineId),
    site: (order: OrderRecord) => entityReference('Site', order.siteId),
    customer: (order: OrderRecord, _: unknown, { loaders }: Context) => (order.customerId ? loaders.customerById.load(order.customerId) : null),
    operations: (order: OrderRecord, _: unknown, { loaders }: Context) => loaders.operationsByOrderId.load(order.id),
    recentConfirmations: (order: OrderRecord, _: unknown, { loaders }: Context) => loaders.recentConfirmationsByOrderId.load(order.id),
    shipmentReadiness: (order: OrderRecord, _: unknown, { loaders }: Context) => loaders.shipmentReadinessByOrderId.load(order.id),
  },
  ShipmentReadiness: {
    pallets: (readiness: ShipmentReadinessRecord) => readiness.palletIds.map((id) => entityReference('Pallet', id)),
  },
  Operation: {
    __resolveReference: ({ id }: { id: string }, { loaders }: Context) => loaders.operationById.load(id),
    workCell: (operation: OperationRecord) => entityReference('WorkCell', operation.workCellId),
    order: (operation: OperationRecord, _: unknown, { loaders }: Context) => loaders.orderById.load(operation.orderId),
  },
  Confirmation: {
    operation: (confirmation: ConfirmationRecord, _: unknown, { loaders }: Context) => loaders.operationById.load(confirmation.operationId),
  },
  Customer: {
    __resolveReference: ({ id }: { id: string }, { loaders }: Context) => loaders.customerById.load(id),
  },
  Line: {
    currentOrder: ({ id }: { id: string }, _: unknown, { loaders }: Context) => loaders.currentOrderByLineId.load(id),
  },
};
