// `npm run db:migrate`: apply pending migrations to DATABASE_URL (or to the embedded database).
import { openDatabase } from '../core/db.ts';
import { migrate } from '../core/migrations.ts';
import { resolveDatabase } from '../core/services.ts';
import { loadCliConfig } from './cli.ts';

const { config, log } = loadCliConfig();
const endpoint = await resolveDatabase(config, log);
const database = openDatabase({ url: endpoint.url, poolMax: 2, log });
try {
  const result = await migrate({ pool: database.pool, log });
  log.info({ applied: result.applied, alreadyApplied: result.skipped.length }, `${result.applied.length} migration(s) applied`);
} catch (error) {
  log.error({ err: error }, (error as Error).message);
  process.exitCode = 1;
} finally {
  await database.close();
  await endpoint.stop();
}
