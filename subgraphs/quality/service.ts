// Quality: listing inspection lots, characteristics, plans, holds and nonconformances. Prisma stays
// in here; callers get plain records (quality has no Decimal columns: measured values and spec
// limits are double precision, like telemetry).
import { z } from 'zod';
import type { PrismaClient } from '../../core/db.ts';
import { pageOf, prismaPage, toConnection, type Connection, type PageArguments } from '../../core/graphql/pagination.ts';
import { parseInput } from '../../core/graphql/input.ts';
import type { Characteristic, InspectionLot, InspectionPlan, Nonconformance, Prisma, QualityHold } from '../../prisma/generated/client.ts';

// Who sees what: every quality read needs plant:read (enforced by the gateway). Inspection lots
// carry no site of their own (order and material lot live in other domains), so site-bound tokens
// are not narrowed here.

const id = z.string().uuid();

export const inspectionLotFilterSchema = z
  .object({
    orderId: id.nullish(),
    materialLotId: id.nullish(),
    status: z.array(z.enum(['OPEN', 'IN_INSPECTION', 'DECIDED'])).nullish(),
    decision: z.array(z.enum(['ACCEPTED', 'REJECTED'])).nullish(),
    origin: z.array(z.enum(['THRESHOLD', 'SCHEDULED', 'MANUAL'])).nullish(),
    from: z.date().nullish(),
    to: z.date().nullish(),
  })
  .refine((filter) => !filter.from || !filter.to || filter.from < filter.to, { message: 'from must be before to', path: ['from'] })
  .nullish();

export async function listInspectionLots(prisma: PrismaClient, rawFilter: unknown, pageArgs: PageArguments): Promise<Connection<InspectionLot>> {
  const filter = parseInput(inspectionLotFilterSchema, rawFilter, 'filter');
  const page = pageOf(pageArgs);
  const where: Prisma.InspectionLotWhereInput = {
    ...(filter?.orderId ? { orderId: filter.orderId } : {}),
    ...(filter?.materialLotId ? { materialLotId: filter.materialLotId } : {}),
    ...(filter?.status?.length ? { status: { in: filter.status } } : {}),
    ...(filter?.decision?.length ? { decision: { in: filter.decision } } : {}),
    ...(filter?.origin?.length ? { origin: { in: filter.origin } } : {}),
    ...(filter?.from || filter?.to ? { createdAt: { ...(filter.from ? { gte: filter.from } : {}), ...(filter.to ? { lt: filter.to } : {}) } } : {}),
  };
  const rows = await prisma.inspectionLot.findMany({ where, orderBy: [{ createdAt: 'desc' }, { id: 'asc' }], ...prismaPage(page) });
  return toConnection(rows, page, () => prisma.inspectionLot.count({ where }));
}

export async function listCharacteristics(prisma: PrismaClient, pageArgs: PageArguments): Promise<Connection<Characteristic>> {
  const page = pageOf(pageArgs);
  const rows = await prisma.characteristic.findMany({ orderBy: [{ code: 'asc' }, { id: 'asc' }], ...prismaPage(page) });
  return toConnection(rows, page, () => prisma.characteristic.count());
}

export async function listInspectionPlans(prisma: PrismaClient, pageArgs: PageArguments): Promise<Connection<InspectionPlan>> {
  const page = pageOf(pageArgs);
  const rows = await prisma.inspectionPlan.findMany({ orderBy: [{ code: 'asc' }, { id: 'asc' }], ...prismaPage(page) });
  return toConnection(rows, page, () => prisma.inspectionPlan.count());
}

export const holdFilterSchema = z.object({ active: z.boolean().nullish(), orderId: id.nullish(), materialLotId: id.nullish() }).nullish();

export async function listHolds(prisma: PrismaClient, rawFilter: unknown, pageArgs: PageArguments): Promise<Connection<QualityHold>> {
  const filter = parseInput(holdFilterSchema, rawFilter, 'filter');
  const page = pageOf(pageArgs);
  const where: Prisma.QualityHoldWhereInput = {
    ...(typeof filter?.active === 'boolean' ? { active: filter.active } : {}),
    ...(filter?.orderId ? { orderId: filter.orderId } : {}),
    ...(filter?.materialLotId ? { materialLotId: filter.materialLotId } : {}),
  };
  const rows = await prisma.qualityHold.findMany({ where, orderBy: [{ createdAt: 'desc' }, { id: 'asc' }], ...prismaPage(page) });
  return toConnection(rows, page, () => prisma.qualityHold.count({ where }));
}

export const nonconformanceFilterSchema = z.object({ status: z.array(z.enum(['OPEN', 'IN_REVIEW', 'CLOSED'])).nullish(), inspectionLotId: id.nullish() }).nullish();

export async function listNonconformances(prisma: PrismaClient, rawFilter: unknown, pageArgs: PageArguments): Promise<Connection<Nonconformance>> {
  const filter = parseInput(nonconformanceFilterSchema, rawFilter, 'filter');
  const page = pageOf(pageArgs);
  const where: Prisma.NonconformanceWhereInput = {
    ...(filter?.status?.length ? { status: { in: filter.status } } : {}),
    ...(filter?.inspectionLotId ? { inspectionLotId: filter.inspectionLotId } : {}),
  };
  const rows = await prisma.nonconformance.findMany({ where, orderBy: [{ createdAt: 'desc' }, { id: 'asc' }], ...prismaPage(page) });
  return toConnection(rows, page, () => prisma.nonconformance.count({ where }));
}
