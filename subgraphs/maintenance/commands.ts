// Maintenance commands. requestSpareParts attaches the spare parts a maintenance request needs (the
// store reserves and issues them; their status moves on from REQUESTED there). Runs once per
// idempotency key (core/idempotency.ts); a request that is already DONE or CANCELLED takes no
// more parts (INVALID_STATE), and a material that does not exist is NOT_FOUND.
import { z } from 'zod';
import type { PrismaClient } from '../../core/db.ts';
import { ErrorCodes, NotFoundError, PlantgraphError } from '../../core/errors.ts';
import { runIdempotentCommand, type Transaction } from '../../core/idempotency.ts';
import type { Caller } from '../../core/internal-auth.ts';
import { parseInput } from '../../core/graphql/input.ts';

export const requestSparePartsInputSchema = z.object({
  maintenanceRequestId: z.string().uuid(),
  parts: z
    .array(
      z.object({
        materialId: z.string().uuid(),
        quantity: z.number().finite().positive(),
        /** @default the material's base unit */
        unit: z.string().trim().min(1).max(16).nullish(),
      }),
    )
    .min(1)
    .max(50),
});

/** Request statuses that take no more parts. */
const CLOSED_STATUSES = new Set(['DONE', 'CANCELLED']);

export async function requestSpareParts(prisma: PrismaClient, caller: Caller, rawInput: unknown, idempotencyKey: string) {
  const input = parseInput(requestSparePartsInputSchema, rawInput, 'input');
  const { result, replayed } = await runIdempotentCommand<typeof input, { maintenanceRequestId: string; sparePartRequestIds: string[] }>(
    prisma,
    { idempotencyKey, commandName: 'requestSpareParts', input, actor: caller.sub },
    (tx) => attach(tx, input),
  );
  return { ...result, replayed };
}

async function attach(tx: Transaction, input: z.output<typeof requestSparePartsInputSchema>) {
  await tx.$queryRaw`SELECT id FROM maintenance.maintenance_request WHERE id = ${input.maintenanceRequestId}::uuid FOR UPDATE`;
  const request = await tx.maintenanceRequest.findUnique({ where: { id: input.maintenanceRequestId } });
  if (!request) throw new NotFoundError('maintenance request', input.maintenanceRequestId);
  if (CLOSED_STATUSES.has(request.status)) {
    throw new PlantgraphError(ErrorCodes.INVALID_STATE, `maintenance request ${request.id} is ${request.status} and takes no more spare parts`, { details: { status: request.status } });
  }
  // the material master belongs to inventory; read only to check the ids and take the base unit
  const materialIds = [...new Set(input.parts.map((part) => part.materialId))];
  const materials = await tx.$queryRaw<{ id: string; base_unit: string }[]>`
    SELECT id::text, base_unit FROM inventory.material WHERE id = ANY(${materialIds}::uuid[])`;
  const unitOf = new Map(materials.map((material) => [material.id, material.base_unit]));
  const missing = materialIds.find((id) => !unitOf.has(id));
  if (missing) throw new NotFoundError('material', missing);
  const created = await tx.sparePartRequest.createManyAndReturn({
    data: input.parts.map((part) => ({ requestId: request.id, materialId: part.materialId, quantity: part.quantity, unit: part.unit ?? unitOf.get(part.materialId)! })),
    select: { id: true },
  });
  return { maintenanceRequestId: request.id, sparePartRequestIds: created.map((row) => row.id) };
}
