// Backflush: a production confirmation consumes the components of the order's bill of materials.
// Called by the confirmation job (confirmation-windows.ts) in the transaction that writes the
// confirmation, and only when that confirmation was new, so a recomputed window (a second process, a
// replayed stream) issues nothing twice. Rules, kept simple on purpose:
// - components are consumed by the order's first operation (lowest sequence) — SAP's default when
//   the routing assigns no components — so a three-step routing does not consume three times;
// - quantity = confirmed yield × bom_item.quantity_per_unit, rounded to 3 decimals. Scrap is not
//   backflushed: bom_item has no "consume for scrap" flag (add one and multiply by yield + scrap);
// - the BOM is the order material's active bill of materials with the lowest alternative;
// - the lot consumed is the component's oldest AVAILABLE lot at the order's site, line-side
//   locations of the order's line first; none found → the posting names no lot (the ERP picks one).
//   The lot's quantity goes down (not below 0) and it becomes CONSUMED at 0.
// Per BOM position: one inventory.material_movement (CONSUME) and one GOODS_ISSUE posting (261),
// both keyed `goods-issue:<confirmation key>:<position>`.
import type { Queryable } from '../../core/db.ts';
import { postingPayload } from '../../core/postings.ts';

export const BACKFLUSH_RULE = 'backflush-first-operation-yield';

export interface BackflushInput {
  confirmationKey: string;
  orderId: string;
  erpOrderNumber: string;
  operationId: string;
  operationSequence: number;
  yieldQuantity: number;
  /** When the consumption is booked: the window end. */
  at: Date;
  sourceEventIds: string[];
}

interface ComponentRow {
  position: number;
  component_material_id: string;
  material_number: string;
  quantity_per_unit: string;
  unit: string;
  lot_id: string | null;
  lot_number: string | null;
  location_id: string | null;
  location_code: string | null;
}

/** Writes the goods issues of one new confirmation; resolves with the number of components issued. */
export async function backflush(db: Queryable, input: BackflushInput): Promise<number> {
  if (input.yieldQuantity <= 0) return 0;
  const { rows: first } = await db.query<{ sequence: number }>(`SELECT min(sequence) AS sequence FROM orders.operation WHERE order_id = $1`, [input.orderId]);
  if (first[0]?.sequence !== input.operationSequence) return 0;
  const { rows: components } = await db.query<ComponentRow>(
    `WITH o AS (SELECT material_id, site_id, line_id FROM orders.production_order WHERE id = $1),
          bom AS (SELECT b.id FROM inventory.bill_of_materials b, o WHERE b.material_id = o.material_id AND b.active ORDER BY b.alternative LIMIT 1)
     SELECT i.position, i.component_material_id, m.erp_material_number AS material_number, i.quantity_per_unit::text, i.unit,
            lot.id AS lot_id, lot.lot_number, lot.location_id, lot.location_code
       FROM bom JOIN inventory.bom_item i ON i.bom_id = bom.id JOIN inventory.material m ON m.id = i.component_material_id
       CROSS JOIN o
       LEFT JOIN LATERAL (
         SELECT l.id, l.lot_number, l.location_id, loc.code AS location_code
           FROM inventory.material_lot l JOIN inventory.location loc ON loc.id = l.location_id
          WHERE l.material_id = i.component_material_id AND l.status = 'AVAILABLE' AND loc.site_id = o.site_id
          ORDER BY (loc.line_id IS NOT DISTINCT FROM o.line_id) DESC, l.created_at, l.lot_number
          LIMIT 1) lot ON true
      ORDER BY i.position`,
    [input.orderId],
  );
  let issued = 0;
  for (const component of components) {
    const quantity = Math.round(input.yieldQuantity * Number(component.quantity_per_unit) * 1_000) / 1_000;
    if (quantity <= 0) continue;
    const key = `goods-issue:${input.confirmationKey}:${component.position}`;
    const moved = await db.query(
      `INSERT INTO inventory.material_movement (kind, material_id, lot_id, quantity, unit, from_location_id, order_id, operation_id, occurred_at, idempotency_key, source_event_ids)
       VALUES ('CONSUME', $1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (idempotency_key) DO NOTHING RETURNING id`,
      [component.component_material_id, component.lot_id, quantity, component.unit, component.location_id, input.orderId, input.operationId, input.at, key, input.sourceEventIds],
    );
    if (moved.rows.length === 0) continue; // issued before
    if (component.lot_id) {
      await db.query(
        `UPDATE inventory.material_lot
            SET quantity = greatest(quantity - $2, 0), status = CASE WHEN quantity - $2 <= 0 THEN 'CONSUMED'::inventory.material_lot_status ELSE status END, updated_at = now()
          WHERE id = $1`,
        [component.lot_id, quantity],
      );
    }
    const payload = postingPayload('GOODS_ISSUE', {
      orderId: input.orderId,
      erpOrderNumber: input.erpOrderNumber,
      materialId: component.component_material_id,
      materialNumber: component.material_number,
      quantity,
      unit: component.unit,
      lotId: component.lot_id,
      lotNumber: component.lot_number,
      locationCode: component.location_code,
      movementType: '261',
      postedFor: input.confirmationKey,
    });
    await db.query(
      `INSERT INTO integration.erp_posting (kind, payload, idempotency_key, order_id, operation_id, lot_id, source_event_ids)
       VALUES ('GOODS_ISSUE', $1, $2, $3, $4, $5, $6) ON CONFLICT (idempotency_key) DO NOTHING`,
      [JSON.stringify(payload), key, input.orderId, input.operationId, component.lot_id, input.sourceEventIds],
    );
    issued += 1;
  }
  return issued;
}
