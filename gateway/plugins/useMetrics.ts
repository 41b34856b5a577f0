// Prometheus metrics of the gateway: operations (count, duration, outcome), errors by code, and
// every subgraph request (count, duration, outcome), labelled by operation name and subgraph.
// Operation names come from clients, so only the first `maxOperationNames` distinct names become
// label values; later ones count as "other", and the registry cannot be flooded.
import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import type { ExecutionResult } from 'graphql';
import { Counter, Histogram, type Registry } from 'prom-client';

export interface MetricsOptions {
  /** The process's registry (core/metrics.ts `createMetrics().registry`). */
  registry: Registry;
  /** Distinct operation names kept as label values. @default 200 */
  maxOperationNames?: number;
}

export const DEFAULT_MAX_OPERATION_NAMES = 200;
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]; // seconds

type Outcome = 'ok' | 'error' | 'stream' | 'failed';

/** Reuse a metric already in the registry (a second gateway in one process, tests). */
function counter<L extends string>(registry: Registry, name: string, help: string, labelNames: L[]): Counter<L> {
  return (registry.getSingleMetric(name) as Counter<L> | undefined) ?? new Counter({ name, help, labelNames, registers: [registry] });
}
function histogram<L extends string>(registry: Registry, name: string, help: string, labelNames: L[]): Histogram<L> {
  return (registry.getSingleMetric(name) as Histogram<L> | undefined) ?? new Histogram({ name, help, labelNames, buckets: DURATION_BUCKETS, registers: [registry] });
}

const NAME = /^[_A-Za-z][_0-9A-Za-z]*$/;
const FIRST_OPERATION_NAME = /^\s*(?:#[^\n]*\n\s*)*(?:query|mutation|subscription)\s+([_A-Za-z][_0-9A-Za-z]*)/;

function outcomeOf(result: unknown): Outcome {
  if (result && typeof result === 'object' && Symbol.asyncIterator in result) return 'stream';
  return (result as ExecutionResult | undefined)?.errors?.length ? 'error' : 'ok';
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function';
}

function errorCodes(result: unknown): string[] {
  const results = Array.isArray(result) ? result : [result];
  return results.flatMap((one: ExecutionResult | undefined) => (one?.errors ?? []).map((error) => String(error.extensions?.code ?? 'NONE')));
}

export function useMetrics(options: MetricsOptions): GatewayPlugin {
  const { registry } = options;
  const maxNames = options.maxOperationNames ?? DEFAULT_MAX_OPERATION_NAMES;
  const operations = counter(registry, 'plantgraph_gateway_operations_total', 'GraphQL operations answered by the gateway', ['operation', 'outcome']);
  const operationSeconds = histogram(registry, 'plantgraph_gateway_operation_duration_seconds', 'GraphQL operation duration at the gateway', ['operation', 'outcome']);
  const errors = counter(registry, 'plantgraph_gateway_errors_total', 'Errors sent to clients, by code', ['operation', 'code']);
  const subgraphRequests = counter(registry, 'plantgraph_gateway_subgraph_requests_total', 'Requests from the gateway to subgraphs', ['subgraph', 'operation', 'outcome']);
  const subgraphSeconds = histogram(registry, 'plantgraph_gateway_subgraph_duration_seconds', 'Subgraph request duration seen by the gateway', ['subgraph', 'operation', 'outcome']);

  const knownNames = new Set<string>();
  const started = new WeakMap<object, { operation: string; at: bigint }>();
  const seenRequests = new WeakSet<Request>();

  function labelFor(operationName: unknown, query: unknown): string {
    const name = typeof operationName === 'string' && operationName ? operationName : typeof query === 'string' ? FIRST_OPERATION_NAME.exec(query)?.[1] : undefined;
    if (!name || !NAME.test(name)) return 'anonymous';
    if (knownNames.has(name)) return name;
    if (knownNames.size >= maxNames) return 'other';
    knownNames.add(name);
    return name;
  }
  const secondsSince = (at: bigint) => Number(process.hrtime.bigint() - at) / 1e9;

  function record(operation: string, result: unknown, at: bigint | undefined) {
    const outcome = outcomeOf(result);
    operations.inc({ operation, outcome });
    if (at !== undefined && outcome !== 'stream') operationSeconds.observe({ operation, outcome }, secondsSince(at));
    for (const code of errorCodes(result)) errors.inc({ operation, code });
  }

  return {
    onParams({ params, context, request }) {
      seenRequests.add(request);
      started.set(context, { operation: labelFor(params.operationName, params.query), at: process.hrtime.bigint() });
    },
    onExecutionResult({ result, context }) {
      const start = started.get(context);
      record(start?.operation ?? 'anonymous', result, start?.at);
    },
    onResultProcess({ request, result }) {
      // Refused before it became an operation (body too large, unreadable JSON).
      if (!seenRequests.has(request)) record('unparsed', Array.isArray(result) ? result[0] : result, undefined);
    },
    onSubgraphExecute({ subgraphName, executionRequest, executor, setExecutor }) {
      const operation = (executionRequest.context && started.get(executionRequest.context)?.operation) ?? 'anonymous';
      const measured = (request: Parameters<typeof executor>[0]) => {
        const at = process.hrtime.bigint();
        const done = (outcome: Outcome) => {
          subgraphRequests.inc({ subgraph: subgraphName, operation, outcome });
          subgraphSeconds.observe({ subgraph: subgraphName, operation, outcome }, secondsSince(at));
        };
        const failed = (error: unknown) => {
          done('failed');
          throw error;
        };
        let result: ReturnType<typeof executor>;
        try {
          result = executor(request);
        } catch (error) {
          return failed(error);
        }
        // No extra promise hops for an executor that answers synchronously.
        if (!isPromiseLike(result)) return (done(outcomeOf(result)), result);
        return Promise.resolve(result).then((settled) => (done(outcomeOf(settled)), settled), failed);
      };
      setExecutor(measured as typeof executor);
    },
  };
}
