// Subscriptions with coalesced WebSocket writes (GATEWAY_WS_COALESCE_MS): the real gateway and
// subgraphs, real NATS, real graphql-ws clients. The window is long (300 ms) so that results are
// still queued in the coalescer when the tests look: a burst, a client that stops reading, a
// shutdown.
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { connectBus, ensureStreams } from '../../core/bus.ts';
import { createEvent, eventSubject, type EventEnvelope } from '../../core/events.ts';
import { silentLogger } from '../../core/log.ts';
import { deleteStreams, testStreamSettings } from '../support/bus.ts';
import { eventually } from '../support/eventually.ts';
import { startHubUnderTest, type HubUnderTest } from '../support/hub.ts';
import { natsUrl } from '../support/services.ts';
import { createTestSubscriber, type TestSubscriber } from '../support/subscriber.ts';

jest.setTimeout(120_000);

const WINDOW_MS = 300;
const QUEUE_CAPACITY = 32;

describe('gateway subscriptions with coalesced WebSocket writes', () => {
  const streams = testStreamSettings('gw_subs_coal');
  let bus: NatsConnection;
  let hub: HubUnderTest;
  const subscribers: TestSubscriber[] = [];
  let line: { id: string; siteId: string };

  async function lineState(): Promise<EventEnvelope<'LineStateChanged'>> {
    const event = createEvent({
      type: 'LineStateChanged',
      data: { lineId: line.id, siteId: line.siteId, assetId: randomUUID(), state: 'RUNNING', previousState: 'IDLE', since: new Date().toISOString(), reasonCode: null, orderId: null },
      source: 'test',
      subject: `test/${randomUUID()}`,
    });
    await jetstream(bus).publish(eventSubject('LineStateChanged', streams.SUBJECT_PREFIX), JSON.stringify(event), { msgID: event.id });
    return event;
  }
  async function subscriberAs(role: 'viewer' | 'operator'): Promise<TestSubscriber> {
    const subscriber = createTestSubscriber(hub.gateway.websocketUrl, await hub.token({ role }));
    subscribers.push(subscriber);
    await subscriber.connected();
    return subscriber;
  }
  async function metric(name: string, labels = ''): Promise<number> {
    const text = await (await fetch(`${hub.gateway.url}/metrics`)).text();
    return [...text.matchAll(new RegExp(`^${name}\\{([^}]*)\\} (\\d+)`, 'gm'))].filter((match) => match[1]!.includes(labels)).reduce((sum, match) => sum + Number(match[2]), 0);
  }
  const live = (count: number) => eventually(async () => expect(await metric('plantgraph_gateway_subscriptions_active')).toBe(count));

  beforeAll(async () => {
    bus = await connectBus({ url: natsUrl, name: 'test-gw-subs-coal', log: silentLogger });
    await ensureStreams(bus, streams, silentLogger);
    hub = await startHubUnderTest('gw_subs_coal', {
      bus,
      streams,
      config: { GATEWAY_WS_COALESCE_MS: String(WINDOW_MS), GATEWAY_MAX_ALIASES: '1000', GATEWAY_MAX_TOKENS: '20000' },
      gateway: { subscriberQueueCapacity: QUEUE_CAPACITY },
    });
    const { rows } = await hub.database.pool.query<{ lineId: string; siteId: string }>(
      `SELECT o.line_id AS "lineId", l.site_id AS "siteId" FROM orders.production_order o JOIN assets.line l ON l.id = o.line_id WHERE o.erp_order_number = '1000101'`,
    );
    line = { id: rows[0]!.lineId, siteId: rows[0]!.siteId };
  });
  afterAll(async () => {
    await Promise.all(subscribers.map((subscriber) => subscriber.dispose()));
    await hub?.stop();
    await deleteStreams(bus, streams);
    await bus?.close();
  });

  it('coalesced - a burst reaches two subscriptions on one socket and one on another complete and in order', async () => {
    const operator = await subscriberAs('operator');
    const query = `subscription { lineStateChanged(lineId: "${line.id}") { id name currentState { state } } }`;
    const first = operator.subscribe(query);
    const second = operator.subscribe(`subscription { lineStateChanged(siteId: "${line.siteId}") { id } }`);
    const other = (await subscriberAs('viewer')).subscribe(query);
    await live(3);
    const published: string[] = [];
    for (let index = 0; index < 60; index++) published.push((await lineState()).id);

    for (const subscription of [first, second, other]) {
      await subscription.waitForResults(published.length, 30_000);
      expect(subscription.results.map((result) => result.extensions?.event?.id)).toEqual(published);
      expect(subscription.results.every((result) => result.errors === undefined)).toBe(true);
    }
    expect(first.results.at(-1)?.data?.lineStateChanged).toMatchObject({ id: line.id, name: expect.any(String) });
    expect(operator.closes).toEqual([]);
    for (const subscription of [first, second, other]) subscription.unsubscribe();
    await live(0);
  });

  it('coalesced - a client that stops reading is still closed with 4008, and the other gets every event in order', async () => {
    // ~10 kB per result: past the coalescer's 16 KiB, sends wait for the socket again
    const big = `subscription { lineStateChanged(lineId: "${line.id}") { ${Array.from({ length: 500 }, (_, index) => `n${index}: name`).join(' ')} } }`;
    const fast = (await subscriberAs('viewer')).subscribe(big);
    const slowClient = await subscriberAs('viewer');
    const slow = slowClient.subscribe(big);
    await live(2);
    slowClient.pause();

    const published: string[] = [];
    for (let batch = 0; batch < 60 && (await metric('plantgraph_gateway_subscriptions_ended_total', 'slowConsumer')) === 0; batch++) {
      for (let index = 0; index < 50; index++) published.push((await lineState()).id);
      await fast.waitForResults(published.length, 30_000);
    }
    expect(await metric('plantgraph_gateway_subscriptions_ended_total', 'reason="slowConsumer"')).toBe(1);
    expect(fast.results.map((result) => result.extensions?.event?.id)).toEqual(published);
    slowClient.resume();
    await eventually(() => expect(slowClient.closes[0]).toEqual({ code: 4008, reason: 'Slow consumer: too many events waiting' }), { timeoutMs: 40_000 });
    expect(slow.results.map((result) => result.extensions?.event?.id)).toEqual(published.slice(0, slow.results.length));
    fast.unsubscribe();
    await live(0);
  });

  it('coalesced - on shutdown, results still waiting for the tick are delivered, then the socket closes with 1001', async () => {
    const viewer = await subscriberAs('viewer');
    const subscription = viewer.subscribe(`subscription { lineStateChanged(lineId: "${line.id}") { id } }`);
    await live(1);
    const deliveredBefore = await metric('plantgraph_gateway_subscription_events_total');
    const published: string[] = [];
    for (let index = 0; index < 5; index++) published.push((await lineState()).id);
    // handed to the socket (counted), but the tick has not written them yet
    await eventually(async () => expect(await metric('plantgraph_gateway_subscription_events_total')).toBe(deliveredBefore + 5), { intervalMs: 10 });
    const receivedAtClose = subscription.results.length;
    await hub.gateway.close();
    await eventually(() => expect(viewer.closes).toEqual([{ code: 1001, reason: 'Going away' }]));
    expect(receivedAtClose).toBeLessThan(5);
    expect(subscription.results.map((result) => result.extensions?.event?.id)).toEqual(published);
    expect(subscription.completed).toBe(true);
  });
});
