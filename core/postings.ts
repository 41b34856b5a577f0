// The canonical payload of each ERP posting kind (integration.erp_posting.payload): what the plant
// says happened, in the hub's own words and ids. Adapters map it to their ERP's shape (sim/ has a
// SAP-like reference). One zod schema per kind; writers validate with `postingPayload(kind, …)`.
import { z } from 'zod';
import { ValidationError } from './errors.ts';

export const erpPostingKinds = [
  'PRODUCTION_CONFIRMATION',
  'OPERATION_STATUS',
  'GOODS_ISSUE',
  'GOODS_RECEIPT',
  'TRANSFER',
  'SCRAP',
  'MAINTENANCE_NOTIFICATION',
  'INSPECTION_RESULT',
  'SHIPMENT_READINESS',
] as const;
export type ErpPostingKind = (typeof erpPostingKinds)[number];

const id = z.string().uuid();
const timestamp = z.string().datetime({ offset: true });
const quantity = z.number().finite().nonnegative();

/** Who the posting is about on the order side; ERP numbers travel with the hub's ids. */
const orderReference = {
  orderId: id,
  erpOrderNumber: z.string().min(1),
};
const operationReference = {
  operationId: id,
  /** Routing step (10, 20, …) as in the ERP. */
  operationSequence: z.number().int().nonnegative(),
  erpWorkCenter: z.string().nullable(),
};
const materialLine = {
  materialId: id,
  materialNumber: z.string().min(1),
  quantity,
  unit: z.string().min(1),
  lotId: id.nullable(),
  lotNumber: z.string().nullable(),
  /** inventory.location code, i.e. the storage location. */
  locationCode: z.string().nullable(),
};

export const postingPayloadSchemas = {
  PRODUCTION_CONFIRMATION: z.object({
    ...orderReference,
    ...operationReference,
    windowStart: timestamp,
    windowEnd: timestamp,
    yieldQuantity: quantity,
    scrapQuantity: quantity,
    reworkQuantity: quantity,
    unit: z.string().min(1),
    setupSeconds: z.number().int().nonnegative(),
    runSeconds: z.number().int().nonnegative(),
    downSeconds: z.number().int().nonnegative(),
    /** True on the confirmation that completes the operation. */
    final: z.boolean(),
    /** The aggregation rule that produced it, for the audit trail. */
    rule: z.string().min(1),
  }),
  OPERATION_STATUS: z.object({
    ...orderReference,
    operationId: id.nullable(),
    operationSequence: z.number().int().nonnegative().nullable(),
    /** STARTED, STOPPED, COMPLETED for an operation; ORDER_COMPLETED for the order. */
    status: z.enum(['STARTED', 'STOPPED', 'COMPLETED', 'ORDER_COMPLETED']),
    at: timestamp,
  }),
  GOODS_ISSUE: z.object({ ...orderReference, ...materialLine, movementType: z.literal('261'), postedFor: z.string().min(1) }),
  GOODS_RECEIPT: z.object({
    ...orderReference,
    ...materialLine,
    movementType: z.literal('101'),
    palletId: id.nullable(),
    /**
     * The stock the goods are received into; absent means UNRESTRICTED (unrestricted-use stock).
     * BLOCKED: a pallet whose inspection lot was rejected — received so the ERP can scrap or rework
     * it, never available or put away.
     */
    stockType: z.enum(['UNRESTRICTED', 'BLOCKED']).optional(),
  }),
  TRANSFER: z.object({ ...materialLine, movementType: z.literal('311'), fromLocationCode: z.string().min(1), toLocationCode: z.string().min(1) }),
  SCRAP: z.object({ ...materialLine, orderId: id.nullable(), erpOrderNumber: z.string().nullable(), movementType: z.literal('551'), reason: z.string().min(1) }),
  MAINTENANCE_NOTIFICATION: z.object({
    maintenanceRequestId: id,
    assetId: id,
    assetCode: z.string().min(1),
    erpWorkCenter: z.string().nullable(),
    priority: z.enum(['LOW', 'MEDIUM', 'HIGH', 'EMERGENCY']),
    reason: z.string().min(1),
    alarmCode: z.string().nullable(),
    downtimeStartAt: timestamp.nullable(),
    downtimeEndAt: timestamp.nullable(),
  }),
  INSPECTION_RESULT: z.object({
    inspectionLotId: id,
    orderId: id.nullable(),
    erpOrderNumber: z.string().nullable(),
    lotId: id.nullable(),
    decision: z.enum(['ACCEPTED', 'REJECTED']),
    results: z.array(z.object({ characteristicCode: z.string().min(1), value: z.number().nullable(), conforming: z.boolean() })),
  }),
  SHIPMENT_READINESS: z.object({
    ...orderReference,
    customerId: id,
    quantity,
    unit: z.string().min(1),
    palletIds: z.array(id),
    readyAt: timestamp,
  }),
} as const satisfies Record<ErpPostingKind, z.ZodType>;

export type PostingPayload<K extends ErpPostingKind> = z.output<(typeof postingPayloadSchemas)[K]>;

/** Validate a payload for its kind; throws ValidationError naming every bad field. */
export function postingPayload<K extends ErpPostingKind>(kind: K, payload: unknown): PostingPayload<K> {
  const parsed = postingPayloadSchemas[kind].safeParse(payload);
  if (!parsed.success) {
    throw new ValidationError(`invalid ${kind} payload: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ')}`);
  }
  return parsed.data as PostingPayload<K>;
}
