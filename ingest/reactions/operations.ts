// Which order operation a work cell is working on. The plant does not tell the ERP "I started
// operation 10" by hand: when a work cell starts RUNNING and none of its operations is in progress,
// the next one starts — the first operation on that work cell of a RELEASED or IN_PROGRESS order,
// by order priority, due date and operation sequence. Starting writes the operation's actual start,
// moves a RELEASED order to IN_PROGRESS (OrderStatusChanged) and posts OPERATION_STATUS STARTED.
// Runs inside the ingest transaction, after the line-state processor whose events it reads.
import { createEvent, type EventEnvelope } from '../../core/events.ts';
import { postingPayload } from '../../core/postings.ts';
import type { Queryable } from '../../core/db.ts';
import { deterministicId } from '../deterministic-id.ts';
import type { ReadingProcessor } from '../pipeline.ts';


export const OPERATION_EVENT_SOURCE = 'ingest/operation-tracker';

interface NextOperation {
  operation_id: string;
  sequence: number;
  order_id: string;
  erp_order_number: string;
  order_status: 'RELEASED' | 'IN_PROGRESS';
  customer_id: string | null;
  line_id: string;
}

export function createOperationTracker(): ReadingProcessor {
  return {
    name: 'operation-tracker',
    async process(_readings, { client, raised }) {
      const db = client as Queryable;
      const events: EventEnvelope[] = [];
      for (const event of raised) {
        if (event.type !== 'LineStateChanged') continue;
        const change = (event as EventEnvelope<'LineStateChanged'>).data;
        if (change.state !== 'RUNNING' || change.assetId === change.lineId) continue; // operations run on work cells
        const running = await db.query<{ id: string }>(`SELECT id FROM orders.operation WHERE work_cell_id = $1 AND status = 'IN_PROGRESS' LIMIT 1`, [change.assetId]);
        if (running.rows.length > 0) continue;
        const { rows } = await db.query<NextOperation>(
          `SELECT op.id AS operation_id, op.sequence, o.id AS order_id, o.erp_order_number, o.status::text AS order_status, o.customer_id, o.line_id
             FROM orders.operation op JOIN orders.production_order o ON o.id = op.order_id
            WHERE op.work_cell_id = $1 AND op.status IN ('CREATED', 'RELEASED') AND o.status IN ('RELEASED', 'IN_PROGRESS')
            ORDER BY o.priority, o.due_at NULLS LAST, o.erp_order_number, op.sequence
            LIMIT 1 FOR UPDATE OF op, o`,
          [change.assetId],
        );
        const next = rows[0];
        if (!next) continue;
        const at = new Date(change.since);
        await db.query(`UPDATE orders.operation SET status = 'IN_PROGRESS', actual_start_at = $2, updated_at = now() WHERE id = $1`, [next.operation_id, at]);
        await postStatus(db, next, 'STARTED', at, [event.id]);
        if (next.order_status === 'RELEASED') {
          await db.query(`UPDATE orders.production_order SET status = 'IN_PROGRESS', started_at = $2, updated_at = now() WHERE id = $1`, [next.order_id, at]);
          events.push(
            createEvent({
              id: deterministicId(`OrderStatusChanged:${next.order_id}:IN_PROGRESS`),
              type: 'OrderStatusChanged',
              source: OPERATION_EVENT_SOURCE,
              subject: `order/${next.order_id}`,
              occurredAt: at,
              data: { orderId: next.order_id, customerId: next.customer_id, lineId: next.line_id, status: 'IN_PROGRESS', previousStatus: 'RELEASED', changedAt: change.since },
            }),
          );
        }
      }
      return events;
    },
  };
}

/** An OPERATION_STATUS posting, keyed by operation (or order) and status, so it is posted once. */
export async function postStatus(
  db: Queryable,
  target: { order_id: string; erp_order_number: string; operation_id: string | null; sequence: number | null },
  status: 'STARTED' | 'STOPPED' | 'COMPLETED' | 'ORDER_COMPLETED',
  at: Date,
  sourceEventIds: string[],
): Promise<void> {
  const payload = postingPayload('OPERATION_STATUS', {
    orderId: target.order_id,
    erpOrderNumber: target.erp_order_number,
    operationId: target.operation_id,
    operationSequence: target.sequence,
    status,
    at: at.toISOString(),
  });
  await db.query(
    `INSERT INTO integration.erp_posting (kind, payload, idempotency_key, order_id, operation_id, source_event_ids)
     VALUES ('OPERATION_STATUS', $1, $2, $3, $4, $5) ON CONFLICT (idempotency_key) DO NOTHING`,
    [JSON.stringify(payload), `operation-status:${target.operation_id ?? target.order_id}:${status}`, target.order_id, target.operation_id, sourceEventIds],
  );
}
