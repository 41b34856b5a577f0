// `npm run start:ingest`: telemetry ingest workers as a process of their own (docker-compose runs
// one; run more to scale out: they share the durable consumer). Uses DATABASE_URL and NATS_URL.
import { startPlatform } from '../core/platform.ts';
import { startIngest } from '../ingest/index.ts';
import { loadCliConfig, stopOnSignal } from './cli.ts';

const { config, log } = loadCliConfig();
if (!config.DATABASE_URL || !config.NATS_URL) {
  console.error('DATABASE_URL and NATS_URL must be set: an ingest process on its own joins a running hub (npm start runs everything on embedded services)');
  process.exit(2);
}
const platform = await startPlatform({ ...config, SEED_DEMO_PLANT: false }, log);
const ingest = await startIngest({ pool: platform.database.pool, bus: platform.bus, config, log, metrics: platform.metrics });
stopOnSignal(async () => {
  await ingest.stop();
  await platform.stop();
}, log);
