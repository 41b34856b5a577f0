// The audit trail of ERP postings (issue 7): the ERP document ← the posting ← the window or rule
// that produced it ← the domain events (events.outbox, by the posting's source_event_ids) ← the
// telemetry readings (telemetry.reading: the readings a window aggregated, named by
// integration.erp_posting_window, plus the readings that raised the events, data.readingId). And
// the other way: the postings a reading or an event fed.
// The event outbox and the readings are the plant's shared record (hand-written schemas, like the
// outbox relay reads them), not another domain's tables; order, operation, maintenance request and
// inspection lot stay federation references that their subgraphs resolve.
import { Prisma } from '../../prisma/generated/client.ts';
import type { PrismaClient } from '../../core/db.ts';
import { pageOf, prismaPage, toConnection, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, type Connection, type PageArguments } from '../../core/graphql/pagination.ts';
import { ValidationError } from '../../core/errors.ts';
import type { ErpPosting } from '../../prisma/generated/client.ts';

export interface PostingWindow {
  postingId: string;
  assetId: string;
  tags: string[];
  windowStart: Date;
  windowEnd: Date;
}

export interface TraceEventRecord {
  id: string;
  type: string;
  version: number;
  source: string;
  subject: string;
  occurredAt: Date;
  data: unknown;
  readingId: string | null;
}

export interface TelemetryReadingRecord {
  id: string;
  time: Date;
  assetId: string;
  tag: string;
  value: number | null;
  valueText: string | null;
  quality: string;
}

/** What `ErpPosting.trace` resolves to; its fields load lazily through the request's loaders. */
export interface TraceRoot {
  posting: ErpPosting;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Event ids are uuids; anything else in source_event_ids names no stored event. */
export const isEventId = (id: string): boolean => UUID.test(id);

export async function windowsByPostingIds(prisma: PrismaClient, postingIds: readonly string[]): Promise<PostingWindow[]> {
  return prisma.$queryRaw<PostingWindow[]>`
    SELECT posting_id::text AS "postingId", asset_id::text AS "assetId", tags, window_start AS "windowStart", window_end AS "windowEnd"
      FROM integration.erp_posting_window WHERE posting_id = ANY(${[...postingIds]}::uuid[])`;
}

export async function eventsByIds(prisma: PrismaClient, eventIds: readonly string[]): Promise<TraceEventRecord[]> {
  const rows = await prisma.$queryRaw<{ id: string; envelope: { type: string; version: number; source: string; subject: string; data: unknown }; occurred_at: Date }[]>`
    SELECT event_id::text AS id, envelope, occurred_at FROM events.outbox WHERE event_id = ANY(${eventIds.filter(isEventId)}::uuid[])`;
  return rows.map(({ id, envelope, occurred_at }) => ({
    id,
    type: envelope.type,
    version: envelope.version,
    source: envelope.source,
    subject: envelope.subject,
    occurredAt: occurred_at,
    data: envelope.data,
    readingId: readingIdOf(envelope.data),
  }));
}

function readingIdOf(data: unknown): string | null {
  const readingId = typeof data === 'object' && data !== null ? (data as { readingId?: unknown }).readingId : undefined;
  return typeof readingId === 'string' && readingId.length > 0 ? readingId : null;
}

/** How the posting was produced, from its kind, payload and (for a confirmation) its window row. */
export function derivationOf(posting: ErpPosting, window: PostingWindow | null): Record<string, unknown> | null {
  const payload = (posting.payload ?? {}) as Record<string, unknown>;
  const reference = (type: string, id: unknown) => (typeof id === 'string' ? { __typename: type, id } : null);
  switch (posting.kind) {
    case 'PRODUCTION_CONFIRMATION':
      if (!posting.orderId || !posting.operationId) return null;
      return {
        __typename: 'ConfirmationWindow',
        rule: typeof payload.rule === 'string' ? payload.rule : 'unknown',
        order: reference('ProductionOrder', posting.orderId),
        operation: reference('Operation', posting.operationId),
        windowStart: payload.windowStart,
        windowEnd: payload.windowEnd,
        assetId: window?.assetId ?? null,
        counterTags: window?.tags ?? [],
        readingsFrom: window?.windowStart ?? null,
      };
    case 'MAINTENANCE_NOTIFICATION':
      if (!posting.maintenanceRequestId) return null;
      return {
        __typename: 'MaintenanceTrigger',
        // ingest/reactions/maintenance.ts: a critical alarm opens HIGH, a stop beyond the threshold EMERGENCY
        rule: payload.priority === 'EMERGENCY' ? 'downtime-threshold' : 'critical-alarm',
        maintenanceRequest: reference('MaintenanceRequest', posting.maintenanceRequestId),
        assetId: payload.assetId,
        assetCode: payload.assetCode,
        priority: payload.priority,
        reason: payload.reason,
        alarmCode: payload.alarmCode ?? null,
        downtimeStartAt: payload.downtimeStartAt ?? null,
        downtimeEndAt: payload.downtimeEndAt ?? null,
      };
    case 'INSPECTION_RESULT':
    case 'SCRAP':
      if (!posting.inspectionLotId) return null;
      return {
        __typename: 'InspectionOutcome',
        rule: 'inspection-decision',
        inspectionLot: reference('InspectionLot', posting.inspectionLotId),
        decision: typeof payload.decision === 'string' ? payload.decision : posting.kind === 'SCRAP' ? 'REJECTED' : null,
        order: reference('ProductionOrder', posting.orderId),
        lot: reference('MaterialLot', posting.lotId),
      };
    default:
      return null;
  }
}

// Readings are ordered by (time, reading id): keyset cursors carry both.
function encodeReadingCursor(reading: TelemetryReadingRecord): string {
  return Buffer.from(JSON.stringify([reading.time.toISOString(), reading.id])).toString('base64url');
}

function decodeReadingCursor(cursor: string): { time: Date; id: string } {
  try {
    const [time, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    if (typeof time === 'string' && typeof id === 'string' && !Number.isNaN(Date.parse(time))) return { time: new Date(time), id };
  } catch {
    // fall through
  }
  throw new ValidationError(`after is not a cursor of this list: ${cursor}`, { details: { argument: 'after' } });
}

/**
 * The readings behind a posting, oldest first: those of the window's tags and asset in its bounds,
 * plus those named by its events. One statement for the page; the count only when selected.
 */
export async function readingsOf(prisma: PrismaClient, window: PostingWindow | null, eventReadingIds: string[], args: PageArguments): Promise<Connection<TelemetryReadingRecord>> {
  const first = args.first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) {
    throw new ValidationError(`first must be between 1 and ${MAX_PAGE_SIZE}, got ${first}`, { details: { argument: 'first', max: MAX_PAGE_SIZE } });
  }
  const after = args.after ? decodeReadingCursor(args.after) : null;
  const sources = Prisma.sql`
    SELECT r.reading_id, r.time, r.asset_id, r.tag, r.value, r.value_text, r.quality FROM telemetry.reading r
     WHERE r.asset_id = ${window?.assetId ?? null}::uuid AND r.tag = ANY(${window?.tags ?? []}::text[])
       AND r.time >= ${window?.windowStart ?? null}::timestamptz AND r.time < ${window?.windowEnd ?? null}::timestamptz
    UNION
    SELECT r.reading_id, r.time, r.asset_id, r.tag, r.value, r.value_text, r.quality FROM telemetry.reading r
     WHERE r.reading_id = ANY(${eventReadingIds}::text[])`;
  const rows = await prisma.$queryRaw<{ reading_id: string; time: Date; asset_id: string; tag: string; value: number | null; value_text: string | null; quality: string }[]>`
    SELECT reading_id, time, asset_id::text, tag, value, value_text, quality FROM (${sources}) AS source
     WHERE ${after === null} OR (time, reading_id) > (${after?.time ?? null}::timestamptz, ${after?.id ?? null}::text)
     ORDER BY time, reading_id LIMIT ${first + 1}`;
  const nodes = rows.slice(0, first).map((row) => ({ id: row.reading_id, time: row.time, assetId: row.asset_id, tag: row.tag, value: row.value, valueText: row.value_text, quality: row.quality }));
  const edges = nodes.map((node) => ({ cursor: encodeReadingCursor(node), node }));
  return {
    edges,
    pageInfo: { hasNextPage: rows.length > first, endCursor: edges.at(-1)?.cursor ?? null },
    totalCount: async () => {
      const [count] = await prisma.$queryRaw<{ count: number }[]>`SELECT count(*)::int AS count FROM (${sources}) AS source`;
      return count?.count ?? 0;
    },
  };
}

/**
 * The postings a reading or an event fed, oldest first. An event: postings whose source_event_ids
 * hold it. A reading: postings whose window aggregated it, postings fed by the events it raised
 * (data.readingId), and postings that name the reading id itself (confirmations written before
 * erp_posting_window recorded their readings ids there).
 */
export async function postingsFedBy(prisma: PrismaClient, args: { readingId?: string | null; eventId?: string | null } & PageArguments): Promise<Connection<ErpPosting>> {
  const readingId = args.readingId?.trim() || null;
  const eventId = args.eventId?.trim() || null;
  if ((readingId === null) === (eventId === null)) {
    throw new ValidationError('give exactly one of readingId and eventId', { details: { fields: [{ field: readingId ? 'eventId' : 'readingId', message: 'exactly one of readingId and eventId' }] } });
  }
  const page = pageOf(args);
  let sourceIds: string[];
  let windowPostings: string[] = [];
  if (eventId !== null) {
    sourceIds = [eventId];
  } else {
    const events = await prisma.$queryRaw<{ id: string }[]>`
      SELECT event_id::text AS id FROM events.outbox WHERE envelope -> 'data' ? 'readingId' AND envelope -> 'data' ->> 'readingId' = ${readingId}`;
    sourceIds = [readingId!, ...events.map((event) => event.id)];
    windowPostings = (
      await prisma.$queryRaw<{ id: string }[]>`
        SELECT DISTINCT w.posting_id::text AS id FROM telemetry.reading r
          JOIN integration.erp_posting_window w ON w.asset_id = r.asset_id AND r.tag = ANY(w.tags) AND r.time >= w.window_start AND r.time < w.window_end
         WHERE r.reading_id = ${readingId}`
    ).map((row) => row.id);
  }
  const where: Prisma.ErpPostingWhereInput = { OR: [{ sourceEventIds: { hasSome: sourceIds } }, ...(windowPostings.length > 0 ? [{ id: { in: windowPostings } }] : [])] };
  const rows = await prisma.erpPosting.findMany({ where, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], ...prismaPage(page) });
  return toConnection(rows, page, () => prisma.erpPosting.count({ where }));
}
