// `npm run start:gateway`: the gateway as a process of its own, in front of subgraphs that run
// elsewhere (SUBGRAPH_URLS, or the default ports on 127.0.0.1). /readyz also checks PostgreSQL and
// NATS when DATABASE_URL / NATS_URL are set; subscriptions need NATS_URL.
import type { NatsConnection } from '@nats-io/transport-node';
import { connectBus } from '../core/bus.ts';
import { openDatabase, type Database } from '../core/db.ts';
import { databaseCheck, natsCheck, type ReadinessCheck } from '../core/health.ts';
import { createMetrics } from '../core/metrics.ts';
import { startGateway } from '../gateway/server.ts';
import { loadCliConfig, stopOnSignal } from './cli.ts';

const { config, log } = loadCliConfig();
const checks: ReadinessCheck[] = [];
let database: Database | undefined;
let bus: NatsConnection | undefined;
if (config.DATABASE_URL) {
  database = openDatabase({ url: config.DATABASE_URL, poolMax: 2, applicationName: 'plantgraph-gateway', log });
  checks.push(databaseCheck(database.pool));
}
if (config.NATS_URL) {
  bus = await connectBus({ url: config.NATS_URL, name: 'plantgraph-gateway', log });
  checks.push(natsCheck(bus));
}
// Subscriptions read domain events from NATS; without NATS_URL they answer UNAVAILABLE.
const gateway = await startGateway({ config, log, registry: createMetrics().registry, subgraphUrls: config.SUBGRAPH_URLS, readinessChecks: checks, ...(bus ? { bus } : {}) });
stopOnSignal(async () => {
  await gateway.close();
  await bus?.drain();
  await database?.close();
}, log);
