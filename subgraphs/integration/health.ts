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
}

export async function readIntegrationHealth(prisma: PrismaClient, delayedAfterSeconds = DEFAULT_DELAYED_CONFIRMATION_SECONDS): Promise<IntegrationHealth> {
  const [totalsRows, pendingRows] = await Promise.all([
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
            AND created_at < now() - make_interval(secs => ${delayedAfterSeconds})) AS delayed_confirmations`,
    prisma.$queryRaw<{ kind: ErpPostingKind; count: number; oldest: Date }[]>`
      SELECT kind::text AS kind, count(*)::int AS count, min(created_at) AS oldest
        FROM integration.erp_posting WHERE status IN ('PENDING', 'IN_FLIGHT') GROUP BY kind ORDER BY kind`,
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
  };
}
