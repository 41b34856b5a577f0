// `npm start`: the whole hub on its embedded default (or on DATABASE_URL / NATS_URL when set):
// database and bus, the ingest workers (with state detection, threshold rules and the event
// outbox relay), the six subgraphs, the gateway and, unless switched off, the demo plant simulator,
// all in one process.
import { startPlatform } from '../core/platform.ts';
import { databaseCheck, natsCheck } from '../core/health.ts';
import { signDevelopmentToken } from '../core/auth.ts';
import { redactUrl } from '../core/bus.ts';
import { startSubgraph, subgraphPort, type RunningSubgraph } from '../core/graphql/subgraph.ts';
import { startGateway } from '../gateway/server.ts';
import { startIngest } from '../ingest/index.ts';
import { startPlantSimulator } from '../sim/simulator.ts';
import { createErpAdapter } from '../sim/erp/adapter.ts';
import { startStandInErp } from '../sim/erp/stand-in-erp.ts';
import { registerIntegrationMetrics } from '../subgraphs/integration/metrics.ts';
import { allSubgraphs } from '../subgraphs/index.ts';
import { loadCliConfig, stopOnSignal } from './cli.ts';

const { config, log } = loadCliConfig();
const stack: (() => Promise<void>)[] = [];
const stopAll = async () => {
  while (stack.length > 0) await stack.pop()!().catch((error: unknown) => log.warn({ err: error }, 'error while stopping'));
};
stopOnSignal(async () => {
  await stopAll();
  log.info('stopped');
}, log);

try {
  const platform = await startPlatform(config, log);
  stack.push(() => platform.stop());

  const subgraphs: RunningSubgraph[] = [];
  for (const definition of allSubgraphs) {
    const subgraph = await startSubgraph(definition, {
      port: subgraphPort(definition.name, config.SUBGRAPH_BASE_PORT),
      host: config.HOST,
      database: platform.database,
      internalSecret: config.INTERNAL_SECRET,
      log,
      bus: platform.bus,
    });
    subgraphs.push(subgraph);
    stack.push(() => subgraph.stop());
  }

  const gateway = await startGateway({
    config,
    log,
    registry: platform.metrics.registry,
    subgraphUrls: Object.fromEntries(subgraphs.map((subgraph) => [subgraph.name, subgraph.url])),
    readinessChecks: [databaseCheck(platform.database.pool), natsCheck(platform.bus)],
    bus: platform.bus,
  });
  stack.push(() => gateway.close());
  registerIntegrationMetrics(platform.metrics.registry, platform.database.prisma);

  const ingest = await startIngest({ pool: platform.database.pool, bus: platform.bus, config, log, metrics: platform.metrics });
  stack.push(() => ingest.stop());
  const simulate = config.SIM_ENABLED ?? config.NODE_ENV !== 'production';
  if (simulate) {
    const simulator = await startPlantSimulator({ pool: platform.database.pool, bus: platform.bus, subjectPrefix: config.SUBJECT_PREFIX, log, tickMs: config.SIM_TICK_MS, seed: config.SIM_SEED });
    stack.push(() => simulator.stop());
    // the demo's ERP: a stand-in speaking SAP-like shapes, fed by the reference adapter
    const erp = await startStandInErp({ port: 0, host: '127.0.0.1' });
    stack.push(() => erp.close());
    const adapterToken = await signDevelopmentToken({ role: 'erp-adapter', subject: 'erp-adapter-demo', secret: config.JWT_SECRET, issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE });
    const adapter = createErpAdapter({ graphqlUrl: gateway.graphqlUrl, token: () => adapterToken, erpUrl: erp.url, log: log.child({ component: 'erp-adapter' }) });
    adapter.start();
    stack.push(() => adapter.stop());
    log.info({ erpUrl: erp.url }, 'demo ERP: stand-in ERP and reference adapter running (POST <erpUrl>/control to make it fail)');
  }

  const token =
    config.NODE_ENV === 'production'
      ? undefined
      : await signDevelopmentToken({ role: 'admin', secret: config.JWT_SECRET, issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE });
  log.info(
    {
      graphqlUrl: gateway.graphqlUrl,
      websocketUrl: gateway.websocketUrl,
      healthUrl: `${gateway.url}/healthz`,
      readyUrl: `${gateway.url}/readyz`,
      metricsUrl: `${gateway.url}/metrics`,
      subgraphs: Object.fromEntries(subgraphs.map((subgraph) => [subgraph.name, subgraph.url])),
      database: redactUrl(platform.databaseUrl),
      nats: redactUrl(platform.natsUrl),
      databaseEmbedded: !config.DATABASE_URL,
      natsEmbedded: !config.NATS_URL,
      migrationsApplied: platform.migrations.applied.length,
      seed: platform.seed,
      ingestWorkers: ingest.workers.length,
      simulator: simulate,
    },
    'plantgraph ready',
  );
  if (process.stdout.isTTY) {
    console.log(
      [
        '',
        'Plantgraph is running. Ctrl-C stops everything.',
        `  GraphQL    ${gateway.graphqlUrl}  (WebSocket ${gateway.websocketUrl})`,
        config.NODE_ENV === 'development' ? `  Sandbox    open ${gateway.graphqlUrl} in a browser; add the header Authorization: Bearer <dev token>` : '',
        `  health     ${gateway.url}/healthz   readiness ${gateway.url}/readyz   metrics ${gateway.url}/metrics`,
        `  database   ${config.DATABASE_URL ? 'DATABASE_URL' : `embedded PostgreSQL in ${config.DATA_DIR}/pg`}`,
        `  NATS       ${config.NATS_URL ? 'NATS_URL' : `embedded nats-server in ${config.DATA_DIR}/nats`}`,
        `  ingest     ${ingest.workers.length} worker(s) on ${config.STREAM_TELEMETRY}${simulate ? '; the demo plant simulator publishes telemetry (SIM_ENABLED=false stops it)' : ''}`,
        simulate ? '  ERP        a stand-in ERP and the reference adapter take the postings (integrationHealth, erpPostings)' : '',
        token ? `  dev token  ${token}` : '',
        '  more tokens: npm run token -- --role <viewer|operator|planner|quality|maintenance|erp-adapter|partner|admin> [--customer <id>]',
        '',
      ]
        .filter(Boolean)
        .join('\n'),
    );
  }
} catch (error) {
  log.fatal({ err: error }, `start failed: ${(error as Error).message}`);
  await stopAll();
  process.exit(1);
}
