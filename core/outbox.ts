// The domain event outbox (table events.outbox, migration *_event_outbox): events are written in
// the same transaction as the change they describe, and one relay per process publishes them to
// DOMAIN_EVENTS in insertion order with the event id as Nats-Msg-Id. So a crash after commit loses
// no event and a crash after publish (before the row is stamped) publishes one twice, which
// JetStream's duplicate window drops. Subscribers still treat the event id as the idempotency key.
import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type pg from 'pg';
import { withTransaction, type Queryable } from './db.ts';
import { eventSubject, isEventType, parseEvent, type EventEnvelope } from './events.ts';
import type { Logger } from './log.ts';

export const OUTBOX_CHANNEL = 'plantgraph_outbox';
export const OUTBOX_BATCH_SIZE = 500;
/** Notifications can be missed (a reconnect); this poll bounds how late an event can be then. */
export const OUTBOX_POLL_INTERVAL_MS = 1_000;
const RETRY_DELAY_MS = 1_000; // after a publish or database failure

/** The insert for a set of events; usable with pg and with Prisma's `$executeRawUnsafe(text, ...values)`. */
export function outboxInsert(events: readonly EventEnvelope[]): { text: string; values: unknown[] } {
  for (const event of events) parseEvent(event); // nothing unvalidated enters the outbox
  return {
    text: `INSERT INTO events.outbox (event_id, type, subject, envelope, occurred_at)
           SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::jsonb[], $5::timestamptz[])
           ON CONFLICT (event_id) DO NOTHING`,
    values: [
      events.map((event) => event.id),
      events.map((event) => event.type),
      events.map((event) => event.subject),
      events.map((event) => JSON.stringify(event)),
      events.map((event) => event.occurredAt),
    ],
  };
}

/** Write events into the outbox on the caller's connection, i.e. inside the caller's transaction. */
export async function writeOutboxEvents(db: Queryable, events: readonly EventEnvelope[]): Promise<void> {
  if (events.length === 0) return;
  const { text, values } = outboxInsert(events);
  await db.query(text, values);
}

export interface OutboxRelayOptions {
  pool: pg.Pool;
  bus: NatsConnection;
  /** SUBJECT_PREFIX of the streams (empty in production). */
  subjectPrefix: string;
  log: Logger;
  batchSize?: number;
  pollIntervalMs?: number;
  /** Called after each published batch (metrics, tests). */
  onPublished?: (events: number) => void;
}

export interface OutboxRelay {
  /** Publish whatever is pending now; resolves with the number published. */
  flush(): Promise<number>;
  /** Finish the batch in flight, then stop listening. */
  stop(): Promise<void>;
}

interface OutboxRow {
  position: string;
  event_id: string;
  type: string;
  body: string;
}

export function startOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const { pool, bus, subjectPrefix, onPublished } = options;
  const log = options.log.child({ component: 'outbox-relay' });
  const batchSize = options.batchSize ?? OUTBOX_BATCH_SIZE;
  const pollIntervalMs = options.pollIntervalMs ?? OUTBOX_POLL_INTERVAL_MS;
  const js = jetstream(bus);
  let stopped = false;
  let wake: (() => void) | undefined;
  // Set by a notification that arrives while a batch is publishing, so it is not missed.
  let notified = false;
  let listener: pg.PoolClient | undefined;
  // One batch at a time per relay, so this process publishes in outbox order.
  let running: Promise<number> = Promise.resolve(0);

  const publishAll = async (): Promise<number> => {
    let total = 0;
    for (;;) {
      const published = await publishBatch(pool, js, subjectPrefix, batchSize);
      total += published;
      if (published > 0) onPublished?.(published);
      if (published < batchSize) return total;
    }
  };
  const flush = (): Promise<number> => {
    running = running.catch(() => 0).then(publishAll);
    return running;
  };

  const listen = async () => {
    try {
      listener = await pool.connect();
      listener.on('notification', () => {
        notified = true;
        wake?.();
      });
      listener.on('error', (error) => {
        log.warn({ reason: error.message }, 'outbox listener connection failed; polling until it is back');
        listener?.release(true);
        listener = undefined;
      });
      await listener.query(`LISTEN ${OUTBOX_CHANNEL}`);
    } catch (error) {
      listener?.release(true);
      listener = undefined;
      log.warn({ reason: (error as Error).message }, 'outbox listener could not start; polling');
    }
  };

  const loop = (async () => {
    await listen();
    while (!stopped) {
      notified = false;
      try {
        await flush();
      } catch (error) {
        log.warn({ reason: (error as Error).message }, 'publishing outbox events failed; retrying');
        await sleep(RETRY_DELAY_MS);
        continue;
      }
      if (!listener && !stopped) await listen();
      if (notified || stopped) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pollIntervalMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
    }
  })();

  return {
    flush,
    async stop() {
      if (stopped) return;
      stopped = true;
      wake?.();
      await loop;
      if (listener) {
        await listener.query(`UNLISTEN ${OUTBOX_CHANNEL}`).catch(() => undefined);
        listener.release();
        listener = undefined;
      }
    },
  };
}

/** Publish the oldest unpublished events (rows locked, so two relays never publish the same one). */
async function publishBatch(pool: pg.Pool, js: JetStreamClient, subjectPrefix: string, batchSize: number): Promise<number> {
  return withTransaction(pool, async (client) => {
    const { rows } = await client.query<OutboxRow>(
      `SELECT position, event_id, type, envelope::text AS body
         FROM events.outbox
        WHERE published_at IS NULL
        ORDER BY position
        LIMIT $1
          FOR UPDATE SKIP LOCKED`,
      [batchSize],
    );
    if (rows.length === 0) return 0;
    // Sent back to back on one connection, so JetStream stores them in this order.
    await Promise.all(
      rows.map((row) => {
        if (!isEventType(row.type)) throw new Error(`outbox row ${row.position} has unknown event type ${row.type}`);
        return js.publish(eventSubject(row.type, subjectPrefix), row.body, { msgID: row.event_id });
      }),
    );
    await client.query('UPDATE events.outbox SET published_at = now() WHERE position = ANY($1::bigint[])', [rows.map((row) => row.position)]);
    return rows.length;
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
