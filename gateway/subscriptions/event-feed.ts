// The gateway's view of domain events for subscriptions: ONE JetStream ordered consumer per event
// type on DOMAIN_EVENTS, fanned out in process to every listener (not one NATS consumer per
// client). Ordered consumers are recreated by the client after a NATS restart and resume right
// after the last stream sequence they delivered, so listeners miss nothing and never reconnect.
// `replay` reads one type from a point in the past (time or stream sequence) for `since`.
import { DeliverPolicy, jetstream, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { decodeEvent, eventSubject, type EventEnvelope, type EventType } from '../../core/events.ts';
import type { Logger } from '../../core/log.ts';

/** An event as the feed delivers it: the envelope and its DOMAIN_EVENTS stream sequence. */
export interface FedEvent<T extends EventType = EventType> {
  event: EventEnvelope<T>;
  sequence: number;
}

export type EventListener<T extends EventType> = (fed: FedEvent<T>) => void;

/** Where a replay starts: after a stream sequence the client saw, or at a time. */
export type ReplayStart = { afterSequence: number } | { since: Date };

export interface EventFeedOptions {
  connection: NatsConnection;
  /** STREAM_DOMAIN_EVENTS */
  stream: string;
  /** SUBJECT_PREFIX; '' in production. */
  subjectPrefix?: string;
  log: Logger;
}

export interface EventFeed {
  /** Receive every new event of a type from now on; returns the unsubscribe function. */
  listen<T extends EventType>(type: T, listener: EventListener<T>): Promise<() => void>;
  /** Events of a type from `start` up to the stream's last message at the time of the call. */
  replay<T extends EventType>(type: T, start: ReplayStart): AsyncGenerator<FedEvent<T>>;
  /** How many NATS consumers the feed holds (one per type with listeners). */
  consumerCount(): number;
  close(): Promise<void>;
}

interface Topic {
  listeners: Set<EventListener<EventType>>;
  messages: ConsumerMessages;
}

export function createEventFeed(options: EventFeedOptions): EventFeed {
  const js = jetstream(options.connection);
  const topics = new Map<EventType, Promise<Topic>>();
  const log = options.log.child({ component: 'event-feed' });

  function decode(message: JsMsg): FedEvent | undefined {
    try {
      return { event: decodeEvent(message.data), sequence: message.seq };
    } catch (error) {
      // The relay validates before publishing; a bad message here is someone else's, and skipping
      // it is all a live feed can do (the stream keeps it for inspection).
      log.warn({ err: error, sequence: message.seq, subject: message.subject }, 'skipped an invalid domain event');
      return undefined;
    }
  }

  async function open(type: EventType): Promise<Topic> {
    const consumer = await js.consumers.get(options.stream, { filter_subjects: eventSubject(type, options.subjectPrefix), deliver_policy: DeliverPolicy.New });
    const messages = await consumer.consume();
    const topic: Topic = { listeners: new Set(), messages };
    void (async () => {
      for await (const message of messages) {
        const fed = decode(message);
        if (!fed) continue;
        for (const listener of topic.listeners) {
          try {
            listener(fed);
          } catch (error) {
            log.error({ err: error, type }, 'a subscription listener threw');
          }
        }
      }
    })();
    return topic;
  }

  return {
    async listen(type, listener) {
      let topic = topics.get(type);
      if (!topic) {
        topic = open(type);
        topics.set(type, topic);
        topic.catch(() => topics.delete(type));
      }
      const opened = await topic;
      const generic = listener as EventListener<EventType>;
      opened.listeners.add(generic);
      return () => {
        opened.listeners.delete(generic);
        // The consumer stays: the next subscriber of a busy type would otherwise pay its setup.
      };
    },
    async *replay(type, start) {
      const subject = eventSubject(type, options.subjectPrefix);
      const info = await js.streams.get(options.stream).then((stream) => stream.info(false, { subjects_filter: subject }));
      const last = info.state.last_seq;
      const from =
        'afterSequence' in start
          ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: start.afterSequence + 1 }
          : { deliver_policy: DeliverPolicy.StartTime, opt_start_time: start.since.toISOString() };
      if ('afterSequence' in start && start.afterSequence >= last) return;
      const consumer = await js.consumers.get(options.stream, { filter_subjects: subject, ...from });
      try {
        while (true) {
          const message = await consumer.next({ expires: 1_000 });
          if (!message) return; // nothing more matched before the stream's end
          const fed = decode(message);
          if (fed) yield fed as FedEvent<typeof type>;
          if (message.seq >= last || message.info.pending === 0) return;
        }
      } finally {
        await consumer.delete().catch(() => undefined);
      }
    },
    consumerCount: () => topics.size,
    async close() {
      const opened = await Promise.allSettled(topics.values());
      topics.clear();
      for (const topic of opened) if (topic.status === 'fulfilled') topic.value.messages.stop();
    },
  };
}
