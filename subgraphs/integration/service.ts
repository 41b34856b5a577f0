// Integration: reading the ERP outbox, the inbound command log, dead letters and exceptions;
// replaying dead letters.
// Prisma stays in here; callers get plain records (dead letter bytes as base64, stream sequences
// as strings).
import { z } from 'zod';
import type { PrismaClient } from '../../core/db.ts';
import { pageOf, prismaPage, toConnection, type Connection, type PageArguments } from '../../core/graphql/pagination.ts';
import { parseId, parseInput } from '../../core/graphql/input.ts';
import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { ErrorCodes, PlantgraphError, ValidationError } from '../../core/errors.ts';
import { MAX_REPLAY_IDS, replayDeadLetters } from '../../ingest/replay.ts';
import type { DeadLetter, ErpPosting, InboundCommand, IntegrationException, Prisma } from '../../prisma/generated/client.ts';

export type DeadLetterRecord = Omit<DeadLetter, 'payload' | 'streamSequence'> & { payloadBase64: string; streamSequence: string | null };

export const toDeadLetter = ({ payload, streamSequence, ...row }: DeadLetter): DeadLetterRecord => ({
  ...row,
  payloadBase64: Buffer.from(payload).toString('base64'),
  // JetStream sequences are uint64: beyond GraphQL's 32-bit Int and JavaScript's safe integers.
  streamSequence: streamSequence === null ? null : streamSequence.toString(),
});

// Who sees what: everything here is internal (internal:read, enforced by the gateway); the
// integration schema is the plant's plumbing, not plant data, so no row filter applies.

const id = z.string().uuid();
const since = z.date().nullish();

export const postingFilterSchema = z
  .object({
    status: z.array(z.enum(['PENDING', 'IN_FLIGHT', 'CONFIRMED', 'FAILED', 'DEAD'])).nullish(),
    kind: z
      .array(z.enum(['PRODUCTION_CONFIRMATION', 'OPERATION_STATUS', 'GOODS_ISSUE', 'GOODS_RECEIPT', 'TRANSFER', 'SCRAP', 'MAINTENANCE_NOTIFICATION', 'INSPECTION_RESULT', 'SHIPMENT_READINESS']))
      .nullish(),
    orderId: id.nullish(),
    since,
  })
  .nullish();

/** Oldest first: the order in which the postings were written is the order the ERP must apply them in. */
export async function listPostings(prisma: PrismaClient, rawFilter: unknown, pageArgs: PageArguments): Promise<Connection<ErpPosting>> {
  const filter = parseInput(postingFilterSchema, rawFilter, 'filter');
  const page = pageOf(pageArgs);
  const where: Prisma.ErpPostingWhereInput = {
    ...(filter?.status?.length ? { status: { in: filter.status } } : {}),
    ...(filter?.kind?.length ? { kind: { in: filter.kind } } : {}),
    ...(filter?.orderId ? { orderId: filter.orderId } : {}),
    ...(filter?.since ? { createdAt: { gte: filter.since } } : {}),
  };
  const rows = await prisma.erpPosting.findMany({ where, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], ...prismaPage(page) });
  return toConnection(rows, page, () => prisma.erpPosting.count({ where }));
}

export const commandFilterSchema = z
  .object({
    commandName: z.string().trim().min(1).max(100).nullish(),
    status: z.array(z.enum(['IN_PROGRESS', 'SUCCEEDED', 'FAILED'])).nullish(),
    actor: z.string().trim().min(1).max(200).nullish(),
    since,
  })
  .nullish();

export async function listCommands(prisma: PrismaClient, rawFilter: unknown, pageArgs: PageArguments): Promise<Connection<InboundCommand>> {
  const filter = parseInput(commandFilterSchema, rawFilter, 'filter');
  const page = pageOf(pageArgs);
  const where: Prisma.InboundCommandWhereInput = {
    ...(filter?.commandName ? { commandName: filter.commandName } : {}),
    ...(filter?.status?.length ? { status: { in: filter.status } } : {}),
    ...(filter?.actor ? { actor: filter.actor } : {}),
    ...(filter?.since ? { createdAt: { gte: filter.since } } : {}),
  };
  const rows = await prisma.inboundCommand.findMany({ where, orderBy: [{ createdAt: 'desc' }, { id: 'asc' }], ...prismaPage(page) });
  return toConnection(rows, page, () => prisma.inboundCommand.count({ where }));
}

export const deadLetterFilterSchema = z
  .object({
    stream: z.string().trim().min(1).max(100).nullish(),
    reasonCode: z.string().trim().min(1).max(100).nullish(),
    replayed: z.boolean().nullish(),
    since,
  })
  .nullish();

export async function listDeadLetters(prisma: PrismaClient, rawFilter: unknown, pageArgs: PageArguments): Promise<Connection<DeadLetterRecord>> {
  const filter = parseInput(deadLetterFilterSchema, rawFilter, 'filter');
  const page = pageOf(pageArgs);
  const where: Prisma.DeadLetterWhereInput = {
    ...(filter?.stream ? { stream: filter.stream } : {}),
    ...(filter?.reasonCode ? { reasonCode: filter.reasonCode } : {}),
    ...(typeof filter?.replayed === 'boolean' ? { replayCount: filter.replayed ? { gt: 0 } : 0 } : {}),
    ...(filter?.since ? { receivedAt: { gte: filter.since } } : {}),
  };
  const rows = await prisma.deadLetter.findMany({ where, orderBy: [{ receivedAt: 'desc' }, { id: 'asc' }], ...prismaPage(page) });
  return toConnection(rows.map(toDeadLetter), page, () => prisma.deadLetter.count({ where }));
}

export const exceptionFilterSchema = z
  .object({
    kind: z.array(z.enum(['POSTING_REJECTED', 'POSTING_DEAD', 'MASTER_DATA_MISSING', 'DEAD_LETTER', 'COMMAND_FAILED', 'OTHER'])).nullish(),
    resolved: z.boolean().nullish(),
    postingId: id.nullish(),
    since,
  })
  .nullish();

export async function listExceptions(prisma: PrismaClient, rawFilter: unknown, pageArgs: PageArguments): Promise<Connection<IntegrationException>> {
  const filter = parseInput(exceptionFilterSchema, rawFilter, 'filter');
  const page = pageOf(pageArgs);
  const where: Prisma.IntegrationExceptionWhereInput = {
    ...(filter?.kind?.length ? { kind: { in: filter.kind } } : {}),
    ...(typeof filter?.resolved === 'boolean' ? { resolvedAt: filter.resolved ? { not: null } : null } : {}),
    ...(filter?.postingId ? { postingId: filter.postingId } : {}),
    ...(filter?.since ? { createdAt: { gte: filter.since } } : {}),
  };
  const rows = await prisma.integrationException.findMany({ where, orderBy: [{ createdAt: 'desc' }, { id: 'asc' }], ...prismaPage(page) });
  return toConnection(rows, page, () => prisma.integrationException.count({ where }));
}

/**
 * Republish dead letters to their original subjects (ingest/replay.ts) and return them as they are
 * now, plus the ids that name none. Needs the NATS connection of the process.
 */
export async function replayDeadLetterIds(
  prisma: PrismaClient,
  bus: NatsConnection | null,
  rawIds: readonly string[],
): Promise<{ replayed: DeadLetterRecord[]; notFound: string[] }> {
  if (rawIds.length > MAX_REPLAY_IDS) throw new ValidationError(`at most ${MAX_REPLAY_IDS} dead letters per replay, got ${rawIds.length}`, { details: { fields: [{ field: 'ids', message: `at most ${MAX_REPLAY_IDS}` }] } });
  const ids = [...new Set(rawIds.map((id) => parseId(id, 'ids')))];
  if (!bus) throw new PlantgraphError(ErrorCodes.UNAVAILABLE, 'this integration subgraph has no NATS connection (set NATS_URL), so it cannot replay');
  const replayed = await replayDeadLetters(prisma, jetstream(bus), ids);
  const found = new Set(replayed.map((letter) => letter.id));
  const rows = await prisma.deadLetter.findMany({ where: { id: { in: [...found] } }, orderBy: { receivedAt: 'asc' } });
  return { replayed: rows.map(toDeadLetter), notFound: ids.filter((id) => !found.has(id)) };
}
