// Each test gets its own stream names and subject prefix on the shared NATS server, and removes
// its streams afterwards.
import { randomBytes } from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { loadConfig } from '../../core/config.ts';
import type { StreamSettings } from '../../core/bus.ts';

export function testStreamSettings(label: string): StreamSettings {
  const id = `${label.replace(/\W/g, '_')}_${randomBytes(4).toString('hex')}`.toUpperCase();
  const defaults = loadConfig({});
  return {
    ...defaults,
    STREAM_TELEMETRY: `T_${id}_TELEMETRY`,
    STREAM_DOMAIN_EVENTS: `T_${id}_DOMAIN_EVENTS`,
    STREAM_DLQ: `T_${id}_DLQ`,
    SUBJECT_PREFIX: `t_${id.toLowerCase()}`,
  };
}

export async function deleteStreams(connection: NatsConnection, settings: StreamSettings): Promise<void> {
  const manager = await jetstreamManager(connection);
  for (const name of [settings.STREAM_TELEMETRY, settings.STREAM_DOMAIN_EVENTS, settings.STREAM_DLQ]) {
    await manager.streams.delete(name).catch(() => false);
  }
}
