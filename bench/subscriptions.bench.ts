// `npm run bench:subscriptions` (issue 6): N concurrent graphql-ws subscribers (a child process of
// real clients, bench/support/subscriber-fleet.ts) on `lineStateChanged` through the real gateway
// and subgraphs, while LineStateChanged events are published on NATS at a steady rate. For each N:
// event published → result received latency p50/p99, results delivered per second, lost results
// (every subscriber must get every event), and the gateway process's RSS growth per subscriber.
// Target: p99 < 100 ms at 5,000 subscribers and 100 events/s; `highestHolding` is the largest N
// that met it with nothing lost. Writes bench/results/subscriptions.json. Uses a database and
// streams of its own and removes them.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { z } from 'zod';
import { signDevelopmentToken } from '../core/auth.ts';
import { connectBus, ensureStreams, type StreamSettings } from '../core/bus.ts';
import { loadConfig } from '../core/config.ts';
import { openDatabase } from '../core/db.ts';
import { createEvent, eventSubject } from '../core/events.ts';
import { startSubgraph } from '../core/graphql/subgraph.ts';
import { silentLogger } from '../core/log.ts';
import { allSubgraphs } from '../subgraphs/index.ts';
import { createBenchDatabase } from './support/bench-database.ts';
import { forkChild, type ChildMessage } from './support/child-process.ts';
import { createCleanupStack } from './support/cleanup.ts';
import { mergeBuckets, percentileOf, type LatencyBuckets } from './support/latency-histogram.ts';
import { subscriberCounts } from './support/settings.ts';

const RESULT_PATH = fileURLToPath(new URL('./results/subscriptions.json', import.meta.url));
const TARGET = { subscribers: 5_000, eventsPerSec: 100, p99Ms: 100 } as const;

const settings = z
  .object({
    BENCH_SUBSCRIBERS: subscriberCounts('100,250,500,1000,5000'),
    BENCH_EVENT_RATE: z.coerce.number().positive().default(TARGET.eventsPerSec).describe('LineStateChanged events published per second'),
    BENCH_SECONDS: z.coerce.number().positive().default(10).describe('Measured publishing time per subscriber count'),
    BENCH_ADMIN_DATABASE_URL: z.string().url().default('postgresql://postgres@127.0.0.1:5432/postgres'),
    BENCH_NATS_URL: z.string().default('nats://127.0.0.1:4222'),
    GATEWAY_WS_COALESCE_MS: z.string().optional().describe("Passed on to the gateway (default: the gateway's own)"),
  })
  .parse(process.env);

interface FleetReport extends ChildMessage {
  received: number;
  errors: number;
  closedEarly: number;
  firstError: string | null;
  bucketMs: number;
  buckets: LatencyBuckets;
}

interface RunResult {
  subscribers: number;
  eventsPublished: number;
  /** Events published per second, as achieved. */
  eventsPerSec: number;
  /** Results received by all subscribers together per second. */
  deliveredPerSec: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** subscribers × events published − results received (after a settle time). */
  lost: number;
  errors: number;
  /** Sockets that closed during the run. */
  closedEarly: number;
  /** Growth of the gateway process's RSS from before the clients connected, MB per subscriber. */
  rssMbPerSubscriber: number;
  /** The gateway process's CPU from the first publish until the last result settled, ms per second (1000 = one core). */
  gatewayCpuMsPerSec: number;
  holds: boolean;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const cleanup = createCleanupStack();
process.once('SIGINT', () => void cleanup.run().then(() => process.exit(130)));

const startedAt = new Date();
let exitCode = 0;
try {
  const benchDatabase = await createBenchDatabase({ adminUrl: settings.BENCH_ADMIN_DATABASE_URL, onCreated: (drop) => cleanup.defer('database', drop) });
  const database = openDatabase({ url: benchDatabase.url, poolMax: 6, applicationName: 'plantgraph-bench-subscriptions', log: silentLogger });
  cleanup.defer('pool', () => database.close());
  const id = randomBytes(4).toString('hex').toUpperCase();
  const streams: StreamSettings = { ...loadConfig({}), STREAM_TELEMETRY: `BENCH_${id}_TELEMETRY`, STREAM_DOMAIN_EVENTS: `BENCH_${id}_EVENTS`, STREAM_DLQ: `BENCH_${id}_DLQ`, SUBJECT_PREFIX: `bench_${id.toLowerCase()}` };
  const bus = await connectBus({ url: settings.BENCH_NATS_URL, name: 'bench-subscriptions', log: silentLogger });
  cleanup.defer('nats', () => bus.close());
  await ensureStreams(bus, streams, silentLogger);
  cleanup.defer('streams', async () => {
    const manager = await jetstreamManager(bus);
    for (const stream of [streams.STREAM_TELEMETRY, streams.STREAM_DOMAIN_EVENTS, streams.STREAM_DLQ]) await manager.streams.delete(stream).catch(() => false);
  });

  const environment = {
    NODE_ENV: 'production',
    JWT_SECRET: randomBytes(32).toString('hex'),
    INTERNAL_SECRET: randomBytes(32).toString('hex'),
    GATEWAY_PORT: '0',
    SUBGRAPH_BASE_PORT: '0',
    STREAM_DOMAIN_EVENTS: streams.STREAM_DOMAIN_EVENTS,
    SUBJECT_PREFIX: streams.SUBJECT_PREFIX,
    ...(settings.GATEWAY_WS_COALESCE_MS === undefined ? {} : { GATEWAY_WS_COALESCE_MS: settings.GATEWAY_WS_COALESCE_MS }),
  };
  const config = loadConfig(environment);
  const subgraphs = await Promise.all(allSubgraphs.map((definition) => startSubgraph(definition, { port: 0, host: '127.0.0.1', database, internalSecret: config.INTERNAL_SECRET, log: silentLogger })));
  cleanup.defer('subgraphs', async () => void (await Promise.all(subgraphs.map((subgraph) => subgraph.stop()))));
  const gateway = await forkChild<ChildMessage & { websocketUrl: string }>({
    module: new URL('./support/subscription-gateway.ts', import.meta.url),
    env: { BENCH_GATEWAY: JSON.stringify({ environment, subgraphUrls: Object.fromEntries(subgraphs.map((subgraph) => [subgraph.name, subgraph.url])), natsUrl: settings.BENCH_NATS_URL }) },
  });
  cleanup.defer('gateway', () => gateway.stop());

  const { rows } = await database.pool.query<{ line_id: string; site_id: string }>(`SELECT l.id AS line_id, l.site_id FROM assets.line l WHERE l.code = 'CNC1'`);
  const line = rows[0]!;
  const token = await signDevelopmentToken({ role: 'viewer', subject: 'bench-subscriber', expiresIn: '2h', secret: config.JWT_SECRET, issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE });
  const query = `subscription LineBoard { lineStateChanged(siteId: "${line.site_id}") { id code name currentState { state startedAt reasonCode } } }`;
  const js = jetstream(bus);
  // occurredAt is stamped here, just before publishing: the clients measure from it
  const lineStateEvent = (index: number) => {
    const state = index % 2 === 0 ? 'DOWN' : 'RUNNING';
    return createEvent({
      type: 'LineStateChanged',
      data: { lineId: line.line_id, siteId: line.site_id, assetId: line.line_id, state, previousState: state === 'DOWN' ? 'RUNNING' : 'DOWN', since: new Date().toISOString(), reasonCode: null, orderId: null },
      source: 'bench',
      subject: `line/${line.line_id}`,
    });
  };
  const activeSubscriptions = async () => (await gateway.ask<ChildMessage & { count: number }>('active', 60_000)).count;
  const gatewayRssMb = async () => (await gateway.ask<ChildMessage & { rssMb: number }>('rss', 60_000)).rssMb;
  const gatewayCpuMs = async () => (await gateway.ask<ChildMessage & { cpuMs: number }>('cpu', 60_000)).cpuMs;

  const runs: RunResult[] = [];
  for (const subscribers of settings.BENCH_SUBSCRIBERS) {
    const rssBefore = await gatewayRssMb();
      const fleet = await forkChild<ChildMessage>({
      module: new URL('./support/subscriber-fleet.ts', import.meta.url),
      env: { BENCH_FLEET: JSON.stringify({ url: gateway.ready.websocketUrl, token, query, subscribers }) },
      readyTimeoutMs: 120_000,
    });
    try {
      for (let waited = 0; (await activeSubscriptions()) < subscribers; waited += 100) {
        if (waited > 60_000) {
          const report = await fleet.ask<FleetReport>('report');
          throw new Error(`only ${await activeSubscriptions()} of ${subscribers} subscriptions are live after a minute (${report.errors} errors: ${report.firstError})`);
        }
        await sleep(100);
      }
      await sleep(500);
      const rssAfter = await gatewayRssMb();
      // warm-up: a second of events, not measured (the first results pay for JIT and plan caches)
      for (let index = 0; index < settings.BENCH_EVENT_RATE; index++) {
        await sleep(1000 / settings.BENCH_EVENT_RATE);
        await js.publish(eventSubject('LineStateChanged', streams.SUBJECT_PREFIX), JSON.stringify(lineStateEvent(index)), { msgID: `warmup-${subscribers}-${index}` }).catch(() => undefined);
      }
      await sleep(1_000);
      await fleet.ask('report', 60_000); // discard anything before the measured run

      const total = Math.round(settings.BENCH_EVENT_RATE * settings.BENCH_SECONDS);
      const cpuBefore = await gatewayCpuMs();
      const cpuSince = performance.now();
      let publishFailures = 0;
      const start = performance.now();
      for (let index = 0; index < total; index++) {
        const wait = start + (index * 1000) / settings.BENCH_EVENT_RATE - performance.now();
        if (wait > 0) await sleep(wait);
        const event = lineStateEvent(index);
        // an event NATS did not take is not expected by anyone: counted, not fatal
        await js.publish(eventSubject('LineStateChanged', streams.SUBJECT_PREFIX), JSON.stringify(event), { msgID: event.id }).catch(() => void (publishFailures += 1));
      }
      const published = total - publishFailures;
      const publishSeconds = (performance.now() - start) / 1000;
      // let the last events reach every client
      let report = await fleet.ask<FleetReport>('report', 60_000);
      let received = report.received;
      let errors = report.errors;
      const buckets = new Map<number, number>(report.buckets);
      for (let settle = 0; settle < 20 && received + errors < subscribers * published; settle++) {
        await sleep(500);
        report = await fleet.ask<FleetReport>('report', 60_000);
        received += report.received;
        errors += report.errors;
        mergeBuckets(buckets, report.buckets);
      }
      const cpuMs = (await gatewayCpuMs()) - cpuBefore;
      // Over the time it was measured (publishing and settling): a saturated gateway works on after
      // the last publish, so dividing by the publishing time alone read above 2 cores.
      const cpuSeconds = (performance.now() - cpuSince) / 1000;
      const all = [...buckets.entries()];
      const run: RunResult = {
        subscribers,
        eventsPublished: published,
        eventsPerSec: Math.round((published / publishSeconds) * 10) / 10,
        deliveredPerSec: Math.round(received / publishSeconds),
        p50Ms: percentileOf(all, report.bucketMs, 50),
        p99Ms: percentileOf(all, report.bucketMs, 99),
        maxMs: percentileOf(all, report.bucketMs, 100),
        lost: subscribers * published - received,
        errors,
        closedEarly: report.closedEarly,
        rssMbPerSubscriber: Math.round(((rssAfter - rssBefore) / subscribers) * 1000) / 1000,
        gatewayCpuMsPerSec: Math.round(cpuMs / cpuSeconds),
        holds: false,
      };
      run.holds = run.p99Ms < TARGET.p99Ms && run.lost === 0 && run.errors === 0 && run.eventsPerSec >= settings.BENCH_EVENT_RATE * 0.95;
      runs.push(run);
      console.log(
        `${String(subscribers).padStart(6)} subscribers: ${run.eventsPerSec} events/s → ${run.deliveredPerSec} results/s, p50 ${run.p50Ms} ms, p99 ${run.p99Ms} ms, max ${run.maxMs} ms, lost ${run.lost}, errors ${run.errors}${report.firstError ? ` (${report.firstError})` : ''}, ${run.rssMbPerSubscriber} MB/subscriber, gateway CPU ${run.gatewayCpuMsPerSec} ms/s (coalescing ${config.GATEWAY_WS_COALESCE_MS} ms) ${run.holds ? 'HOLDS' : 'misses'}`,
      );
    } finally {
      await fleet.stop();
    }
    while ((await activeSubscriptions()) > 0) await sleep(50);
  }

  const holding = runs.filter((run) => run.holds).map((run) => run.subscribers);
  const headline = runs.find((run) => run.subscribers === TARGET.subscribers) ?? runs[runs.length - 1]!;
  const result = {
    name: 'subscriptions',
    commit: execFileSync('git', ['rev-parse', '--short', 'HEAD']).toString().trim(),
    startedAt: startedAt.toISOString(),
    elapsedSeconds: Math.round((Date.now() - startedAt.getTime()) / 1000),
    machine: { cpus: os.cpus().length, node: process.version, platform: process.platform },
    settings: { subscriberCounts: settings.BENCH_SUBSCRIBERS, eventRate: settings.BENCH_EVENT_RATE, seconds: settings.BENCH_SECONDS, coalesceMs: config.GATEWAY_WS_COALESCE_MS, query, clients: 'one child process of graphql-ws clients, one WebSocket each' },
    target: TARGET,
    // the headline: the run at the target's subscriber count (or the largest tried)
    subscribers: headline.subscribers,
    eventsPerSec: headline.eventsPerSec,
    p50Ms: headline.p50Ms,
    p99Ms: headline.p99Ms,
    lost: headline.lost,
    rssMbPerSubscriber: headline.rssMbPerSubscriber,
    highestHolding: holding.length > 0 ? Math.max(...holding) : null,
    runs,
  };
  mkdirSync(dirname(RESULT_PATH), { recursive: true });
  writeFileSync(RESULT_PATH, `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify({ subscribers: result.subscribers, eventsPerSec: result.eventsPerSec, p50Ms: result.p50Ms, p99Ms: result.p99Ms, lost: result.lost, rssMbPerSubscriber: result.rssMbPerSubscriber, highestHolding: result.highestHolding }));
  console.log(`wrote ${RESULT_PATH}`);
  if (runs.some((run) => run.errors > 0)) exitCode = 1;
} catch (error) {
  console.error(error);
  exitCode = 1;
} finally {
  const failures = await cleanup.run();
  for (const failure of failures) console.error(`cleanup: ${failure}`);
}
process.exit(exitCode);
