// The shape every subgraph shares: an SDL file, resolvers, per-request DataLoaders, and this one
// way of serving them (Apollo Server + buildSubgraphSchema), so knowing one subgraph means knowing
// all six. A subgraph only answers calls signed by the gateway (core/internal-auth.ts).
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { ApolloServerPluginInlineTraceDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph';
import { GraphQLError, parse, type DocumentNode } from 'graphql';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Database, PrismaClient } from '../db.ts';
import { ErrorCodes, isPlantgraphError } from '../errors.ts';
import { ExpiringCache } from '../expiring-cache.ts';
import { INTERNAL_HEADER, verifyInternalTokenUntil, type Caller } from '../internal-auth.ts';
import type { Logger } from '../log.ts';
import { formatSubgraphError } from './errors.ts';
import type { SubgraphName } from '../subgraph-names.ts';

export { subgraphNames, subgraphPort, type SubgraphName } from '../subgraph-names.ts';

export interface SubgraphContext<Loaders = unknown> {
  caller: Caller;
  prisma: PrismaClient;
  loaders: Loaders;
  log: Logger;
  /** From the gateway's `x-request-id`, so one request can be followed across processes. */
  requestId: string;
  /** The NATS connection, for the few commands that publish (dead-letter replay); null when not given. */
  bus: NatsConnection | null;
}

export interface SubgraphDefinition<Loaders = unknown> {
  name: SubgraphName;
  typeDefs: DocumentNode;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- resolver maps are checked per subgraph
  resolvers: GraphQLResolverMap<SubgraphContext<any>>;
  /** New loaders for every request: DataLoader caches must not outlive one request. */
  createLoaders(prisma: PrismaClient, caller: Caller): Loaders;
}

/** Read `schema.graphql` next to a subgraph's index.ts. */
export function loadSchemaFile(moduleUrl: string): DocumentNode {
  return parse(readFileSync(new URL('./schema.graphql', moduleUrl), 'utf8'));
}

export interface SubgraphServerOptions {
  port: number;
  host?: string;
  database: Database;
  internalSecret: string;
  log: Logger;
  /** Only the integration subgraph needs it (dead-letter replay). */
  bus?: NatsConnection;
}

export interface RunningSubgraph {
  name: SubgraphName;
  url: string;
  stop(): Promise<void>;
}

export async function startSubgraph<Loaders>(definition: SubgraphDefinition<Loaders>, options: SubgraphServerOptions): Promise<RunningSubgraph> {
  const log = options.log.child({ subgraph: definition.name });
  const server = new ApolloServer<SubgraphContext<Loaders>>({
    schema: buildSubgraphSchema([{ typeDefs: definition.typeDefs, resolvers: definition.resolvers }]),
    formatError: (formatted, error) => formatSubgraphError(formatted, error, log),
    // No landing page (only the gateway is for people) and no Apollo Studio traces (nobody reads them).
    plugins: [ApolloServerPluginLandingPageDisabled(), ApolloServerPluginInlineTraceDisabled()],
    includeStacktraceInErrorResponses: false,
    // The hub stops its parts in order on SIGINT/SIGTERM (bin/cli.ts); Apollo must not stop on its own.
    stopOnTerminationSignals: false,
  });
  const { url } = await startStandaloneServer(server, {
    listen: { port: options.port, host: options.host ?? '127.0.0.1' },
    context: async ({ req }) => {
      const requestId = headerValue(req.headers['x-request-id']) ?? randomUUID();
      const caller = await verifyCaller(headerValue(req.headers[INTERNAL_HEADER]), options.internalSecret);
      return {
        caller,
        prisma: options.database.prisma,
        loaders: definition.createLoaders(options.database.prisma, caller),
        log: log.child({ requestId }),
        requestId,
        bus: options.bus ?? null,
      };
    },
  });
  log.info({ url }, `subgraph ${definition.name} listening`);
  return { name: definition.name, url: `${url.replace(/\/$/, '')}/graphql`, stop: () => server.stop() };
}

/** Distinct internal headers whose verification is remembered (one per caller per 30 s). */
const MAX_VERIFIED_HEADERS = 10_000;
const verifiedHeaders = new ExpiringCache<Caller>(MAX_VERIFIED_HEADERS);

async function verifyCaller(header: string | undefined, secret: string): Promise<Caller> {
  // The gateway reuses a caller's header for half its lifetime, so most calls carry one already
  // verified; remembered until it expires (keyed by secret too: tests run subgraphs with several).
  const key = header ? `${secret}\n${header}` : undefined;
  const known = key ? verifiedHeaders.get(key) : undefined;
  if (known) return known;
  try {
    const { caller, expiresAt } = await verifyInternalTokenUntil(header, secret);
    if (key) verifiedHeaders.set(key, caller, expiresAt);
    return caller;
  } catch (error) {
    const message = isPlantgraphError(error) ? error.message : 'unauthenticated';
    throw new GraphQLError(message, { extensions: { code: ErrorCodes.UNAUTHENTICATED, http: { status: 401 } } });
  }
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
