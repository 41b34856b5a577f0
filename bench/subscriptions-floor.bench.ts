// `npm run bench:subscriptions:floor` (issue 6): the floor under bench:subscriptions. How many
// WebSocket subscribers at 100 events/s can a bare `ws` server (no GraphQL, no gateway, no NATS)
// serve on this machine with the clients on the same machine? A server process
// (bench/support/floor-server.ts) broadcasts a ~700-byte graphql-ws `next` message per event to N
// raw ws clients in 1–2 other processes (bench/support/floor-fleet.ts), in three modes: one
// send(string) per socket (perClientSend, as the gateway does), one shared prebuilt frame written to
// every socket (sharedFrame), and a tick's frames written in one write per socket (coalesced).
// For each N × mode, on fresh processes: warm-up, then the measured events; latency = client's
// Date.now() − the event's publishedAt, p50/p99; messages delivered per second; lost (N × events −
// received, after a settle time); server and client CPU in cores; holds = p99 < 100 ms, nothing lost,
// the event rate kept. Writes bench/results/subscriptions-floor.json with `highestHoldingByMode`.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { forkChild, type Child, type ChildMessage } from './support/child-process.ts';
import { createCleanupStack } from './support/cleanup.ts';
import type { FloorFleetReport } from './support/floor-fleet.ts';
import { floorModes, MAX_BUFFERED_EVENTS, messageBytes, type FloorMode, type FloorRunReport, type FloorServerSettings } from './support/floor-server.ts';
import { mergeBuckets, percentileOf } from './support/latency-histogram.ts';
import { gitState, machine } from './support/report.ts';

const RESULT_PATH = fileURLToPath(new URL('./results/subscriptions-floor.json', import.meta.url));
const TARGET = { subscribers: 5_000, eventsPerSec: 100, p99Ms: 100 } as const;
const WARMUP_SECONDS = 1;
/** File descriptors a process needs besides its sockets (stdio, IPC, libuv, tsx). */
const FD_HEADROOM = 64;

const settings = z
  .object({
    BENCH_SUBSCRIBERS: z
      .string()
      .default('250,500,1000,2000,5000')
      .transform((list) => list.split(',').map((value) => Number(value.trim())))
      .pipe(z.array(z.number().int().positive()).min(1))
      .describe('Subscriber counts to try, in order'),
    BENCH_FLOOR_MODES: z
      .string()
      .default(floorModes.join(','))
      .transform((list) => list.split(',').map((value) => value.trim()))
      .pipe(z.array(z.enum(floorModes)).min(1))
      .describe('Modes to measure at each count'),
    BENCH_EVENT_RATE: z.coerce.number().positive().default(TARGET.eventsPerSec).describe('Events broadcast per second'),
    BENCH_SECONDS: z.coerce.number().positive().default(10).describe('Measured broadcasting time per count and mode'),
    BENCH_FLOOR_CLIENT_PROCESSES: z.coerce.number().int().min(1).max(2).default(1).describe('Processes the clients are split over'),
    BENCH_FLOOR_COALESCE_MS: z.coerce.number().positive().default(20).describe('Tick of the coalesced mode, ms'),
  })
  .parse(process.env);

interface RunResult {
  subscribers: number;
  mode: FloorMode;
  clientProcesses: number;
  eventsSent: number;
  /** Events broadcast per second, as achieved (a server that falls behind sends them late). */
  eventsPerSec: number;
  /** Messages received by all clients together per second of the measured run. */
  deliveredPerSec: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** subscribers × events sent − messages received (after a settle time). */
  lost: number;
  /** Of those, skipped by the server because the socket was MAX_BUFFERED_EVENTS behind. */
  droppedByServer: number;
  /** The fewest measured messages any one client received. */
  fewestPerClient: number;
  closed: number;
  errors: number;
  /** Server process CPU during the measured run, cores (1 = one core busy). */
  serverCpuCores: number;
  /** All client processes' CPU over the same window, cores. */
  clientCpuCores: number;
  holds: boolean;
}

/** The soft limit on open files of this process (the children inherit it). */
function openFilesLimit(): number {
  const line = readFileSync('/proc/self/limits', 'utf8')
    .split('\n')
    .find((row) => row.startsWith('Max open files'));
  const soft = line?.split(/\s{2,}/)[1];
  return soft === undefined || soft === 'unlimited' ? Number.POSITIVE_INFINITY : Number(soft);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;
const cleanup = createCleanupStack();
process.once('SIGINT', () => void cleanup.run().then(() => process.exit(130)));

async function measure(subscribers: number, mode: FloorMode): Promise<RunResult> {
  const warmupEvents = Math.round(settings.BENCH_EVENT_RATE * WARMUP_SECONDS);
  const measuredEvents = Math.round(settings.BENCH_EVENT_RATE * settings.BENCH_SECONDS);
  const serverSettings: FloorServerSettings = { mode, eventRate: settings.BENCH_EVENT_RATE, warmupEvents, measuredEvents, coalesceMs: settings.BENCH_FLOOR_COALESCE_MS };
  const fleets: Child<ChildMessage>[] = [];
  let clientCpuBefore: Promise<number> | undefined;
  const clientCpuMs = async () => (await Promise.all(fleets.map((fleet) => fleet.ask<ChildMessage & { cpuMs: number }>('cpu', 60_000)))).reduce((sum, answer) => sum + answer.cpuMs, 0);
  const server = await forkChild<ChildMessage & { port: number }>({
    module: new URL('./support/floor-server.ts', import.meta.url),
    env: { BENCH_FLOOR_SERVER: JSON.stringify(serverSettings) },
    onMessage: (message) => {
      if (message.type === 'measuring') clientCpuBefore = clientCpuMs();
    },
  });
  // stop() is idempotent: the finally below stops them; the cleanup stack only if it never ran
  cleanup.defer('floor server', () => server.stop());
  try {
    const processes = Math.min(settings.BENCH_FLOOR_CLIENT_PROCESSES, subscribers);
    for (let index = 0; index < processes; index++) {
      const clients = Math.floor(subscribers / processes) + (index < subscribers % processes ? 1 : 0);
      const fleet = await forkChild<ChildMessage>({
        module: new URL('./support/floor-fleet.ts', import.meta.url),
        env: { BENCH_FLOOR_FLEET: JSON.stringify({ url: `ws://127.0.0.1:${server.ready.port}`, clients, warmupEvents, measuredEvents }) },
        readyTimeoutMs: 120_000,
      });
      fleets.push(fleet);
      cleanup.defer('floor fleet', () => fleet.stop());
    }
    for (let waited = 0; (await server.ask<ChildMessage & { count: number }>('subscribers')).count < subscribers; waited += 50) {
      if (waited > 30_000) throw new Error(`fewer than ${subscribers} subscribed after 30 s`);
      await sleep(50);
    }
    await sleep(500);

    const scheduleMs = ((warmupEvents + measuredEvents) / settings.BENCH_EVENT_RATE) * 1000;
    const runReport = await server.ask<FloorRunReport>('run', scheduleMs * 10 + 60_000);
    const clientCpuAtEnd = await clientCpuMs();
    const clientCpu = clientCpuAtEnd - (await clientCpuBefore!);
    // let the last messages reach every client (or stop when nothing more arrives)
    const expected = subscribers * runReport.measuredEvents;
    const reportAll = async () => Promise.all(fleets.map((fleet) => fleet.ask<FloorFleetReport>('report', 60_000)));
    let reports = await reportAll();
    let received = reports.reduce((sum, report) => sum + report.received, 0);
    for (let stalled = 0; received < expected && stalled < 10; ) {
      await sleep(200);
      reports = await reportAll();
      const now = reports.reduce((sum, report) => sum + report.received, 0);
      stalled = now === received ? stalled + 1 : 0;
      received = now;
    }
    const buckets = new Map<number, number>();
    for (const report of reports) mergeBuckets(buckets, report.buckets);
    const all = [...buckets.entries()];
    const bucketMs = reports[0]!.bucketMs;
    const run: RunResult = {
      subscribers,
      mode,
      clientProcesses: processes,
      eventsSent: runReport.measuredEvents,
      eventsPerSec: round(runReport.measuredEvents / runReport.measuredSeconds, 1),
      deliveredPerSec: Math.round(received / runReport.measuredSeconds),
      p50Ms: percentileOf(all, bucketMs, 50),
      p99Ms: percentileOf(all, bucketMs, 99),
      maxMs: percentileOf(all, bucketMs, 100),
      lost: expected - received,
      droppedByServer: runReport.dropped,
      fewestPerClient: Math.min(...reports.map((report) => report.fewestPerClient)),
      closed: reports.reduce((sum, report) => sum + report.closed, 0),
      errors: reports.reduce((sum, report) => sum + report.errors, 0),
      serverCpuCores: round(runReport.cpuMs / 1000 / runReport.measuredSeconds),
      clientCpuCores: round(clientCpu / 1000 / runReport.measuredSeconds),
      holds: false,
    };
    run.holds = run.p99Ms < TARGET.p99Ms && run.lost === 0 && run.errors === 0 && run.eventsPerSec >= settings.BENCH_EVENT_RATE * 0.95;
    const firstError = reports.find((report) => report.firstError)?.firstError;
    if (firstError) console.error(`  ${subscribers} ${mode}: first client error: ${firstError}`);
    return run;
  } finally {
    await Promise.all(fleets.map((fleet) => fleet.stop()));
    await server.stop();
  }
}

const startedAt = new Date();
let exitCode = 0;
try {
  const openFiles = openFilesLimit();
  const needs = (subscribers: number) => Math.max(subscribers, Math.ceil(subscribers / settings.BENCH_FLOOR_CLIENT_PROCESSES)) + FD_HEADROOM;
  console.log(`open files limit ${openFiles} per process (server needs N + ${FD_HEADROOM}, each client process N / ${settings.BENCH_FLOOR_CLIENT_PROCESSES} + ${FD_HEADROOM}); message ${messageBytes} bytes`);
  const runs: RunResult[] = [];
  const skipped: number[] = [];
  for (const subscribers of settings.BENCH_SUBSCRIBERS) {
    if (needs(subscribers) > openFiles) {
      // Node cannot raise its own limit: run the benchmark from a shell after `ulimit -n <hard limit>`
      console.error(`${subscribers} subscribers need ${needs(subscribers)} open files per process, the limit is ${openFiles}: skipped (raise it with \`ulimit -n ${needs(subscribers)}\`; \`ulimit -Hn\` is the most it can be)`);
      skipped.push(subscribers);
      continue;
    }
    for (const mode of settings.BENCH_FLOOR_MODES) {
      const run = await measure(subscribers, mode);
      runs.push(run);
      console.log(
        `${String(subscribers).padStart(6)} ${mode.padEnd(13)} ${run.eventsPerSec} events/s → ${run.deliveredPerSec} msgs/s, p50 ${run.p50Ms} ms, p99 ${run.p99Ms} ms, max ${run.maxMs} ms, lost ${run.lost} (server dropped ${run.droppedByServer}), server ${run.serverCpuCores} cores, clients ${run.clientCpuCores} cores ${run.holds ? 'HOLDS' : 'misses'}`,
      );
    }
  }
  console.table(runs.map(({ subscribers, mode, p50Ms, p99Ms, deliveredPerSec, lost, serverCpuCores, clientCpuCores, holds }) => ({ subscribers, mode, p50Ms, p99Ms, deliveredPerSec, lost, serverCpuCores, clientCpuCores, holds })));
  const highestHoldingByMode = Object.fromEntries(
    settings.BENCH_FLOOR_MODES.map((mode) => {
      const holding = runs.filter((run) => run.mode === mode && run.holds).map((run) => run.subscribers);
      return [mode, holding.length > 0 ? Math.max(...holding) : null];
    }),
  ) as Record<FloorMode, number | null>;
  const result = {
    name: 'subscriptions-floor',
    ...gitState(),
    startedAt: startedAt.toISOString(),
    elapsedSeconds: Math.round((Date.now() - startedAt.getTime()) / 1000),
    machine: machine(),
    settings: {
      subscriberCounts: settings.BENCH_SUBSCRIBERS,
      modes: settings.BENCH_FLOOR_MODES,
      eventRate: settings.BENCH_EVENT_RATE,
      warmupSeconds: WARMUP_SECONDS,
      seconds: settings.BENCH_SECONDS,
      clientProcesses: settings.BENCH_FLOOR_CLIENT_PROCESSES,
      coalesceMs: settings.BENCH_FLOOR_COALESCE_MS,
      messageBytes,
      maxBufferedEventsPerSocket: MAX_BUFFERED_EVENTS,
      openFilesLimit: openFiles,
      clients: 'raw ws clients (graphql-transport-ws handshake, JSON.parse per message), one WebSocket each, in child processes of their own',
    },
    target: TARGET,
    highestHoldingByMode,
    skipped,
    runs,
  };
  mkdirSync(dirname(RESULT_PATH), { recursive: true });
  writeFileSync(RESULT_PATH, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`highest holding by mode: ${JSON.stringify(highestHoldingByMode)}`);
  console.log(`wrote ${RESULT_PATH}`);
  if (runs.some((run) => run.errors > 0) || skipped.length > 0) exitCode = 1;
} catch (error) {
  console.error(error);
  exitCode = 1;
} finally {
  const failures = await cleanup.run();
  for (const failure of failures) console.error(`cleanup: ${failure}`);
}
process.exit(exitCode);
