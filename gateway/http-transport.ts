// How the gateway reaches a subgraph over HTTP. Hive loads `@graphql-mesh/transport-http` for the
// "http" kind by default; that package is not installed here, so this is the same few lines on
// @graphql-tools/executor-http (what that package wraps). The `fetch` given by the runtime carries
// every plugin's onFetch hook (internal signature, request id, timeout), so it must be used.
import type { GatewayConfigSupergraph } from '@graphql-hive/gateway-runtime';
import { buildHTTPExecutor } from '@graphql-tools/executor-http';

type Transports = Exclude<NonNullable<GatewayConfigSupergraph['transports']>, (...args: never[]) => unknown>;
type Transport = Exclude<Awaited<Transports[string]>, { default: unknown }>;

export interface HttpTransportOptions {
  /**
   * Time one subgraph request may take, in ms (SUBGRAPH_TIMEOUT_MS); an AbortSignal.timeout per
   * request. Hive's `upstreamTimeout` option does the same but adds a listener per call to one
   * long-lived signal (MaxListenersExceededWarning, ~0.3 ms a call under load in bench:gateway).
   * @default undefined (no timeout)
   */
  timeoutMs?: number;
}

export function createHttpTransport(options: HttpTransportOptions = {}): Transport {
  return {
    getSubgraphExecutor({ transportEntry, fetch, getDisposeReason }) {
      if (!transportEntry.location) throw new Error(`subgraph ${transportEntry.subgraph} has no URL`);
      if (!fetch) throw new Error('the gateway runtime gave the HTTP transport no fetch');
      return buildHTTPExecutor({
        endpoint: transportEntry.location,
        fetch,
        // Identical in-flight subgraph requests are merged only within one caller: the merge key
        // includes headers from `extensions.headers`, where useInternalSignature puts the signed
        // claims. (Headers added later, in onFetch, are not in the key: that once let concurrent
        // partners share answers.)
        deduplicateInflightRequests: true,
        ...(options.timeoutMs ? { timeout: options.timeoutMs } : {}),
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
