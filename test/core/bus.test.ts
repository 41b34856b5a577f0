import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { jetstreamManager } from '@nats-io/jetstream';
import { nanos, type NatsConnection } from '@nats-io/transport-node';
import { connectBus, ensureStreams } from '../../core/bus.ts';
import { silentLogger } from '../../core/log.ts';
import { deleteStreams, testStreamSettings } from '../support/bus.ts';
import { natsUrl } from '../support/services.ts';

describe('bus streams', () => {
  const settings = testStreamSettings('bus');
  let connection: NatsConnection;

  beforeAll(async () => {
    connection = await connectBus({ url: natsUrl, name: 'test-bus', log: silentLogger });
  });
  afterAll(async () => {
    await deleteStreams(connection, settings);
    await connection.close();
  });

  it('streams - are created the first time and left unchanged the second', async () => {
    const first = await ensureStreams(connection, settings, silentLogger);
    expect(first).toEqual({ [settings.STREAM_TELEMETRY]: 'created', [settings.STREAM_DOMAIN_EVENTS]: 'created', [settings.STREAM_DLQ]: 'created' });
    const second = await ensureStreams(connection, settings, silentLogger);
    expect(Object.values(second)).toEqual(['unchanged', 'unchanged', 'unchanged']);

    const manager = await jetstreamManager(connection);
    const telemetry = await manager.streams.info(settings.STREAM_TELEMETRY);
    expect(telemetry.config.subjects).toEqual([`${settings.SUBJECT_PREFIX}.telemetry.>`]);
    expect(telemetry.config.duplicate_window).toBe(nanos(settings.DUPLICATE_WINDOW_SECONDS * 1000));
  });

  it('streams - a changed limit updates the existing stream without losing messages', async () => {
    await ensureStreams(connection, settings, silentLogger);
    const manager = await jetstreamManager(connection);
    const js = manager.jetstream();
    await js.publish(`${settings.SUBJECT_PREFIX}.events.assets.line_state_changed`, '{}', { msgID: 'keep-me' });

    const changed = { ...settings, DLQ_MAX_AGE_HOURS: settings.DLQ_MAX_AGE_HOURS + 1, STREAM_MAX_BYTES: settings.STREAM_MAX_BYTES * 2 };
    const outcome = await ensureStreams(connection, changed, silentLogger);
    expect(outcome).toEqual({ [settings.STREAM_TELEMETRY]: 'updated', [settings.STREAM_DOMAIN_EVENTS]: 'updated', [settings.STREAM_DLQ]: 'updated' });
    const events = await manager.streams.info(settings.STREAM_DOMAIN_EVENTS);
    expect(events.state.messages).toBe(1);
    expect(events.config.max_bytes).toBe(changed.STREAM_MAX_BYTES);
  });

  it('streams - the duplicate window drops a second publish with the same message id', async () => {
    await ensureStreams(connection, settings, silentLogger);
    const js = (await jetstreamManager(connection)).jetstream();
    const subject = `${settings.SUBJECT_PREFIX}.telemetry.ber.cnc1.mill1`;
    const first = await js.publish(subject, '{"value":1}', { msgID: 'reading-42' });
    const second = await js.publish(subject, '{"value":1}', { msgID: 'reading-42' });
    expect(first.duplicate).toBe(false);
    expect(second.duplicate).toBe(true);
    expect(second.seq).toBe(first.seq);
  });
});
