// `npm run sim`: the demo plant simulator on its own, publishing telemetry for the plant in
// DATABASE_URL to NATS_URL (npm start runs it inside the hub unless SIM_ENABLED=false).
import { connectBus } from '../core/bus.ts';
import { openDatabase } from '../core/db.ts';
import { startPlantSimulator } from '../sim/simulator.ts';
import { loadCliConfig, stopOnSignal } from './cli.ts';

const { config, log } = loadCliConfig();
if (!config.DATABASE_URL || !config.NATS_URL) {
  console.error('DATABASE_URL and NATS_URL must be set: the simulator reads the plant from the database and publishes to NATS');
  process.exit(2);
}
const database = openDatabase({ url: config.DATABASE_URL, poolMax: 2, applicationName: 'plantgraph-sim', log });
const bus = await connectBus({ url: config.NATS_URL, name: 'plantgraph-sim', log });
const simulator = await startPlantSimulator({ pool: database.pool, bus, subjectPrefix: config.SUBJECT_PREFIX, log, tickMs: config.SIM_TICK_MS, seed: config.SIM_SEED });
stopOnSignal(async () => {
  await simulator.stop();
  await bus.drain();
  await database.close();
}, log);
