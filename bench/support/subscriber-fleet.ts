// Child process of bench:subscriptions: N real graphql-ws clients (one WebSocket each) subscribed
// through the gateway, in a process of their own so the gateway's event loop is not theirs.
// Latency per result = receive time − the event's occurredAt (stamped by the publisher just before
// it publishes; both processes read the same wall clock), kept in a 0.1 ms histogram
// (bench/support/latency-histogram.ts).
// IPC: env BENCH_FLEET = { url, token, query, subscribers }; sends `ready` once every client has
// subscribed; answers `report` with counts and the histogram's non-empty [bucket, count] pairs, and `stop`.
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { exitWithParent } from './child-process.ts';
import { createLatencyHistogram } from './latency-histogram.ts';

interface FleetSettings {
  url: string;
  token: string;
  query: string;
  subscribers: number;
}

const settings = JSON.parse(process.env.BENCH_FLEET ?? 'null') as FleetSettings | null;
if (!settings || !process.send) throw new Error('usage: forked by bench/subscriptions.bench.ts with BENCH_FLEET');
exitWithParent();

const histogram = createLatencyHistogram();
let received = 0;
let errors = 0;
let closedEarly = 0;
const firstError: string[] = [];

function record(result: { errors?: { message: string }[]; extensions?: { event?: { occurredAt?: string } } }): void {
  if (result.errors?.length) {
    errors += 1;
    if (firstError.length === 0) firstError.push(result.errors[0]!.message);
    return;
  }
  received += 1;
  const occurredAt = result.extensions?.event?.occurredAt;
  if (!occurredAt) return;
  histogram.record(Date.now() - Date.parse(occurredAt));
}

const clients: Client[] = [];
async function subscribeOne(): Promise<void> {
  let subscribed!: () => void;
  const ready = new Promise<void>((resolve) => (subscribed = resolve));
  const client = createClient({
    url: settings!.url,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${settings!.token}` },
    lazy: false,
    retryAttempts: 0,
    on: { connected: () => subscribed(), closed: () => void (closedEarly += 1) },
  });
  clients.push(client);
  client.subscribe({ query: settings!.query }, { next: record, error: () => void (errors += 1), complete: () => undefined });
  await ready;
}

// connect in waves, so the gateway's accept queue is not the thing measured
for (let started = 0; started < settings.subscribers; started += 200) {
  await Promise.all(Array.from({ length: Math.min(200, settings.subscribers - started) }, subscribeOne));
}
closedEarly = 0;
process.send({ type: 'ready', rssMb: process.memoryUsage().rss / 1_048_576 });

process.on('message', (message: { type: string }) => {
  if (message.type === 'report') {
    process.send!({ type: 'report', received, errors, closedEarly, firstError: firstError[0] ?? null, bucketMs: histogram.bucketMs, buckets: histogram.buckets() });
    received = 0;
    errors = 0;
    histogram.reset();
  } else if (message.type === 'stop') {
    void Promise.all(clients.map((client) => client.dispose())).finally(() => process.exit(0));
  }
});
