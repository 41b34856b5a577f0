// The three gateways the benchmark compares, each started the way its users would start it, in
// front of the same six subgraphs with the same supergraph (gateway/supergraph.graphql):
//   ours          gateway/server.ts startGateway, every plugin on (auth, limits, metrics, internal
//                 signature, error masking), production config.
//   hiveStock     Hive Gateway's runtime with the Rust planner and the same HTTP transport, no
//                 plugins: what our plugins cost is the distance between these two.
//   apolloGateway @apollo/gateway (the JavaScript planner) under @apollo/server standalone.
// The stock ones cannot sign per request, so they send the static header of internal-header.ts.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { createGatewayRuntime } from '@graphql-hive/gateway-runtime';
import { unifiedGraphHandler } from '@graphql-hive/router-runtime';
import { loadConfig } from '../../core/config.ts';
import { INTERNAL_HEADER } from '../../core/internal-auth.ts';
import { httpTransport } from '../../gateway/http-transport.ts';
import { GRAPHQL_PATH, startGateway } from '../../gateway/server.ts';

export const gatewayVariants = ['ours', 'hiveStock', 'apolloGateway'] as const;
export type GatewayVariant = (typeof gatewayVariants)[number];

export interface VariantSettings {
  /** The committed supergraph. */
  supergraphPath: string;
  /** Where each subgraph really listens (the supergraph holds the default ports). */
  subgraphUrls: Record<string, string>;
  /** What `ours` gives loadConfig: NODE_ENV=production, JWT_SECRET, INTERNAL_SECRET… */
  environment: Record<string, string>;
  /** `x-plantgraph-internal` for the stock gateways, signed once (internal-header.ts). */
  internalHeader: string;
}

export interface RunningVariant {
  /** Where clients POST GraphQL. */
  graphqlUrl: string;
  close(): Promise<void>;
}

const HOST = '127.0.0.1';

export function startVariant(variant: GatewayVariant, settings: VariantSettings): Promise<RunningVariant> {
  switch (variant) {
    case 'ours':
      return startOurs(settings);
    case 'hiveStock':
      return startHiveStock(settings);
    case 'apolloGateway':
      return startApolloGateway(settings);
  }
}

async function startOurs(settings: VariantSettings): Promise<RunningVariant> {
  const gateway = await startGateway({ config: loadConfig(settings.environment), subgraphUrls: settings.subgraphUrls, port: 0, host: HOST, shutdownGraceMs: 1_000 });
  return { graphqlUrl: gateway.graphqlUrl, close: gateway.close };
}

async function startHiveStock(settings: VariantSettings): Promise<RunningVariant> {
  const runtime = createGatewayRuntime({
    supergraph: readFileSync(settings.supergraphPath, 'utf8'),
    unifiedGraphHandler,
    // Our transport, given a fetch that adds the static header: a header, not a plugin.
    transports: {
      http: {
        getSubgraphExecutor(options) {
          const { fetch } = options;
          if (!fetch) throw new Error('the gateway runtime gave the HTTP transport no fetch');
          return httpTransport.getSubgraphExecutor({
            ...options,
            fetch: (url, init, context, info) => fetch(url, { ...init, headers: { ...init?.headers, [INTERNAL_HEADER]: settings.internalHeader } }, context, info),
          });
        },
      },
    },
    transportEntries: Object.fromEntries(Object.entries(settings.subgraphUrls).map(([name, location]) => [name, { location }])),
    graphqlEndpoint: GRAPHQL_PATH,
    logging: false,
    graphiql: false,
    landingPage: false,
  });
  const server = http.createServer((request, response) => void runtime(request, response));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, HOST, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    graphqlUrl: `http://${HOST}:${port}${GRAPHQL_PATH}`,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      await runtime.dispose();
    },
  };
}

async function startApolloGateway(settings: VariantSettings): Promise<RunningVariant> {
  const gateway = new ApolloGateway({
    supergraphSdl: withoutSecurityPurpose(readFileSync(settings.supergraphPath, 'utf8')),
    buildService: ({ name, url }) =>
      new RemoteGraphQLDataSource({
        url: settings.subgraphUrls[name] ?? url,
        willSendRequest: ({ request }) => void request.http?.headers.set(INTERNAL_HEADER, settings.internalHeader),
      }),
  });
  const server = new ApolloServer({ gateway, stopOnTerminationSignals: false });
  const { url } = await startStandaloneServer(server, { listen: { port: 0, host: HOST } });
  // The standalone server answers on every path; /graphql keeps the URLs alike.
  return { graphqlUrl: new URL(GRAPHQL_PATH, url).toString(), close: () => server.stop() };
}

const SECURITY_LINK = '@link(url: "https://specs.apollo.dev/requiresScopes/v0.1", for: SECURITY)';

/**
 * @apollo/gateway refuses a supergraph that links a feature `for: SECURITY` it does not implement
 * (enforcing @requiresScopes is GraphOS Router's); without the purpose it loads it and ignores the
 * directives, as hiveStock does without generic auth. The viewer may see every field of the board,
 * so the data is the same either way.
 */
export function withoutSecurityPurpose(supergraphSdl: string): string {
  if (!supergraphSdl.includes(SECURITY_LINK)) throw new Error(`the supergraph no longer has ${SECURITY_LINK}; update bench/support/gateway-variants.ts`);
  return supergraphSdl.replace(SECURITY_LINK, '@link(url: "https://specs.apollo.dev/requiresScopes/v0.1")');
}
