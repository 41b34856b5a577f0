// Subgraph request timeouts without an AbortSignal per request. executor-http's own `timeout`
// makes, for every subgraph call, an AbortSignal.timeout plus a combined signal with WeakRefs and
// FinalizationRegistry entries (@graphql-hive/signal); in bench:gateway that was most of the
// gateway CPU our variant spent above a stock Hive Gateway (2.6 against 2.0 ms per request; 2.25
// without the timeout). Here every call that starts within one tick shares one deadline signal,
// made once per tick: a call is aborted between `timeoutMs` and `timeoutMs + tickMs` after it
// started, and the cost per call is a map lookup.
import { setMaxListeners } from 'node:events';
import { GraphQLError } from 'graphql';

/** Width of the start-time buckets that share one deadline. */
export const DEFAULT_DEADLINE_TICK_MS = 100;

export interface SubgraphDeadlines {
  /**
   * The signal a call starting now must carry: aborted when the caller's own `signal` is (the
   * executor's dispose signal), or when the shared deadline passes.
   */
  signalFor(signal: AbortSignal | null | undefined): AbortSignal;
  /** The client-facing error for a call its deadline aborted, else `undefined`. */
  timeoutErrorFor(signal: AbortSignal, subgraph: string): GraphQLError | undefined;
}

export function createSubgraphDeadlines(timeoutMs: number, tickMs = Math.min(DEFAULT_DEADLINE_TICK_MS, Math.max(1, Math.floor(timeoutMs / 10)))): SubgraphDeadlines {
  // One entry per source signal (one per subgraph executor), replaced every tick.
  const current = new WeakMap<AbortSignal | typeof NO_SIGNAL, { tick: number; signal: AbortSignal }>();
  return {
    signalFor(signal) {
      const key = signal ?? NO_SIGNAL;
      const tick = Math.floor(Date.now() / tickMs);
      const entry = current.get(key);
      if (entry && entry.tick === tick) return entry.signal;
      const deadline = AbortSignal.timeout(timeoutMs + tickMs);
      const combined = signal ? AbortSignal.any([signal, deadline]) : deadline;
      // Every call of the tick listens on it until it ends: hundreds at a time under load.
      setMaxListeners(0, combined);
      current.set(key, { tick, signal: combined });
      return combined;
    },
    timeoutErrorFor(signal, subgraph) {
      if (!signal.aborted || (signal.reason as Error | undefined)?.name !== 'TimeoutError') return undefined;
      // executor-http passes a GraphQLError through as it is; useErrorMasking renames the code.
      return new GraphQLError(`subgraph ${subgraph} did not answer within ${timeoutMs} ms`, { extensions: { code: 'TIMEOUT_ERROR', http: { status: 504 } } });
    },
  };
}

const NO_SIGNAL = {};
