// Child process of the gateway benchmark: the six subgraphs on one database, on fixed ports, so
// every gateway variant calls the very same services. Reports statement counts over IPC.
import { openDatabase } from '../../core/db.ts';
import { silentLogger } from '../../core/log.ts';
import { startSubgraph, subgraphPort } from '../../core/graphql/subgraph.ts';
import { allSubgraphs } from '../../subgraphs/index.ts';

const [databaseUrl, basePort, internalSecret] = process.argv.slice(2);
if (!databaseUrl || !basePort || !internalSecret || !process.send) throw new Error('usage: forked with <databaseUrl> <basePort> <internalSecret>');

const database = openDatabase({ url: databaseUrl, poolMax: 10, log: silentLogger });
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
