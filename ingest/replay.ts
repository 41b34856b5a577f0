// Replaying dead letters after the cause is fixed (master data added, device firmware corrected):
// the original bytes go back to the original subject under a new message id
// (`<original id>:replay:<n>`, so JetStream's duplicate window does not drop them), and the worker
// judges them again: stored if now valid, dead-lettered again (a new row) if not.
import { headers as natsHeaders } from '@nats-io/transport-node';
import type { JetStreamClient } from '@nats-io/jetstream';
import type pg from 'pg';

export interface ReplayedDeadLetter {
  id: string;
  subject: string;
  replayCount: number;
  replayedAt: Date;
}

interface DeadLetterRow {
  id: string;
  subject: string;
  stream: string;
  stream_sequence: string | null;
  message_id: string | null;
  payload: Buffer;
  replay_count: number;
}

/**
 * Republish the given dead letters and stamp replayed_at / replay_count. Unknown ids are left out
 * of the result (the caller reports them). Rows are locked while publishing, so two replays of the
 * same letter at once publish it once each, never interleaved.
 */
export async function replayDeadLetters(pool: pg.Pool, js: JetStreamClient, ids: readonly string[]): Promise<ReplayedDeadLetter[]> {
  if (ids.length === 0) return [];
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const { rows } = await client.query<DeadLetterRow>(
      `SELECT id, subject, stream, stream_sequence, message_id, payload, replay_count
         FROM integration.dead_letter WHERE id = ANY($1::uuid[]) ORDER BY stream_sequence NULLS LAST, received_at FOR UPDATE`,
      [ids],
    );
    const replayed: ReplayedDeadLetter[] = [];
    for (const row of rows) {
      const replayCount = row.replay_count + 1;
      const original = row.message_id ?? `${row.stream}:${row.stream_sequence ?? row.id}`;
      const headers = natsHeaders();
      headers.set('Plantgraph-Replay-Of', row.id);
      await js.publish(row.subject, row.payload, { msgID: `${original}:replay:${replayCount}`, headers });
      replayed.push({ id: row.id, subject: row.subject, replayCount, replayedAt: new Date() });
    }
    await client.query(`UPDATE integration.dead_letter SET replayed_at = now(), replay_count = replay_count + 1, updated_at = now() WHERE id = ANY($1::uuid[])`, [rows.map((row) => row.id)]);
    await client.query('COMMIT');
    return replayed;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
