// A first, partial measurement for issue 6: how the gateway's event feed (one JetStream ordered
// consumer per type, fanned out in process) holds with N listeners at a steady 100 LineStateChanged
// events/s. Listeners are in-process callbacks, NOT graphql-ws clients: no socket, no entity
// resolution, no JSON per client. Latency = publish call → listener callback. Writes
// bench/results/subscriptions-feed.json. Usage: tsx bench/subscriptions-feed.bench.ts [N…]
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connectBus, ensureStreams } from '../core/bus.ts';
import { loadConfig } from '../core/config.ts';
import { createEvent, eventSubject } from '../core/events.ts';
import { silentLogger } from '../core/log.ts';
import { createEventFeed } from '../gateway/subscriptions/event-feed.ts';

const RATE = 100;
const SECONDS = 5;
const counts = process.argv.slice(2).map(Number).filter((n) => n > 0);
const tried = counts.length ? counts : [1_000, 5_000];
const id = randomUUID().slice(0, 8).toUpperCase();
const settings = { ...loadConfig({}), STREAM_TELEMETRY: `B_${id}_T`, STREAM_DOMAIN_EVENTS: `B_${id}_E`, STREAM_DLQ: `B_${id}_D`, SUBJECT_PREFIX: `b_${id.toLowerCase()}` };
const connection = await connectBus({ url: process.env.NATS_URL ?? 'nats://127.0.0.1:4222', name: 'bench-feed', log: silentLogger });
await ensureStreams(connection, settings, silentLogger);
const js = jetstream(connection);
const results = [];
try {
  for (const subscribers of tried) {
    const feed = createEventFeed({ connection, stream: settings.STREAM_DOMAIN_EVENTS, subjectPrefix: settings.SUBJECT_PREFIX, log: silentLogger });
    const publishedAt = new Map<string, number>();
    const latencies: number[] = [];
    let delivered = 0;
    for (let index = 0; index < subscribers; index++) {
      await feed.listen('LineStateChanged', (fed) => {
        delivered++;
        const sent = publishedAt.get(fed.event.id);
        if (sent !== undefined) latencies.push(performance.now() - sent);
      });
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    const total = RATE * SECONDS;
    const start = performance.now();
    for (let index = 0; index < total; index++) {
      const wait = start + (index * 1000) / RATE - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const event = createEvent({
        type: 'LineStateChanged',
        data: { lineId: randomUUID(), siteId: randomUUID(), assetId: randomUUID(), state: 'RUNNING', previousState: 'IDLE', since: new Date().toISOString(), reasonCode: null, orderId: null },
        source: 'bench',
        subject: 'line/x',
      });
      publishedAt.set(event.id, performance.now());
      void js.publish(eventSubject('LineStateChanged', settings.SUBJECT_PREFIX), JSON.stringify(event), { msgID: event.id });
    }
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await feed.close();
    latencies.sort((a, b) => a - b);
    const at = (q: number) => Math.round((latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN) * 10) / 10;
    const result = { subscribers, eventsPublished: total, deliveriesPerSec: Math.round(delivered / SECONDS), p50Ms: at(0.5), p99Ms: at(0.99), lost: total * subscribers - delivered };
    console.log(result);
    results.push(result);
  }
} finally {
  const manager = await jetstreamManager(connection);
  for (const name of [settings.STREAM_TELEMETRY, settings.STREAM_DOMAIN_EVENTS, settings.STREAM_DLQ]) await manager.streams.delete(name).catch(() => false);
  await connection.close();
}
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/subscriptions-feed.json', `${JSON.stringify({ note: 'in-process listeners of the event feed only; not graphql-ws clients', ratePerSec: RATE, seconds: SECONDS, results }, null, 2)}\n`);
