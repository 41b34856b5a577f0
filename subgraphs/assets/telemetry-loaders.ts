// Per-request loaders of the telemetry fields of lines and work cells: a page of lines asks for
// latest readings, timelines or OEE in a fixed number of statements, however many lines it holds.
import DataLoader from 'dataloader';
import type { PrismaClient } from '../../core/db.ts';
import { rowsGroupedByKey } from '../../core/graphql/batching.ts';
import { pageOf, toConnection, type Connection, type PageArguments } from '../../core/graphql/pagination.ts';
import { Prisma, type EquipmentState } from '../../prisma/generated/client.ts';
import type { EquipmentStateRecord, LineRecord, WorkCellRecord } from './service.ts';
import { counterDeltas, elapsedSeconds, oeeFigures, stateSeconds, type OeeFigures, type StateSeconds, type TimeWindow } from './telemetry.ts';

export interface TagReading {
  assetId: string;
  tag: string;
  value: number | null;
  valueText: string | null;
  unit: string | null;
  quality: string;
  time: Date;
}

export interface StateIntervalRecord {
  id: string;
  state: string;
  startedAt: Date;
  endedAt: Date;
  durationSeconds: number;
  reasonCode: string | null;
  reasonText: string | null;
  interval: EquipmentStateRecord;
}

export type StateTimeline = Connection<StateIntervalRecord> & {
  from: Date;
  to: Date;
  durations: () => Promise<{ state: string; seconds: number }[]>;
  unrecordedSeconds: () => Promise<number>;
};

export interface ShiftWindow {
  siteId: string;
  code: string;
  name: string;
  date: string;
  from: Date;
  to: Date;
}

export type OeeResult = OeeFigures & { from: Date; to: Date; shift: ShiftWindow | null; outputWorkCellId: string | null };

/** What an OEE is asked for: a line or a work cell (the record, for its ideal cycle) and a window. */
export interface OeeRequest {
  asset: { kind: 'LINE'; record: LineRecord } | { kind: 'WORK_CELL'; record: WorkCellRecord };
  window: TimeWindow;
  shift?: ShiftWindow;
}

export interface TelemetryLoaders {
  latestReadings(tags: readonly string[] | null): DataLoader<string, TagReading[]>;
  stateTimeline(args: TimeWindow & PageArguments): DataLoader<string, StateTimeline>;
  shiftWindows(date: string): DataLoader<string, ShiftWindow[]>;
  oee: DataLoader<OeeRequest, OeeResult, string>;
}

export function createTelemetryLoaders(prisma: PrismaClient): TelemetryLoaders {
  // One "now" per request: every clipped interval and window of one answer ends at the same time.
  const now = new Date();
  // One loader per distinct arguments: the lines of one list query all ask with the same ones.
  const latestLoaders = new Map<string, DataLoader<string, TagReading[]>>();
  const timelines = new Map<string, DataLoader<string, StateTimeline>>();
  const shifts = new Map<string, DataLoader<string, ShiftWindow[]>>();
  return {
    latestReadings(tags) {
      const key = JSON.stringify(tags ? [...tags].sort() : null);
      let loader = latestLoaders.get(key);
      if (!loader) latestLoaders.set(key, (loader = latestReadingsLoader(prisma, tags)));
      return loader;
    },
    stateTimeline(args) {
      const key = JSON.stringify([args.from, args.to, args.first, args.after]);
      let loader = timelines.get(key);
      if (!loader) timelines.set(key, (loader = stateTimelineLoader(prisma, args, now)));
      return loader;
    },
    shiftWindows(date) {
      let loader = shifts.get(date);
      if (!loader) shifts.set(date, (loader = shiftWindowsLoader(prisma, date)));
      return loader;
    },
    oee: new DataLoader((requests) => loadOee(prisma, requests, now), {
      cacheKeyFn: (request) => `${request.asset.record.id}|${request.window.from.toISOString()}|${request.window.to.toISOString()}|${request.shift?.code ?? ''}`,
    }),
  };
}

/** The newest reading of each tag of many assets: one index probe per (asset, tag) in one statement. */
function latestReadingsLoader(prisma: PrismaClient, tags: readonly string[] | null): DataLoader<string, TagReading[]> {
  return new DataLoader(async (assetIds) => {
    const rows = await prisma.$queryRaw<TagReading[]>(Prisma.sql`
      SELECT t.asset_id AS "assetId", t.name AS tag, t.unit, r.value, r.value_text AS "valueText", r.quality, r.time
        FROM assets.tag t
        CROSS JOIN LATERAL (SELECT value, value_text, quality, time FROM telemetry.reading
                             WHERE asset_id = t.asset_id AND tag = t.name ORDER BY time DESC, reading_id DESC LIMIT 1) r
       WHERE t.asset_id = ANY(${[...assetIds]}::uuid[])
         ${tags ? Prisma.sql`AND t.name = ANY(${[...tags]}::text[])` : Prisma.empty}
       ORDER BY t.asset_id, t.name`);
    return rowsGroupedByKey(assetIds, rows, (row) => row.assetId);
  });
}

const STATE_COLUMNS = Prisma.sql`id, asset_kind::text AS "assetKind", asset_id AS "assetId", state::text AS state, started_at AS "startedAt",
  ended_at AS "endedAt", reason_code AS "reasonCode", reason_text AS "reasonText", source::text AS source,
  source_event_ids AS "sourceEventIds", created_at AS "createdAt", updated_at AS "updatedAt"`;

/**
 * A page of intervals per asset, oldest first, clipped to the window (an open one ends now), in one
 * statement; the count and the seconds per state over the whole window in one more, only when selected.
 */
function stateTimelineLoader(prisma: PrismaClient, args: TimeWindow & PageArguments, now: Date): DataLoader<string, StateTimeline> {
  const page = pageOf(args);
  const window = { from: args.from, to: args.to };
  const totals = new DataLoader<string, StateSeconds[]>(async (assetIds) => stateSeconds(prisma, assetIds.map((assetId) => ({ assetId, ...window })), now));
  const clip = (row: EquipmentState): StateIntervalRecord => {
    const startedAt = new Date(Math.max(row.startedAt.getTime(), args.from.getTime()));
    const endedAt = new Date(Math.max(startedAt.getTime(), Math.min((row.endedAt ?? now).getTime(), args.to.getTime())));
    return { id: row.id, state: row.state, startedAt, endedAt, durationSeconds: (endedAt.getTime() - startedAt.getTime()) / 1000, reasonCode: row.reasonCode, reasonText: row.reasonText, interval: row };
  };
  return new DataLoader(async (assetIds) => {
    const rows = await prisma.$queryRaw<EquipmentState[]>(Prisma.sql`
      SELECT ${STATE_COLUMNS}
        FROM (SELECT s.*, row_number() OVER (PARTITION BY asset_id ORDER BY started_at, id) AS rank
                FROM assets.equipment_state s
               WHERE asset_id = ANY(${[...assetIds]}::uuid[]) AND started_at < ${args.to} AND (ended_at IS NULL OR ended_at > ${args.from})
                 ${page.afterId ? Prisma.sql`AND EXISTS (SELECT 1 FROM assets.equipment_state c WHERE c.id = ${page.afterId}::uuid
                      AND (s.started_at > c.started_at OR (s.started_at = c.started_at AND s.id > c.id)))` : Prisma.empty}) ranked
       WHERE rank <= ${page.take}
       ORDER BY started_at, id`);
    return rowsGroupedByKey(assetIds, rows, (row) => row.assetId).map((rowsOfAsset, index) => {
      const assetId = assetIds[index]!;
      const connection = toConnection(rowsOfAsset.map(clip), page, async () => (await totals.load(assetId)).reduce((sum, row) => sum + row.intervals, 0));
      return {
        ...connection,
        ...window,
        durations: async () => (await totals.load(assetId)).map(({ state, seconds }) => ({ state, seconds })),
        unrecordedSeconds: async () => Math.max(0, elapsedSeconds(window, now) - (await totals.load(assetId)).reduce((sum, row) => sum + row.seconds, 0)),
      };
    });
  });
}

/** Shifts starting on a local date, per site; local times become instants in the site's zone (DST included). */
function shiftWindowsLoader(prisma: PrismaClient, date: string): DataLoader<string, ShiftWindow[]> {
  return new DataLoader(async (siteIds) => {
    const rows = await prisma.$queryRaw<ShiftWindow[]>(Prisma.sql`
      SELECT s.site_id AS "siteId", s.code, s.name, ${date} AS date,
             (${date}::date + make_interval(mins => s.start_minute)) AT TIME ZONE site.timezone AS "from",
             (${date}::date + CASE WHEN s.end_minute <= s.start_minute THEN 1 ELSE 0 END + make_interval(mins => s.end_minute)) AT TIME ZONE site.timezone AS "to"
        FROM assets.shift s JOIN assets.site site ON site.id = s.site_id
       WHERE s.site_id = ANY(${[...siteIds]}::uuid[]) AND extract(isodow FROM ${date}::date)::int = ANY(s.weekdays)
       ORDER BY s.site_id, s.start_minute, s.code`);
    return rowsGroupedByKey(siteIds, rows, (row) => row.siteId);
  });
}

interface CounterTag {
  assetId: string;
  lineId: string;
  name: string;
  kind: 'COUNTER_GOOD' | 'COUNTER_SCRAP';
  cellCode: string | null;
  cellIdealCycleSeconds: number | null;
}

/** Which assets stand for a request: whose states, whose good and scrap counters. */
interface OeeBasis {
  stateAssets: string[];
  good: { assetId: string; tag: string }[];
  scrap: { assetId: string; tag: string }[];
  idealCycleSeconds: number | null;
  outputWorkCellId: string | null;
}

/**
 * A work cell, and a line with counters of its own, are measured on themselves. A line without
 * counters is measured at its output work cell (the last work cell by code with a COUNTER_GOOD
 * tag): its good count is the line's output, and its states stand for the line's unless the line
 * has state intervals of its own in the window; scrap is counted on every work cell of the line.
 */
function oeeBasis(request: OeeRequest, counters: readonly CounterTag[]): OeeBasis {
  const { record } = request.asset;
  const own = counters.filter((tag) => tag.assetId === record.id);
  const pick = (tags: readonly CounterTag[], kind: CounterTag['kind']) => tags.filter((tag) => tag.kind === kind).map((tag) => ({ assetId: tag.assetId, tag: tag.name }));
  if (request.asset.kind === 'WORK_CELL' || own.length > 0) {
    return { stateAssets: [record.id], good: pick(own, 'COUNTER_GOOD'), scrap: pick(own, 'COUNTER_SCRAP'), idealCycleSeconds: record.idealCycleSeconds, outputWorkCellId: null };
  }
  const onCells = counters.filter((tag) => tag.lineId === record.id && tag.cellCode !== null);
  const output = onCells.filter((tag) => tag.kind === 'COUNTER_GOOD').sort((a, b) => (a.cellCode! < b.cellCode! ? -1 : a.cellCode! > b.cellCode! ? 1 : 0)).at(-1);
  if (!output) return { stateAssets: [record.id], good: [], scrap: pick(onCells, 'COUNTER_SCRAP'), idealCycleSeconds: record.idealCycleSeconds, outputWorkCellId: null };
  return {
    stateAssets: [record.id, output.assetId],
    good: pick(onCells.filter((tag) => tag.assetId === output.assetId), 'COUNTER_GOOD'),
    scrap: pick(onCells, 'COUNTER_SCRAP'),
    idealCycleSeconds: record.idealCycleSeconds ?? output.cellIdealCycleSeconds,
    outputWorkCellId: output.assetId,
  };
}

/** OEE of many requests in three statements: counter tags, counter deltas, state seconds. */
async function loadOee(prisma: PrismaClient, requests: readonly OeeRequest[], now: Date): Promise<OeeResult[]> {
  const assetIds = [...new Set(requests.map((request) => request.asset.record.id))];
  const counters = await prisma.$queryRaw<CounterTag[]>(Prisma.sql`
    SELECT t.asset_id AS "assetId", coalesce(w.line_id, t.asset_id) AS "lineId", t.name, t.kind::text AS kind, w.code AS "cellCode", w.ideal_cycle_seconds AS "cellIdealCycleSeconds"
      FROM assets.tag t LEFT JOIN assets.work_cell w ON w.id = t.asset_id
     WHERE t.kind IN ('COUNTER_GOOD', 'COUNTER_SCRAP') AND (t.asset_id = ANY(${assetIds}::uuid[]) OR w.line_id = ANY(${assetIds}::uuid[]))`);
  const bases = requests.map((request) => oeeBasis(request, counters));
  const counterWindows = requests.flatMap((request, index) => [...bases[index]!.good, ...bases[index]!.scrap].map((counter) => ({ ...counter, ...request.window })));
  const stateWindows = requests.flatMap((request, index) => bases[index]!.stateAssets.map((assetId) => ({ assetId, ...request.window })));
  const [units, seconds] = await Promise.all([counterDeltas(prisma, counterWindows), stateSeconds(prisma, stateWindows, now)]);
  let unitAt = 0;
  let secondsAt = 0;
  return requests.map((request, index) => {
    const basis = bases[index]!;
    const goodCount = basis.good.reduce((sum) => sum + units[unitAt++]!, 0);
    const scrapCount = basis.scrap.reduce((sum) => sum + units[unitAt++]!, 0);
    const states = basis.stateAssets.map(() => seconds[secondsAt++]!);
    // The line's own intervals when it has any in the window, else its output work cell's.
    const chosen = states.find((rows) => rows.length > 0) ?? [];
    const figures = oeeFigures({ elapsedSeconds: elapsedSeconds(request.window, now), states: chosen, goodCount, scrapCount, idealCycleSeconds: basis.idealCycleSeconds });
    const to = new Date(Math.max(request.window.from.getTime(), Math.min(request.window.to.getTime(), now.getTime())));
    return { ...figures, from: request.window.from, to, shift: request.shift ?? null, outputWorkCellId: basis.outputWorkCellId };
  });
}
