// Production confirmations: what each operation in progress made per time window (windows aligned
// to multiples of CONFIRMATION_WINDOW_SECONDS), posted once a window is closed (plus a grace for
// late readings): yield, scrap and rework from the work cell's cumulative counters, setup, run and
// down seconds from its state intervals. One orders.confirmation row and one
// PRODUCTION_CONFIRMATION posting per (operation, window), keyed by both, so recomputing a window
// (a second process, a replayed stream) posts nothing twice. Empty windows are not posted. The
// confirmation that reaches the planned quantity is `final`: the operation completes, and with its
// last operation the order (OPERATION_STATUS postings, OrderStatusChanged) — unless the order has an
// undecided inspection lot or an active quality hold (reactions/quality.ts): then the final
// confirmation is posted but the completion waits, and the first run of this job after the decision
// completes the operation (and the order) at the decision time.
// Audit trail: a confirmation's source_event_ids are the LineStateChanged events of the state
// intervals its seconds come from; its counter readings are named by integration.erp_posting_window
// (work cell, counter tags, [from, window end)) rather than id by id.
import type pg from 'pg';
import { withTransaction, type Queryable } from '../../core/db.ts';
import { createEvent } from '../../core/events.ts';
import type { Logger } from '../../core/log.ts';
import { startPeriodicJob } from '../../core/periodic.ts';
import { writeOutboxEvents } from '../../core/outbox.ts';
import { postingPayload } from '../../core/postings.ts';
import { deterministicId } from '../deterministic-id.ts';
import { backflush } from './backflush.ts';
import { postStatus } from './operations.ts';
import { completePallets, releaseWaitingReceipts } from './pallets.ts';
import { isOrderHeld } from './quality.ts';

export const CONFIRMATION_GRACE_SECONDS = 10; // late readings of a window still count
const CONFIRMATION_JOB_INTERVAL_MS = 5_000;
const MAX_WINDOWS_PER_RUN = 100; // per operation; a long backlog is worked off over several runs
export const CONFIRMATION_RULE = 'counter-deltas-per-window';

export interface ConfirmationWindowsOptions {
  pool: pg.Pool;
  log: Logger;
  windowSeconds: number;
  graceSeconds?: number;
  intervalMs?: number;
}

export interface ConfirmationWindows {
  /** Confirm every closed window as of `now`; resolves with the confirmations written. */
  closeWindows(now?: Date): Promise<number>;
  stop(): Promise<void>;
}

interface OperationRow {
  id: string;
  sequence: number;
  order_id: string;
  erp_order_number: string;
  customer_id: string | null;
  line_id: string;
  work_cell_id: string;
  erp_work_center: string | null;
  planned_quantity: string;
  unit: string;
  actual_start_at: Date;
  confirmed_until: Date | null;
  confirmed_yield: string;
  /** window end of the operation's final confirmation, once there is one */
  final_window_end: Date | null;
}

interface WindowFigures {
  good: number;
  scrap: number;
  rework: number;
  setup: number;
  run: number;
  down: number;
  /** The counter tags read: with the asset and [from, to) they name the readings the window aggregated. */
  counterTags: string[];
  /** LineStateChanged events of the state intervals that overlap the window (setup, run and down seconds). */
  stateEventIds: string[];
}


/** Counter deltas (reset-safe) and state seconds of a work cell in [from, to). */
export async function windowFigures(db: Queryable, workCellId: string, from: Date, to: Date): Promise<WindowFigures> {
  const [counts, states, stateEvents, tags] = await Promise.all([
    db.query<{ kind: string; made: number }>(
      `WITH counter AS (
         SELECT name, kind::text FROM assets.tag WHERE asset_id = $1 AND kind IN ('COUNTER_GOOD', 'COUNTER_SCRAP', 'COUNTER_REWORK')),
       series AS (
         SELECT c.name, c.kind, x.time, x.value, x.reading_id FROM counter c
          CROSS JOIN LATERAL (
            (SELECT time, value, reading_id FROM telemetry.reading r WHERE r.asset_id = $1 AND r.tag = c.name AND r.time < $2 ORDER BY time DESC LIMIT 1)
            UNION ALL
            (SELECT time, value, reading_id FROM telemetry.reading r WHERE r.asset_id = $1 AND r.tag = c.name AND r.time >= $2 AND r.time < $3)) AS x),
       steps AS (SELECT kind, time, value, reading_id, lag(value) OVER (PARTITION BY name ORDER BY time) AS previous FROM series)
       SELECT kind, coalesce(sum(CASE WHEN value >= previous THEN value - previous ELSE value END), 0)::float8 AS made
         FROM steps WHERE previous IS NOT NULL AND time >= $2 GROUP BY kind`,
      [workCellId, from, to],
    ),
    db.query<{ state: string; seconds: number }>(
      `SELECT state::text, sum(extract(epoch FROM least(coalesce(ended_at, $3), $3) - greatest(started_at, $2)))::float8 AS seconds
         FROM assets.equipment_state WHERE asset_id = $1 AND started_at < $3 AND (ended_at IS NULL OR ended_at > $2) GROUP BY state`,
      [workCellId, from, to],
    ),
    db.query<{ event_id: string }>(
      `SELECT event_id FROM assets.equipment_state s CROSS JOIN LATERAL unnest(s.source_event_ids) WITH ORDINALITY AS e(event_id, n)
        WHERE s.asset_id = $1 AND s.started_at < $3 AND (s.ended_at IS NULL OR s.ended_at > $2) ORDER BY s.started_at, e.n LIMIT 500`,
      [workCellId, from, to],
    ),
    db.query<{ name: string }>(`SELECT name FROM assets.tag WHERE asset_id = $1 AND kind IN ('COUNTER_GOOD', 'COUNTER_SCRAP', 'COUNTER_REWORK') ORDER BY name`, [workCellId]),
  ]);
  const made = (kind: string) => counts.rows.find((row) => row.kind === kind)?.made ?? 0;
  const seconds = (state: string) => Math.round(states.rows.find((row) => row.state === state)?.seconds ?? 0);
  return {
    good: made('COUNTER_GOOD'),
    scrap: made('COUNTER_SCRAP'),
    rework: made('COUNTER_REWORK'),
    setup: seconds('CHANGEOVER'),
    run: seconds('RUNNING'),
    down: seconds('DOWN'),
    counterTags: tags.rows.map((row) => row.name),
    stateEventIds: [...new Set(stateEvents.rows.map((row) => row.event_id))],
  };
}

export function startConfirmationWindows(options: ConfirmationWindowsOptions): ConfirmationWindows {
  const { pool, windowSeconds } = options;
  const log = options.log.child({ component: 'confirmation-windows' });
  const windowMs = windowSeconds * 1_000;
  const graceMs = (options.graceSeconds ?? CONFIRMATION_GRACE_SECONDS) * 1_000;

  const confirmOperation = (operationId: string, now: Date): Promise<number> =>
    withTransaction(pool, async (client) => {
      let written = 0;
      // one confirmer per operation at a time, whichever process runs it
      await client.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 4711006))`, [operationId]);
      const { rows } = await client.query<OperationRow>(
        `SELECT op.id, op.sequence, op.order_id, o.erp_order_number, o.customer_id, o.line_id, op.work_cell_id, op.erp_work_center,
                op.planned_quantity::text, op.unit, op.actual_start_at,
                (SELECT max(window_end) FROM orders.confirmation c WHERE c.operation_id = op.id) AS confirmed_until,
                (SELECT coalesce(sum(yield_quantity), 0)::text FROM orders.confirmation c WHERE c.operation_id = op.id) AS confirmed_yield,
                (SELECT max(window_end) FROM orders.confirmation c WHERE c.operation_id = op.id AND c.final) AS final_window_end
           FROM orders.operation op JOIN orders.production_order o ON o.id = op.order_id
          WHERE op.id = $1 AND op.status = 'IN_PROGRESS' AND op.work_cell_id IS NOT NULL AND op.actual_start_at IS NOT NULL`,
        [operationId],
      );
      const operation = rows[0];
      if (!operation) return 0;
      if (operation.final_window_end) {
        // finally confirmed while the order was held: it completes once the inspection is decided
        if (await isOrderHeld(client, operation.order_id)) return 0;
        await completeOperation(client, operation, await releasedAt(client, operation.order_id, operation.final_window_end));
        return 0;
      }
      let confirmedYield = Number(operation.confirmed_yield);
      const planned = Number(operation.planned_quantity);
      let windowStart = operation.confirmed_until ?? new Date(Math.floor(operation.actual_start_at.getTime() / windowMs) * windowMs);
      for (let index = 0; index < MAX_WINDOWS_PER_RUN; index += 1) {
        const windowEnd = new Date(windowStart.getTime() + windowMs);
        if (windowEnd.getTime() + graceMs > now.getTime()) break;
        const from = new Date(Math.max(windowStart.getTime(), operation.actual_start_at.getTime()));
        const figures = await windowFigures(client, operation.work_cell_id, from, windowEnd);
        const empty = figures.good + figures.scrap + figures.rework === 0 && figures.run + figures.setup + figures.down === 0;
        if (!empty) {
          const final = confirmedYield + figures.good >= planned;
          const key = `confirmation:${operation.id}:${windowStart.toISOString()}`;
          const inserted = await client.query<{ id: string }>(
            `INSERT INTO orders.confirmation (operation_id, order_id, window_start, window_end, yield_quantity, scrap_quantity, rework_quantity, unit,
                                              setup_seconds, run_seconds, down_seconds, final, idempotency_key, source_event_ids)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) ON CONFLICT (idempotency_key) DO NOTHING RETURNING id`,
            [operation.id, operation.order_id, windowStart, windowEnd, figures.good, figures.scrap, figures.rework, operation.unit, figures.setup, figures.run, figures.down, final, key, figures.stateEventIds],
          );
          if (inserted.rows.length > 0) {
            const payload = postingPayload('PRODUCTION_CONFIRMATION', {
              orderId: operation.order_id,
              erpOrderNumber: operation.erp_order_number,
              operationId: operation.id,
              operationSequence: operation.sequence,
              erpWorkCenter: operation.erp_work_center,
              windowStart: windowStart.toISOString(),
              windowEnd: windowEnd.toISOString(),
              yieldQuantity: figures.good,
              scrapQuantity: figures.scrap,
              reworkQuantity: figures.rework,
              unit: operation.unit,
              setupSeconds: figures.setup,
              runSeconds: figures.run,
              downSeconds: figures.down,
              final,
              rule: `${CONFIRMATION_RULE}/${windowSeconds}s`,
            });
            const posting = await client.query<{ id: string }>(
              `INSERT INTO integration.erp_posting (kind, payload, idempotency_key, order_id, operation_id, source_event_ids)
               VALUES ('PRODUCTION_CONFIRMATION', $1, $2, $3, $4, $5) ON CONFLICT (idempotency_key) DO NOTHING RETURNING id`,
              [JSON.stringify(payload), key, operation.order_id, operation.id, figures.stateEventIds],
            );
            // the audit trail: the counter readings it aggregated are the asset's counter tags in [from, windowEnd)
            if (posting.rows[0] && figures.counterTags.length > 0) {
              await client.query(
                `INSERT INTO integration.erp_posting_window (posting_id, asset_id, tags, window_start, window_end) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (posting_id) DO NOTHING`,
                [posting.rows[0].id, operation.work_cell_id, figures.counterTags, from, windowEnd],
              );
            }
            // the components this yield consumed (first operation only), in this same transaction
            await backflush(client, {
              confirmationKey: key,
              orderId: operation.order_id,
              erpOrderNumber: operation.erp_order_number,
              operationId: operation.id,
              operationSequence: operation.sequence,
              yieldQuantity: figures.good,
              at: windowEnd,
              sourceEventIds: figures.stateEventIds,
            });
            written += 1;
            confirmedYield += figures.good;
            if (final) {
              // an undecided inspection lot or an active quality hold: completion waits for the decision
              if (await isOrderHeld(client, operation.order_id)) log.info({ operationId: operation.id, orderId: operation.order_id }, 'final confirmation posted; completion waits for the inspection decision');
              else await completeOperation(client, operation, windowEnd);
              break;
            }
          }
        }
        windowStart = windowEnd;
      }
      return written;
    });

  const closeWindows = async (now = new Date()): Promise<number> => {
    // pallets first: an operation this run completes still gets the pallets counted before its end
    const pallets = await completePallets(pool, now, graceMs, log);
    if (pallets > 0) log.info({ pallets }, 'pallets completed');
    const { rows } = await pool.query<{ id: string }>(`SELECT id FROM orders.operation WHERE status = 'IN_PROGRESS' AND actual_start_at IS NOT NULL ORDER BY actual_start_at`);
    let written = 0;
    for (const { id } of rows) written += await confirmOperation(id, now);
    if (written > 0) log.info({ confirmations: written }, 'production confirmations posted');
    // goods receipts of pallets that completed while their order was held, once it is decided
    const released = await releaseWaitingReceipts(pool);
    if (released > 0) log.info({ pallets: released }, 'goods receipts released after the inspection decision');
    return written;
  };

  const job = startPeriodicJob(() => closeWindows(), { intervalMs: options.intervalMs ?? CONFIRMATION_JOB_INTERVAL_MS, log, failure: 'confirming windows failed' });
  return { closeWindows, stop: () => job.stop() };
}

/**
 * When a completion that waited for an inspection decision happens: the last decision or hold
 * release of the order, or the final window's end if that is later. Both are stored, so running the
 * job again (or in another process) gives the same time and the same status postings.
 */
export async function releasedAt(db: Queryable, orderId: string, finalWindowEnd: Date): Promise<Date> {
  const { rows } = await db.query<{ at: Date }>(
    `SELECT greatest($2::timestamptz,
                     (SELECT max(decided_at) FROM quality.inspection_lot WHERE order_id = $1),
                     (SELECT max(released_at) FROM quality.quality_hold WHERE order_id = $1)) AS at`,
    [orderId, finalWindowEnd],
  );
  return rows[0]!.at;
}

/** The operation reached its planned quantity: complete it, and the order with its last operation. */
async function completeOperation(db: Queryable, operation: OperationRow, at: Date): Promise<void> {
  await db.query(`UPDATE orders.operation SET status = 'COMPLETED', actual_end_at = $2, updated_at = now() WHERE id = $1`, [operation.id, at]);
  await postStatus(db, { order_id: operation.order_id, erp_order_number: operation.erp_order_number, operation_id: operation.id, sequence: operation.sequence }, 'COMPLETED', at, []);
  const { rows } = await db.query<{ open: string }>(`SELECT count(*)::text AS open FROM orders.operation WHERE order_id = $1 AND status NOT IN ('COMPLETED', 'CANCELLED')`, [operation.order_id]);
  if (rows[0]!.open !== '0') return;
  await db.query(`UPDATE orders.production_order SET status = 'COMPLETED', completed_at = $2, updated_at = now() WHERE id = $1 AND status = 'IN_PROGRESS'`, [operation.order_id, at]);
  await postStatus(db, { order_id: operation.order_id, erp_order_number: operation.erp_order_number, operation_id: null, sequence: null }, 'ORDER_COMPLETED', at, []);
  await writeOutboxEvents(db, [
    createEvent({
      id: deterministicId(`OrderStatusChanged:${operation.order_id}:COMPLETED`),
      type: 'OrderStatusChanged',
      source: 'ingest/confirmation-windows',
      subject: `order/${operation.order_id}`,
      occurredAt: at,
      data: { orderId: operation.order_id, customerId: operation.customer_id, lineId: operation.line_id, status: 'COMPLETED', previousStatus: 'IN_PROGRESS', changedAt: at.toISOString() },
    }),
  ]);
}
