// Inventory commands from the ERP: material master data sync (upsert by material number) and
// stock blocking of a lot. Each runs once per idempotency key (core/idempotency.ts).
//
// Why blockLot/releaseLot live here and not in quality: they set the lot's stock status
// (AVAILABLE ↔ BLOCKED, SAP's unrestricted/blocked stock), which inventory owns. A quality hold is
// the plant's own decision from an inspection (quality subgraph); the ERP may not lift it, so
// releaseLot refuses a lot that has an active quality hold.
import { z } from 'zod';
import type { PrismaClient } from '../../core/db.ts';
import { ErrorCodes, NotFoundError, PlantgraphError } from '../../core/errors.ts';
import { runIdempotentCommand, type Transaction } from '../../core/idempotency.ts';
import type { Caller } from '../../core/internal-auth.ts';
import { parseInput } from '../../core/graphql/input.ts';
import { materialFields } from './service.ts';

export const upsertMaterialInputSchema = z.object({ ...materialFields, gtin: materialFields.gtin.nullish(), active: z.boolean().nullish() });

/** Create the material with this ERP number, or bring the existing one to the given state. */
export async function upsertMaterial(prisma: PrismaClient, caller: Caller, rawInput: unknown, idempotencyKey: string) {
  const input = parseInput(upsertMaterialInputSchema, rawInput, 'input');
  const { result, replayed } = await runIdempotentCommand(prisma, { idempotencyKey, commandName: 'upsertMaterial', input, actor: caller.sub }, async (tx) => {
    const existing = await tx.material.findUnique({ where: { erpMaterialNumber: input.erpMaterialNumber }, select: { id: true } });
    const fields = { description: input.description, baseUnit: input.baseUnit, type: input.type, gtin: input.gtin ?? null, active: input.active ?? true };
    // INSERT … ON CONFLICT (Prisma's native upsert): a concurrent upsert under another key cannot fail on the unique number.
    const material = await tx.material.upsert({
      where: { erpMaterialNumber: input.erpMaterialNumber },
      create: { erpMaterialNumber: input.erpMaterialNumber, ...fields },
      update: fields,
      select: { id: true },
    });
    return { materialId: material.id, created: !existing };
  });
  return { ...result, replayed };
}

const lotCommandSchema = z.object({ lotId: z.string().uuid(), reason: z.string().trim().min(1).max(500) });
const releaseLotSchema = z.object({ lotId: z.string().uuid() });

/** AVAILABLE → BLOCKED. The reason is kept in the command log (integration.inbound_command). */
export async function blockLot(prisma: PrismaClient, caller: Caller, rawInput: unknown, idempotencyKey: string) {
  const input = parseInput(lotCommandSchema, rawInput, 'input');
  return lotCommand(prisma, caller, 'blockLot', input, idempotencyKey, async (tx) => {
    const lot = await lockLot(tx, input.lotId);
    if (lot.status !== 'AVAILABLE') throw lotState(lot, 'blocked', 'AVAILABLE');
    await tx.materialLot.update({ where: { id: lot.id }, data: { status: 'BLOCKED' } });
  });
}

/** BLOCKED → AVAILABLE, unless quality holds the lot. */
export async function releaseLot(prisma: PrismaClient, caller: Caller, rawInput: unknown, idempotencyKey: string) {
  const input = parseInput(releaseLotSchema, rawInput, 'input');
  return lotCommand(prisma, caller, 'releaseLot', input, idempotencyKey, async (tx) => {
    const lot = await lockLot(tx, input.lotId);
    if (lot.status !== 'BLOCKED') throw lotState(lot, 'released', 'BLOCKED');
    const holds = await tx.$queryRaw<{ id: string }[]>`
      SELECT id FROM quality.quality_hold WHERE material_lot_id = ${lot.id}::uuid AND active LIMIT 1`;
    if (holds.length > 0) {
      throw new PlantgraphError(ErrorCodes.INVALID_STATE, `lot ${lot.lotNumber} is on quality hold; quality must release it first`, {
        details: { lotId: lot.id, qualityHoldId: holds[0]!.id },
      });
    }
    await tx.materialLot.update({ where: { id: lot.id }, data: { status: 'AVAILABLE' } });
  });
}

async function lotCommand(
  prisma: PrismaClient,
  caller: Caller,
  commandName: string,
  input: { lotId: string },
  idempotencyKey: string,
  execute: (tx: Transaction) => Promise<void>,
) {
  const { replayed } = await runIdempotentCommand(prisma, { idempotencyKey, commandName, input, actor: caller.sub }, async (tx) => {
    await execute(tx);
    return { lotId: input.lotId };
  });
  return { lotId: input.lotId, replayed };
}

async function lockLot(tx: Transaction, lotId: string) {
  await tx.$queryRaw`SELECT id FROM inventory.material_lot WHERE id = ${lotId}::uuid FOR UPDATE`;
  const lot = await tx.materialLot.findUnique({ where: { id: lotId }, select: { id: true, lotNumber: true, status: true } });
  if (!lot) throw new NotFoundError('material lot', lotId);
  return lot;
}

function lotState(lot: { id: string; lotNumber: string; status: string }, verb: string, required: string): PlantgraphError {
  return new PlantgraphError(ErrorCodes.INVALID_STATE, `lot ${lot.lotNumber} is ${lot.status}; only a ${required} lot can be ${verb}`, {
    details: { lotId: lot.id, status: lot.status },
  });
}
