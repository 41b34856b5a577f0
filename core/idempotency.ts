// Idempotent commands (ERP → plant): same key + same input returns the first result without a
// second effect; same key + different input is IDEMPOTENCY_CONFLICT. The command's effect and its
// log row (integration.inbound_command) commit in one transaction, and a transaction-scoped
// advisory lock on the key makes concurrent duplicates wait for the first instead of racing.
// The command log is shared infrastructure: every subgraph's commands write it, in this one place.
import { createHash } from 'node:crypto';
import type { Prisma, PrismaClient } from '../prisma/generated/client.ts';
import { IdempotencyConflictError, ValidationError } from './errors.ts';

export type Transaction = Prisma.TransactionClient;

export interface CommandRequest<Input> {
  /** Chosen by the caller; unique across all commands. */
  idempotencyKey: string;
  /** e.g. `releaseProductionOrder`; part of the hash, so one key cannot serve two commands. */
  commandName: string;
  input: Input;
  /** Subject of the caller's token, for the log. */
  actor: string;
}

const IDEMPOTENCY_KEY = /^[\w.:/-]{8,200}$/;

/**
 * Run `execute` once per idempotency key. The JSON it returns is stored and handed back to any
 * repeat; keep it small (ids), and let resolvers load the entities.
 */
export async function runIdempotentCommand<Input, Result extends Prisma.InputJsonValue>(
  prisma: PrismaClient,
  request: CommandRequest<Input>,
  execute: (tx: Transaction) => Promise<Result>,
): Promise<{ result: Result; replayed: boolean }> {
  if (!IDEMPOTENCY_KEY.test(request.idempotencyKey)) {
    throw new ValidationError('idempotencyKey must be 8–200 characters of letters, digits and . _ : / -', { details: { argument: 'idempotencyKey' } });
  }
  const inputHash = hashCommand(request.commandName, request.input);
  return prisma.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${request.idempotencyKey}, 0))`;
    const previous = await tx.inboundCommand.findUnique({ where: { idempotencyKey: request.idempotencyKey } });
    if (previous) {
      if (previous.inputHash !== inputHash) throw new IdempotencyConflictError(request.idempotencyKey, { details: { commandName: previous.commandName } });
      return { result: previous.result as Result, replayed: true };
    }
    const result = await execute(tx);
    await tx.inboundCommand.create({
      data: {
        idempotencyKey: request.idempotencyKey,
        commandName: request.commandName,
        inputHash,
        status: 'SUCCEEDED',
        result,
        actor: request.actor,
        completedAt: new Date(),
      },
    });
    return { result, replayed: false };
  });
}

/** sha256 of the command name and its input in canonical JSON (keys sorted, at every depth). */
export function hashCommand(commandName: string, input: unknown): string {
  return createHash('sha256').update(commandName).update('\n').update(canonicalJson(input)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}
