// Replaying dead letters after the cause is fixed (master data added, device firmware corrected):
// the original bytes go back to the original subject under a new message id
// (`<original id>:replay:<n>`, so JetStream's duplicate window does not drop them), and the worker
// judges them again: stored if now valid, dead-lettered again (a new row) if not. Used by the
// integration subgraph's replayDeadLetters mutation.
import { headers as natsHeaders } from '@nats-io/transport-node';
import type { JetStreamClient } from '@nats-io/jetstream';
import type { PrismaClient } from '../core/db.ts';

export const MAX_REPLAY_IDS = 100;

export interface ReplayedDeadLetter {
  id: string;
  subject: string;
  replayCount: number;
}

interface DeadLetterRow {
  id: string;
  subject: string;
  stream: string;
  stream_sequence: bigint | null;
  message_id: string | null;
  payload: Uint8Array;
  replay_count: number;
}

/**
 * Republish the given dead letters and stamp replayed_at / replay_count. Ids that name no dead
 * letter are left out of the result. The rows are locked while publishing, so two replays of the
 * same letter at once run one after the other.
 */
export async function replayDeadLetters(prisma: PrismaClient, js: JetStreamClient, ids: readonly string[]): Promise<ReplayedDeadLetter[]> {
  if (ids.length === 0) return [];
  return prisma.$transaction(async (tx) => {
    const rows = await tx.$queryRaw<DeadLetterRow[]>`
      SELECT id::text, subject, stream, stream_sequence, message_id, payload, replay_count
        FROM integration.dead_letter WHERE id = ANY(${[...ids]}::uuid[])
       ORDER BY stream_sequence NULLS LAST, received_at FOR UPDATE`;
    const replayed: ReplayedDeadLetter[] = [];
    for (const row of rows) {
      const replayCount = row.replay_count + 1;
      const original = row.message_id ?? `${row.stream}:${row.stream_sequence ?? row.id}`;
      const headers = natsHeaders();
      headers.set('Plantgraph-Replay-Of', row.id);
      await js.publish(row.subject, row.payload, { msgID: `${original}:replay:${replayCount}`, headers });
      replayed.push({ id: row.id, subject: row.subject, replayCount });
    }
    await tx.$executeRaw`
      UPDATE integration.dead_letter SET replayed_at = now(), replay_count = replay_count + 1, updated_at = now()
       WHERE id = ANY(${rows.map((row) => row.id)}::uuid[])`;
    return replayed;
  });
}
