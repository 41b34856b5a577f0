// Maintenance: listing alarms and maintenance requests with the filters people use. Alarms and
// requests point at a line or work cell (assetKind + assetId) and carry no line or site of their
// own, so they filter by asset only; a line's lists take in its work cells through federation
// (Line.workCells from the assets subgraph), never by reading the assets schema. Prisma stays in
// here and in loaders.ts; callers get plain records with numbers instead of Decimals.
import { z } from 'zod';
import type { PrismaClient } from '../../core/db.ts';
import { pageOf, prismaPage, toConnection, type Connection, type PageArguments } from '../../core/graphql/pagination.ts';
import { parseInput } from '../../core/graphql/input.ts';
import type { Alarm, AlarmSeverity, MaintenanceRequest, Prisma, SparePartRequest } from '../../prisma/generated/client.ts';

export type AlarmRecord = Alarm;
export type MaintenanceRequestRecord = MaintenanceRequest;
export type SparePartRequestRecord = Omit<SparePartRequest, 'quantity'> & { quantity: number };

export const toSparePartRequest = (row: SparePartRequest): SparePartRequestRecord => ({ ...row, quantity: row.quantity.toNumber() });

/** Least to most severe, as the enum declares them. */
export const SEVERITIES = ['INFO', 'WARNING', 'CRITICAL'] as const satisfies readonly AlarmSeverity[];
export const REQUEST_STATUSES = ['OPEN', 'IN_PROGRESS', 'DONE', 'CANCELLED'] as const;
export const PRIORITIES = ['LOW', 'MEDIUM', 'HIGH', 'EMERGENCY'] as const;

/** `severity` and every worse one. */
export const severitiesFrom = (least: AlarmSeverity): AlarmSeverity[] => SEVERITIES.slice(SEVERITIES.indexOf(least));

const id = z.string().uuid();
const timeWindow = { from: z.date().nullish(), to: z.date().nullish() };
const fromBeforeTo = (window: { from?: Date | null; to?: Date | null }) => !window.from || !window.to || window.from < window.to;
const between = (window: { from?: Date | null; to?: Date | null }) =>
  window.from || window.to ? { ...(window.from ? { gte: window.from } : {}), ...(window.to ? { lt: window.to } : {}) } : undefined;

export const alarmFilterSchema = z
  .object({ assetId: id.nullish(), severity: z.enum(SEVERITIES).nullish(), open: z.boolean().nullish(), ...timeWindow })
  .refine(fromBeforeTo, { message: 'from must be before to', path: ['from'] })
  .nullish();

export async function listAlarms(prisma: PrismaClient, rawFilter: unknown, pageArgs: PageArguments): Promise<Connection<AlarmRecord>> {
  const filter = parseInput(alarmFilterSchema, rawFilter, 'filter');
  const page = pageOf(pageArgs);
  const raisedAt = between(filter ?? {});
  const where: Prisma.AlarmWhereInput = {
    ...(filter?.assetId ? { assetId: filter.assetId } : {}),
    ...(filter?.severity ? { severity: { in: severitiesFrom(filter.severity) } } : {}),
    ...(typeof filter?.open === 'boolean' ? { clearedAt: filter.open ? null : { not: null } } : {}),
    ...(raisedAt ? { raisedAt } : {}),
  };
  const rows = await prisma.alarm.findMany({ where, orderBy: [{ raisedAt: 'desc' }, { id: 'asc' }], ...prismaPage(page) });
  return toConnection(rows, page, () => prisma.alarm.count({ where }));
}

export const requestFilterSchema = z
  .object({ status: z.array(z.enum(REQUEST_STATUSES)).nullish(), priority: z.array(z.enum(PRIORITIES)).nullish(), assetId: id.nullish(), ...timeWindow })
  .refine(fromBeforeTo, { message: 'from must be before to', path: ['from'] })
  .nullish();

export async function listMaintenanceRequests(prisma: PrismaClient, rawFilter: unknown, pageArgs: PageArguments): Promise<Connection<MaintenanceRequestRecord>> {
  const filter = parseInput(requestFilterSchema, rawFilter, 'filter');
  const page = pageOf(pageArgs);
  const createdAt = between(filter ?? {});
  const where: Prisma.MaintenanceRequestWhereInput = {
    ...(filter?.status?.length ? { status: { in: filter.status } } : {}),
    ...(filter?.priority?.length ? { priority: { in: filter.priority } } : {}),
    ...(filter?.assetId ? { assetId: filter.assetId } : {}),
    ...(createdAt ? { createdAt } : {}),
  };
  const rows = await prisma.maintenanceRequest.findMany({ where, orderBy: [{ createdAt: 'desc' }, { id: 'asc' }], ...prismaPage(page) });
  return toConnection(rows, page, () => prisma.maintenanceRequest.count({ where }));
}

export const requestStatusesSchema = z.array(z.enum(REQUEST_STATUSES)).nullish();
