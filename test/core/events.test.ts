import { describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { createEvent, decodeEvent, eventSubject, parseEvent } from '../../core/events.ts';
import { isValidationError, ValidationError } from '../../core/errors.ts';
import { decodeTelemetry, telemetrySubject } from '../../core/telemetry.ts';

const lineStateData = () => ({
  lineId: randomUUID(),
  siteId: randomUUID(),
  assetId: randomUUID(),
  state: 'DOWN' as const,
  previousState: 'RUNNING' as const,
  since: '2026-11-25T08:00:00.000Z',
  reasonCode: 'E-STOP',
  orderId: null,
});

function validationMessage(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(isValidationError(error)).toBe(true);
    return (error as ValidationError).message;
  }
  throw new Error('expected a ValidationError');
}

describe('event envelope', () => {
  it('events - createEvent builds a valid v1 envelope that survives a JSON round trip', () => {
    const event = createEvent({ type: 'LineStateChanged', data: lineStateData(), source: 'test', subject: 'line/1' });
    expect(event.version).toBe(1);
    expect(event.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(decodeEvent(JSON.stringify(event))).toEqual(event);
  });

  it('events - a missing envelope field is named in the error', () => {
    const event = createEvent({ type: 'LineStateChanged', data: lineStateData(), source: 'test', subject: 'line/1' });
    const { occurredAt: _dropped, ...withoutTime } = event;
    expect(validationMessage(() => parseEvent(withoutTime))).toBe('invalid event envelope: occurredAt: Invalid input: expected string, received undefined');
  });

  it('events - bad data names the path inside data', () => {
    const event = createEvent({ type: 'LineStateChanged', data: lineStateData(), source: 'test', subject: 'line/1' });
    const message = validationMessage(() => parseEvent({ ...event, data: { ...event.data, state: 'EXPLODED', lineId: 'line-7' } }));
    expect(message).toMatch(/^invalid LineStateChanged v1 data: /);
    expect(message).toContain('data.state');
    expect(message).toContain('data.lineId');
  });

  it('events - unknown types and versions are refused with their name', () => {
    const event = createEvent({ type: 'LineStateChanged', data: lineStateData(), source: 'test', subject: 'line/1' });
    expect(validationMessage(() => parseEvent({ ...event, type: 'LineExploded' }))).toBe('unknown event type "LineExploded"');
    expect(validationMessage(() => parseEvent({ ...event, version: 9 }))).toBe('unsupported version 9 of LineStateChanged');
  });

  it('events - a body that is not JSON is a validation error, not a crash', () => {
    expect(validationMessage(() => decodeEvent(new TextEncoder().encode('{"id": ')))).toBe('event body is not valid JSON');
  });

  it('events - subjects follow events.<domain>.<type>, with the optional test prefix', () => {
    expect(eventSubject('LineStateChanged')).toBe('events.assets.line_state_changed');
    expect(eventSubject('AlarmRaised', 't_abc')).toBe('t_abc.events.maintenance.alarm_raised');
    expect(eventSubject('OrderStatusChanged')).toBe('events.orders.order_status_changed');
  });
});

describe('telemetry message', () => {
  const reading = { readingId: 'cnc1-op10-000001', assetId: randomUUID(), tag: 'spindle_temperature', value: 41.5, unit: '°C', timestamp: '2026-11-25T08:00:00Z' };

  it('telemetry - a batch of readings decodes with defaults filled in', () => {
    const message = decodeTelemetry(JSON.stringify({ version: 1, deviceId: 'cnc1-op10', readings: [reading, { ...reading, readingId: 'r2', tag: 'state', value: 'RUNNING' }] }), Date.parse('2026-11-25T08:00:05Z'));
    expect(message.readings).toHaveLength(2);
    expect(message.readings[0]!.quality).toBe('GOOD');
  });

  it('telemetry - schema violations, bad JSON and future timestamps are refused with their reason', () => {
    const now = Date.parse('2026-11-25T08:00:05Z');
    expect(validationMessage(() => decodeTelemetry('not json', now))).toMatch(/^telemetry body is not valid JSON/);
    expect(validationMessage(() => decodeTelemetry(JSON.stringify({ version: 1, readings: [{ ...reading, assetId: 'press-7', value: null }] }), now))).toMatch(
      /^invalid telemetry message: readings\.0\.assetId: .*; readings\.0\.value: /,
    );
    expect(validationMessage(() => decodeTelemetry(JSON.stringify({ version: 1, readings: [{ ...reading, timestamp: '2026-11-25T09:00:00Z' }] }), now))).toBe(
      'reading cnc1-op10-000001 is from the future (2026-11-25T09:00:00Z)',
    );
  });

  it('telemetry - subjects are telemetry.<site>.<line>.<asset> in lower case', () => {
    expect(telemetrySubject('BER', 'CNC1', 'OP10')).toBe('telemetry.ber.cnc1.op10');
    expect(telemetrySubject('LYO', 'MIX1', 'TANK 2', 't_x')).toBe('t_x.telemetry.lyo.mix1.tank_2');
  });
});
