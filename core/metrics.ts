// Prometheus metrics (prom-client). One registry per process, created by `createMetrics`, so tests
// and in-process hubs do not share counters through module globals.
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  registry: Registry;
  /** Input refused anywhere (GraphQL validation, event envelope, telemetry payload), by code. */
  rejectedInput: Counter<'component' | 'code'>;
  /** Migrations applied at start, by outcome. */
  migrations: Counter<'outcome'>;
  /** Duration of GraphQL operations and subgraph calls. */
  operationDuration: Histogram<'operation' | 'subgraph' | 'outcome'>;
}

export function createMetrics(options: { collectProcessMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service: 'plantgraph' });
  if (options.collectProcessMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'plantgraph_' });
  return {
    registry,
    rejectedInput: new Counter({
      name: 'plantgraph_rejected_input_total',
      help: 'Input refused with a code (GraphQL, events, telemetry)',
      labelNames: ['component', 'code'],
      registers: [registry],
    }),
    migrations: new Counter({
      name: 'plantgraph_migrations_total',
      help: 'Database migrations seen at start, by outcome (applied, skipped)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    operationDuration: new Histogram({
      name: 'plantgraph_operation_duration_seconds',
      help: 'GraphQL operation and subgraph call duration',
      labelNames: ['operation', 'subgraph', 'outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
  };
}
