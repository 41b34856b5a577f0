// integrationHealth: the state of the ERP outbox and what waits for a person, in one statement.
// Also read by the Prometheus gauges (metrics.ts), so both always say the same.
import type { PrismaClient } from '../../core/db.ts';
import type { ErpPostingKind } from '../../core/postings.ts';

export const DEFAULT_DELAYED_CONFIRMATION_SECONDS = 15 * 60;

export interface PendingPostings {
  kind: ErpPostingKind;
  /** PENDING and IN_FLIGHT: written, not yet confirmed, still being tried. */
  count: number;
  oldestCreatedAt: Date;
  oldestAgeSeconds: number;
}

/** A line with open maintenance requests or assets still DOWN. */
export interface LineHealth {
  /** The line (for entity resolution: `line { name }`). */
  line: { id: string };
  openMaintenanceRequests: number;
  /** Assets of the line (the line or its work cells) in an open DOWN interval. */
  assetsDown: number;
  /** Start of the oldest open DOWN interval on the line. */
  downSince: Date | null;
  downSeconds: number | null;
}

export interface IntegrationHealth {
  checkedAt: Date;
  pendingPostings: PendingPostings[];
  oldestUnconfirmedConfirmationAt: Date | null;
  oldestUnconfirmedConfirmationAgeSeconds: number | null;
  failedPostings: number;
  deadPostings: number;
  /** PENDING postings that failed at least once and wait for their next attempt. */
  retryingPostings: number;
  /** Attempts beyond the first, summed over every posting. */
  retryAttempts: number;
  /** Dead letters never replayed. */
  deadLetters: number;
  openExceptions: number;
  /** maintenance.maintenance_request OPEN or IN_PROGRESS. */
  openMaintenanceRequests: number;
  delayedConfirmationThresholdSeconds: number;
  /** Production confirmations not confirmed by the ERP this long after they were written. */
  delayedConfirmations: number;
  /** Finished-goods receipts the ERP refused or that ran out of attempts (FAILED or DEAD). */
  failedGoodsReceipts: number;
  /** Per line: open maintenance requests and unresolved downtime; lines with neither left out. */
  lines: LineHealth[];
}

interface Totals {
  now: Date;
  oldest_confirmation: Date | null;
  failed: number;
  dead: number;
  retrying: number;
  retry_attempts: number;
  dead_letters: number;
  open_exceptions: number;
  open_maintenance_requests: number;
  delayed_confirmations: number;
  failed_goods_receipts: number;
}

export async function readIntegrationHealth(prisma: PrismaClient, delayedAfterSeconds = DEFAULT_DELAYED_CONFIRMATION_SECONDS): Promise<IntegrationHealth> {
  const [totalsRows, pendingRows, lineRows] = await Promise.all([
    prisma.$queryRaw<Totals[]>`
      SELECT now() AS now,
        (SELECT min(created_at) FROM integration.erp_posting WHERE kind = 'PRODUCTION_CONFIRMATION' AND status <> 'CONFIRMED') AS oldest_confirmation,
        (SELECT count(*)::int FROM integration.erp_posting WHERE status = 'FAILED') AS failed,
        (SELECT count(*)::int FROM integration.erp_posting WHERE status = 'DEAD') AS dead,
        (SELECT count(*)::int FROM integration.erp_posting WHERE status = 'PENDING' AND attempts > 0) AS retrying,
        (SELECT coalesce(sum(greatest(attempts - 1, 0)), 0)::int FROM integration.erp_posting WHERE attempts > 1) AS retry_attempts,
        (SELECT count(*)::int FROM integration.dead_letter WHERE replayed_at IS NULL) AS dead_letters,
        (SELECT count(*)::int FROM integration.integration_exception WHERE resolved_at IS NULL) AS open_exceptions,
        (SELECT count(*)::int FROM maintenance.maintenance_request WHERE status IN ('OPEN', 'IN_PROGRESS')) AS open_maintenance_requests,
        (SELECT count(*)::int FROM integration.erp_posting
          WHERE kind = 'PRODUCTION_CONFIRMATION' AND status <> 'CONFIRMED'
            AND created_at < now() - make_interval(secs => ${delayedAfterSeconds})) AS delayed_confirmations,
        (SELECT count(*)::int FROM integration.erp_posting WHERE kind = 'GOODS_RECEIPT' AND status IN ('FAILED', 'DEAD')) AS failed_goods_receipts`,
    prisma.$queryRaw<{ kind: ErpPostingKind; count: number; oldest: Date }[]>`
      SELECT kind::text AS kind, count(*)::int AS count, min(created_at) AS oldest
        FROM integration.erp_posting WHERE status IN ('PENDING', 'IN_FLIGHT') GROUP BY kind ORDER BY kind`,
    // requests and state intervals name a line or a work cell; both count for the line
    prisma.$queryRaw<{ line_id: string; open_requests: number; assets_down: number; down_since: Date | null }[]>`
      WITH asset_line AS (SELECT id AS asset_id, line_id FROM assets.work_cell UNION ALL SELECT id, id FROM assets.line),
        requests AS (
          SELECT a.line_id, count(*)::int AS open_requests FROM maintenance.maintenance_request r JOIN asset_line a ON a.asset_id = r.asset_id
           WHERE r.status IN ('OPEN', 'IN_PROGRESS') GROUP BY a.line_id),
        downtime AS (
          SELECT a.line_id, count(DISTINCT s.asset_id)::int AS assets_down, min(s.started_at) AS down_since FROM assets.equipment_state s JOIN asset_line a ON a.asset_id = s.asset_id
           WHERE s.state = 'DOWN' AND s.ended_at IS NULL GROUP BY a.line_id)
      SELECT coalesce(r.line_id, d.line_id) AS line_id, coalesce(r.open_requests, 0) AS open_requests, coalesce(d.assets_down, 0) AS assets_down, d.down_since
        FROM requests r FULL JOIN downtime d ON d.line_id = r.line_id ORDER BY d.down_since NULLS LAST, line_id`,
  ]);
  const totals = totalsRows[0]!;
  const ageSeconds = (since: Date) => Math.max(0, Math.round((totals.now.getTime() - since.getTime()) / 1_000));
  return {
    checkedAt: totals.now,
    pendingPostings: pendingRows.map((row) => ({ kind: row.kind, count: row.count, oldestCreatedAt: row.oldest, oldestAgeSeconds: ageSeconds(row.oldest) })),
    oldestUnconfirmedConfirmationAt: totals.oldest_confirmation,
    oldestUnconfirmedConfirmationAgeSeconds: totals.oldest_confirmation ? ageSeconds(totals.oldest_confirmation) : null,
    failedPostings: totals.failed,
    deadPostings: totals.dead,
    retryingPostings: totals.retrying,
    retryAttempts: totals.retry_attempts,
    deadLetters: totals.dead_letters,
    openExceptions: totals.open_exceptions,
    openMaintenanceRequests: totals.open_maintenance_requests,
    delayedConfirmationThresholdSeconds: delayedAfterSeconds,
    delayedConfirmations: totals.delayed_confirmations,
    failedGoodsReceipts: totals.failed_goods_receipts,
    lines: lineRows.map((row) => ({
      line: { id: row.line_id },
      openMaintenanceRequests: row.open_requests,
      assetsDown: row.assets_down,
      downSince: row.down_since,
      downSeconds: row.down_since ? ageSeconds(row.down_since) : null,
    })),
  };
}
