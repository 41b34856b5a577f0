// `npm run bench:subscriptions:floor` (issue 6): the floor under bench:subscriptions. How many
// WebSocket subscribers at 100 events/s can a bare `ws` server (no GraphQL, no gateway, no NATS)
// serve on this machine with the clients on the same machine? A server process
// (bench/support/floor-server.ts) broadcasts a ~700-byte graphql-ws `next` message per event to N
// raw ws clients in 1–2 other processes (bench/support/floor-fleet.ts), in three modes: one
// send(string) per socket (perClientSend, as the gateway does), one shared prebuilt frame written to
// every socket (sharedFrame), and a tick's frames written in one write per socket (coalesced).
// For each N × mode, on fresh processes: warm-up, then the measured events; latency = client's
// Date.now() − the time the event was due (publishedAt), p50/p99; messages delivered per second; lost (N × events −
// received, after a settle time); server and client CPU in cores; holds = p99 < 100 ms, nothing lost,
// the event rate kept. Writes bench/results/subscriptions-floor.json with `highestHoldingByMode`.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { forkChild, type Child, type ChildMessage } from './support/child-process.ts';
import { createCleanupStack } from './support/cleanup.ts';
import type { FloorFleetReport } from './support/floor-fleet.ts';
import { floorModes, MAX_BUFFERED_EVENTS, messageBytes, type FloorMode, type FloorRunReport, type FloorServerSettings } from './support/floor-server.ts';
import { mergeBuckets, percentileOf } from './support/latency-histogram.ts';
import { gitState, machine } from './support/report.ts';
import { subscriberCounts } from './support/settings.ts';

const RESULT_PATH = fileURLToPath(new URL('./results/subscriptions-floor.json', import.meta.url));
const TARGET = { subscribers: 5_000, eventsPerSec: 100, p99Ms: 100 } as const;
const WARMUP_SECONDS = 1;
/** File descriptors a process needs besides its sockets (stdio, IPC, libuv, tsx). */
const FD_HEADROOM = 64;

const settings = z
  .object({
    BENCH_SUBSCRIBERS: subscriberCounts('250,500,1000,2000,5000'),
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
  eventsScheduled: number;
  /** Of those, skipped by a server more than MAX_BUFFERED_EVENTS behind the schedule. */
  eventsSkipped: number;
  /** Events broadcast per second, as achieved (a server that falls behind sends them late or skips them). */
  eventsPerSec: number;
  /** Measured messages received by all clients together, per second from the first to the last one received. */
  deliveredPerSec: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** subscribers × events scheduled − messages received (after a settle time). */
  lost: number;
  /** Of those, skipped by the server: the socket or the server was MAX_BUFFERED_EVENTS behind. */
  droppedByServer: number;
  /** The fewest measured messages any one client received. */
  fewestPerClient: number;
  closed: number;
  errors: number;
  /** Server process CPU during the measured run, cores (1 = one core busy). */
  serverCpuCores: number;
  /** The client processes' CPU while they received the measured events (each measured in-process), cores. */
  clientCpuCores: number;
  /**
   * The whole machine's busy time (/proc/stat: user, system, irq, softirq, steal) over the server's
   * measured run, cores: includes the loopback TCP work the kernel does in softirq (ksoftirqd),
   * which neither process's CPU shows, and anything else that ran.
   */
  machineBusyCores: number;
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

interface MachineCpu {
  busy: number;
  total: number;
  cores: number;
}

/** Jiffies from the first line of /proc/stat. */
function machineCpu(): MachineCpu {
  const [user, nice, system, idle, iowait, irq, softirq, steal] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number) as number[];
  const busy = user! + nice! + system! + irq! + softirq! + steal!;
  return { busy, total: busy + idle! + iowait!, cores: os.cpus().length };
}

function busyCores(before: MachineCpu, after: MachineCpu): number {
  const total = after.total - before.total;
  return total > 0 ? ((after.busy - before.busy) / total) * after.cores : 0;
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
  let machineBefore: MachineCpu | undefined;
  const server = await forkChild<ChildMessage & { port: number }>({
    module: new URL('./support/floor-server.ts', import.meta.url),
    env: { BENCH_FLOOR_SERVER: JSON.stringify(serverSettings) },
    onMessage: (message) => {
      if (message.type === 'measuring') machineBefore = machineCpu();
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
    const machineAfter = machineCpu();
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
    const receiveSeconds = (Math.max(...reports.map((report) => report.lastAt)) - Math.min(...reports.map((report) => report.firstAt))) / 1000;
    const run: RunResult = {
      subscribers,
      mode,
      clientProcesses: processes,
      eventsScheduled: runReport.measuredEvents,
      eventsSkipped: runReport.skippedEvents,
      eventsPerSec: round((runReport.measuredEvents - runReport.skippedEvents) / runReport.measuredSeconds, 1),
      deliveredPerSec: receiveSeconds > 0 ? Math.round(received / receiveSeconds) : 0,
      p50Ms: percentileOf(all, bucketMs, 50),
      p99Ms: percentileOf(all, bucketMs, 99),
      maxMs: percentileOf(all, bucketMs, 100),
      lost: expected - received,
      droppedByServer: runReport.dropped,
      fewestPerClient: Math.min(...reports.map((report) => report.fewestPerClient)),
      closed: reports.reduce((sum, report) => sum + report.closed, 0),
      errors: reports.reduce((sum, report) => sum + report.errors, 0),
      serverCpuCores: round(runReport.cpuMs / 1000 / runReport.measuredSeconds),
      clientCpuCores: round(reports.reduce((sum, report) => sum + (report.cpuWindowMs > 0 ? report.cpuMs / report.cpuWindowMs : 0), 0)),
      machineBusyCores: round(busyCores(machineBefore!, machineAfter)),
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
        `${String(subscribers).padStart(6)} ${mode.padEnd(13)} ${run.eventsPerSec} events/s → ${run.deliveredPerSec} msgs/s, p50 ${run.p50Ms} ms, p99 ${run.p99Ms} ms, max ${run.maxMs} ms, lost ${run.lost} (server dropped ${run.droppedByServer}, skipped ${run.eventsSkipped} events), server ${run.serverCpuCores} cores, clients ${run.clientCpuCores} cores, machine ${run.machineBusyCores} cores ${run.holds ? 'HOLDS' : 'misses'}`,
      );
    }
  }
  console.table(runs.map(({ subscribers, mode, eventsPerSec, p50Ms, p99Ms, deliveredPerSec, lost, serverCpuCores, clientCpuCores, machineBusyCores, holds }) => ({ subscribers, mode, eventsPerSec, p50Ms, p99Ms, deliveredPerSec, lost, serverCpuCores, clientCpuCores, machineBusyCores, holds })));
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
