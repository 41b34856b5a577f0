// One simulated machine, deterministic for a seed: it runs most of the time, sometimes idles,
// changes over or has a planned stop, and now and then stops with a fault (DOWN with a reason code,
// long enough to count as a critical downtime). While it runs its cumulative counters advance at
// its cycle time (a little slower than ideal, with some scrap). Measurements wander with noise
// between their warn limits, and now and then one drifts past its warn and alarm limits and back.
import type { SimulatedAsset, SimulatedTag } from './plant-model.ts';

export type MachineState = 'RUNNING' | 'IDLE' | 'DOWN' | 'PLANNED_STOP' | 'CHANGEOVER';

export interface SimulatedReading {
  tag: string;
  value: number | string;
  unit?: string;
}

/** Small, fast, seedable PRNG (mulberry32); Math.random cannot be replayed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const FAULTS = ['SPINDLE_JAM', 'TOOL_BREAK', 'MOTOR_OVERLOAD', 'DOOR_INTERLOCK', 'MATERIAL_JAM'];
const COUNTERS = new Set(['COUNTER_GOOD', 'COUNTER_SCRAP', 'COUNTER_REWORK', 'COUNTER']);
/** Good units per pallet for pallet counters (unit PAL, e.g. the palletizer's pallets_completed): the seed's 60 cases. */
export const UNITS_PER_PALLET = 60;

interface Drift {
  tag: string;
  startedAt: number;
  /** Seconds to reach the peak, hold it, and come back. */
  rise: number;
  hold: number;
  fall: number;
  peak: number;
}

export interface MachineOptions {
  /** Seconds of RUNNING between stops, at least/at most. */
  runSeconds?: [number, number];
  /** Seconds a fault (DOWN) lasts, at least/at most. */
  downSeconds?: [number, number];
  /** Chance per second that a measurement starts drifting. */
  driftPerSecond?: number;
  /** Seconds after start of the first stop, which is a fault, so a new user sees a downtime soon. */
  firstFaultAfterSeconds?: number;
}

export class SimulatedMachine {
  private state: MachineState = 'RUNNING';
  private reason: string | null = null;
  private stateUntil: number;
  private partsMade = 0;
  private good = 0;
  private scrap = 0;
  private readonly values = new Map<string, number>();
  private drift: Drift | null = null;
  private firstStop = true;
  private readonly options: Required<MachineOptions>;

  constructor(
    readonly asset: SimulatedAsset,
    private readonly random: () => number,
    options: MachineOptions = {},
    private elapsed = 0,
  ) {
    this.options = { runSeconds: [60, 240], downSeconds: [90, 180], driftPerSecond: 1 / 300, firstFaultAfterSeconds: 45 + random() * 60, ...options };
    this.stateUntil = this.options.firstFaultAfterSeconds;
  }

  get currentState(): MachineState {
    return this.state;
  }

  /** Advance by `seconds` and return what the device reports now. */
  tick(seconds: number): SimulatedReading[] {
    this.elapsed += seconds;
    if (this.elapsed >= this.stateUntil) this.nextState();
    if (this.state === 'RUNNING') this.produce(seconds);
    if (!this.drift && this.random() < this.options.driftPerSecond * seconds) this.startDrift();
    if (this.drift && this.elapsed > this.drift.startedAt + this.drift.rise + this.drift.hold + this.drift.fall) this.drift = null;

    const readings: SimulatedReading[] = [];
    for (const tag of this.asset.tags) {
      if (tag.kind === 'STATE') readings.push({ tag: tag.name, value: this.reason ? `${this.state}:${this.reason}` : this.state });
      else if (tag.kind === 'COUNTER_GOOD') readings.push(withUnit(tag, this.good));
      else if (tag.kind === 'COUNTER_SCRAP') readings.push(withUnit(tag, this.scrap));
      else if (tag.kind === 'COUNTER' && tag.unit === 'PAL') readings.push(withUnit(tag, Math.floor(this.good / UNITS_PER_PALLET)));
      else if (COUNTERS.has(tag.kind)) readings.push(withUnit(tag, Math.floor(this.partsMade)));
      else if (tag.kind !== 'ALARM') readings.push(withUnit(tag, round(this.measure(tag))));
    }
    return readings;
  }

  private nextState() {
    const [runMin, runMax] = this.options.runSeconds;
    if (this.state !== 'RUNNING') {
      this.state = 'RUNNING';
      this.reason = null;
      this.stateUntil = this.elapsed + runMin + this.random() * (runMax - runMin);
      return;
    }
    const roll = this.firstStop ? 0 : this.random();
    this.firstStop = false;
    const [downMin, downMax] = this.options.downSeconds;
    if (roll < 0.3) {
      this.state = 'DOWN';
      this.reason = FAULTS[Math.floor(this.random() * FAULTS.length)]!;
      this.stateUntil = this.elapsed + downMin + this.random() * (downMax - downMin);
    } else if (roll < 0.6) {
      this.state = 'IDLE';
      this.reason = 'NO_MATERIAL';
      this.stateUntil = this.elapsed + 20 + this.random() * 40;
    } else if (roll < 0.8) {
      this.state = 'CHANGEOVER';
      this.reason = 'PRODUCT_CHANGE';
      this.stateUntil = this.elapsed + 60 + this.random() * 60;
    } else {
      this.state = 'PLANNED_STOP';
      this.reason = 'BREAK';
      this.stateUntil = this.elapsed + 60 + this.random() * 60;
    }
  }

  private produce(seconds: number) {
    const slowness = 1.1 + this.random() * 0.2; // 10–30 % slower than ideal
    const before = Math.floor(this.partsMade);
    this.partsMade += seconds / (this.asset.idealCycleSeconds * slowness);
    for (let part = before; part < Math.floor(this.partsMade); part += 1) {
      if (this.random() < 0.03) this.scrap += 1;
      else this.good += 1;
    }
  }

  private startDrift() {
    const candidates = this.asset.tags.filter((tag) => tag.highAlarm !== null || tag.lowAlarm !== null);
    if (candidates.length === 0) return;
    // quality characteristics drift more often: they are what the quality reaction shows
    const quality = candidates.filter((tag) => tag.characteristicId);
    const pool = quality.length > 0 && this.random() < 0.5 ? quality : candidates;
    const tag = pool[Math.floor(this.random() * pool.length)]!;
    const up = tag.highAlarm !== null;
    const limit = (up ? tag.highAlarm : tag.lowAlarm)!;
    const span = spanOf(tag);
    this.drift = { tag: tag.name, startedAt: this.elapsed, rise: 20 + this.random() * 20, hold: 15 + this.random() * 15, fall: 20, peak: limit + (up ? 1 : -1) * span * 0.15 };
  }

  private measure(tag: SimulatedTag): number {
    const normal = normalOf(tag);
    const span = spanOf(tag);
    const previous = this.values.get(tag.name) ?? normal;
    // mean-reverting noise around normal
    let value = previous + (normal - previous) * 0.2 + (this.random() - 0.5) * span * 0.04;
    if (this.drift?.tag === tag.name) {
      const { startedAt, rise, hold, fall, peak } = this.drift;
      const t = this.elapsed - startedAt;
      const share = t < rise ? t / rise : t < rise + hold ? 1 : Math.max(0, 1 - (t - rise - hold) / fall);
      value = normal + (peak - normal) * share + (this.random() - 0.5) * span * 0.01;
    }
    this.values.set(tag.name, value);
    return value;
  }
}

/** The middle of the normal band, or a plausible value for a tag without limits. */
function normalOf(tag: SimulatedTag): number {
  const low = tag.lowWarn ?? tag.lowAlarm;
  const high = tag.highWarn ?? tag.highAlarm;
  if (low !== null && high !== null) return (low + high) / 2;
  if (high !== null) return high * 0.8;
  if (low !== null) return low * 1.3 + 1;
  return 50;
}

function spanOf(tag: SimulatedTag): number {
  const low = tag.lowAlarm ?? tag.lowWarn;
  const high = tag.highAlarm ?? tag.highWarn;
  if (low !== null && high !== null && high > low) return high - low;
  return Math.max(Math.abs(normalOf(tag)) * 0.5, 1);
}

const round = (value: number) => Math.round(value * 100) / 100;
const withUnit = (tag: SimulatedTag, value: number): SimulatedReading => (tag.unit ? { tag: tag.name, value, unit: tag.unit } : { tag: tag.name, value });
