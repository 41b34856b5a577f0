// Prometheus metrics (prom-client). One registry per process, created by `createMetrics`, so tests
// and in-process hubs do not share counters through module globals.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  registry: Registry;
  /** Input refused anywhere (GraphQL validation, event envelope, telemetry payload), by code. */
  rejectedInput: Counter<'component' | 'code'>;
  /** Migrations applied at start, by outcome. */
  migrations: Counter<'outcome'>;
  /** Duration of GraphQL operations and subgraph calls. */
  operationDuration: Histogram<'operation' | 'subgraph' | 'outcome'>;
  /** Telemetry readings seen by ingest workers: stored, or duplicate (already stored). */
  ingestReadings: Counter<'outcome'>;
  /** Ingest batches by outcome (committed, failed). */
  ingestBatches: Counter<'outcome'>;
  /** Time from fetching a batch to its acks, seconds. */
  ingestBatchDuration: Histogram;
  /** Seconds between the newest reading's timestamp and its commit, per batch. */
  ingestLag: Gauge;
  /** Telemetry messages dead-lettered, by reason code. */
  deadLetters: Counter<'reason'>;
  /** Domain events published by the outbox relay. */
  eventsPublished: Counter;
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
    ingestReadings: new Counter({
      name: 'plantgraph_ingest_readings_total',
      help: 'Telemetry readings seen by ingest workers, by outcome (stored, duplicate)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    ingestBatches: new Counter({
      name: 'plantgraph_ingest_batches_total',
      help: 'Ingest batches by outcome (committed, failed)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    ingestBatchDuration: new Histogram({
      name: 'plantgraph_ingest_batch_duration_seconds',
      help: 'Time from taking an ingest batch to acknowledging it',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    ingestLag: new Gauge({
      name: 'plantgraph_ingest_lag_seconds',
      help: 'Seconds between the newest reading of the last batch and its commit',
      registers: [registry],
    }),
    deadLetters: new Counter({
      name: 'plantgraph_dead_letters_total',
      help: 'Telemetry messages dead-lettered, by reason code',
      labelNames: ['reason'],
      registers: [registry],
    }),
    eventsPublished: new Counter({
      name: 'plantgraph_events_published_total',
      help: 'Domain events published from the outbox',
      registers: [registry],
    }),
  };
}
