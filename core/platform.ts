// The shared ground every hub process stands on: configured or embedded services, a migrated
// database (seeded with the demo plant when asked), the NATS connection and its streams.
import type { NatsConnection } from '@nats-io/transport-node';
import type { Config } from './config.ts';
import type { Logger } from './log.ts';
import { openDatabase, type Database } from './db.ts';
import { connectBus, ensureStreams } from './bus.ts';
import { migrate } from './migrations.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import { resolveBus, resolveDatabase, type ServiceEndpoint } from './services.ts';
import { seedDemoPlant, type DemoPlantSummary } from '../prisma/seed.ts';

export const BUS_DRAIN_TIMEOUT_MS = 5_000; // 5 seconds to flush pending publishes at stop

export interface Platform {
  config: Config;
  log: Logger;
  metrics: Metrics;
  database: Database;
  bus: NatsConnection;
  databaseUrl: string;
  natsUrl: string;
  migrations: { applied: string[]; skipped: string[] };
  seed: DemoPlantSummary | null;
  /** Stops in reverse order of start; safe to call more than once. */
  stop(): Promise<void>;
}

export async function startPlatform(config: Config, log: Logger): Promise<Platform> {
  const stack: (() => Promise<void>)[] = [];
  const stop = async () => {
    while (stack.length > 0) {
      const step = stack.pop()!;
      await step().catch((error: unknown) => log.warn({ err: error }, 'error while stopping'));
    }
  };
  try {
    const metrics = createMetrics();
    const databaseEndpoint: ServiceEndpoint = await resolveDatabase(config, log);
    stack.push(() => databaseEndpoint.stop());
    const busEndpoint: ServiceEndpoint = await resolveBus(config, log);
    stack.push(() => busEndpoint.stop());

    const database = openDatabase({ url: databaseEndpoint.url, poolMax: config.DB_POOL_MAX, log });
    stack.push(() => database.close());
    const migrations = await migrate({ pool: database.pool, log });
    metrics.migrations.inc({ outcome: 'applied' }, migrations.applied.length);
    metrics.migrations.inc({ outcome: 'skipped' }, migrations.skipped.length);
    const seed = config.SEED_DEMO_PLANT ? await seedDemoPlant(database.prisma) : null;

    const bus = await connectBus({ url: busEndpoint.url, name: 'plantgraph', log });
    stack.push(async () => {
      // drain() waits for the server; when the server is gone it would wait for ever.
      const drained = bus.drain().catch(() => undefined);
      await Promise.race([drained, new Promise((resolve) => setTimeout(resolve, BUS_DRAIN_TIMEOUT_MS).unref())]);
      if (!bus.isClosed()) await bus.close();
    });
    await ensureStreams(bus, config, log);

    return { config, log, metrics, database, bus, databaseUrl: databaseEndpoint.url, natsUrl: busEndpoint.url, migrations, seed, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
