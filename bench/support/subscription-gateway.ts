// Child process of bench:subscriptions: the real gateway (every plugin, subscriptions on NATS) in a
// process of its own, so the publisher and the subgraphs in the parent do not share its core.
// IPC: env BENCH_GATEWAY = { environment, subgraphUrls, natsUrl }; sends `ready` with the WebSocket
// URL; answers `active` (live subscriptions), `cpu` (see child-process.ts), `rss`, and `stop`.
import { Registry } from 'prom-client';
import { connectBus } from '../../core/bus.ts';
import { loadConfig } from '../../core/config.ts';
import { silentLogger } from '../../core/log.ts';
import { startGateway } from '../../gateway/server.ts';
import { answerCpuQueries, exitWithParent } from './child-process.ts';

interface GatewaySettings {
  environment: Record<string, string>;
  subgraphUrls: Record<string, string>;
  natsUrl: string;
}

const settings = JSON.parse(process.env.BENCH_GATEWAY ?? 'null') as GatewaySettings | null;
if (!settings || !process.send) throw new Error('usage: forked by bench/subscriptions.bench.ts with BENCH_GATEWAY');
exitWithParent();
answerCpuQueries();

const bus = await connectBus({ url: settings.natsUrl, name: 'bench-subscription-gateway', log: silentLogger });
const registry = new Registry();
const gateway = await startGateway({ config: loadConfig(settings.environment), port: 0, host: '127.0.0.1', registry, bus, subgraphUrls: settings.subgraphUrls, shutdownGraceMs: 2_000 });

process.on('message', (message: { type: string }) => {
  if (message.type === 'active') {
    void registry
      .getSingleMetric('plantgraph_gateway_subscriptions_active')
      ?.get()
      .then((metric) => process.send!({ type: 'active', count: metric.values.reduce((sum, value) => sum + value.value, 0) }));
  } else if (message.type === 'rss') {
    global.gc?.();
    process.send!({ type: 'rss', rssMb: process.memoryUsage().rss / 1_048_576 });
  } else if (message.type === 'stop') {
    void gateway
      .close()
      .then(() => bus.close())
      .finally(() => process.exit(0));
  }
});
process.send({ type: 'ready', websocketUrl: gateway.websocketUrl });
