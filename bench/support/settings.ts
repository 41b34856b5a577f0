// The benchmark's knobs, read from the environment once (short by default, longer in CI), the way
// core/config.ts reads the hub's: every bad variable is listed at once.
import { z } from 'zod';
import { DEFAULT_ADMIN_DATABASE_URL } from './bench-database.ts';

export const DEFAULT_WARMUP_SECONDS = 3;
// 20 s in 4 rounds per variant: with 10 s in 2, oursVsHive scattered 0.80–0.94 run to run on the
// shared 2-core machine; with these, 0.92–1.04 in four runs (docs/GATEWAY.md, Performance).
export const DEFAULT_DURATION_SECONDS = 20;
export const DEFAULT_CONNECTIONS = 10;
/** Measured time is split into rounds that visit every variant in turn, so drift hits all alike. */
export const DEFAULT_ROUNDS = 4;

const seconds = z.coerce.number({ error: 'must be a number of seconds' }).min(0);

const benchEnvironmentSchema = z.object({
  BENCH_WARMUP_SECONDS: seconds.default(DEFAULT_WARMUP_SECONDS).describe('Load before each measured run, thrown away, seconds'),
  BENCH_DURATION_SECONDS: seconds.positive().default(DEFAULT_DURATION_SECONDS).describe('Measured load per variant, all rounds together, seconds'),
  BENCH_CONNECTIONS: z.coerce.number({ error: 'must be a whole number' }).int().positive().default(DEFAULT_CONNECTIONS).describe('Concurrent keep-alive connections of autocannon'),
  BENCH_ROUNDS: z.coerce.number({ error: 'must be a whole number' }).int().positive().default(DEFAULT_ROUNDS).describe('Rounds the measured time of each variant is split into, variants taking turns'),
  BENCH_ADMIN_DATABASE_URL: z.string().url().default(DEFAULT_ADMIN_DATABASE_URL).describe('PostgreSQL database to run CREATE/DROP DATABASE on'),
});

export interface BenchSettings {
  warmupSeconds: number;
  durationSeconds: number;
  connections: number;
  rounds: number;
  adminDatabaseUrl: string;
}

export function loadBenchSettings(environment: Record<string, string | undefined> = process.env): BenchSettings {
  const relevant = Object.fromEntries(Object.keys(benchEnvironmentSchema.shape).flatMap((key) => (environment[key]?.trim() ? [[key, environment[key]!.trim()]] : [])));
  const parsed = benchEnvironmentSchema.safeParse(relevant);
  if (!parsed.success) {
    throw new Error(`Invalid benchmark settings:\n${parsed.error.issues.map((issue) => `  - ${String(issue.path[0])}: ${issue.message}`).join('\n')}`);
  }
  return {
    warmupSeconds: parsed.data.BENCH_WARMUP_SECONDS,
    durationSeconds: parsed.data.BENCH_DURATION_SECONDS,
    connections: parsed.data.BENCH_CONNECTIONS,
    rounds: parsed.data.BENCH_ROUNDS,
    adminDatabaseUrl: parsed.data.BENCH_ADMIN_DATABASE_URL,
  };
}

/** A benchmark knob that lists subscriber counts, e.g. `BENCH_SUBSCRIBERS=250,500,1000`. */
export function subscriberCounts(defaultList: string) {
  return z
    .string()
    .default(defaultList)
    .transform((list) => list.split(',').map((value) => Number(value.trim())))
    .pipe(z.array(z.number().int().positive()).min(1))
    .describe('Subscriber counts to try, in order');
}
