// `npm run start:subgraph -- <name>`: one subgraph as a process of its own (docker-compose runs one
// container per subgraph). Needs DATABASE_URL; migrations are applied by `npm run db:migrate`.
import { connectBus } from '../core/bus.ts';
import { openDatabase } from '../core/db.ts';
import { startSubgraph, subgraphNames, subgraphPort, type SubgraphName } from '../core/graphql/subgraph.ts';
import { allSubgraphs } from '../subgraphs/index.ts';
import { loadCliConfig, stopOnSignal } from './cli.ts';

const { config, log } = loadCliConfig();
const name = process.argv[2] as SubgraphName | undefined;
const definition = allSubgraphs.find((subgraph) => subgraph.name === name);
if (!definition) {
  console.error(`usage: npm run start:subgraph -- <${subgraphNames.join('|')}>`);
  process.exit(2);
}
if (!config.DATABASE_URL) {
  console.error('DATABASE_URL is not set: a subgraph on its own needs the shared database (npm start runs the whole hub on an embedded one)');
  process.exit(2);
}
const database = openDatabase({ url: config.DATABASE_URL, poolMax: config.DB_POOL_MAX, applicationName: `plantgraph-${definition.name}`, log });
// Only the integration subgraph publishes (dead-letter replay); without NATS_URL it answers UNAVAILABLE there.
const bus = definition.name === 'integration' && config.NATS_URL ? await connectBus({ url: config.NATS_URL, name: 'plantgraph-integration', log }) : undefined;
const subgraph = await startSubgraph(definition, {
  port: subgraphPort(definition.name, config.SUBGRAPH_BASE_PORT),
  host: config.HOST,
  database,
  internalSecret: config.INTERNAL_SECRET,
  log,
  bus,
});
stopOnSignal(async () => {
  await subgraph.stop();
  await bus?.drain();
  await database.close();
}, log);
