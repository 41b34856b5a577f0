// Subscriptions when things go wrong: NATS restarts under a live subscription, a client stops
// reading, a client uses SSE, the gateway shuts down with an event in flight. The gateway runs on
// a private nats-server the test can restart (test/support/private-nats.ts).
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { connectBus, ensureStreams } from '../../core/bus.ts';
import { createEvent, eventSubject, type EventData, type EventEnvelope, type EventType } from '../../core/events.ts';
import { silentLogger } from '../../core/log.ts';
import { startSubgraph } from '../../core/graphql/subgraph.ts';
import { allSubgraphs } from '../../subgraphs/index.ts';
import { testStreamSettings } from '../support/bus.ts';
import { eventually } from '../support/eventually.ts';
import { startHubUnderTest, type HubUnderTest } from '../support/hub.ts';
import { startPrivateNats, type PrivateNats } from '../support/private-nats.ts';
import { createTestSubscriber, type TestSubscriber } from '../support/subscriber.ts';

jest.setTimeout(120_000);

const QUEUE_CAPACITY = 32; // events a subscriber may have waiting before it is closed as too slow

describe('gateway subscriptions under failure', () => {
  const streams = testStreamSettings('gw_subs_res');
  let nats: PrivateNats;
  let bus: NatsConnection;
  let hub: HubUnderTest;
  const subscribers: TestSubscriber[] = [];
  let order: { id: string; customerId: string; lineId: string };
  let line: { id: string; siteId: string };

  async function publish<T extends EventType>(type: T, data: EventData<T>): Promise<EventEnvelope<T>> {
    const event = createEvent({ type, data, source: 'test', subject: `test/${randomUUID()}` });
    await jetstream(bus).publish(eventSubject(type, streams.SUBJECT_PREFIX), JSON.stringify(event), { msgID: event.id });
    return event;
  }
  const orderStatus = () =>
    publish('OrderStatusChanged', { orderId: order.id, customerId: order.customerId, lineId: order.lineId, status: 'IN_PROGRESS', previousStatus: 'RELEASED', changedAt: new Date().toISOString() });
  const lineState = () =>
    publish('LineStateChanged', { lineId: line.id, siteId: line.siteId, assetId: randomUUID(), state: 'RUNNING', previousState: 'IDLE', since: new Date().toISOString(), reasonCode: null, orderId: null });

  async function subscriberAs(identity: Parameters<HubUnderTest['token']>[0]): Promise<TestSubscriber> {
    const subscriber = createTestSubscriber(hub.gateway.websocketUrl, await hub.token(identity));
    subscribers.push(subscriber);
    await subscriber.connected();
    return subscriber;
  }
  async function metric(name: string, labels = ''): Promise<number> {
    const text = await (await fetch(`${hub.gateway.url}/metrics`)).text();
    return [...text.matchAll(new RegExp(`^${name}\\{([^}]*)\\} (\\d+)`, 'gm'))].filter((match) => match[1]!.includes(labels)).reduce((sum, match) => sum + Number(match[2]), 0);
  }
  const live = (count: number) => eventually(async () => expect(await metric('plantgraph_gateway_subscriptions_active')).toBe(count));

  async function restartOrdersSubgraph(stopped: () => Promise<void>): Promise<void> {
    const orders = hub.subgraphs.orders!;
    const port = Number(new URL(orders.url).port);
    await orders.stop();
    await stopped();
    const definition = allSubgraphs.find((candidate) => candidate.name === 'orders')!;
    hub.subgraphs.orders = await startSubgraph(definition, { port, database: hub.database, internalSecret: hub.config.INTERNAL_SECRET, log: silentLogger, bus });
  }

  beforeAll(async () => {
    nats = await startPrivateNats();
    bus = await connectBus({ url: nats.url, name: 'test-gw-subs-res', log: silentLogger });
    await ensureStreams(bus, streams, silentLogger);
    hub = await startHubUnderTest('gw_subs_res', {
      bus,
      streams,
      // the slow-client test selects one field under hundreds of aliases to make results large
      config: { GATEWAY_MAX_ALIASES: '1000', GATEWAY_MAX_TOKENS: '20000' },
      gateway: { subscriberQueueCapacity: QUEUE_CAPACITY },
    });
    const { rows } = await hub.database.pool.query<{ id: string; customerId: string; lineId: string; siteId: string }>(
      `SELECT o.id, o.customer_id AS "customerId", o.line_id AS "lineId", l.site_id AS "siteId"
         FROM orders.production_order o JOIN assets.line l ON l.id = o.line_id WHERE o.erp_order_number = '1000101'`,
    );
    order = rows[0]!;
    line = { id: rows[0]!.lineId, siteId: rows[0]!.siteId };
  });
  afterAll(async () => {
    await Promise.all(subscribers.map((subscriber) => subscriber.dispose()));
    await hub?.stop();
    await bus?.close();
    await nats?.remove();
  });

  it('NATS restarts under a live subscription: events after the restart arrive, and the client never reconnects', async () => {
    const planner = await subscriberAs({ role: 'planner' });
    const subscription = planner.subscribe(`subscription { orderStatusChanged(orderId: "${order.id}") { id status } }`);
    await live(1);
    const before = await orderStatus();
    await subscription.waitForResults(1);

    await nats.restart();
    let after: EventEnvelope | undefined;
    // the gateway's connection publishes once it has reconnected; retry until the stream takes it
    await eventually(async () => void (after = await orderStatus()), { timeoutMs: 30_000, intervalMs: 250 });
    await subscription.waitForResults(2, 60_000);
    expect(subscription.results.map((result) => result.extensions?.event?.id)).toEqual([before.id, after!.id]);
    expect(planner.connections).toBe(1);
    subscription.unsubscribe();
    await live(0);
  });

  it('a client that stops reading is closed with 4008 once its queue is full, and does not hold up the others', async () => {
    // ~10 kB per result, so the socket's buffers fill after a few hundred events
    const big = `subscription { lineStateChanged(lineId: "${line.id}") { ${Array.from({ length: 500 }, (_, index) => `n${index}: name`).join(' ')} } }`;
    const fast = (await subscriberAs({ role: 'viewer' })).subscribe(big);
    const slowClient = await subscriberAs({ role: 'viewer' });
    const slow = slowClient.subscribe(big);
    await live(2);
    slowClient.pause();

    const published: string[] = [];
    for (let batch = 0; batch < 60 && (await metric('plantgraph_gateway_subscriptions_ended_total', 'slowConsumer')) === 0; batch++) {
      for (let index = 0; index < 50; index++) published.push((await lineState()).id);
      await fast.waitForResults(published.length, 30_000);
    }
    expect(await metric('plantgraph_gateway_subscriptions_ended_total', 'reason="slowConsumer"')).toBe(1);
    // the fast client got every event, in order, while the slow one backed up
    await fast.waitForResults(published.length);
    expect(fast.results.map((result) => result.extensions?.event?.id)).toEqual(published);
    slowClient.resume();
    await eventually(() => expect(slowClient.closes[0]).toEqual({ code: 4008, reason: 'Slow consumer: too many events waiting' }), { timeoutMs: 40_000 });
    // what it did get before it fell behind came in order, without gaps
    expect(slow.results.map((result) => result.extensions?.event?.id)).toEqual(published.slice(0, slow.results.length));
    await live(1);
  });

  it('SSE: a subscription over text/event-stream receives the event with the same payload', async () => {
    const before = await metric('plantgraph_gateway_subscriptions_active', 'orderStatusChanged');
    const controller = new AbortController();
    const response = await fetch(hub.gateway.graphqlUrl, {
      method: 'POST',
      signal: controller.signal,
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${await hub.token({ role: 'planner' })}` },
      body: JSON.stringify({ query: `subscription { orderStatusChanged(orderId: "${order.id}") { id status } }` }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const reader = response.body!.getReader();
    await eventually(async () => expect(await metric('plantgraph_gateway_subscriptions_active', 'orderStatusChanged')).toBe(before + 1));
    const event = await orderStatus();
    let text = '';
    while (!text.includes(event.id)) {
      const chunk = await reader.read();
      if (chunk.done) break;
      text += new TextDecoder().decode(chunk.value);
    }
    const next = text.split('\n').find((row) => row.startsWith('data:') && row.includes(event.id));
    expect(JSON.parse(next!.slice('data:'.length))).toMatchObject({ data: { orderStatusChanged: { id: order.id } }, extensions: { event: { id: event.id } } });
    controller.abort();
    // the client went away: the subscription ends with it
    await eventually(async () => expect(await metric('plantgraph_gateway_subscriptions_active', 'orderStatusChanged')).toBe(before));
  });

  it('graceful shutdown: an event still being resolved is delivered, then the socket closes with 1001', async () => {
    const planner = await subscriberAs({ role: 'planner' });
    const subscription = planner.subscribe(`subscription { orderStatusChanged(orderId: "${order.id}") { id status } }`);
    await eventually(async () => expect(await metric('plantgraph_gateway_subscriptions_active', 'orderStatusChanged')).toBe(1));
    let closing: Promise<void> | undefined;
    let event: EventEnvelope | undefined;
    // The orders subgraph is away while the event arrives, so its resolution is retrying when the
    // gateway starts to stop; it comes back, the event resolves and goes out, then the socket closes.
    await restartOrdersSubgraph(async () => {
      event = await orderStatus();
      await new Promise((resolve) => setTimeout(resolve, 150));
      closing = hub.gateway.close();
      await new Promise((resolve) => setTimeout(resolve, 100));
    });
    const started = Date.now();
    await closing;
    // nothing else holds the shutdown up to its grace period
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(subscription.results.map((result) => result.extensions?.event?.id)).toEqual([event!.id]);
    expect(subscription.results[0]?.errors).toBeUndefined();
    await eventually(() => expect(planner.closes).toContainEqual({ code: 1001, reason: 'Going away' }));
  });
});
