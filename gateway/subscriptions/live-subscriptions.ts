// The gateway's subscriptions, end to end: a subscription operation (graphql-ws or SSE) becomes a
// listener on the shared event feed (one NATS consumer per event type, not per client), a gate
// that decides per event whether this caller may receive it, and a bounded delivery queue. Each
// event is resolved ONCE per distinct (selection, variables, access context) through the gateway's
// own executor, and the result is shared by every subscriber in that group.
//
// A subscription ends with a reason: the token expires (WebSocket close 4401), the client is too
// slow (close 4008), the gateway stops (queued events are delivered, then close 1001).
import { GraphQLError, getArgumentValues, type DocumentNode, type ExecutionArgs, type ExecutionResult } from 'graphql';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { AccessClaims } from '../../core/auth.ts';
import { ErrorCodes, isPlantgraphError, type ErrorCode } from '../../core/errors.ts';
import type { EventEnvelope } from '../../core/events.ts';
import type { Logger } from '../../core/log.ts';
import type { CallerRegistry } from '../callers.ts';
import { createDeliveryQueue, type DeliveryQueue } from './delivery-queue.ts';
import { ENTITY_ID_VARIABLE, entityQueryFor, type EntityQuery } from './entity-query.ts';
import { accessContextKey, eventGate, type EventGate, type SubscriptionArguments } from './event-access.ts';
import type { EventFeed, FedEvent, ReplayStart } from './event-feed.ts';
import { subscriptionFields } from './subscription-fields.ts';

/** Events one subscriber may have waiting before it is cut off as too slow. */
export const DEFAULT_SUBSCRIBER_QUEUE_CAPACITY = 1_000;
/** Tries to resolve an event's entity while a subgraph is away (restarting), 250 ms apart, doubling. */
const RESOLVE_ATTEMPTS = 4;
const RESOLVE_RETRY_BASE_MS = 250;

/** Why a subscription ended, and the WebSocket close frame that says so. */
export const SubscriptionEnd = {
  tokenExpired: { code: 4401, reason: 'Token expired', errorCode: ErrorCodes.UNAUTHENTICATED },
  slowConsumer: { code: 4008, reason: 'Slow consumer: too many events waiting', errorCode: ErrorCodes.UNAVAILABLE },
} as const;
export type SubscriptionEndReason = keyof typeof SubscriptionEnd;

/** Runs a (query) document through the gateway's executor with the subscriber's context. */
export type EntityExecutor = (args: ExecutionArgs) => unknown;

export interface LiveSubscriptionsOptions {
  /** The shared feed; without one (no NATS) every subscription is refused with UNAVAILABLE. */
  feed: EventFeed | undefined;
  callers: CallerRegistry;
  log: Logger;
  registry: Registry;
  /** @default DEFAULT_SUBSCRIBER_QUEUE_CAPACITY */
  queueCapacity?: number;
}

export interface LiveSubscriptions {
  /** The subscribe function for a subscription operation; `execute` resolves the entity query. */
  subscribe(args: ExecutionArgs, execute: EntityExecutor): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult>;
  /** Refuse new subscriptions, deliver what is queued (at most `graceMs`), end every subscription. */
  drain(graceMs: number): Promise<void>;
  readonly activeCount: number;
}

interface Subscriber {
  queue: DeliveryQueue<ExecutionResult>;
  /** Ends the subscription: delivers what is queued first unless `reason` cuts it off. */
  end(reason?: SubscriptionEndReason): void;
  finished: Promise<void>;
}

/** A WebSocket as graphql-ws hands it to the context (`ws`'s WebSocket). */
interface ClosableSocket {
  close(code: number, reason: string): void;
}

function errorResult(code: ErrorCode, message: string): ExecutionResult {
  return { errors: [new GraphQLError(message, { extensions: { code } })] };
}

function toErrorResult(error: unknown): ExecutionResult {
  if (isPlantgraphError(error)) return { errors: [new GraphQLError(error.message, { extensions: { code: error.code, ...error.details } })] };
  if (error instanceof GraphQLError) return { errors: [error] };
  throw error;
}

/** `since: { afterSequence } | { time }`, exactly one. */
function resumePoint(since: unknown): ReplayStart | undefined {
  if (since === undefined || since === null) return undefined;
  const { afterSequence, time } = since as { afterSequence?: number | null; time?: string | Date | null };
  const given = [afterSequence, time].filter((value) => value !== undefined && value !== null).length;
  if (given !== 1) throw new GraphQLError('since: give exactly one of afterSequence and time', { extensions: { code: ErrorCodes.VALIDATION_FAILED } });
  if (afterSequence !== undefined && afterSequence !== null) {
    if (afterSequence < 0) throw new GraphQLError('since.afterSequence must be 0 or more', { extensions: { code: ErrorCodes.VALIDATION_FAILED } });
    return { afterSequence };
  }
  const at = time instanceof Date ? time : new Date(String(time));
  if (Number.isNaN(at.getTime())) throw new GraphQLError('since.time is not a date-time', { extensions: { code: ErrorCodes.VALIDATION_FAILED } });
  return { since: at };
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

export function createLiveSubscriptions(options: LiveSubscriptionsOptions): LiveSubscriptions {
  const log = options.log.child({ component: 'subscriptions' });
  const capacity = options.queueCapacity ?? DEFAULT_SUBSCRIBER_QUEUE_CAPACITY;
  const subscribers = new Set<Subscriber>();
  let draining = false;

  const metric = <T extends Gauge | Counter>(name: string, create: () => T): T => (options.registry.getSingleMetric(name) as T | undefined) ?? create();
  const active = metric('plantgraph_gateway_subscriptions_active', () => new Gauge({ name: 'plantgraph_gateway_subscriptions_active', help: 'Live subscriptions, by field', labelNames: ['field'], registers: [options.registry] }));
  const delivered = metric('plantgraph_gateway_subscription_events_total', () => new Counter({ name: 'plantgraph_gateway_subscription_events_total', help: 'Results handed to subscribers, by field', labelNames: ['field'], registers: [options.registry] }));
  const resolutions = metric('plantgraph_gateway_subscription_resolutions_total', () => new Counter({ name: 'plantgraph_gateway_subscription_resolutions_total', help: 'Entity resolutions run for events (one per event and group of subscribers), by field and outcome', labelNames: ['field', 'outcome'], registers: [options.registry] }));
  const ended = metric('plantgraph_gateway_subscriptions_ended_total', () => new Counter({ name: 'plantgraph_gateway_subscriptions_ended_total', help: 'Subscriptions the gateway ended, by reason', labelNames: ['reason'], registers: [options.registry] }));

  // The entity query of a document, built once per (document, operation name).
  const entityQueries = new WeakMap<DocumentNode, Map<string, { query: EntityQuery; id: number }>>();
  let nextQueryId = 0;
  function cachedEntityQuery(document: DocumentNode, operationName: string | null | undefined): { query: EntityQuery; id: number } {
    let byName = entityQueries.get(document);
    if (!byName) entityQueries.set(document, (byName = new Map()));
    let entry = byName.get(operationName ?? '');
    if (!entry) byName.set(operationName ?? '', (entry = { query: entityQueryFor(document, operationName), id: nextQueryId++ }));
    return entry;
  }

  // One resolution per (event, entity, query, variables, access context), shared while it runs.
  // Every subscriber of an event is offered it synchronously by the feed, so the entry can go as
  // soon as it settles.
  const running = new Map<string, Promise<ExecutionResult | null>>();
  function resolveShared(key: string, resolve: () => Promise<ExecutionResult | null>): Promise<ExecutionResult | null> {
    let result = running.get(key);
    if (!result) {
      result = resolve();
      running.set(key, result);
      void result.finally(() => running.delete(key));
    }
    return result;
  }

  async function resolveEntity(query: EntityQuery, args: ExecutionArgs, execute: EntityExecutor, fed: FedEvent, entityId: string): Promise<ExecutionResult | null> {
    const event = fed.event;
    const extensions = { event: { id: event.id, type: event.type, sequence: fed.sequence, occurredAt: event.occurredAt, data: event.data } };
    let result: ExecutionResult | undefined;
    for (let attempt = 1; attempt <= RESOLVE_ATTEMPTS; attempt += 1) {
      try {
        const outcome = await execute({ ...args, document: query.document, variableValues: { ...args.variableValues, [ENTITY_ID_VARIABLE]: entityId } });
        if (isAsyncIterable(outcome)) throw new Error('the entity query answered with a stream');
        result = outcome as ExecutionResult;
      } catch (error) {
        result = { errors: [error instanceof GraphQLError ? error : new GraphQLError((error as Error).message, { originalError: error as Error })] };
      }
      const entity = (result.data as Record<string, unknown> | null | undefined)?.[query.responseKey];
      if (entity !== null && entity !== undefined) break;
      // No entity and no error: the token may not see it (row scoping) or it is gone. Skip it.
      if (!result.errors?.length) {
        resolutions.inc({ field: query.field, outcome: 'invisible' });
        return null;
      }
      if (attempt < RESOLVE_ATTEMPTS) await delay(RESOLVE_RETRY_BASE_MS * 2 ** (attempt - 1));
    }
    resolutions.inc({ field: query.field, outcome: result?.errors?.length ? 'error' : 'ok' });
    if (result?.errors?.length) log.warn({ field: query.field, eventId: event.id, errors: result.errors.map((error) => error.message) }, 'an event resolved with errors');
    return { ...result, extensions: { ...result?.extensions, ...extensions } };
  }

  async function subscribe(args: ExecutionArgs, execute: EntityExecutor): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
    const feed = options.feed;
    if (!feed) return errorResult(ErrorCodes.UNAVAILABLE, 'subscriptions need NATS, and this gateway runs without it');
    if (draining) return errorResult(ErrorCodes.UNAVAILABLE, 'the gateway is shutting down; subscribe again in a moment');
    const caller = options.callers.get(args.contextValue as object) as (AccessClaims & { exp?: number }) | undefined;
    if (!caller) return errorResult(ErrorCodes.UNAUTHENTICATED, 'no token');

    let query: EntityQuery, queryId: number, gate: EventGate, start: ReplayStart | undefined;
    try {
      ({ query, id: queryId } = cachedEntityQuery(args.document, args.operationName));
      const fieldDefinition = args.schema.getSubscriptionType()?.getFields()[query.field];
      if (!fieldDefinition) throw new GraphQLError(`unknown subscription field ${query.field}`, { extensions: { code: ErrorCodes.VALIDATION_FAILED } });
      const fieldArguments = getArgumentValues(fieldDefinition, query.fieldNode, args.variableValues ?? {});
      gate = eventGate(query.field, fieldArguments as SubscriptionArguments[typeof query.field], caller);
      start = resumePoint(fieldArguments.since);
    } catch (error) {
      return toErrorResult(error);
    }
    const source = subscriptionFields[query.field];
    const variablesKey = JSON.stringify(args.variableValues ?? {});
    const groupKey = `${queryId}|${variablesKey}|${accessContextKey(caller)}`;
    const socket = (args.contextValue as { socket?: ClosableSocket }).socket;

    let endReason: SubscriptionEndReason | undefined;
    // Finished when the transport has taken the last result (or the socket was closed on it),
    // not when the queue closes: a shutdown waits for the event still being resolved.
    let finish!: () => void;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    // Resolutions run concurrently but reach the queue in event order. Only resolved results count
    // against the queue's capacity: a burst the gateway is still resolving is not the client's fault.
    const resolving: Promise<ExecutionResult | null>[] = [];
    let ending = false;
    async function forwardResolved(): Promise<void> {
      while (resolving.length > 0) {
        const result = await resolving[0];
        resolving.shift();
        if (result && !queue.offer(result)) return;
      }
      if (ending) queue.end();
    }
    const offer = (fed: FedEvent) => {
      if (!gate(fed.event as EventEnvelope)) return;
      for (const entityId of source.entityIds(fed.event as never)) {
        resolving.push(resolveShared(`${fed.event.id}|${entityId}|${groupKey}`, () => resolveEntity(query, args, execute, fed, entityId)));
        if (resolving.length === 1) void forwardResolved();
      }
    };
    const queue = createDeliveryQueue<ExecutionResult>({
      capacity,
      onOverflow: () => subscriber.end('slowConsumer'),
      onClose: () => cleanUp(),
    });

    // With `since`, live events wait here until the replay has caught up.
    let held: FedEvent[] | undefined = start ? [] : undefined;
    let replayedUpTo = 0;
    const unlisten = await feed.listen(source.eventType, (fed) => {
      if (held) held.push(fed);
      else if (fed.sequence > replayedUpTo) offer(fed);
    });
    const expiresIn = caller.exp === undefined ? undefined : caller.exp * 1_000 - Date.now();
    const expiry = expiresIn === undefined ? undefined : setTimeout(() => subscriber.end('tokenExpired'), Math.min(Math.max(expiresIn, 0), 2 ** 31 - 1));

    let cleanedUp = false;
    function cleanUp(): void {
      if (cleanedUp) return;
      cleanedUp = true;
      unlisten();
      clearTimeout(expiry);
      subscribers.delete(subscriber);
      active.dec({ field: query.field });
      if (endReason) {
        const end = SubscriptionEnd[endReason];
        log.info({ field: query.field, subject: caller?.sub, reason: endReason }, `subscription ended: ${end.reason}`);
        // Over WebSocket the connection closes with the reason (all of its operations share the
        // token); over SSE the stream's last result is the error.
        if (socket) {
          socket.close(end.code, end.reason);
          finish();
        }
      }
    }

    const subscriber: Subscriber = {
      queue,
      finished,
      end(reason) {
        if (reason && !endReason) {
          endReason = reason;
          ended.inc({ reason });
        }
        if (reason === 'slowConsumer' || reason === 'tokenExpired') void queue.return();
        else if (resolving.length === 0) queue.end();
        else ending = true; // forwardResolved ends the queue after the last resolution
      },
    };
    subscribers.add(subscriber);
    active.inc({ field: query.field });

    if (start) {
      void (async () => {
        try {
          for await (const fed of feed.replay(source.eventType, start)) {
            // A replay does not overrun the subscriber's queue: it waits for the client.
            while (queue.size + resolving.length >= capacity / 2 && !cleanedUp) await delay(10);
            if (cleanedUp) return;
            offer(fed);
            replayedUpTo = Math.max(replayedUpTo, fed.sequence);
          }
        } catch (error) {
          log.warn({ err: error, field: query.field }, 'replay for since failed; going live');
        }
        for (const fed of held ?? []) if (fed.sequence > replayedUpTo) offer(fed);
        held = undefined;
      })();
    }

    let endAnnounced = false;
    const results: AsyncIterableIterator<ExecutionResult> = {
      async next() {
        const step = await queue.next();
        if (!step.done) {
          delivered.inc({ field: query.field });
          return step;
        }
        if (endReason && !socket && !endAnnounced) {
          endAnnounced = true;
          const end = SubscriptionEnd[endReason];
          return { done: false, value: errorResult(end.errorCode, `${end.reason}; the subscription ended`) };
        }
        finish();
        return { done: true, value: undefined };
      },
      async return() {
        await queue.return();
        finish();
        return { done: true, value: undefined };
      },
      [Symbol.asyncIterator]() {
        return results;
      },
    };
    return results;
  }

  return {
    subscribe,
    async drain(graceMs) {
      draining = true;
      const all = [...subscribers];
      for (const subscriber of all) subscriber.end();
      await Promise.race([Promise.all(all.map((subscriber) => subscriber.finished)), delay(graceMs)]);
    },
    get activeCount() {
      return subscribers.size;
    },
  };
}
