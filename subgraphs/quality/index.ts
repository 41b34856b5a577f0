// The quality subgraph: wiring only (schema, resolvers, loaders); served by core/graphql/subgraph.ts.
import { loadSchemaFile, type SubgraphDefinition } from '../../core/graphql/subgraph.ts';
import { createQualityLoaders, type QualityLoaders } from './loaders.ts';
import { qualityResolvers } from './resolvers.ts';

export const qualitySubgraph: SubgraphDefinition<QualityLoaders> = {
  name: 'quality',
  typeDefs: loadSchemaFile(import.meta.url),
  resolvers: qualityResolvers,
  createLoaders: createQualityLoaders,
};
