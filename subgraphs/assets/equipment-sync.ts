// upsertEquipment: master data sync from the ERP, which names equipment by codes (plant, line,
// work cell), not by the hub's ids. Creates the line or work cell when new, else brings it to the
// given state. Runs once per idempotency key (core/idempotency.ts).
import { z } from 'zod';
import type { PrismaClient } from '../../core/db.ts';
import { ValidationError } from '../../core/errors.ts';
import { runIdempotentCommand, type Transaction } from '../../core/idempotency.ts';
import type { Caller } from '../../core/internal-auth.ts';
import { parseInput } from '../../core/graphql/input.ts';

// Codes become parts of telemetry subjects (telemetry.<site>.<line>.<asset>), as in service.ts.
const code = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/, 'must be 1–32 letters, digits, _ or -, starting with a letter or digit');

export const upsertEquipmentSchema = z
  .object({
    /** The site's code or its ERP plant code. */
    siteCode: z.string().trim().min(1).max(40),
    /** Needed when the line is new; a line's area is not changed by a sync. */
    areaCode: code.nullish(),
    lineCode: code,
    workCellCode: code.nullish(),
    parentWorkCellCode: code.nullish(),
    name: z.string().trim().min(1).max(200),
    equipmentClass: z.string().trim().min(1).max(40).nullish(),
    erpWorkCenter: z.string().trim().min(1).max(40).nullish(),
    idealCycleSeconds: z.number().positive().max(86_400).nullish(),
  })
  .refine((input) => input.workCellCode || (!input.parentWorkCellCode && !input.equipmentClass), {
    message: 'parentWorkCellCode and equipmentClass belong to work cells (give workCellCode)',
    path: ['workCellCode'],
  });

export interface EquipmentSyncResult {
  lineId: string;
  workCellId: string | null;
  created: boolean;
  replayed: boolean;
}

export async function upsertEquipment(prisma: PrismaClient, caller: Caller, rawInput: unknown, idempotencyKey: string): Promise<EquipmentSyncResult> {
  const input = parseInput(upsertEquipmentSchema, rawInput, 'input');
  const { result, replayed } = await runIdempotentCommand(prisma, { idempotencyKey, commandName: 'upsertEquipment', input, actor: caller.sub }, async (tx) => {
    const siteId = await findSite(tx, caller, input.siteCode);
    // Lock the line's natural key so two syncs under different keys do not both create it.
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`equipment:${siteId}:${input.lineCode}`}, 0))`;
    const line = await tx.line.findUnique({ where: { siteId_code: { siteId, code: input.lineCode } }, select: { id: true } });
    if (!input.workCellCode) {
      const fields = { name: input.name, erpWorkCenter: input.erpWorkCenter ?? null, idealCycleSeconds: input.idealCycleSeconds ?? null };
      if (line) {
        await tx.line.update({ where: { id: line.id }, data: fields });
        return { lineId: line.id, workCellId: null, created: false };
      }
      if (!input.areaCode) throw invalid('input.areaCode', `line ${input.lineCode} is new: give the area it belongs to`);
      const area = await tx.area.findFirst({ where: { siteId, code: input.areaCode }, select: { id: true } });
      if (!area) throw invalid('input.areaCode', `area ${input.areaCode} does not exist in site ${input.siteCode}`);
      const created = await tx.line.create({ data: { siteId, areaId: area.id, code: input.lineCode, ...fields }, select: { id: true } });
      return { lineId: created.id, workCellId: null, created: true };
    }
    if (!line) throw invalid('input.lineCode', `line ${input.lineCode} does not exist in site ${input.siteCode}; sync the line first`);
    let parentId: string | null = null;
    if (input.parentWorkCellCode) {
      const parent = await tx.workCell.findUnique({ where: { lineId_code: { lineId: line.id, code: input.parentWorkCellCode } }, select: { id: true } });
      if (!parent) throw invalid('input.parentWorkCellCode', `work cell ${input.parentWorkCellCode} does not exist on line ${input.lineCode}`);
      if (input.parentWorkCellCode === input.workCellCode) throw invalid('input.parentWorkCellCode', 'a work cell cannot be its own parent');
      parentId = parent.id;
    }
    const fields = {
      name: input.name,
      parentId,
      equipmentClass: input.equipmentClass ?? null,
      erpWorkCenter: input.erpWorkCenter ?? null,
      idealCycleSeconds: input.idealCycleSeconds ?? null,
    };
    const cell = await tx.workCell.findUnique({ where: { lineId_code: { lineId: line.id, code: input.workCellCode } }, select: { id: true } });
    if (cell) {
      await tx.workCell.update({ where: { id: cell.id }, data: fields });
      return { lineId: line.id, workCellId: cell.id, created: false };
    }
    const created = await tx.workCell.create({ data: { lineId: line.id, code: input.workCellCode, ...fields }, select: { id: true } });
    return { lineId: line.id, workCellId: created.id, created: true };
  });
  return { ...result, replayed };
}

async function findSite(tx: Transaction, caller: Caller, siteCode: string): Promise<string> {
  const sites = await tx.site.findMany({
    where: { AND: [{ OR: [{ code: siteCode }, { erpPlantCode: siteCode }] }, caller.siteIds ? { id: { in: caller.siteIds } } : {}] },
    select: { id: true },
    take: 2,
  });
  if (sites.length === 0) throw invalid('input.siteCode', `site ${siteCode} does not exist`);
  if (sites.length > 1) throw invalid('input.siteCode', `site code ${siteCode} names more than one site`);
  return sites[0]!.id;
}

function invalid(field: string, message: string): ValidationError {
  return new ValidationError(`${field}: ${message}`, { details: { fields: [{ field, message }] } });
}
