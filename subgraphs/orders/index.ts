// The orders subgraph: wiring only (schema, resolvers, loaders); served by core/graphql/subgraph.ts.
import { loadSchemaFile, type SubgraphDefinition } from '../../core/graphql/subgraph.ts';
import { createOrdersLoaders, type OrdersLoaders } from './loaders.ts';
import { ordersResolvers } from './resolvers.ts';

export const ordersSubgraph: SubgraphDefinition<OrdersLoaders> = {
  name: 'orders',
  typeDefs: loadSchemaFile(import.meta.url),
  resolvers: ordersResolvers,
  createLoaders: createOrdersLoaders,
};
