import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { randomUUID } from 'node:crypto';
import { connectBus, ensureStreams } from '../../core/bus.ts';
import { openDatabase, type Database } from '../../core/db.ts';
import { createEvent, eventSubject, type EventEnvelope } from '../../core/events.ts';
import { silentLogger } from '../../core/log.ts';
import { migrate } from '../../core/migrations.ts';
import { outboxInsert, startOutboxRelay, writeOutboxEvents } from '../../core/outbox.ts';
import { deleteStreams, testStreamSettings } from '../support/bus.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { natsUrl } from '../support/services.ts';

const HOUR = 60 * 60 * 1_000;

function orderEvent(status: 'RELEASED' | 'IN_PROGRESS' | 'COMPLETED'): EventEnvelope {
  const orderId = randomUUID();
  return createEvent({
    type: 'OrderStatusChanged',
    source: 'test/outbox',
    subject: `order/${orderId}`,
    data: { orderId, customerId: null, lineId: null, status, previousStatus: null, changedAt: new Date().toISOString() },
  });
}

describe('domain event outbox', () => {
  const settings = testStreamSettings('outbox');
  let testDatabase: TestDatabase;
  let database: Database;
  let bus: NatsConnection;
  let manager: JetStreamManager;

  beforeAll(async () => {
    testDatabase = await createTestDatabase('outbox');
    database = openDatabase({ url: testDatabase.url, poolMax: 6, log: silentLogger });
    await migrate({ pool: database.pool, log: silentLogger });
    bus = await connectBus({ url: natsUrl, name: 'test-outbox', log: silentLogger });
    await ensureStreams(bus, settings, silentLogger);
    manager = await jetstreamManager(bus);
  });
  afterAll(async () => {
    await deleteStreams(bus, settings);
    await bus.close();
    await database.close();
    await testDatabase.drop();
  });

  const streamMessages = async () => (await manager.streams.info(settings.STREAM_DOMAIN_EVENTS)).state.messages;
  const purge = () => manager.streams.purge(settings.STREAM_DOMAIN_EVENTS);
  const publishedIds = async () => {
    const count = await streamMessages();
    const first = (await manager.streams.info(settings.STREAM_DOMAIN_EVENTS)).state.first_seq;
    const ids: string[] = [];
    for (let seq = first; seq < first + count; seq += 1) {
      const message = await manager.streams.getMessage(settings.STREAM_DOMAIN_EVENTS, { seq });
      ids.push((message!.json<EventEnvelope>()).id);
    }
    return ids;
  };

  it('publishes committed events once, in order, with the event id as message id; rolled-back events never', async () => {
    await purge();
    const committed = [orderEvent('RELEASED'), orderEvent('IN_PROGRESS'), orderEvent('COMPLETED')];
    const rolledBack = orderEvent('RELEASED');
    const client = await database.pool.connect();
    try {
      await client.query('BEGIN');
      await writeOutboxEvents(client, [rolledBack]);
      await client.query('ROLLBACK');
      await client.query('BEGIN');
      await writeOutboxEvents(client, committed);
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    const relay = startOutboxRelay({ pool: database.pool, bus, subjectPrefix: settings.SUBJECT_PREFIX, log: silentLogger, pollIntervalMs: HOUR });
    try {
      await relay.flush();
      expect(await publishedIds()).toEqual(committed.map((event) => event.id));
      const message = await manager.streams.getMessage(settings.STREAM_DOMAIN_EVENTS, { last_by_subj: eventSubject('OrderStatusChanged', settings.SUBJECT_PREFIX) });
      expect(message?.header?.get('Nats-Msg-Id')).toBe(committed[2]!.id);
      // a second flush finds nothing left to publish
      expect(await relay.flush()).toBe(0);
      expect(await streamMessages()).toBe(3);
    } finally {
      await relay.stop();
    }
  });

  it('wakes on the insert notification, without waiting for its poll', async () => {
    await purge();
    const relay = startOutboxRelay({ pool: database.pool, bus, subjectPrefix: settings.SUBJECT_PREFIX, log: silentLogger, pollIntervalMs: HOUR });
    try {
      await new Promise((resolve) => setTimeout(resolve, 200)); // the relay's first (empty) pass and LISTEN
      const event = orderEvent('RELEASED');
      const published = new Promise<void>((resolve) => {
        const timer = setInterval(() => {
          void publishedIds().then((ids) => {
            if (ids.includes(event.id)) {
              clearInterval(timer);
              resolve();
            }
          });
        }, 50);
      });
      await writeOutboxEvents(database.pool, [event]);
      await published; // with an hour-long poll, only the notification can get it here before the test times out
    } finally {
      await relay.stop();
    }
  });

  it('an event published before a crash (row not yet stamped) is dropped as a duplicate when published again', async () => {
    await purge();
    const event = orderEvent('COMPLETED');
    await writeOutboxEvents(database.pool, [event]);
    // the crashed relay's publish: same subject, same message id, row still unpublished
    await manager.jetstream().publish(eventSubject('OrderStatusChanged', settings.SUBJECT_PREFIX), JSON.stringify(event), { msgID: event.id });
    const relay = startOutboxRelay({ pool: database.pool, bus, subjectPrefix: settings.SUBJECT_PREFIX, log: silentLogger, pollIntervalMs: HOUR });
    try {
      await relay.flush();
      expect(await publishedIds()).toEqual([event.id]);
    } finally {
      await relay.stop();
    }
  });

  it('two relays publish every event exactly once between them', async () => {
    await purge();
    const events = Array.from({ length: 1_200 }, () => orderEvent('IN_PROGRESS'));
    await writeOutboxEvents(database.pool, events);
    const relays = [1, 2].map(() => startOutboxRelay({ pool: database.pool, bus, subjectPrefix: settings.SUBJECT_PREFIX, log: silentLogger, pollIntervalMs: HOUR, batchSize: 100 }));
    try {
      await Promise.all(relays.map((relay) => relay.flush()));
      const ids = await publishedIds();
      expect(ids).toHaveLength(events.length);
      expect(new Set(ids)).toEqual(new Set(events.map((event) => event.id)));
      const { rows } = await database.pool.query<{ unpublished: string }>('SELECT count(*) FILTER (WHERE published_at IS NULL) AS unpublished FROM events.outbox');
      expect(rows[0]!.unpublished).toBe('0');
    } finally {
      await Promise.all(relays.map((relay) => relay.stop()));
    }
  });

  it('refuses an event that does not validate, naming the field', () => {
    const bad = { ...orderEvent('RELEASED'), data: { orderId: 'not-a-uuid' } } as unknown as EventEnvelope;
    expect(() => outboxInsert([bad])).toThrow(/data\.orderId/);
  });
});
