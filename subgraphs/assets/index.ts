// The assets subgraph: wiring only (schema, resolvers, loaders); served by core/graphql/subgraph.ts.
import { loadSchemaFile, type SubgraphDefinition } from '../../core/graphql/subgraph.ts';
import { createAssetsLoaders, type AssetsLoaders } from './loaders.ts';
import { assetsResolvers } from './resolvers.ts';

export const assetsSubgraph: SubgraphDefinition<AssetsLoaders> = {
  name: 'assets',
  typeDefs: loadSchemaFile(import.meta.url),
  resolvers: assetsResolvers,
  createLoaders: createAssetsLoaders,
};
