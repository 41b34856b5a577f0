// The ERP adapter API on the posting outbox: claim a page with a lease, acknowledge with the ERP's
// document number, reject (retry with exponential backoff, or fail for a person; DEAD after the
// last attempt). The lease owner is the caller's token subject, so each adapter instance needs a
// subject of its own.
import { z } from 'zod';
import { environmentSchema } from '../../core/config.ts';
import type { PrismaClient } from '../../core/db.ts';
import { ErrorCodes, NotFoundError, PlantgraphError } from '../../core/errors.ts';
import type { Caller } from '../../core/internal-auth.ts';
import { parseInput } from '../../core/graphql/input.ts';
import { erpPostingKinds } from '../../core/postings.ts';
import type { ErpPosting } from '../../prisma/generated/client.ts';

/** The retry policy: its variables are declared in core/config.ts, read here per call so a test or an operator's restart can change them. */
export const retryPolicySchema = environmentSchema.pick({ ERP_MAX_ATTEMPTS: true, ERP_RETRY_BASE_SECONDS: true, ERP_RETRY_MAX_SECONDS: true });
export type RetryPolicy = z.output<typeof retryPolicySchema>;

export function retryPolicy(environment: Record<string, string | undefined> = process.env): RetryPolicy {
  return retryPolicySchema.parse({
    ERP_MAX_ATTEMPTS: environment.ERP_MAX_ATTEMPTS || undefined,
    ERP_RETRY_BASE_SECONDS: environment.ERP_RETRY_BASE_SECONDS || undefined,
    ERP_RETRY_MAX_SECONDS: environment.ERP_RETRY_MAX_SECONDS || undefined,
  });
}

/** Seconds to wait after the `attempts`-th failed attempt: base · 2^(attempts−1), capped. */
export function backoffSeconds(attempts: number, policy: RetryPolicy): number {
  return Math.min(policy.ERP_RETRY_BASE_SECONDS * 2 ** Math.max(attempts - 1, 0), policy.ERP_RETRY_MAX_SECONDS);
}

export const MAX_CLAIM = 500;
export const MAX_LEASE_SECONDS = 3_600;

const claimSchema = z.object({
  kinds: z.array(z.enum(erpPostingKinds)).nullish(),
  limit: z.number().int().min(1).max(MAX_CLAIM),
  leaseSeconds: z.number().int().min(1).max(MAX_LEASE_SECONDS),
});

/**
 * Lease up to `limit` due postings, oldest first: PENDING whose next attempt is due, or IN_FLIGHT
 * whose lease ran out (its adapter died). SKIP LOCKED makes concurrent claims take disjoint rows.
 */
export async function claimPostings(prisma: PrismaClient, caller: Caller, rawArgs: unknown, policy = retryPolicy()): Promise<ErpPosting[]> {
  const args = parseInput(claimSchema, rawArgs, 'arguments');
  const kinds = args.kinds?.length ? args.kinds : null;
  await burySilentlyDead(prisma, policy);
  const claimed = await prisma.$queryRaw<{ id: string }[]>`
    WITH due AS (
      SELECT id FROM integration.erp_posting
       WHERE ((status = 'PENDING' AND next_attempt_at <= now()) OR (status = 'IN_FLIGHT' AND lease_until < now() AND attempts < ${policy.ERP_MAX_ATTEMPTS}))
         AND (${kinds}::text[] IS NULL OR kind::text = ANY(${kinds}::text[]))
       ORDER BY created_at, id
       LIMIT ${args.limit}
         FOR UPDATE SKIP LOCKED)
    UPDATE integration.erp_posting AS posting
       SET status = 'IN_FLIGHT', lease_owner = ${caller.sub}, lease_until = now() + make_interval(secs => ${args.leaseSeconds}),
           attempts = posting.attempts + 1, updated_at = now()
      FROM due WHERE posting.id = due.id
    RETURNING posting.id`;
  if (claimed.length === 0) return [];
  return prisma.erpPosting.findMany({ where: { id: { in: claimed.map((row) => row.id) } }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
}

/**
 * A posting whose lease ran out on its last attempt (its adapter never reported, e.g. it crashed on
 * this very posting) is DEAD with an exception, instead of being claimed forever.
 */
async function burySilentlyDead(prisma: PrismaClient, policy: RetryPolicy): Promise<void> {
  await prisma.$executeRaw`
    WITH dead AS (
      UPDATE integration.erp_posting
         SET status = 'DEAD', lease_until = NULL, updated_at = now(),
             last_error = coalesce(last_error, 'lease of ' || lease_owner || ' expired without a report')
       WHERE status = 'IN_FLIGHT' AND lease_until < now() AND attempts >= ${policy.ERP_MAX_ATTEMPTS}
      RETURNING id, kind, idempotency_key, attempts, lease_owner)
    INSERT INTO integration.integration_exception (kind, posting_id, message, details)
    SELECT 'POSTING_DEAD', id,
           kind::text || ' posting ' || idempotency_key || ' is dead after ' || attempts || ' attempts: the last lease expired without a report',
           jsonb_build_object('attempts', attempts, 'adapter', lease_owner, 'retryable', true)
      FROM dead`;
}

const documentIdSchema = z.string().trim().min(1).max(100);

/** CONFIRMED with the ERP's document number; only the lease holder may, and a repeat with the same number is a no-op. */
export async function acknowledgePosting(prisma: PrismaClient, caller: Caller, id: string, rawDocumentId: unknown): Promise<ErpPosting> {
  const erpDocumentId = parseInput(documentIdSchema, rawDocumentId, 'erpDocumentId');
  // The hot path of every adapter: one conditional UPDATE, no interactive transaction. Only when it
  // matches nothing do we read the row to say why (or to answer a repeat).
  const [confirmed] = await prisma.erpPosting.updateManyAndReturn({
    where: { id, status: 'IN_FLIGHT', leaseOwner: caller.sub },
    data: { status: 'CONFIRMED', erpDocumentId, confirmedAt: new Date(), leaseUntil: null, lastError: null },
  });
  if (confirmed) return confirmed;
  const posting = await prisma.erpPosting.findUnique({ where: { id } });
  if (!posting) throw new NotFoundError('ERP posting', id);
  if (posting.status === 'CONFIRMED') {
    if (posting.erpDocumentId === erpDocumentId) return posting;
    throw invalidState(posting, `posting ${id} was already confirmed with ERP document ${posting.erpDocumentId}`);
  }
  requireLease(posting, caller);
  throw invalidState(posting, `posting ${id} changed while it was acknowledged; try again`);
}

const acknowledgementsSchema = z
  .array(z.object({ id: z.string().uuid(), erpDocumentId: documentIdSchema }))
  .min(1)
  .max(MAX_CLAIM)
  .refine((items) => new Set(items.map((item) => item.id)).size === items.length, 'each posting once');

export interface AcknowledgementResult {
  id: string;
  posting: ErpPosting | null;
  errorCode: string | null;
  errorMessage: string | null;
}

/**
 * acknowledgeErpPosting for a whole round in one request and one UPDATE; the postings it does not
 * match (repeats, lost leases) go through the single path, which answers or explains each.
 */
export async function acknowledgePostings(prisma: PrismaClient, caller: Caller, rawItems: unknown): Promise<AcknowledgementResult[]> {
  const items = parseInput(acknowledgementsSchema, rawItems, 'acknowledgements');
  const confirmed = await prisma.$queryRaw<{ id: string }[]>`
    UPDATE integration.erp_posting AS posting
       SET status = 'CONFIRMED', erp_document_id = ack.document_id, confirmed_at = now(), lease_until = NULL, last_error = NULL, updated_at = now()
      FROM unnest(${items.map((item) => item.id)}::uuid[], ${items.map((item) => item.erpDocumentId)}::text[]) AS ack(id, document_id)
     WHERE posting.id = ack.id AND posting.status = 'IN_FLIGHT' AND posting.lease_owner = ${caller.sub}
    RETURNING posting.id`;
  const done = new Set(confirmed.map((row) => row.id));
  const rows = new Map((await prisma.erpPosting.findMany({ where: { id: { in: [...done] } } })).map((row) => [row.id, row]));
  const results: AcknowledgementResult[] = [];
  for (const item of items) {
    const posting = rows.get(item.id);
    if (posting) {
      results.push({ id: item.id, posting, errorCode: null, errorMessage: null });
      continue;
    }
    try {
      results.push({ id: item.id, posting: await acknowledgePosting(prisma, caller, item.id, item.erpDocumentId), errorCode: null, errorMessage: null });
    } catch (error) {
      if (!(error instanceof PlantgraphError)) throw error;
      results.push({ id: item.id, posting: null, errorCode: error.code, errorMessage: error.message });
    }
  }
  return results;
}

const rejectSchema = z.object({ reason: z.string().trim().min(1).max(2_000), retryable: z.boolean() });

/**
 * A failed attempt. Retryable: PENDING again after the backoff, or DEAD once the attempts are used
 * up. Not retryable (the ERP refused the document): FAILED. DEAD and FAILED raise an exception.
 */
export async function rejectPosting(prisma: PrismaClient, caller: Caller, id: string, rawArgs: unknown, policy = retryPolicy()): Promise<ErpPosting> {
  const { reason, retryable } = parseInput(rejectSchema, rawArgs, 'arguments');
  return prisma.$transaction(async (tx) => {
    const posting = await lockPosting(tx, id);
    requireLease(posting, caller);
    const common = { lastError: reason, leaseUntil: null };
    if (retryable && posting.attempts < policy.ERP_MAX_ATTEMPTS) {
      const nextAttemptAt = new Date(Date.now() + backoffSeconds(posting.attempts, policy) * 1_000);
      return tx.erpPosting.update({ where: { id }, data: { ...common, status: 'PENDING', nextAttemptAt } });
    }
    const dead = retryable;
    await tx.integrationException.create({
      data: {
        kind: dead ? 'POSTING_DEAD' : 'POSTING_REJECTED',
        postingId: id,
        message: dead ? `${posting.kind} posting ${posting.idempotencyKey} is dead after ${posting.attempts} attempts: ${reason}` : `the ERP refused ${posting.kind} posting ${posting.idempotencyKey}: ${reason}`,
        details: { attempts: posting.attempts, adapter: caller.sub, retryable },
      },
    });
    return tx.erpPosting.update({ where: { id }, data: { ...common, status: dead ? 'DEAD' : 'FAILED' } });
  });
}

type Transaction = Parameters<Parameters<PrismaClient['$transaction']>[0]>[0];

async function lockPosting(tx: Transaction, id: string): Promise<ErpPosting> {
  const locked = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM integration.erp_posting WHERE id = ${id}::uuid FOR UPDATE`;
  if (locked.length === 0) throw new NotFoundError('ERP posting', id);
  return tx.erpPosting.findUniqueOrThrow({ where: { id } });
}

function requireLease(posting: ErpPosting, caller: Caller): void {
  if (posting.status !== 'IN_FLIGHT') throw invalidState(posting, `posting ${posting.id} is ${posting.status}, not IN_FLIGHT`);
  // An expired lease still counts until someone else claims the posting: the ERP may have booked it.
  if (posting.leaseOwner !== caller.sub) throw invalidState(posting, `posting ${posting.id} is leased by another adapter`);
}

function invalidState(posting: ErpPosting, message: string): PlantgraphError {
  return new PlantgraphError(ErrorCodes.INVALID_STATE, message, { details: { postingId: posting.id, status: posting.status } });
}
