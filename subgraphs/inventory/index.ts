// The inventory subgraph: wiring only (schema, resolvers, loaders); served by core/graphql/subgraph.ts.
import { loadSchemaFile, type SubgraphDefinition } from '../../core/graphql/subgraph.ts';
import { createInventoryLoaders, type InventoryLoaders } from './loaders.ts';
import { inventoryResolvers } from './resolvers.ts';

export const inventorySubgraph: SubgraphDefinition<InventoryLoaders> = {
  name: 'inventory',
  typeDefs: loadSchemaFile(import.meta.url),
  resolvers: inventoryResolvers,
  createLoaders: createInventoryLoaders,
};
