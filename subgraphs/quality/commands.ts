// Quality commands. decideInspectionLot runs once per idempotency key (core/idempotency.ts): the
// lot is DECIDED, its holds are released, and in the same transaction the ERP gets an
// INSPECTION_RESULT posting (and, on REJECTED, a nonconformance with disposition SCRAP and a SCRAP
// posting for the affected quantity) and the bus an InspectionLotDecided event through the outbox.
// The order's completion, which waited for the decision, is done by the next confirmation job run
// (ingest/reactions/confirmation-windows.ts), not here: the quality subgraph does not write orders.
import { z } from 'zod';
import type { PrismaClient } from '../../core/db.ts';
import { ErrorCodes, NotFoundError, PlantgraphError } from '../../core/errors.ts';
import { createEvent } from '../../core/events.ts';
import { runIdempotentCommand, type Transaction } from '../../core/idempotency.ts';
import type { Caller } from '../../core/internal-auth.ts';
import { parseInput } from '../../core/graphql/input.ts';
import { outboxInsert } from '../../core/outbox.ts';
import { postingPayload } from '../../core/postings.ts';

export const decideInspectionLotInputSchema = z.object({
  id: z.string().uuid(),
  decision: z.enum(['ACCEPTED', 'REJECTED']),
  /** REJECTED only: the quantity to scrap; default the material lot's quantity, else the order's. */
  scrapQuantity: z.number().finite().positive().nullish(),
  /** Why; goes into the nonconformance and the SCRAP posting's reason. */
  note: z.string().trim().min(1).max(500).nullish(),
});

export interface DecisionResult {
  inspectionLotId: string;
  nonconformanceId: string | null;
  [key: string]: string | null;
}

interface PostingReferences {
  erp_order_number: string | null;
  order_quantity: string | null;
  order_unit: string | null;
  material_id: string | null;
  material_number: string | null;
  lot_number: string | null;
  lot_quantity: string | null;
  lot_unit: string | null;
  location_code: string | null;
}

export async function decideInspectionLot(prisma: PrismaClient, caller: Caller, rawInput: unknown, idempotencyKey: string) {
  const input = parseInput(decideInspectionLotInputSchema, rawInput, 'input');
  if (input.decision === 'ACCEPTED' && input.scrapQuantity) {
    throw new PlantgraphError(ErrorCodes.VALIDATION_FAILED, 'scrapQuantity is only for a REJECTED decision', { details: { argument: 'scrapQuantity' } });
  }
  const { result, replayed } = await runIdempotentCommand<typeof input, DecisionResult>(
    prisma,
    { idempotencyKey, commandName: 'decideInspectionLot', input, actor: caller.sub },
    (tx) => decide(tx, caller, input),
  );
  return { ...result, replayed };
}

async function decide(tx: Transaction, caller: Caller, input: z.output<typeof decideInspectionLotInputSchema>): Promise<DecisionResult> {
  await tx.$queryRaw`SELECT id FROM quality.inspection_lot WHERE id = ${input.id}::uuid FOR UPDATE`;
  const lot = await tx.inspectionLot.findUnique({ where: { id: input.id }, include: { results: { include: { characteristic: true }, orderBy: [{ measuredAt: 'asc' }, { id: 'asc' }] } } });
  if (!lot) throw new NotFoundError('inspection lot', input.id);
  if (lot.status === 'DECIDED') {
    throw new PlantgraphError(ErrorCodes.INVALID_STATE, `inspection lot ${lot.id} is already decided (${lot.decision})`, { details: { inspectionLotId: lot.id, decision: lot.decision } });
  }
  const decidedAt = new Date();
  await tx.inspectionLot.update({ where: { id: lot.id }, data: { status: 'DECIDED', decision: input.decision, decidedAt, decidedBy: caller.sub } });
  const holds = await tx.qualityHold.findMany({ where: { inspectionLotId: lot.id, active: true }, select: { id: true } });
  await tx.qualityHold.updateMany({ where: { id: { in: holds.map((hold) => hold.id) } }, data: { active: false, releasedAt: decidedAt, releasedBy: caller.sub } });

  const references = await postingReferences(tx, lot.orderId, lot.materialLotId, lot.materialId);
  const sourceEventIds = [...lot.sourceEventIds, ...lot.results.flatMap((result) => (result.sourceEventId ? [result.sourceEventId] : []))].slice(0, 500);
  const inspectionResult = postingPayload('INSPECTION_RESULT', {
    inspectionLotId: lot.id,
    orderId: lot.orderId,
    erpOrderNumber: references?.erp_order_number ?? null,
    lotId: lot.materialLotId,
    decision: input.decision,
    results: lot.results.map((result) => ({ characteristicCode: result.characteristic.code, value: result.value, conforming: result.withinLimits })),
  });
  await insertPosting(tx, 'INSPECTION_RESULT', inspectionResult, `inspection-result:${lot.id}`, lot, sourceEventIds);

  let nonconformanceId: string | null = null;
  if (input.decision === 'REJECTED') {
    const measured = lot.results.filter((result) => !result.withinLimits).map((result) => `${result.characteristic.code} ${result.value}`);
    const description = [input.note, measured.length ? `out of spec: ${measured.slice(0, 10).join(', ')}` : null].filter(Boolean).join('; ') || `inspection lot ${lot.id} rejected`;
    const nonconformance = await tx.nonconformance.create({ data: { inspectionLotId: lot.id, description, disposition: 'SCRAP', status: 'OPEN' } });
    nonconformanceId = nonconformance.id;
    const quantity = input.scrapQuantity ?? Number(references?.lot_quantity ?? references?.order_quantity ?? 0);
    const unit = references?.lot_unit ?? references?.order_unit;
    const materialId = references?.material_id ?? lot.materialId;
    if (quantity > 0 && unit && materialId && references?.material_number) {
      const scrap = postingPayload('SCRAP', {
        materialId,
        materialNumber: references.material_number,
        quantity,
        unit,
        lotId: lot.materialLotId,
        lotNumber: references.lot_number,
        locationCode: references.location_code,
        orderId: lot.orderId,
        erpOrderNumber: references.erp_order_number,
        movementType: '551',
        reason: `inspection lot rejected: ${description}`.slice(0, 500),
      });
      await insertPosting(tx, 'SCRAP', scrap, `scrap:inspection-lot:${lot.id}`, lot, sourceEventIds);
    }
  }

  const event = createEvent({
    type: 'InspectionLotDecided',
    source: 'subgraph/quality',
    subject: `inspection-lot/${lot.id}`,
    occurredAt: decidedAt,
    data: {
      inspectionLotId: lot.id,
      orderId: lot.orderId,
      materialLotId: lot.materialLotId,
      decision: input.decision,
      nonconformanceId,
      releasedHoldIds: holds.map((hold) => hold.id),
      decidedAt: decidedAt.toISOString(),
    },
  });
  const { text, values } = outboxInsert([event]);
  await tx.$executeRawUnsafe(text, ...values);
  return { inspectionLotId: lot.id, nonconformanceId };
}

/**
 * The ERP numbers a posting carries (order number, material number, lot number, storage location).
 * They live in the orders and inventory schemas: the one read across domains in this subgraph,
 * because an ERP posting is written in the same transaction as the decision it reports.
 */
async function postingReferences(tx: Transaction, orderId: string | null, materialLotId: string | null, materialId: string | null): Promise<PostingReferences | null> {
  const rows = await tx.$queryRaw<PostingReferences[]>`
    SELECT o.erp_order_number, o.quantity::text AS order_quantity, o.unit AS order_unit,
           m.id AS material_id, m.erp_material_number AS material_number,
           l.lot_number, l.quantity::text AS lot_quantity, l.unit AS lot_unit, loc.code AS location_code
      FROM (SELECT 1) AS one
      LEFT JOIN orders.production_order o ON o.id = ${orderId}::uuid
      LEFT JOIN inventory.material_lot l ON l.id = ${materialLotId}::uuid
      LEFT JOIN inventory.location loc ON loc.id = l.location_id
      LEFT JOIN inventory.material m ON m.id = coalesce(l.material_id, ${materialId}::uuid, o.material_id)`;
  return rows[0] ?? null;
}

async function insertPosting(
  tx: Transaction,
  kind: 'INSPECTION_RESULT' | 'SCRAP',
  payload: unknown,
  key: string,
  lot: { id: string; orderId: string | null; materialLotId: string | null },
  sourceEventIds: string[],
): Promise<void> {
  await tx.$executeRaw`
    INSERT INTO integration.erp_posting (kind, payload, idempotency_key, order_id, lot_id, inspection_lot_id, source_event_ids)
    VALUES (${kind}::integration.erp_posting_kind, ${JSON.stringify(payload)}::jsonb, ${key}, ${lot.orderId}::uuid, ${lot.materialLotId}::uuid, ${lot.id}::uuid, ${sourceEventIds}::text[])
    ON CONFLICT (idempotency_key) DO NOTHING`;
}
