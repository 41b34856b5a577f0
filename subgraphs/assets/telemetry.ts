// Telemetry as the graph reads it: reading series (raw or bucketed), state timelines clipped to a
// window, and OEE from state intervals and cumulative counters. Works the same on TimescaleDB and
// plain PostgreSQL: only date_bin and plain tables/views are used, never time_bucket.
import { z } from 'zod';
import type { PrismaClient } from '../../core/db.ts';
import { NotFoundError, ValidationError } from '../../core/errors.ts';
import type { Caller } from '../../core/internal-auth.ts';
import { parseInput } from '../../core/graphql/input.ts';
import { Prisma } from '../../prisma/generated/client.ts';
import { visibleAssetIds } from './service.ts';

export const READING_BUCKETS = ['RAW', 'ONE_MINUTE', 'FIVE_MINUTES', 'FIFTEEN_MINUTES', 'ONE_HOUR', 'ONE_DAY'] as const;
export const READING_AGGREGATIONS = ['AVG', 'MIN', 'MAX', 'COUNT', 'LAST'] as const;
type ReadingBucket = (typeof READING_BUCKETS)[number];
type ReadingAggregation = (typeof READING_AGGREGATIONS)[number];

const BUCKET_SECONDS: Record<Exclude<ReadingBucket, 'RAW'>, number> = { ONE_MINUTE: 60, FIVE_MINUTES: 300, FIFTEEN_MINUTES: 900, ONE_HOUR: 3600, ONE_DAY: 86_400 };

/** Points a window may hold (buckets, or raw readings): larger windows are refused, not cut. */
export const MAX_SERIES_POINTS = 10_000;
/** Points per page. */
export const MAX_PAGE_POINTS = 1_000;
/** Bucketed series read at most this many days of 1-minute rollups (1440 rows a day per tag). */
export const MAX_BUCKETED_WINDOW_DAYS = 92;
/** OEE reads every counter reading of its window. */
export const MAX_OEE_WINDOW_DAYS = 31;
const DAY_MS = 86_400_000;

const fromBeforeTo = (window: { from: Date; to: Date }) => window.from < window.to;

export const historySchema = z
  .object({
    assetId: z.string().uuid(),
    tag: z.string().trim().min(1).max(200),
    from: z.date(),
    to: z.date(),
    // An explicit null means the default, as an omitted argument does.
    bucket: z.enum(READING_BUCKETS).nullish().transform((value) => value ?? 'ONE_MINUTE'),
    aggregation: z.enum(READING_AGGREGATIONS).nullish().transform((value) => value ?? 'AVG'),
    first: z.number().int().min(1).max(MAX_PAGE_POINTS).nullish().transform((value) => value ?? 500),
    after: z.string().nullish(),
  })
  .refine(fromBeforeTo, { message: 'from must be before to', path: ['from'] });

export interface ReadingPoint {
  time: Date;
  value: number | null;
  valueText: string | null;
  count: number;
  quality: string | null;
}

export interface ReadingSeries {
  assetId: string;
  tag: string;
  unit: string | null;
  bucket: ReadingBucket;
  aggregation: ReadingAggregation;
  from: Date;
  to: Date;
  points: ReadingPoint[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

function tooLarge(message: string, maximum: number, actual: number): ValidationError {
  return new ValidationError(message, { details: { fields: [{ field: 'to', message }], maximum, actual } });
}

const encode = (kind: string, value: string) => Buffer.from(`${kind}:${value}`).toString('base64url');
function decode(kind: string, cursor: string): string {
  const decoded = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!decoded.startsWith(`${kind}:`)) throw new ValidationError(`after is not a cursor of this series: ${cursor}`, { details: { fields: [{ field: 'after', message: 'not a cursor of this series' }] } });
  return decoded.slice(kind.length + 1);
}

/** One tag of one asset the caller may see, or NOT_FOUND. */
async function seriesTag(prisma: PrismaClient, caller: Caller, assetId: string, tag: string) {
  const row = await prisma.tag.findUnique({ where: { assetId_name: { assetId, name: tag } }, select: { unit: true } });
  const visible = row ? await visibleAssetIds(prisma, caller) : null;
  if (!row || (visible && !visible.includes(assetId))) throw new NotFoundError('tag', `${assetId}/${tag}`, { details: { fields: [{ field: 'tag', message: 'no such tag on this asset' }] } });
  return row;
}

export async function readingHistory(prisma: PrismaClient, caller: Caller, rawArgs: unknown): Promise<ReadingSeries> {
  const args = parseInput(historySchema, rawArgs, 'readingHistory');
  const { unit } = await seriesTag(prisma, caller, args.assetId, args.tag);
  const base = { assetId: args.assetId, tag: args.tag, unit, bucket: args.bucket, aggregation: args.aggregation, from: args.from, to: args.to };
  if (args.bucket === 'RAW') return { ...base, ...(await rawPage(prisma, args)) };
  return { ...base, ...(await bucketPage(prisma, { ...args, bucket: args.bucket })) };
}

type HistoryArgs = z.output<typeof historySchema>;

async function rawPage(prisma: PrismaClient, args: HistoryArgs) {
  const where = Prisma.sql`asset_id = ${args.assetId}::uuid AND tag = ${args.tag} AND time >= ${args.from} AND time < ${args.to}`;
  // Counting stops one past the maximum: the check costs at most that many index entries.
  const [{ readings } = { readings: 0 }] = await prisma.$queryRaw<{ readings: number }[]>(
    Prisma.sql`SELECT count(*)::int AS readings FROM (SELECT 1 FROM telemetry.reading WHERE ${where} LIMIT ${MAX_SERIES_POINTS + 1}) w`,
  );
  if (readings > MAX_SERIES_POINTS) throw tooLarge(`the window holds more than ${MAX_SERIES_POINTS} readings: choose a bucket or a shorter window`, MAX_SERIES_POINTS, readings);
  const afterId = args.after ? decode('reading', args.after) : null;
  const rows = await prisma.$queryRaw<{ time: Date; value: number | null; valueText: string | null; quality: string; readingId: string }[]>(Prisma.sql`
    SELECT time, value, value_text AS "valueText", quality, reading_id AS "readingId"
      FROM telemetry.reading r
     WHERE ${where}
       ${afterId ? Prisma.sql`AND (time, reading_id) > (SELECT c.time, c.reading_id FROM telemetry.reading c WHERE c.reading_id = ${afterId} AND c.asset_id = ${args.assetId}::uuid LIMIT 1)` : Prisma.empty}
     ORDER BY time, reading_id
     LIMIT ${args.first + 1}`);
  const page = rows.slice(0, args.first);
  return {
    points: page.map((row) => ({ time: row.time, value: row.value, valueText: row.valueText, quality: row.quality, count: 1 })),
    pageInfo: { hasNextPage: rows.length > args.first, endCursor: page.length ? encode('reading', page.at(-1)!.readingId) : null },
  };
}

const AGGREGATE: Record<Exclude<ReadingAggregation, 'LAST'>, Prisma.Sql> = {
  AVG: Prisma.sql`a.avg_value`,
  MIN: Prisma.sql`a.min_value`,
  MAX: Prisma.sql`a.max_value`,
  COUNT: Prisma.sql`coalesce(a.readings, 0)::float8`,
};

/**
 * Minutes older than this come from the 1-minute rollup, newer ones from the raw readings: the
 * rollup job (plain PostgreSQL: the last 10 minutes every 30 s; TimescaleDB: the continuous
 * aggregate policy, up to 1 minute ago every minute) has settled them by then.
 */
export const ROLLUP_SETTLED_MINUTES = 15;
const MINUTE_MS = 60_000;

/**
 * Every bucket of the page (empty ones too) on a grid aligned to the Unix epoch (UTC), so pages
 * are plain ranges of the grid and the cursor is a bucket start. Whole settled minutes are read
 * from telemetry.reading_1m, the rest (partial minutes at the window's edges, the newest minutes)
 * from telemetry.reading; both become partial aggregates (min, max, sum, counts) that date_bin
 * folds into the page's buckets. LAST reads the newest raw reading of each bucket (the rollup has
 * no last value), one index probe per bucket.
 */
async function bucketPage(prisma: PrismaClient, args: HistoryArgs & { bucket: Exclude<ReadingBucket, 'RAW'> }) {
  const width = BUCKET_SECONDS[args.bucket] * 1000;
  const gridStart = Math.floor(args.from.getTime() / width) * width;
  const gridEnd = Math.ceil(args.to.getTime() / width) * width;
  const buckets = (gridEnd - gridStart) / width;
  if (buckets > MAX_SERIES_POINTS) throw tooLarge(`from/to span ${buckets} buckets of ${args.bucket}, at most ${MAX_SERIES_POINTS}: choose a larger bucket or a shorter window`, MAX_SERIES_POINTS, buckets);
  const days = (args.to.getTime() - args.from.getTime()) / DAY_MS;
  if (days > MAX_BUCKETED_WINDOW_DAYS) throw tooLarge(`a bucketed series spans at most ${MAX_BUCKETED_WINDOW_DAYS} days`, MAX_BUCKETED_WINDOW_DAYS, days);
  const after = args.after ? Number(decode('bucket', args.after)) : null;
  if (after !== null && (!Number.isInteger(after) || after < gridStart || after >= gridEnd || (after - gridStart) % width !== 0)) {
    throw new ValidationError('after is not a cursor of this series', { details: { fields: [{ field: 'after', message: 'not a cursor of this series' }] } });
  }
  const pageStart = after === null ? gridStart : after + width;
  const pageEnd = Math.min(gridEnd, pageStart + args.first * width);
  if (pageStart >= pageEnd) return { points: [], pageInfo: { hasNextPage: false, endCursor: null } };
  const interval = Prisma.sql`make_interval(secs => ${BUCKET_SECONDS[args.bucket]})`;
  const readFrom = Math.max(pageStart, args.from.getTime());
  const readTo = Math.min(pageEnd, args.to.getTime());
  // [rollupFrom, rollupTo): whole settled minutes inside the page; empty when there are none.
  const settled = Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS - ROLLUP_SETTLED_MINUTES * MINUTE_MS;
  let rollupFrom = Math.ceil(readFrom / MINUTE_MS) * MINUTE_MS;
  let rollupTo = Math.min(Math.floor(readTo / MINUTE_MS) * MINUTE_MS, settled);
  if (rollupFrom >= rollupTo) rollupFrom = rollupTo = readTo;
  const reading = Prisma.sql`asset_id = ${args.assetId}::uuid AND tag = ${args.tag}`;
  const rawRange = (from: number, to: number) =>
    Prisma.sql`SELECT time AS minute, value AS min_value, value AS max_value, value AS total, (value IS NOT NULL)::int AS numeric_readings, 1 AS readings
                 FROM telemetry.reading WHERE ${reading} AND time >= ${new Date(from)} AND time < ${new Date(to)}`;
  const last = args.aggregation === 'LAST';
  const rows = await prisma.$queryRaw<ReadingPoint[]>(Prisma.sql`
    WITH grid AS (
      SELECT generate_series(${new Date(pageStart)}::timestamptz, ${new Date(pageEnd - width)}::timestamptz, ${interval}) AS bucket
    ), parts AS (
      SELECT bucket AS minute, min_value, max_value, avg_value * reading_count AS total,
             CASE WHEN avg_value IS NULL THEN 0 ELSE reading_count END AS numeric_readings, reading_count AS readings
        FROM telemetry.reading_1m WHERE ${reading} AND bucket >= ${new Date(rollupFrom)} AND bucket < ${new Date(rollupTo)}
      UNION ALL ${rawRange(readFrom, rollupFrom)}
      UNION ALL ${rawRange(rollupTo, readTo)}
    ), a AS (
      SELECT date_bin(${interval}, minute, TIMESTAMPTZ '1970-01-01 00:00:00+00') AS bucket, min(min_value) AS min_value, max(max_value) AS max_value,
             sum(total) / nullif(sum(numeric_readings), 0) AS avg_value, sum(readings)::int AS readings
        FROM parts GROUP BY 1
    )
    SELECT g.bucket AS time, coalesce(a.readings, 0)::int AS count,
           ${last ? Prisma.sql`l.value, l.value_text AS "valueText", l.quality` : Prisma.sql`${AGGREGATE[args.aggregation as Exclude<ReadingAggregation, 'LAST'>]} AS value, NULL::text AS "valueText", NULL::text AS quality`}
      FROM grid g
      LEFT JOIN a ON a.bucket = g.bucket
      ${
        last
          ? Prisma.sql`LEFT JOIN LATERAL (
              SELECT value, value_text, quality FROM telemetry.reading
               WHERE ${reading} AND time >= greatest(g.bucket, ${new Date(readFrom)}) AND time < least(g.bucket + ${interval}, ${new Date(readTo)})
               ORDER BY time DESC, reading_id DESC LIMIT 1) l ON true`
          : Prisma.empty
      }
     ORDER BY g.bucket`);
  return {
    points: rows,
    pageInfo: { hasNextPage: pageEnd < gridEnd, endCursor: encode('bucket', String(pageEnd - width)) },
  };
}

// --- state timelines ---------------------------------------------------------------------------

export const timelineWindowSchema = z.object({ from: z.date(), to: z.date() }).refine(fromBeforeTo, { message: 'from must be before to', path: ['from'] });
export type TimeWindow = z.infer<typeof timelineWindowSchema>;

export interface StateSeconds {
  state: string;
  intervals: number;
  seconds: number;
}

/** The part of a window that has happened: a window reaching past now ends now. */
export function elapsedSeconds(window: TimeWindow, now: Date): number {
  return Math.max(0, (Math.min(window.to.getTime(), now.getTime()) - window.from.getTime()) / 1000);
}

/**
 * Seconds per state of many (asset, window) pairs in one statement: each interval clipped to its
 * window, an open interval ending now.
 */
export async function stateSeconds(prisma: PrismaClient, pairs: readonly { assetId: string; from: Date; to: Date }[], now: Date): Promise<StateSeconds[][]> {
  if (pairs.length === 0) return [];
  const rows = await prisma.$queryRaw<(StateSeconds & { pair: number })[]>(Prisma.sql`
    SELECT w.pair::int AS pair, s.state::text AS state, count(*)::int AS intervals,
           sum(greatest(0, extract(epoch FROM least(coalesce(s.ended_at, ${now}::timestamptz), w.to_time, ${now}::timestamptz) - greatest(s.started_at, w.from_time))))::float8 AS seconds
      FROM unnest(${pairs.map((pair) => pair.assetId)}::uuid[], ${pairs.map((pair) => pair.from)}::timestamptz[], ${pairs.map((pair) => pair.to)}::timestamptz[])
           WITH ORDINALITY AS w(asset_id, from_time, to_time, pair)
      JOIN assets.equipment_state s ON s.asset_id = w.asset_id AND s.started_at < w.to_time AND (s.ended_at IS NULL OR s.ended_at > w.from_time)
     GROUP BY w.pair, s.state
     ORDER BY w.pair, s.state`);
  const byPair = pairs.map((): StateSeconds[] => []);
  for (const { pair, ...row } of rows) byPair[pair - 1]!.push(row);
  return byPair;
}

// --- OEE ---------------------------------------------------------------------------------------

export const oeeWindowSchema = timelineWindowSchema.refine((window) => window.to.getTime() - window.from.getTime() <= MAX_OEE_WINDOW_DAYS * DAY_MS, {
  message: `an OEE window spans at most ${MAX_OEE_WINDOW_DAYS} days`,
  path: ['to'],
});

export const localDateSchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD')
  .refine((value) => !Number.isNaN(Date.parse(`${value}T00:00:00Z`)) && new Date(`${value}T00:00:00Z`).toISOString().startsWith(value), 'must be a valid date');

export interface CounterWindow {
  assetId: string;
  tag: string;
  from: Date;
  to: Date;
}

/**
 * Units counted by cumulative counters, for many (asset, tag, window) triples in one statement.
 * A reading adds value − previous, or its value when the counter went down (a reset to 0 and
 * counting on). The previous of the first reading in the window is the last one before it; a
 * counter's very first reading is its baseline and adds nothing.
 */
export async function counterDeltas(prisma: PrismaClient, windows: readonly CounterWindow[]): Promise<number[]> {
  if (windows.length === 0) return [];
  const rows = await prisma.$queryRaw<{ pair: number; units: number }[]>(Prisma.sql`
    SELECT w.pair::int AS pair, coalesce(sum(d.units), 0)::float8 AS units
      FROM unnest(${windows.map((w) => w.assetId)}::uuid[], ${windows.map((w) => w.tag)}::text[], ${windows.map((w) => w.from)}::timestamptz[], ${windows.map((w) => w.to)}::timestamptz[])
           WITH ORDINALITY AS w(asset_id, tag, from_time, to_time, pair)
      LEFT JOIN LATERAL (
        SELECT CASE WHEN previous IS NULL THEN 0 WHEN value >= previous THEN value - previous ELSE value END AS units
          FROM (SELECT time, value, lag(value) OVER (ORDER BY time, reading_id) AS previous
                  FROM ((SELECT time, value, reading_id FROM telemetry.reading r
                          WHERE r.asset_id = w.asset_id AND r.tag = w.tag AND r.time < w.from_time AND r.value IS NOT NULL
                          ORDER BY r.time DESC, r.reading_id DESC LIMIT 1)
                        UNION ALL
                        SELECT time, value, reading_id FROM telemetry.reading r
                         WHERE r.asset_id = w.asset_id AND r.tag = w.tag AND r.time >= w.from_time AND r.time < w.to_time AND r.value IS NOT NULL) readings) ordered
         WHERE time >= w.from_time) d ON true
     GROUP BY w.pair
     ORDER BY w.pair`);
  const units = windows.map(() => 0);
  for (const row of rows) units[row.pair - 1] = row.units;
  return units;
}

export interface OeeFigures {
  plannedSeconds: number;
  runningSeconds: number;
  plannedStopSeconds: number;
  unrecordedSeconds: number;
  goodCount: number;
  scrapCount: number;
  totalCount: number;
  idealCycleSeconds: number | null;
  availability: number | null;
  performance: number | null;
  quality: number | null;
  oee: number | null;
}

/** The OEE arithmetic; a component whose divisor is 0 (or whose input is missing) is null, never NaN. */
export function oeeFigures(input: { elapsedSeconds: number; states: readonly StateSeconds[]; goodCount: number; scrapCount: number; idealCycleSeconds: number | null }): OeeFigures {
  const secondsOf = (state: string) => input.states.find((row) => row.state === state)?.seconds ?? 0;
  const recorded = input.states.reduce((sum, row) => sum + row.seconds, 0);
  const runningSeconds = secondsOf('RUNNING');
  const plannedStopSeconds = secondsOf('PLANNED_STOP');
  const plannedSeconds = Math.max(0, input.elapsedSeconds - plannedStopSeconds);
  const totalCount = input.goodCount + input.scrapCount;
  const availability = plannedSeconds > 0 ? runningSeconds / plannedSeconds : null;
  const performance = input.idealCycleSeconds !== null && runningSeconds > 0 ? (input.idealCycleSeconds * totalCount) / runningSeconds : null;
  const quality = totalCount > 0 ? input.goodCount / totalCount : null;
  const oee = availability !== null && performance !== null && quality !== null ? availability * performance * quality : null;
  return {
    plannedSeconds,
    runningSeconds,
    plannedStopSeconds,
    unrecordedSeconds: Math.max(0, input.elapsedSeconds - recorded),
    goodCount: input.goodCount,
    scrapCount: input.scrapCount,
    totalCount,
    idealCycleSeconds: input.idealCycleSeconds,
    availability,
    performance,
    quality,
    oee,
  };
}
