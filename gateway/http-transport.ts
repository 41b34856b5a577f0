// How the gateway reaches a subgraph over HTTP. Hive loads `@graphql-mesh/transport-http` for the
// "http" kind by default; that package is not installed here, so this is the same few lines on
// @graphql-tools/executor-http (what that package wraps). The `fetch` given by the runtime carries
// every plugin's onFetch hook (request id, metrics), so it must be used.
import type { GatewayConfigSupergraph } from '@graphql-hive/gateway-runtime';
import { buildHTTPExecutor } from '@graphql-tools/executor-http';
import { createSubgraphDeadlines } from './subgraph-deadlines.ts';

type Transports = Exclude<NonNullable<GatewayConfigSupergraph['transports']>, (...args: never[]) => unknown>;
type Transport = Exclude<Awaited<Transports[string]>, { default: unknown }>;

export interface HttpTransportOptions {
  /**
   * Time one subgraph request may take, in ms (SUBGRAPH_TIMEOUT_MS), give or take a tick of
   * subgraph-deadlines.ts. Not executor-http's `timeout` (two new signals per call) nor Hive's
   * `upstreamTimeout` (a listener per call on one long-lived signal, never removed: a
   * MaxListenersExceededWarning, ~0.3 ms a call under load in bench:gateway).
   * @default undefined (no timeout)
   */
  timeoutMs?: number;
}

export function createHttpTransport(options: HttpTransportOptions = {}): Transport {
  return {
    getSubgraphExecutor({ transportEntry, fetch, getDisposeReason }) {
      if (!transportEntry.location) throw new Error(`subgraph ${transportEntry.subgraph} has no URL`);
      if (!fetch) throw new Error('the gateway runtime gave the HTTP transport no fetch');
      const subgraph = transportEntry.subgraph;
      const deadlines = options.timeoutMs ? createSubgraphDeadlines(options.timeoutMs) : undefined;
      return buildHTTPExecutor({
        endpoint: transportEntry.location,
        fetch: deadlines
          ? (url, init, context, info) => {
              const signal = deadlines.signalFor(init?.signal);
              return Promise.resolve(fetch(url, { ...(init as Parameters<typeof fetch>[1]), signal }, context, info)).catch((error: unknown) => {
                throw deadlines.timeoutErrorFor(signal, subgraph) ?? error;
              });
            }
          : fetch,
        // Identical in-flight subgraph requests are merged only within one caller: the merge key
        // includes headers from `extensions.headers`, where useInternalSignature puts the signed
        // claims. (Headers added later, in onFetch, are not in the key: that once let concurrent
        // partners share answers.)
        deduplicateInflightRequests: true,
        ...(getDisposeReason ? { getDisposeReason } : {}),
      });
    },
  };
}

/** The transport without a timeout (benchmark variants without plugins use it). */
export const httpTransport: Transport = createHttpTransport();

/** The `transports` option of the gateway runtime. */
export function gatewayTransports(options: HttpTransportOptions = {}): Transports {
  return { http: createHttpTransport(options) };
}
