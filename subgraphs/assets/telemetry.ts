// Telemetry as the graph shows it: the newest reading per tag, a bucketed history of one tag, and
// OEE over a window. Reads telemetry.reading (and its 1-minute rollup for hour and day buckets)
// and the state intervals; the same SQL runs on TimescaleDB and plain PostgreSQL.
import { z } from 'zod';
import type { PrismaClient } from '../../core/db.ts';
import { ValidationError } from '../../core/errors.ts';
import { Prisma } from '../../prisma/generated/client.ts';

/** Most points one history answer holds; a longer window needs a bigger bucket. */
export const MAX_HISTORY_POINTS = 1_440;

export const timeBuckets = { ONE_MINUTE: 60, FIVE_MINUTES: 300, FIFTEEN_MINUTES: 900, ONE_HOUR: 3_600, ONE_DAY: 86_400 } as const;
export type TimeBucket = keyof typeof timeBuckets;
export const readingAggregations = ['AVG', 'MIN', 'MAX', 'COUNT'] as const;
export type ReadingAggregation = (typeof readingAggregations)[number];

export interface TagReadingRecord {
  assetId: string;
  tag: string;
  time: Date;
  value: number | null;
  valueText: string | null;
  quality: 'GOOD' | 'UNCERTAIN' | 'BAD';
}

/** The newest reading of each (asset, tag) pair, in one statement (index asset_id, tag, time DESC). */
export async function latestReadings(prisma: PrismaClient, keys: readonly { assetId: string; tag: string }[]): Promise<TagReadingRecord[]> {
  if (keys.length === 0) return [];
  return prisma.$queryRaw<TagReadingRecord[]>(Prisma.sql`
    SELECT k.asset_id::text AS "assetId", k.tag, r.time, r.value, r.value_text AS "valueText", r.quality
      FROM unnest(${keys.map((key) => key.assetId)}::uuid[], ${keys.map((key) => key.tag)}::text[]) AS k(asset_id, tag)
     CROSS JOIN LATERAL (
       SELECT time, value, value_text, quality FROM telemetry.reading r
        WHERE r.asset_id = k.asset_id AND r.tag = k.tag ORDER BY time DESC LIMIT 1) AS r`);
}

export const historySchema = z
  .object({
    assetId: z.string().uuid(),
    tag: z.string().min(1).max(100),
    from: z.coerce.date(),
    to: z.coerce.date(),
    bucket: z.enum(Object.keys(timeBuckets) as [TimeBucket, ...TimeBucket[]]),
    aggregation: z.enum(readingAggregations),
  })
  .refine((args) => args.from < args.to, { message: 'from must be before to', path: ['from'] });
export type HistoryArguments = z.output<typeof historySchema>;

export interface ReadingPointRecord {
  time: Date;
  value: number | null;
  readings: number;
}

/**
 * One tag's readings aggregated per bucket over [from, to), oldest first. Minute-sized buckets
 * come from the raw readings (exact up to now); hour and day buckets from the 1-minute rollup,
 * which trails the raw data by its refresh interval (about a minute).
 */
export async function readingHistory(prisma: PrismaClient, args: HistoryArguments): Promise<ReadingPointRecord[]> {
  const seconds = timeBuckets[args.bucket];
  const points = Math.ceil((args.to.getTime() - args.from.getTime()) / (seconds * 1_000));
  if (points > MAX_HISTORY_POINTS) {
    throw new ValidationError(`${points} ${args.bucket} buckets from ${args.from.toISOString()} to ${args.to.toISOString()}; at most ${MAX_HISTORY_POINTS}: narrow the window or use a bigger bucket`, {
      details: { fields: [{ field: 'bucket', message: `at most ${MAX_HISTORY_POINTS} points` }] },
    });
  }
  const width = Prisma.sql`${`${seconds} seconds`}::interval`;
  const origin = Prisma.sql`${args.from}::timestamptz`;
  if (seconds < timeBuckets.ONE_HOUR) {
    const value = { AVG: Prisma.sql`avg(value)`, MIN: Prisma.sql`min(value)`, MAX: Prisma.sql`max(value)`, COUNT: Prisma.sql`count(*)::float8` }[args.aggregation];
    return prisma.$queryRaw<ReadingPointRecord[]>(Prisma.sql`
      SELECT date_bin(${width}, time, ${origin}) AS time, ${value} AS value, count(*)::int AS readings
        FROM telemetry.reading
       WHERE asset_id = ${args.assetId}::uuid AND tag = ${args.tag} AND time >= ${args.from} AND time < ${args.to}
       GROUP BY 1 ORDER BY 1`);
  }
  // rollup rows are minutes: weight their averages by their counts
  const value = {
    AVG: Prisma.sql`sum(avg_value * reading_count) / nullif(sum(reading_count) FILTER (WHERE avg_value IS NOT NULL), 0)`,
    MIN: Prisma.sql`min(min_value)`,
    MAX: Prisma.sql`max(max_value)`,
    COUNT: Prisma.sql`sum(reading_count)::float8`,
  }[args.aggregation];
  return prisma.$queryRaw<ReadingPointRecord[]>(Prisma.sql`
    SELECT date_bin(${width}, bucket, ${origin}) AS time, ${value} AS value, sum(reading_count)::int AS readings
      FROM telemetry.reading_1m
     WHERE asset_id = ${args.assetId}::uuid AND tag = ${args.tag} AND bucket >= ${args.from} AND bucket < ${args.to}
     GROUP BY 1 ORDER BY 1`);
}

export const oeeWindowSchema = z
  .object({ from: z.coerce.date(), to: z.coerce.date() })
  .refine((window) => window.from < window.to, { message: 'from must be before to', path: ['from'] })
  .refine((window) => window.to.getTime() - window.from.getTime() <= 31 * 86_400_000, { message: 'at most 31 days', path: ['to'] });
export type OeeWindow = z.output<typeof oeeWindowSchema>;

/** What one asset did in a window: the parts OEE is computed from. */
export interface AssetOeeFigures {
  assetId: string;
  plannedSeconds: number;
  runningSeconds: number;
  downSeconds: number;
  goodCount: number;
  scrapCount: number;
  /** Ideal cycle seconds × parts made: the time the parts would have taken at full speed. */
  idealSeconds: number;
}

export interface OeeRecord {
  from: Date;
  to: Date;
  plannedSeconds: number;
  runningSeconds: number;
  downSeconds: number;
  goodCount: number;
  scrapCount: number;
  availability: number | null;
  performance: number | null;
  quality: number | null;
  oee: number | null;
  assets: number;
}

/**
 * Figures per asset over the window (clipped to now): running, down and planned-stop time from the
 * state intervals; good and scrap parts from the cumulative counters (a counter that went down was
 * reset: its new value is what was made since).
 */
export async function oeeFigures(prisma: PrismaClient, assets: readonly { id: string; idealCycleSeconds: number | null }[], window: OeeWindow, now = new Date()): Promise<AssetOeeFigures[]> {
  if (assets.length === 0) return [];
  const ids = assets.map((asset) => asset.id);
  const to = new Date(Math.min(window.to.getTime(), now.getTime()));
  if (to <= window.from) return assets.map((asset) => ({ assetId: asset.id, plannedSeconds: 0, runningSeconds: 0, downSeconds: 0, goodCount: 0, scrapCount: 0, idealSeconds: 0 }));
  const overlap = Prisma.sql`extract(epoch FROM least(coalesce(ended_at, ${to}), ${to}) - greatest(started_at, ${window.from}))`;
  const [states, counts] = await Promise.all([
    prisma.$queryRaw<{ assetId: string; running: number | null; down: number | null; plannedStop: number | null }[]>(Prisma.sql`
      SELECT asset_id::text AS "assetId",
             sum(${overlap}) FILTER (WHERE state = 'RUNNING')::float8 AS running,
             sum(${overlap}) FILTER (WHERE state = 'DOWN')::float8 AS down,
             sum(${overlap}) FILTER (WHERE state = 'PLANNED_STOP')::float8 AS "plannedStop"
        FROM assets.equipment_state
       WHERE asset_id = ANY(${ids}::uuid[]) AND started_at < ${to} AND (ended_at IS NULL OR ended_at > ${window.from})
       GROUP BY asset_id`),
    prisma.$queryRaw<{ assetId: string; kind: string; made: number }[]>(Prisma.sql`
      WITH counter AS (
        SELECT asset_id, name, kind::text FROM assets.tag
         WHERE asset_id = ANY(${ids}::uuid[]) AND kind IN ('COUNTER_GOOD', 'COUNTER_SCRAP')),
      series AS (
        SELECT c.asset_id, c.name, c.kind, x.time, x.value
          FROM counter c
         CROSS JOIN LATERAL (
           (SELECT time, value FROM telemetry.reading r WHERE r.asset_id = c.asset_id AND r.tag = c.name AND r.time < ${window.from} ORDER BY time DESC LIMIT 1)
           UNION ALL
           (SELECT time, value FROM telemetry.reading r WHERE r.asset_id = c.asset_id AND r.tag = c.name AND r.time >= ${window.from} AND r.time < ${to})) AS x),
      steps AS (
        SELECT asset_id, kind, time, value, lag(value) OVER (PARTITION BY asset_id, name ORDER BY time) AS previous FROM series)
      SELECT asset_id::text AS "assetId", kind,
             coalesce(sum(CASE WHEN value >= previous THEN value - previous ELSE value END), 0)::float8 AS made
        FROM steps WHERE previous IS NOT NULL AND time >= ${window.from}
       GROUP BY asset_id, kind`),
  ]);
  const windowSeconds = (to.getTime() - window.from.getTime()) / 1_000;
  return assets.map((asset) => {
    const state = states.find((row) => row.assetId === asset.id);
    const good = counts.find((row) => row.assetId === asset.id && row.kind === 'COUNTER_GOOD')?.made ?? 0;
    const scrap = counts.find((row) => row.assetId === asset.id && row.kind === 'COUNTER_SCRAP')?.made ?? 0;
    return {
      assetId: asset.id,
      plannedSeconds: windowSeconds - (state?.plannedStop ?? 0),
      runningSeconds: state?.running ?? 0,
      downSeconds: state?.down ?? 0,
      goodCount: good,
      scrapCount: scrap,
      idealSeconds: (asset.idealCycleSeconds ?? 0) * (good + scrap),
    };
  });
}

/** OEE = availability × performance × quality, summed over the assets; a part without data is null, not NaN. */
export function combineOee(window: OeeWindow, figures: readonly AssetOeeFigures[], idealKnown: boolean, now = new Date()): OeeRecord {
  const sum = (pick: (figure: AssetOeeFigures) => number) => figures.reduce((total, figure) => total + pick(figure), 0);
  const planned = sum((figure) => figure.plannedSeconds);
  const running = sum((figure) => figure.runningSeconds);
  const good = sum((figure) => figure.goodCount);
  const scrap = sum((figure) => figure.scrapCount);
  const ratio = (numerator: number, denominator: number) => (denominator > 0 ? Math.round((numerator / denominator) * 10_000) / 10_000 : null);
  const availability = ratio(running, planned);
  const performance = idealKnown ? ratio(sum((figure) => figure.idealSeconds), running) : null;
  const quality = ratio(good, good + scrap);
  const oee = availability !== null && performance !== null && quality !== null ? Math.round(availability * performance * quality * 10_000) / 10_000 : null;
  return {
    from: window.from,
    to: new Date(Math.min(window.to.getTime(), now.getTime())),
    plannedSeconds: planned,
    runningSeconds: running,
    downSeconds: sum((figure) => figure.downSeconds),
    goodCount: good,
    scrapCount: scrap,
    availability,
    performance,
    quality,
    oee,
    assets: figures.length,
  };
}
