// Where a measurement sits against its tag's limits. Beyond a warn limit is a warning, beyond an
// alarm limit an alarm; a value exactly on a limit is still inside it. No hysteresis: a value that
// hovers on a limit raises and clears repeatedly (a deadband per tag would be the next step).
import type { AssetTag } from '../pipeline.ts';

export const bands = ['LOW_ALARM', 'LOW_WARN', 'NORMAL', 'HIGH_WARN', 'HIGH_ALARM'] as const;
export type Band = (typeof bands)[number];
export type LimitBand = Exclude<Band, 'NORMAL'>;

type Limits = Pick<AssetTag, 'lowAlarm' | 'lowWarn' | 'highWarn' | 'highAlarm'>;

export function hasLimits(limits: Limits): boolean {
  return limits.lowAlarm !== null || limits.lowWarn !== null || limits.highWarn !== null || limits.highAlarm !== null;
}

export function bandOf(value: number, limits: Limits): Band {
  if (limits.lowAlarm !== null && value < limits.lowAlarm) return 'LOW_ALARM';
  if (limits.highAlarm !== null && value > limits.highAlarm) return 'HIGH_ALARM';
  if (limits.lowWarn !== null && value < limits.lowWarn) return 'LOW_WARN';
  if (limits.highWarn !== null && value > limits.highWarn) return 'HIGH_WARN';
  return 'NORMAL';
}

export function limitValue(band: LimitBand, limits: Limits): number {
  const value = { LOW_ALARM: limits.lowAlarm, LOW_WARN: limits.lowWarn, HIGH_WARN: limits.highWarn, HIGH_ALARM: limits.highAlarm }[band];
  if (value === null) throw new Error(`no ${band} limit`); // bandOf never returns a band without its limit
  return value;
}

export function severityOf(band: LimitBand): 'WARNING' | 'CRITICAL' {
  return band.endsWith('ALARM') ? 'CRITICAL' : 'WARNING';
}

/** Alarm code of a band: `SPINDLE_TEMP_HIGH_ALARM`. */
export function alarmCode(tagName: string, band: LimitBand): string {
  return `${tagName.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}_${band}`.slice(0, 64);
}

/** The band an open alarm stands for (its code ends with it). */
export function bandOfAlarmCode(code: string): LimitBand | null {
  return (bands.filter((band) => band !== 'NORMAL') as LimitBand[]).find((band) => code.endsWith(`_${band}`)) ?? null;
}
