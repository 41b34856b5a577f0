import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { connectBus, ensureStreams } from '../../core/bus.ts';
import { createEvent, eventSubject, type EventEnvelope } from '../../core/events.ts';
import { silentLogger } from '../../core/log.ts';
import { createEventFeed, type EventFeed, type FedEvent } from '../../gateway/subscriptions/event-feed.ts';
import { deleteStreams, testStreamSettings } from '../support/bus.ts';
import { natsUrl } from '../support/services.ts';

const orderStatus = (customerId: string) =>
  createEvent({
    type: 'OrderStatusChanged',
    data: { orderId: randomUUID(), customerId, lineId: null, status: 'RELEASED', previousStatus: 'CREATED', changedAt: new Date().toISOString() },
    source: 'test',
    subject: 'order/x',
  });

function nextEvents<T>(count: number, register: (push: (value: T) => void) => Promise<unknown>): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const seen: T[] = [];
    const timer = setTimeout(() => reject(new Error(`got ${seen.length} of ${count} events`)), 5_000);
    register((value) => {
      seen.push(value);
      if (seen.length === count) {
        clearTimeout(timer);
        resolve(seen);
      }
    }).catch(reject);
  });
}

describe('gateway event feed', () => {
  const settings = testStreamSettings('feed');
  let connection: NatsConnection;
  let feed: EventFeed;

  async function publish(event: EventEnvelope): Promise<number> {
    const ack = await jetstream(connection).publish(eventSubject(event.type, settings.SUBJECT_PREFIX), JSON.stringify(event), { msgID: event.id });
    return ack.seq;
  }

  beforeAll(async () => {
    connection = await connectBus({ url: natsUrl, name: 'test-feed', log: silentLogger });
    await ensureStreams(connection, settings, silentLogger);
    feed = createEventFeed({ connection, stream: settings.STREAM_DOMAIN_EVENTS, subjectPrefix: settings.SUBJECT_PREFIX, log: silentLogger });
  });
  afterAll(async () => {
    await feed.close();
    await deleteStreams(connection, settings);
    await connection.close();
  });

  it('event feed - many listeners of a type share one NATS consumer and each gets every event in order', async () => {
    const listeners = 50;
    const events = [orderStatus(randomUUID()), orderStatus(randomUUID())];
    const received = Array.from({ length: listeners }, () => nextEvents<FedEvent>(2, (push) => feed.listen('OrderStatusChanged', push)));
    // listen() resolves once the consumer exists; wait for all before publishing.
    await new Promise((resolve) => setTimeout(resolve, 200));
    for (const event of events) await publish(event);
    for (const seen of await Promise.all(received)) expect(seen.map((fed) => fed.event.id)).toEqual(events.map((event) => event.id));
    expect(feed.consumerCount()).toBe(1);
    const consumers = await (await jetstreamManager(connection)).consumers.list(settings.STREAM_DOMAIN_EVENTS).next();
    expect(consumers).toHaveLength(1);
  });

  it('event feed - an invalid message on the subject is skipped and the next valid one still arrives', async () => {
    const valid = orderStatus(randomUUID());
    const received = nextEvents<FedEvent>(1, (push) => feed.listen('OrderStatusChanged', push));
    await new Promise((resolve) => setTimeout(resolve, 100));
    await jetstream(connection).publish(eventSubject('OrderStatusChanged', settings.SUBJECT_PREFIX), '{"not":"an event"}');
    await publish(valid);
    expect((await received).map((fed) => fed.event.id)).toEqual([valid.id]);
  });

  it('event feed - replay returns the events after a sequence, or from a time, and then ends', async () => {
    // a clear gap to the previous test's events, so `since` separates them
    await new Promise((resolve) => setTimeout(resolve, 50));
    const before = new Date();
    await new Promise((resolve) => setTimeout(resolve, 5));
    const first = orderStatus(randomUUID());
    const second = orderStatus(randomUUID());
    const firstSequence = await publish(first);
    await publish(second);
    const afterFirst: string[] = [];
    for await (const fed of feed.replay('OrderStatusChanged', { afterSequence: firstSequence })) afterFirst.push(fed.event.id);
    expect(afterFirst).toEqual([second.id]);
    const fromTime: string[] = [];
    for await (const fed of feed.replay('OrderStatusChanged', { since: before })) fromTime.push(fed.event.id);
    expect(fromTime).toEqual([first.id, second.id]);
    const none: string[] = [];
    for await (const fed of feed.replay('OrderStatusChanged', { afterSequence: firstSequence + 1 })) none.push(fed.event.id);
    expect(none).toEqual([]);
  });
});
