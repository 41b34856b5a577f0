// Inventory: who may see which stock, listing materials, lots, movements, locations and pallets,
// and the material master data commands. Prisma stays in here; callers get plain records with
// numbers instead of Decimals.
import { z } from 'zod';
import type { PrismaClient } from '../../core/db.ts';
import { NotFoundError, ValidationError } from '../../core/errors.ts';
import { runIdempotentCommand, type Transaction } from '../../core/idempotency.ts';
import type { Caller } from '../../core/internal-auth.ts';
import { pageOf, prismaPage, toConnection, type Connection, type PageArguments } from '../../core/graphql/pagination.ts';
import { parseInput } from '../../core/graphql/input.ts';
import { Prisma, type BillOfMaterials, type BomItem, type Material, type MaterialLot, type MaterialMovement, type Pallet } from '../../prisma/generated/client.ts';

export type BomItemRecord = Omit<BomItem, 'quantityPerUnit'> & { quantityPerUnit: number };
export type BomRecord = BillOfMaterials & { items: BomItemRecord[] };
export type LotRecord = Omit<MaterialLot, 'quantity'> & { quantity: number };
export type MovementRecord = Omit<MaterialMovement, 'quantity'> & { quantity: number };
export type PalletRecord = Omit<Pallet, 'quantity'> & { quantity: number };

export const toBom = (row: BillOfMaterials & { items: BomItem[] }): BomRecord => ({
  ...row,
  items: row.items.map((item) => ({ ...item, quantityPerUnit: item.quantityPerUnit.toNumber() })),
});
export const toLot = (row: MaterialLot): LotRecord => ({ ...row, quantity: row.quantity.toNumber() });
export const toMovement = (row: MaterialMovement): MovementRecord => ({ ...row, quantity: row.quantity.toNumber() });
export const toPallet = (row: Pallet): PalletRecord => ({ ...row, quantity: row.quantity.toNumber() });

// --- who sees what -----------------------------------------------------------------------------
// Materials are master data every reader may see. Stock belongs to a site: a token bound to sites
// (`siteIds`) sees only the locations of those sites and what lies or moves there.

export function visibleLocations(caller: Caller): Prisma.LocationWhereInput {
  return caller.siteIds ? { siteId: { in: caller.siteIds } } : {};
}

export function visibleLots(caller: Caller): Prisma.MaterialLotWhereInput {
  return caller.siteIds ? { location: visibleLocations(caller) } : {};
}

export function visibleMovements(caller: Caller): Prisma.MaterialMovementWhereInput {
  return caller.siteIds ? { OR: [{ fromLocation: visibleLocations(caller) }, { toLocation: visibleLocations(caller) }] } : {};
}

export function visiblePallets(caller: Caller): Prisma.PalletWhereInput {
  return caller.siteIds ? { location: visibleLocations(caller) } : {};
}

// --- listing -----------------------------------------------------------------------------------

const id = z.string().uuid();
const materialTypes = ['FINISHED', 'SEMI_FINISHED', 'RAW', 'PACKAGING'] as const;
/** A time window [from, to) over one timestamp column. */
const window = (from?: Date | null, to?: Date | null) => (from || to ? { ...(from ? { gte: from } : {}), ...(to ? { lt: to } : {}) } : undefined);

export const materialFilterSchema = z.object({ type: z.array(z.enum(materialTypes)).nullish(), search: z.string().trim().max(100).nullish() }).nullish();

export async function listMaterials(prisma: PrismaClient, rawFilter: unknown, pageArgs: PageArguments): Promise<Connection<Material>> {
  const filter = parseInput(materialFilterSchema, rawFilter, 'filter');
  const page = pageOf(pageArgs);
  const search = filter?.search ? { contains: filter.search, mode: 'insensitive' as const } : undefined;
  const where: Prisma.MaterialWhereInput = {
    ...(filter?.type?.length ? { type: { in: filter.type } } : {}),
    ...(search ? { OR: [{ erpMaterialNumber: search }, { description: search }] } : {}),
  };
  const rows = await prisma.material.findMany({ where, orderBy: [{ erpMaterialNumber: 'asc' }, { id: 'asc' }], ...prismaPage(page) });
  return toConnection(rows, page, () => prisma.material.count({ where }));
}

export function findMaterialByNumber(prisma: PrismaClient, erpMaterialNumber: string): Promise<Material | null> {
  return prisma.material.findUnique({ where: { erpMaterialNumber: erpMaterialNumber.trim() } });
}

export const lotFilterSchema = z
  .object({
    materialId: id.nullish(),
    status: z.array(z.enum(['AVAILABLE', 'BLOCKED', 'QUARANTINE', 'CONSUMED'])).nullish(),
    locationId: id.nullish(),
    producedByOrderId: id.nullish(),
  })
  .nullish();

export async function listLots(prisma: PrismaClient, caller: Caller, rawFilter: unknown, pageArgs: PageArguments): Promise<Connection<LotRecord>> {
  const filter = parseInput(lotFilterSchema, rawFilter, 'filter');
  const page = pageOf(pageArgs);
  const where: Prisma.MaterialLotWhereInput = {
    AND: [
      visibleLots(caller),
      {
        ...(filter?.materialId ? { materialId: filter.materialId } : {}),
        ...(filter?.status?.length ? { status: { in: filter.status } } : {}),
        ...(filter?.locationId ? { locationId: filter.locationId } : {}),
        ...(filter?.producedByOrderId ? { producedByOrderId: filter.producedByOrderId } : {}),
      },
    ],
  };
  const rows = await prisma.materialLot.findMany({ where, orderBy: [{ lotNumber: 'asc' }, { id: 'asc' }], ...prismaPage(page) });
  return toConnection(rows.map(toLot), page, () => prisma.materialLot.count({ where }));
}

export const movementFilterSchema = z
  .object({
    orderId: id.nullish(),
    lotId: id.nullish(),
    materialId: id.nullish(),
    kind: z.array(z.enum(['CONSUME', 'PRODUCE', 'TRANSFER', 'SCRAP'])).nullish(),
    from: z.date().nullish(),
    to: z.date().nullish(),
  })
  .refine((filter) => !filter.from || !filter.to || filter.from < filter.to, { message: 'from must be before to', path: ['from'] })
  .nullish();

export async function listMovements(prisma: PrismaClient, caller: Caller, rawFilter: unknown, pageArgs: PageArguments): Promise<Connection<MovementRecord>> {
  const filter = parseInput(movementFilterSchema, rawFilter, 'filter');
  const page = pageOf(pageArgs);
  const occurredAt = window(filter?.from, filter?.to);
  const where: Prisma.MaterialMovementWhereInput = {
    AND: [
      visibleMovements(caller),
      {
        ...(filter?.orderId ? { orderId: filter.orderId } : {}),
        ...(filter?.lotId ? { lotId: filter.lotId } : {}),
        ...(filter?.materialId ? { materialId: filter.materialId } : {}),
        ...(filter?.kind?.length ? { kind: { in: filter.kind } } : {}),
        ...(occurredAt ? { occurredAt } : {}),
      },
    ],
  };
  const rows = await prisma.materialMovement.findMany({ where, orderBy: [{ occurredAt: 'desc' }, { id: 'asc' }], ...prismaPage(page) });
  return toConnection(rows.map(toMovement), page, () => prisma.materialMovement.count({ where }));
}

export const locationFilterSchema = z.object({ siteId: id.nullish(), type: z.array(z.enum(['WAREHOUSE', 'LINE_SIDE', 'QUARANTINE', 'SHIPPING'])).nullish() }).nullish();

export async function listLocations(prisma: PrismaClient, caller: Caller, rawFilter: unknown, pageArgs: PageArguments) {
  const filter = parseInput(locationFilterSchema, rawFilter, 'filter');
  const page = pageOf(pageArgs);
  const where: Prisma.LocationWhereInput = {
    AND: [visibleLocations(caller), { ...(filter?.siteId ? { siteId: filter.siteId } : {}), ...(filter?.type?.length ? { type: { in: filter.type } } : {}) }],
  };
  const rows = await prisma.location.findMany({ where, orderBy: [{ siteId: 'asc' }, { code: 'asc' }, { id: 'asc' }], ...prismaPage(page) });
  return toConnection(rows, page, () => prisma.location.count({ where }));
}

export const palletFilterSchema = z.object({ orderId: id.nullish(), lotId: id.nullish(), status: z.array(z.enum(['OPEN', 'COMPLETE', 'SHIPPED'])).nullish() }).nullish();

export async function listPallets(prisma: PrismaClient, caller: Caller, rawFilter: unknown, pageArgs: PageArguments): Promise<Connection<PalletRecord>> {
  const filter = parseInput(palletFilterSchema, rawFilter, 'filter');
  const page = pageOf(pageArgs);
  const where: Prisma.PalletWhereInput = {
    AND: [
      visiblePallets(caller),
      {
        ...(filter?.orderId ? { orderId: filter.orderId } : {}),
        ...(filter?.lotId ? { lotId: filter.lotId } : {}),
        ...(filter?.status?.length ? { status: { in: filter.status } } : {}),
      },
    ],
  };
  const rows = await prisma.pallet.findMany({ where, orderBy: [{ sscc: 'asc' }, { id: 'asc' }], ...prismaPage(page) });
  return toConnection(rows.map(toPallet), page, () => prisma.pallet.count({ where }));
}

// --- material master data (ERP commands) -------------------------------------------------------

export const materialFields = {
  erpMaterialNumber: z.string().trim().min(1).max(40),
  description: z.string().trim().min(1).max(200),
  baseUnit: z.string().trim().min(1).max(10),
  type: z.enum(materialTypes),
  gtin: z.string().regex(/^(\d{8}|\d{12,14})$/, 'must be 8, 12, 13 or 14 digits'),
};

export const createMaterialInputSchema = z.object({ ...materialFields, gtin: materialFields.gtin.nullish() });
export const updateMaterialInputSchema = z
  .object({
    erpMaterialNumber: materialFields.erpMaterialNumber.optional(),
    description: materialFields.description.optional(),
    baseUnit: materialFields.baseUnit.optional(),
    type: materialFields.type.optional(),
    // null clears the GTIN; absent leaves it as it is
    gtin: materialFields.gtin.nullish(),
    active: z.boolean().optional(),
  })
  .refine((input) => Object.values(input).some((value) => value !== undefined), 'give at least one field to change');

export async function createMaterial(prisma: PrismaClient, caller: Caller, rawInput: unknown, idempotencyKey: string) {
  const input = parseInput(createMaterialInputSchema, rawInput, 'input');
  const { result, replayed } = await runIdempotentCommand(prisma, { idempotencyKey, commandName: 'createMaterial', input, actor: caller.sub }, async (tx) => {
    await refuseTakenNumber(tx, input.erpMaterialNumber, null);
    const material = await uniqueNumber(input.erpMaterialNumber, () =>
      tx.material.create({ data: { ...input, gtin: input.gtin ?? null }, select: { id: true } }),
    );
    return { materialId: material.id };
  });
  return { materialId: result.materialId, replayed };
}

export async function updateMaterial(prisma: PrismaClient, caller: Caller, materialId: string, rawInput: unknown, idempotencyKey: string) {
  const input = parseInput(updateMaterialInputSchema, rawInput, 'input');
  const command = { idempotencyKey, commandName: 'updateMaterial', input: { id: materialId, ...input }, actor: caller.sub };
  const { result, replayed } = await runIdempotentCommand(prisma, command, async (tx) => {
    if (!(await tx.material.findUnique({ where: { id: materialId }, select: { id: true } }))) throw new NotFoundError('material', materialId);
    if (input.erpMaterialNumber) await refuseTakenNumber(tx, input.erpMaterialNumber, materialId);
    const write = () => tx.material.update({ where: { id: materialId }, data: input, select: { id: true } });
    await (input.erpMaterialNumber ? uniqueNumber(input.erpMaterialNumber, write) : write());
    return { materialId };
  });
  return { materialId: result.materialId, replayed };
}

/** The ERP material number is the natural key: a second material with the same number is the caller's mistake. */
async function refuseTakenNumber(tx: Transaction, erpMaterialNumber: string, ownId: string | null): Promise<void> {
  const holder = await tx.material.findUnique({ where: { erpMaterialNumber }, select: { id: true } });
  if (holder && holder.id !== ownId) throw takenNumber(erpMaterialNumber, holder.id);
}

/** The check above can lose a race with a concurrent command under another key; the unique index then decides. */
async function uniqueNumber<T>(erpMaterialNumber: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') throw takenNumber(erpMaterialNumber, null);
    throw error;
  }
}

function takenNumber(erpMaterialNumber: string, materialId: string | null): ValidationError {
  const message = `material number ${erpMaterialNumber} is already taken`;
  return new ValidationError(`input.erpMaterialNumber: ${message}`, {
    details: { fields: [{ field: 'input.erpMaterialNumber', message }], ...(materialId ? { materialId } : {}) },
  });
}
