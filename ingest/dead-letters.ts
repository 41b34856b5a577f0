// Dead letters: a telemetry message that can never be stored is kept, not dropped. It is recorded
// in integration.dead_letter in the batch transaction (listed and replayed from the graph) and,
// after commit, published to `<prefix>.dlq.<original subject>` on the DLQ stream with its reason in
// headers (docs/CONTRACT.md). Both are keyed by the original stream sequence, so a redelivered bad
// message is recorded and published once.
import { headers as natsHeaders } from '@nats-io/transport-node';
import type { JetStreamClient, JsMsg } from '@nats-io/jetstream';
import type { Queryable } from '../core/db.ts';
import type { TelemetryRejection } from '../core/telemetry.ts';

export interface DeadLetter {
  stream: string;
  subject: string;
  streamSequence: number;
  /** Nats-Msg-Id of the original message, when it had one. */
  messageId: string | null;
  payload: Uint8Array;
  headers: Record<string, string[]> | null;
  reasonCode: TelemetryRejection;
  reason: string;
  receivedAt: Date;
}

export function deadLetterOf(message: JsMsg, reasonCode: TelemetryRejection, reason: string, receivedAt = new Date()): DeadLetter {
  const headers: Record<string, string[]> = {};
  if (message.headers) for (const key of message.headers.keys()) headers[key] = message.headers.values(key);
  return {
    stream: message.info.stream,
    subject: message.subject,
    streamSequence: message.seq,
    messageId: message.headers?.get('Nats-Msg-Id') || null,
    payload: message.data,
    headers: Object.keys(headers).length > 0 ? headers : null,
    reasonCode,
    reason,
    receivedAt,
  };
}

/** Record dead letters on the caller's connection (inside the batch transaction). */
export async function recordDeadLetters(db: Queryable, letters: readonly DeadLetter[]): Promise<void> {
  if (letters.length === 0) return;
  await db.query(
    `INSERT INTO integration.dead_letter (stream, subject, stream_sequence, message_id, payload, payload_text, reason_code, reason, headers, received_at)
     SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::bytea[], $6::text[], $7::text[], $8::text[], $9::jsonb[], $10::timestamptz[])
     ON CONFLICT (stream, stream_sequence) DO NOTHING`,
    [
      letters.map((letter) => letter.stream),
      letters.map((letter) => letter.subject),
      letters.map((letter) => letter.streamSequence),
      letters.map((letter) => letter.messageId),
      letters.map((letter) => Buffer.from(letter.payload)),
      letters.map((letter) => readableText(letter.payload)),
      letters.map((letter) => letter.reasonCode),
      letters.map((letter) => letter.reason),
      letters.map((letter) => (letter.headers ? JSON.stringify(letter.headers) : null)),
      letters.map((letter) => letter.receivedAt.toISOString()),
    ],
  );
}

/** `<prefix>.telemetry.a.b.c` → `<prefix>.dlq.telemetry.a.b.c`. */
export function deadLetterSubject(originalSubject: string, subjectPrefix: string): string {
  const withoutPrefix = subjectPrefix && originalSubject.startsWith(`${subjectPrefix}.`) ? originalSubject.slice(subjectPrefix.length + 1) : originalSubject;
  return `${subjectPrefix ? `${subjectPrefix}.` : ''}dlq.${withoutPrefix}`;
}

/** Publish dead letters to the DLQ stream (after the batch committed). */
export async function publishDeadLetters(js: JetStreamClient, letters: readonly DeadLetter[], subjectPrefix: string): Promise<void> {
  await Promise.all(
    letters.map((letter) => {
      const headers = natsHeaders();
      headers.set('Plantgraph-Reason-Code', letter.reasonCode);
      headers.set('Plantgraph-Reason', letter.reason.slice(0, 1_000));
      headers.set('Plantgraph-Original-Subject', letter.subject);
      headers.set('Plantgraph-Original-Sequence', String(letter.streamSequence));
      headers.set('Plantgraph-Received-At', letter.receivedAt.toISOString());
      return js.publish(deadLetterSubject(letter.subject, subjectPrefix), letter.payload, { msgID: `dlq:${letter.stream}:${letter.streamSequence}`, headers });
    }),
  );
}

/** The payload as text when it is valid UTF-8 (for reading in the graph); null for binary. */
function readableText(payload: Uint8Array): string | null {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(payload).replaceAll('\u0000', '');
  } catch {
    return null;
  }
}
