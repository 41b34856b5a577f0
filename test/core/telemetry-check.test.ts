// checkTelemetry's fast path for well-formed messages must give exactly what the zod schema gives
// (same output, key order included) and leave every refusal, with its message, to the schema.
import { describe, expect, it } from '@jest/globals';
import { checkTelemetry, telemetryMessageSchema } from '../../core/telemetry.ts';

const now = Date.parse('2026-11-25T09:00:00Z');
const reading = { readingId: 'r1', assetId: '0b5e0c4e-9a9e-4f0e-8c1e-1a2b3c4d5e6f', tag: 'spindle_temperature', value: 41.5, timestamp: '2026-11-25T08:00:00.000Z' };
const cases: [string, unknown][] = [
  ['one reading', { version: 1, readings: [reading] }],
  ['text value, quality, unit, unknown keys', { version: 1, deviceId: 'd1', extra: true, readings: [reading, { ...reading, value: 'RUNNING', quality: 'BAD', unit: 'C', more: 1 }] }],
  ['boolean value, empty unit, offset', { version: 1, readings: [{ ...reading, value: true, unit: '', timestamp: '2026-11-25T08:00:00+01:00' }] }],
  ['empty device id', { version: 1, deviceId: '', readings: [reading] }],
  ['null device id', { version: 1, deviceId: null, readings: [reading] }],
  ['wrong version', { version: 2, readings: [reading] }],
  ['no readings', { version: 1, readings: [] }],
  ['bad asset id', { version: 1, readings: [{ ...reading, assetId: 'press-7' }] }],
  ['bad month', { version: 1, readings: [{ ...reading, timestamp: '2026-13-25T08:00:00Z' }] }],
  ['no offset', { version: 1, readings: [{ ...reading, timestamp: '2026-11-25T08:00:00' }] }],
  ['null quality', { version: 1, readings: [{ ...reading, quality: null }] }],
  ['unknown quality', { version: 1, readings: [{ ...reading, quality: 'OK' }] }],
  ['null value', { version: 1, readings: [{ ...reading, value: null }] }],
  ['empty text value', { version: 1, readings: [{ ...reading, value: '' }] }],
  ['long unit', { version: 1, readings: [{ ...reading, unit: 'x'.repeat(21) }] }],
  ['long reading id', { version: 1, readings: [{ ...reading, readingId: 'x'.repeat(121) }] }],
  ['reading not an object', { version: 1, readings: [reading, 5] }],
  ['array body', []],
  ['null body', null],
];

describe('checkTelemetry', () => {
  it.each(cases)('%s: same result as the schema', (_name, body) => {
    const schema = telemetryMessageSchema.safeParse(body);
    const checked = checkTelemetry(JSON.stringify(body), now);
    expect(checked.ok).toBe(schema.success);
    if (checked.ok && schema.success) expect(JSON.stringify(checked.message)).toBe(JSON.stringify(schema.data));
    if (!checked.ok && !schema.success) expect(checked.reason).toBe(`invalid telemetry message: ${schema.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ')}`);
  });
});
