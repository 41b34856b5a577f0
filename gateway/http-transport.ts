// How the gateway reaches a subgraph over HTTP. Hive loads `@graphql-mesh/transport-http` for the
// "http" kind by default; that package is not installed here, so this is the same few lines on
// @graphql-tools/executor-http (what that package wraps). The `fetch` given by the runtime carries
// every plugin's onFetch hook (internal signature, request id, timeout), so it must be used.
import type { GatewayConfigSupergraph } from '@graphql-hive/gateway-runtime';
import { buildHTTPExecutor } from '@graphql-tools/executor-http';
import type { Executor } from '@graphql-tools/utils';

type Transports = Exclude<NonNullable<GatewayConfigSupergraph['transports']>, (...args: never[]) => unknown>;
type Transport = Exclude<Awaited<Transports[string]>, { default: unknown }>;

export interface HttpTransportOptions {
  /**
   * Time one subgraph query or mutation may take, in ms (SUBGRAPH_TIMEOUT_MS); then it is aborted
   * and the caller gets UPSTREAM_TIMEOUT. Subscriptions are not timed.
   * @default undefined (no timeout)
   */
  timeoutMs?: number;
}

export function createHttpTransport(options: HttpTransportOptions = {}): Transport {
  return {
    getSubgraphExecutor({ transportEntry, fetch, getDisposeReason }) {
      if (!transportEntry.location) throw new Error(`subgraph ${transportEntry.subgraph} has no URL`);
      if (!fetch) throw new Error('the gateway runtime gave the HTTP transport no fetch');
      const executor = buildHTTPExecutor({
        endpoint: transportEntry.location,
        fetch,
        // Identical in-flight subgraph requests are merged only within one caller: the merge key
        // includes headers from `extensions.headers`, where useInternalSignature puts the signed
        // claims. (Headers added later, in onFetch, are not in the key: that once let concurrent
        // partners share answers.)
        deduplicateInflightRequests: true,
        ...(getDisposeReason ? { getDisposeReason } : {}),
      });
      return options.timeoutMs ? withDeadline(executor, options.timeoutMs, transportEntry.subgraph) : executor;
    },
  };
}

/**
 * Abort a subgraph request that runs past its deadline. A plain timer and AbortController per
 * request: executor-http's own `timeout` uses AbortSignal.timeout, whose set-up cost about 0.4 ms
 * of gateway CPU per request in bench:gateway (Hive's `upstreamTimeout` also leaked listeners).
 */
function withDeadline(executor: Executor, timeoutMs: number, subgraph: string): Executor {
  return (request) => {
    if (request.operationType === 'subscription') return executor(request);
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(new DOMException(`subgraph ${subgraph} did not answer within ${timeoutMs} ms`, 'TimeoutError')), timeoutMs);
    // The caller going away (client disconnect, shutdown) still cancels the subgraph request.
    const upstream = request.signal ?? request.info?.signal;
    const forward = () => deadline.abort(upstream?.reason);
    upstream?.addEventListener('abort', forward, { once: true });
    const settle = () => {
      clearTimeout(timer);
      upstream?.removeEventListener('abort', forward);
    };
    return Promise.resolve(executor({ ...request, signal: deadline.signal })).finally(settle);
  };
}

/** The transport without a timeout (benchmark variants without plugins use it). */
export const httpTransport: Transport = createHttpTransport();

/** The `transports` option of the gateway runtime. */
export function gatewayTransports(options: HttpTransportOptions = {}): Transports {
  return { http: createHttpTransport(options) };
}
