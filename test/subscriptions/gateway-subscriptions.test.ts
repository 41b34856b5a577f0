// Subscriptions end to end: real graphql-ws clients on the gateway's WebSocket, the real gateway and
// subgraphs on a seeded database, domain events published on the real NATS.
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { signDevelopmentToken } from '../../core/auth.ts';
import { connectBus, ensureStreams } from '../../core/bus.ts';
import { startOutboxRelay } from '../../core/outbox.ts';
import { createEvent, eventSubject, type EventData, type EventEnvelope, type EventType } from '../../core/events.ts';
import { silentLogger } from '../../core/log.ts';
import { startSubgraph } from '../../core/graphql/subgraph.ts';
import { allSubgraphs } from '../../subgraphs/index.ts';
import { deleteStreams, testStreamSettings } from '../support/bus.ts';
import { eventually } from '../support/eventually.ts';
import { startHubUnderTest, type HubUnderTest } from '../support/hub.ts';
import { natsUrl } from '../support/services.ts';
import { createTestSubscriber, type TestSubscriber } from '../support/subscriber.ts';

jest.setTimeout(60_000);

interface SeedOrder {
  id: string;
  customerId: string | null;
  lineId: string;
  siteId: string;
}

describe('gateway subscriptions', () => {
  const streams = testStreamSettings('gw_subs');
  let bus: NatsConnection;
  let hub: HubUnderTest;
  const subscribers: TestSubscriber[] = [];
  let acmeOrder: SeedOrder;
  let globexOrder: SeedOrder;
  let lyonLine: { id: string; siteId: string };

  async function publish<T extends EventType>(type: T, data: EventData<T>): Promise<EventEnvelope<T>> {
    const event = createEvent({ type, data, source: 'test', subject: `test/${randomUUID()}` });
    await jetstream(bus).publish(eventSubject(type, streams.SUBJECT_PREFIX), JSON.stringify(event), { msgID: event.id });
    return event;
  }
  const orderStatus = (order: SeedOrder, status: EventData<'OrderStatusChanged'>['status'] = 'IN_PROGRESS') =>
    publish('OrderStatusChanged', { orderId: order.id, customerId: order.customerId, lineId: order.lineId, status, previousStatus: 'RELEASED', changedAt: new Date().toISOString() });

  async function subscriberAs(identity: Parameters<HubUnderTest['token']>[0], options: { retryAttempts?: number } = {}): Promise<TestSubscriber> {
    const subscriber = createTestSubscriber(hub.gateway.websocketUrl, await hub.token(identity), options);
    subscribers.push(subscriber);
    await subscriber.connected();
    return subscriber;
  }
  /** A subscription is live once the gateway counts it. */
  async function live(count: number): Promise<void> {
    await eventually(async () => {
      const metrics = await (await fetch(`${hub.gateway.url}/metrics`)).text();
      const active = [...metrics.matchAll(/^plantgraph_gateway_subscriptions_active\{[^}]*\} (\d+)/gm)].reduce((sum, match) => sum + Number(match[1]), 0);
      expect(active).toBe(count);
    });
  }

  beforeAll(async () => {
    bus = await connectBus({ url: natsUrl, name: 'test-gw-subs', log: silentLogger });
    await ensureStreams(bus, streams, silentLogger);
    hub = await startHubUnderTest('gw_subs', { bus, streams });
    const { rows } = await hub.database.pool.query<SeedOrder & { number: string }>(
      `SELECT o.id, o.customer_id AS "customerId", o.line_id AS "lineId", l.site_id AS "siteId", o.erp_order_number AS number
         FROM orders.production_order o JOIN assets.line l ON l.id = o.line_id`,
    );
    acmeOrder = rows.find((row) => row.number === '1000101')!;
    globexOrder = rows.find((row) => row.number === '1000102')!;
    const lyon = rows.find((row) => row.number === '2000201')!;
    lyonLine = { id: lyon.lineId, siteId: lyon.siteId };
  });
  afterAll(async () => {
    await Promise.all(subscribers.map((subscriber) => subscriber.dispose()));
    await hub?.stop();
    await deleteStreams(bus, streams);
    await bus.close();
  });

  it('orderStatusChanged - the payload selects fields other subgraphs resolve (line, its current state, inspection lots)', async () => {
    const planner = await subscriberAs({ role: 'planner' });
    const subscription = planner.subscribe(
      `subscription Watch($orderId: ID) { orderStatusChanged(orderId: $orderId) { id status erpOrderNumber line { name currentState { state } } inspectionLots { status } } }`,
      { orderId: acmeOrder.id },
    );
    await live(1);
    await orderStatus(globexOrder); // another order: filtered out
    const event = await orderStatus(acmeOrder);
    const [result] = await subscription.waitForResults(1);
    expect(result?.errors).toBeUndefined();
    expect(result?.data?.orderStatusChanged).toMatchObject({ id: acmeOrder.id, erpOrderNumber: '1000101', line: { name: expect.any(String) }, inspectionLots: expect.any(Array) });
    expect(result?.extensions?.event).toMatchObject({ id: event.id, type: 'OrderStatusChanged', sequence: expect.any(Number), data: { status: 'IN_PROGRESS' } });
    subscription.unsubscribe();
    await live(0);
  });

  it('orderStatusChanged - a partner gets only its own customer\'s orders, and naming another customer is FORBIDDEN', async () => {
    const partner = await subscriberAs({ role: 'partner', customerId: acmeOrder.customerId! });
    const wildcard = partner.subscribe(`subscription { orderStatusChanged { id customer { id } } }`);
    const forbidden = partner.subscribe(`subscription { orderStatusChanged(customerId: "${globexOrder.customerId}") { id } }`);
    await forbidden.waitForResults(1);
    expect(forbidden.results[0]?.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    await live(1);
    await orderStatus(globexOrder);
    await orderStatus(acmeOrder);
    await orderStatus(globexOrder, 'COMPLETED');
    const marker = await orderStatus(acmeOrder, 'COMPLETED');
    await eventually(() => expect(wildcard.results.map((result) => result.extensions?.event?.id)).toContain(marker.id));
    expect(wildcard.results).toHaveLength(2);
    for (const result of wildcard.results) expect(result.data?.orderStatusChanged).toEqual({ id: acmeOrder.id, customer: { id: acmeOrder.customerId } });
    wildcard.unsubscribe();
    await live(0);
  });

  it('lineStateChanged and alarmRaised - a token limited to other sites is refused that site, and a wildcard never sees it', async () => {
    const otherSite = randomUUID();
    const viewer = await subscriberAs({ role: 'viewer', siteIds: [otherSite] });
    const refused = viewer.subscribe(`subscription { lineStateChanged(siteId: "${lyonLine.siteId}") { id } }`);
    await refused.waitForResults(1);
    expect(refused.results[0]?.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const blind = viewer.subscribe(`subscription { lineStateChanged { id } }`);
    const operator = await subscriberAs({ role: 'operator' });
    const seeing = operator.subscribe(`subscription { lineStateChanged(siteId: "${lyonLine.siteId}") { id name currentState { state } } }`);
    const alarms = operator.subscribe(`subscription { alarmRaised(lineId: "${lyonLine.id}", minSeverity: CRITICAL) { __typename } }`);
    await live(3);
    await publish('LineStateChanged', { lineId: lyonLine.id, siteId: lyonLine.siteId, assetId: randomUUID(), state: 'DOWN', previousState: 'RUNNING', since: new Date().toISOString(), reasonCode: 'JAM', orderId: null });
    const [result] = await seeing.waitForResults(1);
    expect(result?.data?.lineStateChanged).toMatchObject({ id: lyonLine.id, name: expect.any(String) });
    // a WARNING below minSeverity is filtered before resolution (the alarm id is not even looked up)
    await publish('AlarmRaised', { alarmId: randomUUID(), assetId: randomUUID(), lineId: lyonLine.id, siteId: lyonLine.siteId, code: 'TEMP', severity: 'WARNING', message: 'warm', raisedAt: new Date().toISOString() });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(blind.results).toEqual([]);
    expect(alarms.results).toEqual([]);
    blind.unsubscribe();
    seeing.unsubscribe();
    alarms.unsubscribe();
    await live(0);
  });

  it('orderStatusChanged(since:) - replays the changes a partner missed from the stream, then goes live, without gaps or repeats', async () => {
    const partner = await subscriberAs({ role: 'partner', customerId: acmeOrder.customerId! });
    const first = partner.subscribe(`subscription { orderStatusChanged { status } }`);
    await live(1);
    await orderStatus(acmeOrder, 'RELEASED');
    const [seen] = await first.waitForResults(1);
    first.unsubscribe(); // the partner goes away…
    await live(0);
    const missed = [await orderStatus(acmeOrder, 'IN_PROGRESS'), await orderStatus(globexOrder, 'IN_PROGRESS'), await orderStatus(acmeOrder, 'ON_HOLD')];

    const resumed = partner.subscribe(`subscription Resume($after: Int) { orderStatusChanged(since: { afterSequence: $after }) { id } }`, {
      after: seen!.extensions!.event!.sequence,
    });
    await resumed.waitForResults(2);
    await live(1);
    const liveOne = await orderStatus(acmeOrder, 'IN_PROGRESS');
    await resumed.waitForResults(3);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(resumed.results.map((result) => result.extensions?.event?.id)).toEqual([missed[0]!.id, missed[2]!.id, liveOne.id]);

    const byTime = partner.subscribe(`subscription { orderStatusChanged(since: { time: "${new Date(Date.now() - 60_000).toISOString()}" }) { id } }`);
    await byTime.waitForResults(1);
    const both = partner.subscribe(`subscription { orderStatusChanged(since: { time: "2026-01-01T00:00:00Z", afterSequence: 1 }) { id } }`);
    await both.waitForResults(1);
    expect(both.results[0]?.errors?.[0]?.extensions?.code).toBe('VALIDATION_FAILED');
    resumed.unsubscribe();
    byTime.unsubscribe();
    await live(0);
  });

  it('a subgraph restart during a subscription: the event waits for it, and the client never reconnects', async () => {
    const planner = await subscriberAs({ role: 'planner' });
    const subscription = planner.subscribe(`subscription { orderStatusChanged(orderId: "${acmeOrder.id}") { id status } }`);
    await live(1);
    const orders = hub.subgraphs.orders!;
    const port = Number(new URL(orders.url).port);
    await orders.stop();
    const during = await orderStatus(acmeOrder, 'ON_HOLD');
    await new Promise((resolve) => setTimeout(resolve, 200));
    const definition = allSubgraphs.find((candidate) => candidate.name === 'orders')!;
    hub.subgraphs.orders = await startSubgraph(definition, { port, database: hub.database, internalSecret: hub.config.INTERNAL_SECRET, log: silentLogger, bus });
    const [result] = await subscription.waitForResults(1);
    expect(result?.errors).toBeUndefined();
    expect(result?.extensions?.event?.id).toBe(during.id);
    expect(planner.connections).toBe(1);
    subscription.unsubscribe();
    await live(0);
  });

  it('erpPostingsAvailable - an adapter gets each new posting of its kind; a viewer is refused', async () => {
    const { rows } = await hub.database.pool.query<{ id: string; kind: string }>(
      `INSERT INTO integration.erp_posting (kind, payload, idempotency_key)
       VALUES ('MAINTENANCE_NOTIFICATION', '{}', $1), ('PRODUCTION_CONFIRMATION', '{}', $2), ('MAINTENANCE_NOTIFICATION', '{}', $3) RETURNING id, kind`,
      [`subs-${randomUUID()}`, `subs-${randomUUID()}`, `subs-${randomUUID()}`],
    );
    const adapter = await subscriberAs({ role: 'erp-adapter' });
    const subscription = adapter.subscribe(`subscription { erpPostingsAvailable(kind: MAINTENANCE_NOTIFICATION) { id kind status idempotencyKey } }`);
    const viewer = await subscriberAs({ role: 'viewer' });
    const refused = viewer.subscribe(`subscription { erpPostingsAvailable { id } }`);
    await refused.waitForResults(1);
    expect(refused.results[0]?.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    await live(1);
    const confirmation = rows.filter((row) => row.kind === 'PRODUCTION_CONFIRMATION').map((row) => row.id);
    const notifications = rows.filter((row) => row.kind === 'MAINTENANCE_NOTIFICATION').map((row) => row.id);
    await publish('ErpPostingsAvailable', { kind: 'PRODUCTION_CONFIRMATION', count: 1, postingIds: confirmation });
    await publish('ErpPostingsAvailable', { kind: 'MAINTENANCE_NOTIFICATION', count: 2, postingIds: notifications });
    await subscription.waitForResults(2);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(subscription.results.map((result) => result.data?.erpPostingsAvailable)).toEqual(
      notifications.map((id) => ({ id, kind: 'MAINTENANCE_NOTIFICATION', status: 'PENDING', idempotencyKey: expect.stringMatching(/^subs-/) })),
    );

    // the real path: inserting a posting raises the event in the outbox (a database trigger), the
    // relay publishes it, the subscription gets the posting
    // (the postings inserted above raised events too; this part is about a new one only)
    await hub.database.pool.query('UPDATE events.outbox SET published_at = now() WHERE published_at IS NULL');
    const relay = startOutboxRelay({ pool: hub.database.pool, bus, subjectPrefix: streams.SUBJECT_PREFIX, log: silentLogger });
    try {
      const { rows: written } = await hub.database.pool.query<{ id: string }>(
        `INSERT INTO integration.erp_posting (kind, payload, idempotency_key) VALUES ('MAINTENANCE_NOTIFICATION', '{}', $1) RETURNING id`,
        [`subs-${randomUUID()}`],
      );
      await subscription.waitForResults(3);
      expect(subscription.results[2]?.data?.erpPostingsAvailable).toMatchObject({ id: written[0]!.id, kind: 'MAINTENANCE_NOTIFICATION' });
    } finally {
      await relay.stop();
    }
    subscription.unsubscribe();
    await live(0);
  });

  it('an expired token ends the subscription: the socket closes with 4401 "Token expired"', async () => {
    const token = await signDevelopmentToken({ role: 'viewer', subject: 'short-lived', expiresIn: '2s', secret: hub.config.JWT_SECRET, issuer: hub.config.JWT_ISSUER, audience: hub.config.JWT_AUDIENCE });
    const subscriber = createTestSubscriber(hub.gateway.websocketUrl, token);
    subscribers.push(subscriber);
    await subscriber.connected();
    subscriber.subscribe(`subscription { lineStateChanged { id } }`);
    await eventually(() => expect(subscriber.closes).toEqual([{ code: 4401, reason: 'Token expired' }]), { timeoutMs: 10_000 });
    await live(0);
  });
});
