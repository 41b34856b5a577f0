// Per-request DataLoaders: every related-row lookup of a list query becomes one statement per
// kind of relation, however many postings, dead letters or exceptions the page holds.
import DataLoader from 'dataloader';
import type { PrismaClient } from '../../core/db.ts';
import type { Caller } from '../../core/internal-auth.ts';
import { rowsByKey, rowsGroupedByKey } from '../../core/graphql/batching.ts';
import type { ErpPosting, IntegrationException } from '../../prisma/generated/client.ts';
import { toDeadLetter, type DeadLetterRecord } from './service.ts';
import { eventsByIds, windowsByPostingIds, type PostingWindow, type TraceEventRecord } from './trace.ts';

export interface IntegrationLoaders {
  postingById: DataLoader<string, ErpPosting | null>;
  deadLetterById: DataLoader<string, DeadLetterRecord | null>;
  exceptionById: DataLoader<string, IntegrationException | null>;
  exceptionsByPostingId: DataLoader<string, IntegrationException[]>;
  exceptionsByDeadLetterId: DataLoader<string, IntegrationException[]>;
  /** The audit trail: a posting's reading window, and outbox events by id (null: no such event). */
  windowByPostingId: DataLoader<string, PostingWindow | null>;
  eventById: DataLoader<string, TraceEventRecord | null>;
  /** A maintenance request's ERP notification number: its confirmed notification posting's document id. */
  notificationNumberByRequestId: DataLoader<string, string | null>;
}

export function createIntegrationLoaders(prisma: PrismaClient, _caller: Caller): IntegrationLoaders {
  return {
    postingById: new DataLoader(async (ids) => rowsByKey(ids, await prisma.erpPosting.findMany({ where: { id: { in: [...ids] } } }), (row) => row.id)),
    deadLetterById: new DataLoader(async (ids) => {
      const rows = await prisma.deadLetter.findMany({ where: { id: { in: [...ids] } } });
      return rowsByKey(ids, rows.map(toDeadLetter), (row) => row.id);
    }),
    exceptionById: new DataLoader(async (ids) => rowsByKey(ids, await prisma.integrationException.findMany({ where: { id: { in: [...ids] } } }), (row) => row.id)),
    // A posting or dead letter collects a handful of exceptions (one per rejection or dead end), so all are shown.
    exceptionsByPostingId: new DataLoader(async (postingIds) => {
      const rows = await prisma.integrationException.findMany({ where: { postingId: { in: [...postingIds] } }, orderBy: [{ createdAt: 'desc' }, { id: 'asc' }] });
      return rowsGroupedByKey(postingIds, rows, (row) => row.postingId);
    }),
    exceptionsByDeadLetterId: new DataLoader(async (deadLetterIds) => {
      const rows = await prisma.integrationException.findMany({ where: { deadLetterId: { in: [...deadLetterIds] } }, orderBy: [{ createdAt: 'desc' }, { id: 'asc' }] });
      return rowsGroupedByKey(deadLetterIds, rows, (row) => row.deadLetterId);
    }),
    windowByPostingId: new DataLoader(async (postingIds) => rowsByKey(postingIds, await windowsByPostingIds(prisma, postingIds), (row) => row.postingId)),
    eventById: new DataLoader(async (eventIds) => rowsByKey(eventIds, await eventsByIds(prisma, eventIds), (row) => row.id)),
    notificationNumberByRequestId: new DataLoader(async (requestIds) => {
      const rows = await prisma.erpPosting.findMany({
        where: { kind: 'MAINTENANCE_NOTIFICATION', status: 'CONFIRMED', maintenanceRequestId: { in: [...requestIds] } },
        select: { maintenanceRequestId: true, erpDocumentId: true },
        orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      });
      const found = rowsByKey(requestIds, rows, (row) => row.maintenanceRequestId ?? '');
      return found.map((row) => row?.erpDocumentId ?? null);
    }),
  };
}
