// The integration subgraph: wiring only (schema, resolvers, loaders); served by core/graphql/subgraph.ts.
import { loadSchemaFile, type SubgraphDefinition } from '../../core/graphql/subgraph.ts';
import { createIntegrationLoaders, type IntegrationLoaders } from './loaders.ts';
import { integrationResolvers } from './resolvers.ts';

export const integrationSubgraph: SubgraphDefinition<IntegrationLoaders> = {
  name: 'integration',
  typeDefs: loadSchemaFile(import.meta.url),
  resolvers: integrationResolvers,
  createLoaders: createIntegrationLoaders,
};
