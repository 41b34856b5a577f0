// The feed on a private nats-server (not the shared one) that the test stops and starts again on
// the same port and store: a listener registered before the restart gets events published after
// it, without registering again.
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { connectBus, ensureStreams } from '../../core/bus.ts';
import { createEvent, eventSubject } from '../../core/events.ts';
import { silentLogger } from '../../core/log.ts';
import { createEventFeed, type EventFeed } from '../../gateway/subscriptions/event-feed.ts';
import { testStreamSettings } from '../support/bus.ts';
import { startPrivateNats, type PrivateNats } from '../support/private-nats.ts';

jest.setTimeout(90_000);

const lineState = () =>
  createEvent({
    type: 'LineStateChanged',
    data: { lineId: randomUUID(), siteId: randomUUID(), assetId: randomUUID(), state: 'DOWN', previousState: 'RUNNING', since: new Date().toISOString(), reasonCode: null, orderId: null },
    source: 'test',
    subject: 'line/x',
  });

describe('gateway event feed across a NATS restart', () => {
  const settings = testStreamSettings('feed_restart');
  let nats: PrivateNats;
  let connection: NatsConnection;
  let feed: EventFeed;

  beforeAll(async () => {
    nats = await startPrivateNats();
    connection = await connectBus({ url: nats.url, name: 'test-feed-restart', log: silentLogger });
    await ensureStreams(connection, settings, silentLogger);
    feed = createEventFeed({ connection, stream: settings.STREAM_DOMAIN_EVENTS, subjectPrefix: settings.SUBJECT_PREFIX, log: silentLogger });
  });
  afterAll(async () => {
    await feed.close();
    await connection.close();
    await nats.remove();
  });

  it('event feed - keeps delivering after nats-server restarts, without the listener registering again', async () => {
    const seen: string[] = [];
    await feed.listen('LineStateChanged', (fed) => seen.push(fed.event.id));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const publish = async (event: ReturnType<typeof lineState>) => {
      await jetstream(connection).publish(eventSubject('LineStateChanged', settings.SUBJECT_PREFIX), JSON.stringify(event), { msgID: event.id });
    };
    const before = lineState();
    await publish(before);
    await waitFor(() => seen.includes(before.id));

    await nats.restart();
    const after = lineState();
    // The client publishes once it has reconnected; retry until the stream takes it.
    await waitFor(() => publish(after).then(() => true, () => false));
    await waitFor(() => seen.includes(after.id), 60_000);
    expect(seen).toEqual([before.id, after.id]);
    expect(feed.consumerCount()).toBe(1);
  });
});

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
