import { describe, expect, it } from '@jest/globals';
import { detectStateChanges, parseStateValue, type StateObservation } from '../../ingest/state/detector.ts';
import { alarmCode, bandOf, bandOfAlarmCode } from '../../ingest/thresholds/bands.ts';
import { deterministicId } from '../../ingest/deterministic-id.ts';
import { envelopeSchema } from '../../core/events.ts';

const at = (seconds: number) => new Date(Date.UTC(2026, 10, 25, 6, 0, seconds));
const observe = (seconds: number, value: string): StateObservation => ({ ...parseStateValue(value)!, time: at(seconds), readingId: `r${seconds}` });

describe('state detection rules', () => {
  it('parses states with and without reason codes, and refuses anything else', () => {
    expect(parseStateValue('RUNNING')).toEqual({ state: 'RUNNING', reasonCode: null });
    expect(parseStateValue('down:SPINDLE_JAM')).toEqual({ state: 'DOWN', reasonCode: 'SPINDLE_JAM' });
    expect(parseStateValue('PLANNED_STOP: lunch ')).toEqual({ state: 'PLANNED_STOP', reasonCode: 'lunch' });
    expect(parseStateValue('BROKEN')).toBeNull();
    expect(parseStateValue('')).toBeNull();
  });

  it('reports only real changes, in time order, and ignores what is older than the open interval', () => {
    const open = { state: 'RUNNING' as const, startedAt: at(10), reasonCode: null };
    const changes = detectStateChanges(open, [observe(30, 'RUNNING'), observe(5, 'DOWN'), observe(20, 'RUNNING'), observe(50, 'CHANGEOVER'), observe(40, 'DOWN:JAM'), observe(45, 'DOWN')]);
    expect(changes.map((change) => [change.previousState, change.state, change.reasonCode, change.time.getUTCSeconds()])).toEqual([
      ['RUNNING', 'DOWN', 'JAM', 40],
      ['DOWN', 'CHANGEOVER', null, 50],
    ]);
    expect(detectStateChanges(null, [observe(1, 'IDLE')])).toEqual([expect.objectContaining({ previousState: null, state: 'IDLE' })]);
  });
});

describe('threshold bands', () => {
  const limits = { lowAlarm: 20, lowWarn: 30, highWarn: 60, highAlarm: 70 };
  it('puts a value in its band; a value on a limit is inside it', () => {
    expect([10, 20, 25, 30, 45, 60, 65, 70, 71].map((value) => bandOf(value, limits))).toEqual([
      'LOW_ALARM', 'LOW_WARN', 'LOW_WARN', 'NORMAL', 'NORMAL', 'NORMAL', 'HIGH_WARN', 'HIGH_WARN', 'HIGH_ALARM',
    ]);
    expect(bandOf(1_000, { lowAlarm: null, lowWarn: 5, highWarn: null, highAlarm: null })).toBe('NORMAL');
  });
  it('names alarms by tag and band and reads the band back', () => {
    expect(alarmCode('spindle_temp', 'HIGH_ALARM')).toBe('SPINDLE_TEMP_HIGH_ALARM');
    expect(bandOfAlarmCode('SPINDLE_TEMP_HIGH_ALARM')).toBe('HIGH_ALARM');
    expect(bandOfAlarmCode('COOLANT_PRESSURE_LOW_WARN')).toBe('LOW_WARN');
  });
});

describe('deterministic event ids', () => {
  it('are valid UUIDs, equal for the same key and different otherwise', () => {
    const id = deterministicId('LineStateChanged:a:2026-11-25T06:00:00.000Z:RUNNING');
    expect(envelopeSchema.shape.id.safeParse(id).success).toBe(true);
    expect(deterministicId('LineStateChanged:a:2026-11-25T06:00:00.000Z:RUNNING')).toBe(id);
    expect(deterministicId('LineStateChanged:b:2026-11-25T06:00:00.000Z:RUNNING')).not.toBe(id);
  });
});
