// Where PostgreSQL and NATS come from: the configured URLs, or, when a URL is unset, the embedded
// default (an embedded PostgreSQL in DATA_DIR/pg, a spawned nats-server in DATA_DIR/nats), so that
// `npm start` works on a fresh machine with nothing configured.
import path from 'node:path';
import type { Config } from './config.ts';
import type { Logger } from './log.ts';
import { redactUrl } from './bus.ts';
import { startEmbeddedPostgres } from './embedded/postgres.ts';
import { startEmbeddedNats } from './embedded/nats.ts';

export interface ServiceEndpoint {
  url: string;
  /** True when this process started the service and stops it in `stop()`. */
  embedded: boolean;
  stop(): Promise<void>;
}

const external = (url: string): ServiceEndpoint => ({ url, embedded: false, stop: async () => undefined });

export async function resolveDatabase(config: Pick<Config, 'DATABASE_URL' | 'DATA_DIR'>, log: Logger): Promise<ServiceEndpoint> {
  if (config.DATABASE_URL) {
    log.info({ database: redactUrl(config.DATABASE_URL) }, 'using configured PostgreSQL');
    return external(config.DATABASE_URL);
  }
  const dataDir = path.resolve(config.DATA_DIR, 'pg');
  log.info({ dataDir }, 'DATABASE_URL unset: starting embedded PostgreSQL');
  const embedded = await startEmbeddedPostgres({ dataDir, log: log.child({ component: 'embedded-postgres' }) });
  return { url: embedded.url, embedded: true, stop: () => embedded.stop() };
}

export async function resolveBus(config: Pick<Config, 'NATS_URL' | 'DATA_DIR'>, log: Logger): Promise<ServiceEndpoint> {
  if (config.NATS_URL) {
    log.info({ nats: redactUrl(config.NATS_URL) }, 'using configured NATS');
    return external(config.NATS_URL);
  }
  const dataDir = path.resolve(config.DATA_DIR, 'nats');
  log.info({ dataDir }, 'NATS_URL unset: starting nats-server with JetStream');
  const embedded = await startEmbeddedNats({ dataDir, log: log.child({ component: 'embedded-nats' }) });
  return { url: embedded.url, embedded: true, stop: () => embedded.stop() };
}
