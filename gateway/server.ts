// The gateway process: Hive Gateway's runtime with the Rust query planner, served by node:http,
// with graphql-ws on the same server and path. One port answers GraphQL over HTTP, SSE and
// WebSocket at /graphql, plus /healthz, /readyz and /metrics.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGatewayRuntime, type GatewayPlugin } from '@graphql-hive/gateway-runtime';
import type { NatsConnection } from '@nats-io/transport-node';
import { unifiedGraphHandler } from '@graphql-hive/router-runtime';
import { Registry } from 'prom-client';
import { remoteKeySet } from '../core/auth.ts';
import type { Config } from '../core/config.ts';
import type { ReadinessCheck } from '../core/health.ts';
import { silentLogger, type Logger } from '../core/log.ts';
import { createCallerRegistry } from './callers.ts';
import { defaultSubgraphUrls, SUPERGRAPH_PATH } from './compose.ts';
import { gatewayTransports } from './http-transport.ts';
import { hiveLoggerFor } from './log-bridge.ts';
import { useAuth } from './plugins/useAuth.ts';
import { useAuthorization } from './plugins/useAuthorization.ts';
import { useErrorMasking } from './plugins/useErrorMasking.ts';
import { useInternalSignature } from './plugins/useInternalSignature.ts';
import { useLimits } from './plugins/useLimits.ts';
import { useMetrics } from './plugins/useMetrics.ts';
import { useSandbox } from './plugins/useSandbox.ts';
import { useSubscriptions } from './plugins/useSubscriptions.ts';
import { createEventFeed } from './subscriptions/event-feed.ts';
import { createLiveSubscriptions } from './subscriptions/live-subscriptions.ts';
import { subgraphCheck } from './readiness.ts';
import { createRequestIds } from './request-ids.ts';
import { operationsRoutes } from './routes.ts';
import { serveGraphQLWebSocket } from './websocket.ts';

export const GRAPHQL_PATH = '/graphql';
/** How long `close()` lets in-flight requests finish before cutting their connections. */
export const DEFAULT_SHUTDOWN_GRACE_MS = 10_000; // 10 seconds

export interface GatewayOptions {
  /** Secrets, limits, NODE_ENV, HOST, GATEWAY_PORT, SUBGRAPH_BASE_PORT… */
  config: Config;
  /** The supergraph SDL. @default the contents of `supergraphPath` */
  supergraphSdl?: string;
  /** @default gateway/supergraph.graphql */
  supergraphPath?: string;
  /**
   * URL of each subgraph by name; they replace the URLs written in the supergraph.
   * @default http://127.0.0.1:<SUBGRAPH_BASE_PORT + index>/graphql for the six subgraphs
   */
  subgraphUrls?: Record<string, string>;
  /** @default silentLogger */
  log?: Logger;
  /** Where the gateway's metrics go; /metrics serves this registry. @default a new Registry */
  registry?: Registry;
  /** Checks /readyz runs besides one per subgraph (database, NATS). @default [] */
  readinessChecks?: ReadinessCheck[];
  /** @default config.GATEWAY_PORT; 0 picks a free port */
  port?: number;
  /** @default config.HOST */
  host?: string;
  /** @default 10_000 // 10 seconds */
  shutdownGraceMs?: number;
  /**
   * The NATS connection subscriptions read domain events from (STREAM_DOMAIN_EVENTS, with
   * SUBJECT_PREFIX). Without it, subscribing answers UNAVAILABLE.
   */
  bus?: NatsConnection;
  /** Events one subscriber may have waiting before it is closed as too slow. @default 1_000 */
  subscriberQueueCapacity?: number;
}

export interface RunningGateway {
  /** `http://host:port`, with the bound port. */
  url: string;
  /** `http://host:port/graphql` */
  graphqlUrl: string;
  /** `ws://host:port/graphql` */
  websocketUrl: string;
  port: number;
  /**
   * Stop gracefully: refuse new connections, close WebSockets with 1001, let in-flight requests
   * finish (at most `shutdownGraceMs`), then release the subgraph transports.
   */
  close(): Promise<void>;
}

export async function startGateway(options: GatewayOptions): Promise<RunningGateway> {
  const { config } = options;
  const log = options.log ?? silentLogger;
  const registry = options.registry ?? new Registry();
  const subgraphUrls = options.subgraphUrls ?? defaultSubgraphUrls(config.SUBGRAPH_BASE_PORT);
  const supergraphSdl = options.supergraphSdl ?? readFileSync(options.supergraphPath ?? SUPERGRAPH_PATH, 'utf8');
  const tokens = { secret: config.JWT_SECRET, issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE };
  const auth = { tokens, ...(config.JWT_JWKS_URL ? { keySet: remoteKeySet(config.JWT_JWKS_URL) } : {}) };
  const callers = createCallerRegistry();
  const requestIds = createRequestIds();
  const feed = options.bus ? createEventFeed({ connection: options.bus, stream: config.STREAM_DOMAIN_EVENTS, subjectPrefix: config.SUBJECT_PREFIX, log }) : undefined;
  const subscriptions = createLiveSubscriptions({ feed, callers, log, registry, ...(options.subscriberQueueCapacity ? { queueCapacity: options.subscriberQueueCapacity } : {}) });

  // Order matters: masking sees every result before metrics counts its codes, and metrics wraps
  // the subgraph executor outermost so it sees timeouts too.
  const plugins: GatewayPlugin[] = [
    ...(config.NODE_ENV === 'development' ? [useSandbox({ path: GRAPHQL_PATH })] : []),
    useErrorMasking({ log, requestIds }),
    useAuth({ ...auth, callers }),
    useAuthorization({ callers }),
    useLimits({
      maxDepth: config.GATEWAY_MAX_DEPTH,
      maxAliases: config.GATEWAY_MAX_ALIASES,
      maxTokens: config.GATEWAY_MAX_TOKENS,
      maxCost: config.GATEWAY_MAX_COST,
      bodyLimitBytes: config.GATEWAY_BODY_LIMIT_BYTES,
    }),
    useInternalSignature({ secret: config.INTERNAL_SECRET, callers }),
    useMetrics({ registry }),
    useSubscriptions(subscriptions),
  ];
  const runtime = createGatewayRuntime({
    supergraph: supergraphSdl,
    unifiedGraphHandler,
    transports: gatewayTransports({ timeoutMs: config.SUBGRAPH_TIMEOUT_MS }),
    // The committed supergraph holds the default ports; the real URLs come from here.
    transportEntries: Object.fromEntries(Object.entries(subgraphUrls).map(([name, location]) => [name, { location }])),
    graphqlEndpoint: GRAPHQL_PATH,
    logging: hiveLoggerFor(log.child({ component: 'gateway' })),
    requestId: { generateRequestId: ({ request }) => requestIds.of(request) },
    // A subgraph error without a code is masked as INTERNAL by useErrorMasking, not relabelled.
    subgraphErrors: { errorCode: false },
    maskedErrors: false,
    graphiql: false,
    landingPage: false,
    plugins: () => plugins,
  });

  keepSignalsForClose();
  // HTTP requests load the unified schema on demand, but graphql-ws operations do not (they meet a
  // null schema), so load it before the first socket can connect.
  await runtime.getSchema();

  const routes = operationsRoutes({ registry, checks: [...Object.entries(subgraphUrls).map(([name, url]) => subgraphCheck(name, url, config.INTERNAL_SECRET)), ...(options.readinessChecks ?? [])] });
  let stopping = false;
  const server = http.createServer((request, response) => {
    // While stopping, each finished response frees its keep-alive connection at once.
    response.once('finish', () => stopping && setImmediate(() => server.closeIdleConnections()));
    if (stopping) response.setHeader('connection', 'close');
    if (routes((request.url ?? '/').split('?')[0] ?? '/', response)) return;
    void runtime(request, response);
  });
  const websocket = serveGraphQLWebSocket({ server, runtime, path: GRAPHQL_PATH, auth, coalesceMs: config.GATEWAY_WS_COALESCE_MS });

  const host = options.host ?? config.HOST;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? config.GATEWAY_PORT, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    // The port is taken (or the host wrong): release what was built before saying so.
    await websocket.close();
    await feed?.close();
    await runtime.dispose();
    throw error;
  }
  const port = (server.address() as AddressInfo).port;
  const origin = `${host === '0.0.0.0' ? 'localhost' : host}:${port}`;
  log.info({ url: `http://${origin}${GRAPHQL_PATH}` }, 'gateway listening');

  let closing: Promise<void> | undefined;
  async function close(): Promise<void> {
    stopping = true;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    // Subscriptions first: their queued events go out, then the sockets close with 1001.
    const grace = options.shutdownGraceMs ?? DEFAULT_SHUTDOWN_GRACE_MS;
    await subscriptions.drain(grace);
    await feed?.close();
    await websocket.close();
    const fuse = setTimeout(() => server.closeAllConnections(), grace);
    fuse.unref();
    await closed;
    clearTimeout(fuse);
    await runtime.dispose();
    log.info('gateway stopped');
  }
  return {
    url: `http://${origin}`,
    graphqlUrl: `http://${origin}${GRAPHQL_PATH}`,
    websocketUrl: `ws://${origin}${GRAPHQL_PATH}`,
    port,
    close: () => (closing ??= close()),
  };
}

/**
 * Hive's runtime (through @whatwg-node/server) disposes itself the moment the process gets SIGINT or
 * SIGTERM, which aborts in-flight subgraph calls; the process's own signal handler (bin/cli.ts
 * stopOnSignal) calls close() instead, which lets them finish first. So that handler goes.
 * The library registers it once per process under this name; if the name ever changes, nothing
 * is removed and shutdown is merely less graceful.
 */
function keepSignalsForClose(): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    for (const listener of process.listeners(signal)) {
      if (listener.name === 'terminateHandler') process.off(signal, listener);
    }
  }
}
