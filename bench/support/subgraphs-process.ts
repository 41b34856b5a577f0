// Child process of the gateway benchmark: the six subgraphs on one database, on fixed ports, so
// every gateway variant calls the very same services. Reports statement counts over IPC (the
// protocol is in child-process.ts): the benchmark reads the count before and after a run.
import { openDatabase } from '../../core/db.ts';
import { silentLogger } from '../../core/log.ts';
import { startSubgraph, subgraphPort } from '../../core/graphql/subgraph.ts';
import { allSubgraphs } from '../../subgraphs/index.ts';
import { answerCpuQueries, exitWithParent } from './child-process.ts';

/** Pool size of the one process serving all six subgraphs (DB_POOL_MAX's default). */
const POOL_MAX = 10;

const [databaseUrl, basePort, internalSecret] = process.argv.slice(2);
if (!databaseUrl || !basePort || !internalSecret || !process.send) throw new Error('usage: forked with <databaseUrl> <basePort> <internalSecret>');
exitWithParent();
answerCpuQueries();

const database = openDatabase({ url: databaseUrl, poolMax: POOL_MAX, applicationName: 'plantgraph-bench-subgraphs', log: silentLogger });
const running = await Promise.all(
  allSubgraphs.map((definition) =>
    startSubgraph(definition, { port: subgraphPort(definition.name, Number(basePort)), database, internalSecret, log: silentLogger }),
  ),
);
process.on('message', (message: { type: string }) => {
  if (message.type === 'statements') process.send!({ type: 'statements', count: database.statements.count });
  if (message.type === 'stop') {
    void Promise.all(running.map((subgraph) => subgraph.stop()))
      .then(() => database.close())
      .then(() => process.exit(0));
  }
});
process.send({ type: 'ready', urls: Object.fromEntries(running.map((subgraph) => [subgraph.name, subgraph.url])) });
