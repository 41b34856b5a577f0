// Child process of bench:subscriptions:floor: N raw `ws` clients (not the graphql-ws library, to
// keep the clients' cost low; no permessage-deflate, no UTF-8 validation: JSON.parse decodes anyway)
// that do the graphql-transport-ws handshake (connection_init, wait for connection_ack, subscribe)
// against bench/support/floor-server.ts and then parse every `next` message. Latency per message =
// Date.now() − the event's publishedAt (both processes read the same wall clock), in the 0.1 ms
// histogram of latency-histogram.ts (whole milliseconds in practice: Date.now()). Only measured
// events (sequence ≥ warmupEvents) are counted, per client.
// IPC: env BENCH_FLOOR_FLEET = { url, clients, warmupEvents, measuredEvents }; sends `ready` once
// every client has subscribed; answers `report` (cumulative: received, the fewest any client got,
// first/last receive time, own CPU, closed sockets, errors, histogram) and `stop` (exits; the
// kernel closes the sockets).
import WebSocket from 'ws';
import { exitWithParent, type ChildMessage } from './child-process.ts';
import { createLatencyHistogram, type LatencyBuckets } from './latency-histogram.ts';

export interface FloorFleetSettings {
  url: string;
  clients: number;
  warmupEvents: number;
  measuredEvents: number;
}

export interface FloorFleetReport extends ChildMessage {
  /** Measured messages received by all clients of this process. */
  received: number;
  /** The fewest measured messages any one client received. */
  fewestPerClient: number;
  /** Date.now() at the first and the last measured message (0 before any). */
  firstAt: number;
  lastAt: number;
  /**
   * This process's CPU (user + system, ms) from the first measured message to the first arrival of
   * the highest sequence seen, and that window's length in ms: measured here because a saturated
   * process answers IPC questions only after its backlog.
   */
  cpuMs: number;
  cpuWindowMs: number;
  /** Sockets closed since they subscribed. */
  closed: number;
  errors: number;
  firstError: string | null;
  bucketMs: number;
  buckets: LatencyBuckets;
}

const settings = JSON.parse(process.env.BENCH_FLOOR_FLEET ?? 'null') as FloorFleetSettings | null;
if (!settings || !process.send) throw new Error('usage: forked by bench/subscriptions-floor.bench.ts with BENCH_FLOOR_FLEET');
exitWithParent();

const histogram = createLatencyHistogram();
const receivedPerClient = new Uint32Array(settings.clients);
const measuredFrom = settings.warmupEvents;
const measuredTo = settings.warmupEvents + settings.measuredEvents;
let received = 0;
let firstAt = 0;
let lastAt = 0;
let highestSequence = -1;
let cpuFirst: NodeJS.CpuUsage | undefined;
let cpuLast = { user: 0, system: 0 };
let cpuWindowMs = 0;
let closed = 0;
let errors = 0;
let firstError: string | null = null;
const fail = (error: unknown) => {
  errors += 1;
  firstError ??= String(error);
};

interface NextMessage {
  type: string;
  payload?: { data?: { lineStateChanged?: { sequence: number; publishedAt: number } } };
}

function connect(index: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(settings!.url, 'graphql-transport-ws', { perMessageDeflate: false, skipUTF8Validation: true });
    let subscribed = false;
    socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: {} })));
    socket.on('message', (data: Buffer) => {
      const message = JSON.parse(data.toString()) as NextMessage;
      const line = message.payload?.data?.lineStateChanged;
      if (message.type === 'next' && line) {
        const now = Date.now();
        if (line.sequence < measuredFrom || line.sequence >= measuredTo) return;
        received += 1;
        receivedPerClient[index]! += 1;
        histogram.record(now - line.publishedAt);
        lastAt = now;
        if (line.sequence > highestSequence) {
          // once per event for the whole process, not per message
          highestSequence = line.sequence;
          if (!cpuFirst) {
            cpuFirst = process.cpuUsage();
            firstAt = now;
          } else {
            cpuLast = process.cpuUsage(cpuFirst);
            cpuWindowMs = now - firstAt;
          }
        }
      } else if (message.type === 'connection_ack') {
        socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: 'subscription { lineStateChanged(siteId: "PLANT-NORTH") { id code name currentState { state startedAt } } }' } }));
        subscribed = true;
        resolve();
      }
    });
    socket.on('error', (error) => (subscribed ? fail(error) : reject(error)));
    socket.on('close', () => {
      if (subscribed) closed += 1;
      else reject(new Error('closed before connection_ack'));
    });
  });
}

// connect in waves, so the server's accept queue is not the thing measured
for (let started = 0; started < settings.clients; started += 200) {
  await Promise.all(Array.from({ length: Math.min(200, settings.clients - started) }, (_, offset) => connect(started + offset)));
}
process.send({ type: 'ready' });

process.on('message', (message: ChildMessage) => {
  if (message.type === 'report') {
    const report: FloorFleetReport = {
      type: 'report',
      received,
      fewestPerClient: Math.min(...receivedPerClient),
      firstAt,
      lastAt,
      cpuMs: (cpuLast.user + cpuLast.system) / 1000,
      cpuWindowMs,
      closed,
      errors,
      firstError,
      bucketMs: histogram.bucketMs,
      buckets: histogram.buckets(),
    };
    process.send!(report);
  } else if (message.type === 'stop') process.exit(0);
});
