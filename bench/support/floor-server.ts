// Child process of bench:subscriptions:floor: a bare `ws` WebSocketServer (no GraphQL, no NATS, no
// gateway) that speaks just enough graphql-ws (graphql-transport-ws: connection_init → connection_ack,
// subscribe, ping → pong) and broadcasts one ~700-byte `next` message per event to every subscribed
// socket, at a steady rate. It answers how cheaply any Node WebSocket server could fan out on this
// machine. Modes:
//   perClientSend  socket.send(JSON.stringify(message)) per socket: every socket serializes its own
//                  message and ws frames it (what the gateway does through graphql-ws);
//   sharedFrame    the frame (header + payload) is built once per event (ws's Sender.frame) and the
//                  same Buffer is written to every socket's net.Socket: one write syscall per socket
//                  per event, no per-socket serialization;
//   coalesced      like sharedFrame, but the event's frames are collected for a tick (coalesceMs) and
//                  the tick's frames are written in one write per socket per tick (the tick's bytes
//                  are the same for every socket here, so they are concatenated once).
// Writing to the underlying socket (`ws._socket`) bypasses ws's Sender; that is safe here because
// nothing else is ever sent on a socket once it subscribed (no pings from the server, no
// permessage-deflate, close only after the run). A socket with more than MAX_BUFFERED_EVENTS of
// bytes waiting in its write buffer is skipped for that event (counted as `dropped`): it bounds the
// server's memory when it cannot keep up, and a socket that far behind misses the target anyway.
// Events are due on a fixed schedule (eventRate) and carry `sequence` (0…) and `publishedAt`, the
// time the event was due (epoch ms), not when the server got round to it: a server that falls behind
// shows it as latency. When it is behind, every event that is due is sent at once; an event more
// than MAX_BUFFERED_EVENTS intervals late is skipped for all sockets (counted as dropped), which keeps
// a saturated run to about its scheduled length. The first `warmupEvents` are warm-up.
// IPC: env BENCH_FLOOR_SERVER = { mode, eventRate, warmupEvents, measuredEvents, coalesceMs };
// sends `ready` { port }; answers `subscribers` { count }; on `run` broadcasts the whole schedule,
// sends `measuring` when the first measured event goes out and answers `run` when the last was
// written; `stop` closes and exits; `cpu` (answerCpuQueries).
import type { Socket } from 'node:net';
import * as wsModule from 'ws';
import { WebSocketServer, type WebSocket } from 'ws';
import { answerCpuQueries, exitWithParent, type ChildMessage } from './child-process.ts';

export const floorModes = ['perClientSend', 'sharedFrame', 'coalesced'] as const;
export type FloorMode = (typeof floorModes)[number];

export interface FloorServerSettings {
  mode: FloorMode;
  eventRate: number;
  warmupEvents: number;
  measuredEvents: number;
  coalesceMs: number;
}

export interface FloorRunReport extends ChildMessage {
  /** Measured events scheduled. */
  measuredEvents: number;
  /** Of those, skipped for every socket because the server was more than MAX_BUFFERED_EVENTS behind the schedule. */
  skippedEvents: number;
  /** From the first measured event to the last one written, seconds. */
  measuredSeconds: number;
  /** Server CPU in that window, milliseconds (user + system). */
  cpuMs: number;
  /** Event × socket deliveries skipped (measured events): the socket's write buffer was full, or the event was skipped. */
  dropped: number;
  /** Largest write buffer of any socket seen at an event, bytes. */
  maxBufferedBytes: number;
}

/** A socket (or the server) more than this many events behind is skipped (see above). */
export const MAX_BUFFERED_EVENTS = 100;

// ws exports its Sender (wrapper.mjs), but its typings do not declare it: frame(data, options) → [header, payload]
interface FrameOptions {
  fin: boolean;
  opcode: number;
  mask: boolean;
  readOnly: boolean;
  rsv1: boolean;
}
const frame = (wsModule as unknown as { Sender: { frame(data: Buffer, options: FrameOptions): Buffer[] } }).Sender.frame;
const TEXT = 1;

/** A line as a line board would select it; with the graphql-ws envelope about 700 bytes. */
function lineStateChanged(sequence: number, publishedAt: number) {
  const down = sequence % 2 === 0;
  return {
    id: 'b3c1f7a2-5d0e-4a8b-9c6f-1e2d3a4b5c6d',
    code: 'CNC1',
    name: 'CNC machining line 1',
    site: { id: '7f1e2d3c-4b5a-4968-8776-5a4b3c2d1e0f', code: 'PLANT-NORTH', name: 'North plant' },
    currentState: {
      state: down ? 'DOWN' : 'RUNNING',
      startedAt: new Date(publishedAt).toISOString(),
      reasonCode: down ? 'TOOL_BREAK' : null,
    },
    currentOrder: {
      id: '0a9b8c7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d',
      orderNumber: 'PO-2026-004711',
      status: 'IN_PROGRESS',
      material: { id: '5e4d3c2b-1a09-4f8e-9d7c-6b5a4f3e2d1c', number: 'MAT-100234', description: 'Gear housing, machined' },
      quantityPlanned: 1200,
      quantityGood: 640 + (sequence % 100),
      quantityScrap: 12,
    },
    sequence,
    publishedAt,
  };
}

const message = (sequence: number, publishedAt: number) => ({ id: '1', type: 'next', payload: { data: { lineStateChanged: lineStateChanged(sequence, publishedAt) } } });

/** Bytes of one event's message as sent (for the docs and the report). */
export const messageBytes = Buffer.byteLength(JSON.stringify(message(123_456, Date.now())));

const isChild = process.env.BENCH_FLOOR_SERVER !== undefined;
if (isChild) await serve(JSON.parse(process.env.BENCH_FLOOR_SERVER!) as FloorServerSettings);

async function serve(settings: FloorServerSettings): Promise<void> {
  if (!process.send) throw new Error('usage: forked by bench/subscriptions-floor.bench.ts with BENCH_FLOOR_SERVER');
  exitWithParent();
  answerCpuQueries();
  const maxBuffered = MAX_BUFFERED_EVENTS * messageBytes;
  const subscribed = new Set<WebSocket>();
  let sockets: { ws: WebSocket; raw: Socket }[] = []; // the subscribed sockets as an array, for the hot loop
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false, backlog: 4096, handleProtocols: (protocols) => (protocols.has('graphql-transport-ws') ? 'graphql-transport-ws' : false) });
  await new Promise<void>((resolve) => server.once('listening', resolve));
  server.on('connection', (ws) => {
    ws.on('message', (data) => {
      const incoming = JSON.parse(data.toString()) as { type: string; id?: string };
      if (incoming.type === 'connection_init') ws.send(JSON.stringify({ type: 'connection_ack' }));
      else if (incoming.type === 'ping') ws.send(JSON.stringify({ type: 'pong' }));
      else if (incoming.type === 'subscribe') subscribed.add(ws);
    });
    ws.on('close', () => subscribed.delete(ws));
  });

  let dropped = 0;
  let maxBufferedBytes = 0;
  const measuring = (sequence: number) => sequence >= settings.warmupEvents;
  /** Writes `bytes` to every socket that is not too far behind. */
  function writeToAll(bytes: Buffer, measuredEvents: number): void {
    for (const { raw } of sockets) {
      const buffered = raw.writableLength;
      if (buffered > maxBufferedBytes) maxBufferedBytes = buffered;
      if (buffered > maxBuffered) {
        dropped += measuredEvents;
        continue;
      }
      raw.write(bytes);
    }
  }

  let pending: Buffer[] = [];
  let pendingMeasured = 0;
  function flush(): void {
    if (pending.length === 0) return;
    writeToAll(pending.length === 1 ? pending[0]! : Buffer.concat(pending), pendingMeasured);
    pending = [];
    pendingMeasured = 0;
  }

  function broadcast(sequence: number, publishedAt: number): void {
    const event = message(sequence, publishedAt);
    if (settings.mode === 'perClientSend') {
      for (const { ws, raw } of sockets) {
        const buffered = raw.writableLength;
        if (buffered > maxBufferedBytes) maxBufferedBytes = buffered;
        if (buffered > maxBuffered) {
          if (measuring(sequence)) dropped += 1;
          continue;
        }
        ws.send(JSON.stringify(event));
      }
      return;
    }
    const payload = Buffer.from(JSON.stringify(event));
    const bytes = Buffer.concat(frame(payload, { fin: true, opcode: TEXT, mask: false, readOnly: true, rsv1: false }));
    if (settings.mode === 'sharedFrame') return writeToAll(bytes, measuring(sequence) ? 1 : 0);
    pending.push(bytes);
    if (measuring(sequence)) pendingMeasured += 1;
  }

  async function run(): Promise<FloorRunReport> {
    sockets = [...subscribed].map((ws) => ({ ws, raw: (ws as unknown as { _socket: Socket })._socket }));
    const total = settings.warmupEvents + settings.measuredEvents;
    const interval = 1000 / settings.eventRate;
    const maxLagMs = MAX_BUFFERED_EVENTS * interval;
    const flusher = settings.mode === 'coalesced' ? setInterval(flush, settings.coalesceMs) : undefined;
    let measuredStart = 0;
    let cpuStart = { user: 0, system: 0 };
    let skipped = 0;
    const epochStart = Date.now();
    const start = performance.now();
    for (let next = 0; next < total; ) {
      const wait = start + next * interval - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      else await new Promise((resolve) => setImmediate(resolve)); // behind: catch up, but let I/O run
      // every event due by now, back to back (a server that fell behind makes them all at once)
      const now = performance.now();
      for (; next < total && start + next * interval <= now; next++) {
        if (next === settings.warmupEvents) {
          measuredStart = now;
          cpuStart = process.cpuUsage();
          process.send!({ type: 'measuring' });
        }
        if (now - (start + next * interval) > maxLagMs) {
          // more than MAX_BUFFERED_EVENTS behind the schedule: skipped for every socket
          if (measuring(next)) {
            skipped += 1;
            dropped += sockets.length;
          }
          continue;
        }
        broadcast(next, Math.round(epochStart + next * interval));
      }
    }
    clearInterval(flusher);
    flush();
    const cpu = process.cpuUsage(cpuStart);
    return { type: 'run', measuredEvents: settings.measuredEvents, skippedEvents: skipped, measuredSeconds: (performance.now() - measuredStart) / 1000, cpuMs: (cpu.user + cpu.system) / 1000, dropped, maxBufferedBytes };
  }

  process.on('message', (incoming: ChildMessage) => {
    if (incoming.type === 'subscribers') process.send!({ type: 'subscribers', count: subscribed.size });
    else if (incoming.type === 'run') void run().then((report) => process.send!(report));
    else if (incoming.type === 'stop') {
      for (const ws of server.clients) ws.terminate();
      server.close(() => process.exit(0));
    }
  });
  process.send({ type: 'ready', port: (server.address() as { port: number }).port, messageBytes });
}
