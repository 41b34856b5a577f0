// The maintenance subgraph: wiring only (schema, resolvers, loaders); served by core/graphql/subgraph.ts.
import { loadSchemaFile, type SubgraphDefinition } from '../../core/graphql/subgraph.ts';
import { createMaintenanceLoaders, type MaintenanceLoaders } from './loaders.ts';
import { maintenanceResolvers } from './resolvers.ts';

export const maintenanceSubgraph: SubgraphDefinition<MaintenanceLoaders> = {
  name: 'maintenance',
  typeDefs: loadSchemaFile(import.meta.url),
  resolvers: maintenanceResolvers,
  createLoaders: createMaintenanceLoaders,
};
