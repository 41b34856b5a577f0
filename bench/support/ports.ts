// Fixed ports for the subgraph process: the six subgraphs take a base port and the next five
// (core/subgraph-names.ts), so the benchmark needs a run of free consecutive ports, found here by
// binding each once. Away from the defaults (4001…), so a running `npm start` is not disturbed.
import net from 'node:net';

/** Where the search starts. */
export const BENCH_PORT_SEARCH_START = 14_001;
const SEARCH_LIMIT = 200; // base ports tried before giving up

/** The first port of `count` consecutive ports that are free on `host` now. */
export async function findFreePortRun(count: number, host = '127.0.0.1', start = BENCH_PORT_SEARCH_START): Promise<number> {
  for (let base = start; base < start + SEARCH_LIMIT * count; base += count) {
    let free = true;
    for (let port = base; port < base + count && free; port += 1) free = await isFree(port, host);
    if (free) return base;
  }
  throw new Error(`no ${count} consecutive free ports on ${host} from ${start}`);
}

function isFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}
