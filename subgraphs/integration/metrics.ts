// Prometheus gauges for the ERP outbox, read from integrationHealth at scrape time (one query per
// scrape, however many gauges), so /metrics and the GraphQL query always agree. The process that
// serves /metrics registers them once: registerIntegrationMetrics(metrics.registry, database.prisma).
import { Gauge, type Registry } from 'prom-client';
import type { PrismaClient } from '../../core/db.ts';
import { erpPostingKinds } from '../../core/postings.ts';
import { DEFAULT_DELAYED_CONFIRMATION_SECONDS, readIntegrationHealth, type IntegrationHealth } from './health.ts';

/** Gauges collected within this window share one health read. */
const SCRAPE_WINDOW_MS = 1_000;

export function registerIntegrationMetrics(registry: Registry, prisma: PrismaClient, options: { delayedAfterSeconds?: number } = {}): void {
  const delayedAfterSeconds = options.delayedAfterSeconds ?? DEFAULT_DELAYED_CONFIRMATION_SECONDS;
  let last: { at: number; health: Promise<IntegrationHealth> } | undefined;
  const health = () => {
    if (!last || Date.now() - last.at > SCRAPE_WINDOW_MS) {
      last = { at: Date.now(), health: readIntegrationHealth(prisma, delayedAfterSeconds) };
      last.health.catch(() => (last = undefined)); // a failed read is not cached
    }
    return last.health;
  };

  const byKind = (name: string, help: string, value: (entry: IntegrationHealth['pendingPostings'][number] | undefined) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['kind'],
      registers: [registry],
      async collect() {
        const { pendingPostings } = await health();
        for (const kind of erpPostingKinds) this.set({ kind }, value(pendingPostings.find((entry) => entry.kind === kind)));
      },
    });
  byKind('plantgraph_erp_postings_pending', 'ERP postings written but not yet confirmed (PENDING or IN_FLIGHT), by kind', (entry) => entry?.count ?? 0);
  byKind('plantgraph_erp_postings_pending_oldest_age_seconds', 'Age of the oldest pending ERP posting, by kind (0 when none)', (entry) => entry?.oldestAgeSeconds ?? 0);

  const total = (name: string, help: string, value: (health: IntegrationHealth) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      async collect() {
        this.set(value(await health()));
      },
    });
  // Labelled by line id; reset on each scrape so a line that recovered disappears.
  const byLine = (name: string, help: string, value: (line: IntegrationHealth['lines'][number]) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['line'],
      registers: [registry],
      async collect() {
        const { lines } = await health();
        this.reset();
        for (const line of lines) this.set({ line: line.line.id }, value(line));
      },
    });
  total('plantgraph_erp_oldest_unconfirmed_confirmation_age_seconds', 'Age of the oldest production confirmation the ERP has not confirmed (0 when none)', (h) => h.oldestUnconfirmedConfirmationAgeSeconds ?? 0);
  total('plantgraph_erp_postings_failed', 'ERP postings FAILED (refused by the ERP; need a person)', (h) => h.failedPostings);
  total('plantgraph_erp_postings_dead', 'ERP postings DEAD (attempts used up)', (h) => h.deadPostings);
  total('plantgraph_erp_postings_retrying', 'ERP postings waiting for another attempt after a failure', (h) => h.retryingPostings);
  total('plantgraph_erp_posting_retry_attempts', 'Attempts beyond the first, summed over all ERP postings', (h) => h.retryAttempts);
  total('plantgraph_erp_confirmations_delayed', `Production confirmations not confirmed by the ERP within ${delayedAfterSeconds} s`, (h) => h.delayedConfirmations);
  total('plantgraph_dead_letters_open', 'Dead letters never replayed (DLQ size)', (h) => h.deadLetters);
  total('plantgraph_integration_exceptions_open', 'Integration exceptions not yet resolved', (h) => h.openExceptions);
  total('plantgraph_maintenance_requests_open', 'Maintenance requests OPEN or IN_PROGRESS', (h) => h.openMaintenanceRequests);
  total('plantgraph_erp_goods_receipts_failed', 'Finished-goods receipt postings FAILED or DEAD', (h) => h.failedGoodsReceipts);
  byLine('plantgraph_maintenance_requests_open_by_line', 'Maintenance requests OPEN or IN_PROGRESS, by line (lines with none left out)', (line) => line.openMaintenanceRequests);
  byLine('plantgraph_downtime_unresolved_seconds', 'Age of the oldest DOWN interval still open, by line (lines with none left out)', (line) => line.downSeconds ?? 0);
}
