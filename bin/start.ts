// `npm start`: the whole hub on its embedded default (or on DATABASE_URL / NATS_URL when set).
// Later issues add the gateway, subgraphs, ingest worker and plant simulator to this one start.
import { startPlatform } from '../core/platform.ts';
import { databaseCheck, natsCheck, startOperationsServer } from '../core/health.ts';
import { signDevelopmentToken } from '../core/auth.ts';
import { redactUrl } from '../core/bus.ts';
import { loadCliConfig, stopOnSignal } from './cli.ts';

const { config, log } = loadCliConfig();
try {
  const platform = await startPlatform(config, log);
  const operations = await startOperationsServer({
    port: config.GATEWAY_PORT,
    host: config.HOST,
    checks: [databaseCheck(platform.database.pool), natsCheck(platform.bus)],
    registry: platform.metrics.registry,
  });
  const stop = async () => {
    await operations.close();
    await platform.stop();
    log.info('stopped');
  };
  stopOnSignal(stop, log);

  const token =
    config.NODE_ENV === 'production'
      ? undefined
      : await signDevelopmentToken({ role: 'admin', secret: config.JWT_SECRET, issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE });
  log.info(
    {
      healthUrl: `${operations.url}/healthz`,
      readyUrl: `${operations.url}/readyz`,
      metricsUrl: `${operations.url}/metrics`,
      database: redactUrl(platform.databaseUrl),
      nats: redactUrl(platform.natsUrl),
      databaseEmbedded: !config.DATABASE_URL,
      natsEmbedded: !config.NATS_URL,
      migrationsApplied: platform.migrations.applied.length,
      seed: platform.seed,
    },
    'plantgraph ready',
  );
  if (process.stdout.isTTY) {
    console.log(
      [
        '',
        'Plantgraph is running. Ctrl-C stops everything.',
        `  health     ${operations.url}/healthz   readiness ${operations.url}/readyz`,
        `  metrics    ${operations.url}/metrics`,
        `  database   ${config.DATABASE_URL ? 'DATABASE_URL' : `embedded PostgreSQL in ${config.DATA_DIR}/pg`}`,
        `  NATS       ${config.NATS_URL ? 'NATS_URL' : `embedded nats-server in ${config.DATA_DIR}/nats`}`,
        token ? `  dev token  ${token}` : '',
        '',
      ].join('\n'),
    );
  }
} catch (error) {
  log.fatal({ err: error }, `start failed: ${(error as Error).message}`);
  process.exit(1);
}
