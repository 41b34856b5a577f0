// Assets: who may see which site, listing the equipment hierarchy and its state intervals, and the
// master-data commands that create and change sites, lines and work cells. Prisma stays in here and
// in loaders.ts; callers get plain records.
import { z } from 'zod';
import type { PrismaClient } from '../../core/db.ts';
import { ErrorCodes, NotFoundError, PlantgraphError, ValidationError } from '../../core/errors.ts';
import { runIdempotentCommand, type Transaction } from '../../core/idempotency.ts';
import type { Caller } from '../../core/internal-auth.ts';
import { pageOf, prismaPage, toConnection, type Connection, type PageArguments } from '../../core/graphql/pagination.ts';
import { parseId, parseInput } from '../../core/graphql/input.ts';
import { Prisma, type Area, type EquipmentState, type Line, type Site, type Tag, type WorkCell } from '../../prisma/generated/client.ts';

// Assets have no Decimal columns: the Prisma rows are already plain records.
export type SiteRecord = Site;
export type AreaRecord = Area;
export type LineRecord = Line;
export type WorkCellRecord = WorkCell;
export type TagRecord = Tag;
export type EquipmentStateRecord = EquipmentState;

// --- who sees what -----------------------------------------------------------------------------

/** Tokens with `siteIds` see only those sites and what is under them; others see every site. */
export const visibleSites = (caller: Caller): Prisma.SiteWhereInput => (caller.siteIds ? { id: { in: caller.siteIds } } : {});
export const visibleAreas = (caller: Caller): Prisma.AreaWhereInput => (caller.siteIds ? { siteId: { in: caller.siteIds } } : {});
export const visibleLines = (caller: Caller): Prisma.LineWhereInput => (caller.siteIds ? { siteId: { in: caller.siteIds } } : {});
export const visibleWorkCells = (caller: Caller): Prisma.WorkCellWhereInput => (caller.siteIds ? { line: { siteId: { in: caller.siteIds } } } : {});

/**
 * Tags and states point at their asset without a foreign key (a line or a work cell), so a
 * site-bound caller's filter is the list of its assets' ids; null means every asset.
 */
export async function visibleAssetIds(prisma: PrismaClient, caller: Caller): Promise<string[] | null> {
  if (!caller.siteIds) return null;
  const lines = await prisma.line.findMany({ where: visibleLines(caller), select: { id: true, workCells: { select: { id: true } } } });
  return lines.flatMap((line) => [line.id, ...line.workCells.map((cell) => cell.id)]);
}

// --- listing -----------------------------------------------------------------------------------

const id = z.string().uuid();

export async function listSites(prisma: PrismaClient, caller: Caller, pageArgs: PageArguments): Promise<Connection<SiteRecord>> {
  const page = pageOf(pageArgs);
  const where = visibleSites(caller);
  const rows = await prisma.site.findMany({ where, orderBy: [{ code: 'asc' }, { id: 'asc' }], ...prismaPage(page) });
  return toConnection(rows, page, () => prisma.site.count({ where }));
}

export const lineFilterSchema = z.object({ siteId: id.nullish(), areaId: id.nullish() }).nullish();

export async function listLines(prisma: PrismaClient, caller: Caller, rawFilter: unknown, pageArgs: PageArguments): Promise<Connection<LineRecord>> {
  const filter = parseInput(lineFilterSchema, rawFilter, 'filter');
  const page = pageOf(pageArgs);
  const where: Prisma.LineWhereInput = {
    AND: [visibleLines(caller), { ...(filter?.siteId ? { siteId: filter.siteId } : {}), ...(filter?.areaId ? { areaId: filter.areaId } : {}) }],
  };
  const rows = await prisma.line.findMany({ where, orderBy: [{ code: 'asc' }, { id: 'asc' }], ...prismaPage(page) });
  return toConnection(rows, page, () => prisma.line.count({ where }));
}

export const workCellFilterSchema = z.object({ lineId: id.nullish(), siteId: id.nullish() }).nullish();

export async function listWorkCells(prisma: PrismaClient, caller: Caller, rawFilter: unknown, pageArgs: PageArguments): Promise<Connection<WorkCellRecord>> {
  const filter = parseInput(workCellFilterSchema, rawFilter, 'filter');
  const page = pageOf(pageArgs);
  const where: Prisma.WorkCellWhereInput = {
    AND: [visibleWorkCells(caller), { ...(filter?.lineId ? { lineId: filter.lineId } : {}), ...(filter?.siteId ? { line: { siteId: filter.siteId } } : {}) }],
  };
  const rows = await prisma.workCell.findMany({ where, orderBy: [{ code: 'asc' }, { id: 'asc' }], ...prismaPage(page) });
  return toConnection(rows, page, () => prisma.workCell.count({ where }));
}

const timeWindow = { from: z.date().nullish(), to: z.date().nullish() };
const fromBeforeTo = (window: { from?: Date | null; to?: Date | null }) => !window.from || !window.to || window.from < window.to;

export const stateWindowSchema = z.object(timeWindow).refine(fromBeforeTo, { message: 'from must be before to', path: ['from'] });
export type StateWindow = z.infer<typeof stateWindowSchema>;

/** Intervals overlapping [from, to): started before `to`, and still open or ended after `from`. */
export function overlapping(window: StateWindow): Prisma.EquipmentStateWhereInput {
  return {
    ...(window.to ? { startedAt: { lt: window.to } } : {}),
    ...(window.from ? { OR: [{ endedAt: null }, { endedAt: { gt: window.from } }] } : {}),
  };
}

export const stateFilterSchema = z
  .object({
    assetId: id.nullish(),
    lineId: id.nullish(),
    state: z.array(z.enum(['RUNNING', 'IDLE', 'DOWN', 'PLANNED_STOP', 'CHANGEOVER'])).nullish(),
    ...timeWindow,
  })
  .refine(fromBeforeTo, { message: 'from must be before to', path: ['from'] })
  .nullish();

export async function listEquipmentStates(prisma: PrismaClient, caller: Caller, rawFilter: unknown, pageArgs: PageArguments): Promise<Connection<EquipmentStateRecord>> {
  const filter = parseInput(stateFilterSchema, rawFilter, 'filter');
  const page = pageOf(pageArgs);
  const visible = await visibleAssetIds(prisma, caller);
  // A line's filter covers the line itself and every work cell on it.
  const lineAssets = filter?.lineId ? [filter.lineId, ...(await prisma.workCell.findMany({ where: { lineId: filter.lineId }, select: { id: true } })).map((cell) => cell.id)] : null;
  const where: Prisma.EquipmentStateWhereInput = {
    AND: [
      visible ? { assetId: { in: visible } } : {},
      lineAssets ? { assetId: { in: lineAssets } } : {},
      filter?.assetId ? { assetId: filter.assetId } : {},
      filter?.state?.length ? { state: { in: filter.state } } : {},
      overlapping(filter ?? {}),
    ],
  };
  const rows = await prisma.equipmentState.findMany({ where, orderBy: [{ startedAt: 'desc' }, { id: 'asc' }], ...prismaPage(page) });
  return toConnection(rows, page, () => prisma.equipmentState.count({ where }));
}

// --- master data commands ----------------------------------------------------------------------

/** Codes are parts of telemetry subjects (telemetry.<site>.<line>.<asset>): no dots, spaces or wildcards. */
const code = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/, 'must be 1–32 letters, digits, _ or -, starting with a letter or digit');
const name = z.string().trim().min(1).max(200);
const externalId = z.string().trim().min(1).max(40);
const timezone = z.string().refine(isTimeZone, 'must be an IANA time zone such as Europe/Berlin');
const cycleSeconds = z.number().positive().max(86_400);

function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

/** The same shape as parseInput's failures, so clients read one kind of VALIDATION_FAILED. */
function invalid(field: string, message: string): ValidationError {
  return new ValidationError(`${field}: ${message}`, { details: { fields: [{ field, message }] } });
}

/**
 * The checks before each write name the field; this keeps a concurrent writer that slips past them
 * from ending as INTERNAL: a unique violation is the code, a foreign key violation the parent.
 */
async function guardConstraints<T>(write: Promise<T>, fields: { code: string; codeLabel: string; parent?: string }): Promise<T> {
  try {
    return await write;
  } catch (error) {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') throw invalid(fields.code, `${fields.codeLabel} is already used`);
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2003' && fields.parent) throw invalid(fields.parent, 'does not exist or is not in the same hierarchy');
    throw error;
  }
}

async function command<Input extends object>(prisma: PrismaClient, caller: Caller, commandName: string, input: Input, idempotencyKey: string, execute: (tx: Transaction) => Promise<string>) {
  const { result, replayed } = await runIdempotentCommand(prisma, { idempotencyKey, commandName, input, actor: caller.sub }, async (tx) => ({ id: await execute(tx) }));
  return { id: result.id, replayed };
}

export const createSiteSchema = z.object({ enterpriseCode: z.string().trim().min(1), code, name, timezone, countryCode: z.string().trim().length(2).nullish(), erpPlantCode: externalId.nullish() });
export const updateSiteSchema = z.object({ code: code.optional(), name: name.optional(), timezone: timezone.optional(), countryCode: z.string().trim().length(2).nullish(), erpPlantCode: externalId.nullish() });

export async function createSite(prisma: PrismaClient, caller: Caller, rawInput: unknown, idempotencyKey: string) {
  const input = parseInput(createSiteSchema, rawInput, 'input');
  // A site-bound token could not see the site it creates.
  if (caller.siteIds) throw new PlantgraphError(ErrorCodes.FORBIDDEN, 'a token bound to sites cannot create sites');
  return command(prisma, caller, 'createSite', input, idempotencyKey, async (tx) => {
    const { enterpriseCode, ...site } = input;
    const enterprise = await tx.enterprise.findUnique({ where: { code: enterpriseCode }, select: { id: true } });
    if (!enterprise) throw invalid('input.enterpriseCode', `enterprise ${enterpriseCode} does not exist`);
    await assertSiteCodeFree(tx, enterprise.id, site.code);
    const created = await guardConstraints(tx.site.create({ data: { ...site, enterpriseId: enterprise.id }, select: { id: true } }), { code: 'input.code', codeLabel: `site code ${site.code}` });
    return created.id;
  });
}

export async function updateSite(prisma: PrismaClient, caller: Caller, rawId: string, rawInput: unknown, idempotencyKey: string) {
  const siteId = parseId(rawId);
  const input = parseInput(updateSiteSchema, rawInput, 'input');
  return command(prisma, caller, 'updateSite', { id: siteId, ...input }, idempotencyKey, async (tx) => {
    const site = await tx.site.findFirst({ where: { AND: [{ id: siteId }, visibleSites(caller)] }, select: { id: true, enterpriseId: true, code: true } });
    if (!site) throw new NotFoundError('site', siteId);
    if (input.code && input.code !== site.code) await assertSiteCodeFree(tx, site.enterpriseId, input.code);
    await guardConstraints(tx.site.update({ where: { id: siteId }, data: input }), { code: 'input.code', codeLabel: `site code ${input.code}` });
    return siteId;
  });
}

async function assertSiteCodeFree(tx: Transaction, enterpriseId: string, siteCode: string) {
  if (await tx.site.findUnique({ where: { enterpriseId_code: { enterpriseId, code: siteCode } }, select: { id: true } })) throw invalid('input.code', `site code ${siteCode} is already used`);
}

const lineFields = { code, name, erpWorkCenter: externalId.nullish(), idealCycleSeconds: cycleSeconds.nullish() };
export const createLineSchema = z.object({ siteId: id, areaId: id, ...lineFields });
export const updateLineSchema = z.object({ areaId: id.optional(), code: code.optional(), name: name.optional(), erpWorkCenter: lineFields.erpWorkCenter, idealCycleSeconds: lineFields.idealCycleSeconds });

export async function createLine(prisma: PrismaClient, caller: Caller, rawInput: unknown, idempotencyKey: string) {
  const input = parseInput(createLineSchema, rawInput, 'input');
  return command(prisma, caller, 'createLine', input, idempotencyKey, async (tx) => {
    if (!(await tx.site.findFirst({ where: { AND: [{ id: input.siteId }, visibleSites(caller)] }, select: { id: true } }))) throw invalid('input.siteId', `site ${input.siteId} does not exist`);
    await assertAreaOfSite(tx, input.areaId, input.siteId);
    await assertLineCodeFree(tx, input.siteId, input.code);
    const created = await guardConstraints(tx.line.create({ data: input, select: { id: true } }), { code: 'input.code', codeLabel: `line code ${input.code}`, parent: 'input.areaId' });
    return created.id;
  });
}

export async function updateLine(prisma: PrismaClient, caller: Caller, rawId: string, rawInput: unknown, idempotencyKey: string) {
  const lineId = parseId(rawId);
  const input = parseInput(updateLineSchema, rawInput, 'input');
  return command(prisma, caller, 'updateLine', { id: lineId, ...input }, idempotencyKey, async (tx) => {
    const line = await tx.line.findFirst({ where: { AND: [{ id: lineId }, visibleLines(caller)] }, select: { siteId: true, code: true } });
    if (!line) throw new NotFoundError('line', lineId);
    if (input.areaId) await assertAreaOfSite(tx, input.areaId, line.siteId);
    if (input.code && input.code !== line.code) await assertLineCodeFree(tx, line.siteId, input.code);
    await guardConstraints(tx.line.update({ where: { id: lineId }, data: input }), { code: 'input.code', codeLabel: `line code ${input.code}`, parent: 'input.areaId' });
    return lineId;
  });
}

/** Lines carry their site next to their area (a composite FK keeps the two consistent). */
async function assertAreaOfSite(tx: Transaction, areaId: string, siteId: string) {
  const area = await tx.area.findUnique({ where: { id: areaId }, select: { siteId: true } });
  if (!area) throw invalid('input.areaId', `area ${areaId} does not exist`);
  if (area.siteId !== siteId) throw invalid('input.areaId', `area ${areaId} is not in site ${siteId}`);
}

async function assertLineCodeFree(tx: Transaction, siteId: string, lineCode: string) {
  if (await tx.line.findUnique({ where: { siteId_code: { siteId, code: lineCode } }, select: { id: true } })) throw invalid('input.code', `line code ${lineCode} is already used in this site`);
}

const workCellFields = { code, name, equipmentClass: z.string().trim().min(1).max(40).nullish(), erpWorkCenter: externalId.nullish(), idealCycleSeconds: cycleSeconds.nullish() };
export const createWorkCellSchema = z.object({ lineId: id, parentId: id.nullish(), ...workCellFields });
export const updateWorkCellSchema = z.object({
  parentId: id.nullish(),
  code: code.optional(),
  name: name.optional(),
  equipmentClass: workCellFields.equipmentClass,
  erpWorkCenter: workCellFields.erpWorkCenter,
  idealCycleSeconds: workCellFields.idealCycleSeconds,
});

export async function createWorkCell(prisma: PrismaClient, caller: Caller, rawInput: unknown, idempotencyKey: string) {
  const input = parseInput(createWorkCellSchema, rawInput, 'input');
  return command(prisma, caller, 'createWorkCell', input, idempotencyKey, async (tx) => {
    if (!(await tx.line.findFirst({ where: { AND: [{ id: input.lineId }, visibleLines(caller)] }, select: { id: true } }))) throw invalid('input.lineId', `line ${input.lineId} does not exist`);
    if (input.parentId) await assertParentOnLine(tx, input.parentId, input.lineId);
    await assertWorkCellCodeFree(tx, input.lineId, input.code);
    const created = await guardConstraints(tx.workCell.create({ data: input, select: { id: true } }), { code: 'input.code', codeLabel: `work cell code ${input.code}`, parent: 'input.parentId' });
    return created.id;
  });
}

export async function updateWorkCell(prisma: PrismaClient, caller: Caller, rawId: string, rawInput: unknown, idempotencyKey: string) {
  const cellId = parseId(rawId);
  const input = parseInput(updateWorkCellSchema, rawInput, 'input');
  return command(prisma, caller, 'updateWorkCell', { id: cellId, ...input }, idempotencyKey, async (tx) => {
    const cell = await tx.workCell.findFirst({ where: { AND: [{ id: cellId }, visibleWorkCells(caller)] }, select: { lineId: true, code: true } });
    if (!cell) throw new NotFoundError('work cell', cellId);
    if (input.parentId) {
      await assertParentOnLine(tx, input.parentId, cell.lineId);
      await assertNotOwnAncestor(tx, cellId, input.parentId);
    }
    if (input.code && input.code !== cell.code) await assertWorkCellCodeFree(tx, cell.lineId, input.code);
    await guardConstraints(tx.workCell.update({ where: { id: cellId }, data: input }), { code: 'input.code', codeLabel: `work cell code ${input.code}`, parent: 'input.parentId' });
    return cellId;
  });
}

async function assertParentOnLine(tx: Transaction, parentId: string, lineId: string) {
  const parent = await tx.workCell.findUnique({ where: { id: parentId }, select: { lineId: true } });
  if (!parent) throw invalid('input.parentId', `work cell ${parentId} does not exist`);
  if (parent.lineId !== lineId) throw invalid('input.parentId', `work cell ${parentId} is on another line`);
}

/** A work cell cannot sit under itself or under one of its own descendants. */
async function assertNotOwnAncestor(tx: Transaction, cellId: string, parentId: string) {
  const [{ cycle } = { cycle: false }] = await tx.$queryRaw<{ cycle: boolean }[]>(Prisma.sql`
    WITH RECURSIVE ancestors AS (
      SELECT id, parent_id FROM assets.work_cell WHERE id = ${parentId}::uuid
      UNION SELECT w.id, w.parent_id FROM assets.work_cell w JOIN ancestors a ON w.id = a.parent_id)
    SELECT EXISTS (SELECT 1 FROM ancestors WHERE id = ${cellId}::uuid) AS cycle`);
  if (cycle) throw invalid('input.parentId', 'a work cell cannot sit under itself or one of its descendants');
}

async function assertWorkCellCodeFree(tx: Transaction, lineId: string, cellCode: string) {
  if (await tx.workCell.findUnique({ where: { lineId_code: { lineId, code: cellCode } }, select: { id: true } })) throw invalid('input.code', `work cell code ${cellCode} is already used on this line`);
}
