// Child process of the gateway benchmark: one gateway variant (gateway-variants.ts) in a process
// of its own, so it has a core's worth of event loop to itself and autocannon's does not count
// against it. Usage: forked with the variant name; its settings come in BENCH_GATEWAY_SETTINGS
// (JSON), which keeps the run's secrets out of the process list.
import { answerCpuQueries, exitWithParent } from './child-process.ts';
import { gatewayVariants, startVariant, type GatewayVariant, type VariantSettings } from './gateway-variants.ts';

const variant = process.argv[2] as GatewayVariant | undefined;
const settingsJson = process.env.BENCH_GATEWAY_SETTINGS;
if (!variant || !gatewayVariants.includes(variant) || !settingsJson || !process.send) {
  throw new Error(`usage: forked with <${gatewayVariants.join('|')}> and BENCH_GATEWAY_SETTINGS`);
}
exitWithParent();
answerCpuQueries();

const running = await startVariant(variant, JSON.parse(settingsJson) as VariantSettings);
process.on('message', (message: { type: string }) => {
  if (message.type === 'stop') void running.close().finally(() => process.exit(0));
});
process.send({ type: 'ready', graphqlUrl: running.graphqlUrl });
