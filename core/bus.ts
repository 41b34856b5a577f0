// The NATS connection (reconnecting forever: the bus restarting must not take the hub down) and
// the idempotent set-up of the three JetStream streams the design names. Subjects and ack rules
// are in docs/CONTRACT.md.
import { connect, nanos, type NatsConnection } from '@nats-io/transport-node';
import {
  DiscardPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
  type JetStreamManager,
  type StreamConfig,
  type StreamInfo,
} from '@nats-io/jetstream';
import type { Config } from './config.ts';
import type { Logger } from './log.ts';

export const RECONNECT_WAIT_MS = 1_000; // 1 second between reconnect attempts
export const HOUR_MS = 60 * 60 * 1_000;

export interface BusConnectionOptions {
  url: string;
  /** Shown in the server's connection list (`nats server report connections`). */
  name: string;
  log: Logger;
}

/** Connect with unlimited reconnects; connection state changes are logged. */
export async function connectBus({ url, name, log }: BusConnectionOptions): Promise<NatsConnection> {
  const connection = await connect({ servers: url, name, maxReconnectAttempts: -1, reconnectTimeWait: RECONNECT_WAIT_MS, waitOnFirstConnect: false });
  void (async () => {
    for await (const status of connection.status()) {
      if (status.type === 'disconnect' || status.type === 'reconnect' || status.type === 'error') {
        log.warn({ nats: status.type, server: 'server' in status ? status.server : undefined }, `NATS ${status.type}`);
      }
    }
  })();
  log.info({ url: redactUrl(url) }, 'connected to NATS');
  return connection;
}

/** The subjects each stream captures; a prefix keeps tests' streams apart from each other. */
export function streamSubjects(prefix = '') {
  const p = prefix ? `${prefix}.` : '';
  return {
    telemetry: `${p}telemetry.>`,
    domainEvents: `${p}events.>`,
    deadLetters: `${p}dlq.>`,
  };
}

export type StreamSettings = Pick<
  Config,
  'STREAM_TELEMETRY' | 'STREAM_DOMAIN_EVENTS' | 'STREAM_DLQ' | 'SUBJECT_PREFIX' | 'STREAM_MAX_AGE_HOURS' | 'DLQ_MAX_AGE_HOURS' | 'STREAM_MAX_BYTES' | 'DUPLICATE_WINDOW_SECONDS'
>;

/** The wanted configuration of TELEMETRY, DOMAIN_EVENTS and DLQ. */
type WantedStream = Partial<StreamConfig> & { name: string };

export function streamConfigs(settings: StreamSettings): WantedStream[] {
  const subjects = streamSubjects(settings.SUBJECT_PREFIX);
  const common = {
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    discard: DiscardPolicy.Old,
    max_bytes: settings.STREAM_MAX_BYTES,
    duplicate_window: nanos(settings.DUPLICATE_WINDOW_SECONDS * 1_000),
    num_replicas: 1,
  };
  return [
    { ...common, name: settings.STREAM_TELEMETRY, subjects: [subjects.telemetry], max_age: nanos(settings.STREAM_MAX_AGE_HOURS * HOUR_MS) },
    { ...common, name: settings.STREAM_DOMAIN_EVENTS, subjects: [subjects.domainEvents], max_age: nanos(settings.STREAM_MAX_AGE_HOURS * HOUR_MS) },
    { ...common, name: settings.STREAM_DLQ, subjects: [subjects.deadLetters], max_age: nanos(settings.DLQ_MAX_AGE_HOURS * HOUR_MS) },
  ];
}

export type StreamOutcome = 'created' | 'updated' | 'unchanged';

/**
 * Create each stream, or bring an existing one to the wanted limits. Running it again changes
 * nothing (outcome `unchanged`), so every process may call it at start.
 */
export async function ensureStreams(connection: NatsConnection, settings: StreamSettings, log: Logger): Promise<Record<string, StreamOutcome>> {
  const manager = await jetstreamManager(connection);
  const outcomes: Record<string, StreamOutcome> = {};
  for (const wanted of streamConfigs(settings)) {
    const { name } = wanted;
    outcomes[name] = await ensureStream(manager, wanted);
    if (outcomes[name] !== 'unchanged') log.info({ stream: name, outcome: outcomes[name] }, `stream ${name} ${outcomes[name]}`);
  }
  return outcomes;
}

async function ensureStream(manager: JetStreamManager, wanted: WantedStream): Promise<StreamOutcome> {
  const { name } = wanted;
  let current: StreamInfo;
  try {
    current = await manager.streams.info(name);
  } catch (error) {
    if (!isStreamNotFound(error)) throw error;
    await manager.streams.add(wanted);
    return 'created';
  }
  if (differs(current.config, wanted)) {
    const { name: _name, storage: _storage, retention: _retention, ...updatable } = wanted; // storage and retention cannot change
    await manager.streams.update(name, updatable);
    return 'updated';
  }
  return 'unchanged';
}

function differs(current: StreamConfig, wanted: Partial<StreamConfig>): boolean {
  return (Object.keys(wanted) as (keyof StreamConfig)[]).some((key) => JSON.stringify(current[key]) !== JSON.stringify(wanted[key]));
}

export function isStreamNotFound(error: unknown): boolean {
  return error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound;
}

/** Hide a password in a URL before it reaches a log line. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable url)';
  }
}
