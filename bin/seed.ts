// `npm run db:seed`: migrate, then load the demo plant into DATABASE_URL (or the embedded database).
// Idempotent: a database that already has the demo plant is left as it is.
import { openDatabase } from '../core/db.ts';
import { migrate } from '../core/migrations.ts';
import { resolveDatabase } from '../core/services.ts';
import { seedDemoPlant } from '../prisma/seed.ts';
import { loadCliConfig } from './cli.ts';

const { config, log } = loadCliConfig();
const endpoint = await resolveDatabase(config, log);
const database = openDatabase({ url: endpoint.url, poolMax: 2, log });
try {
  await migrate({ pool: database.pool, log });
  const summary = await seedDemoPlant(database.prisma);
  log.info({ summary }, 'demo plant seeded');
} catch (error) {
  log.error({ err: error }, (error as Error).message);
  process.exitCode = 1;
} finally {
  await database.close();
  await endpoint.stop();
}
