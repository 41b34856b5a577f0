// Stores a batch of readings in telemetry.reading with one statement. ON CONFLICT DO NOTHING on
// (reading_id, time) makes a replayed or redelivered reading a no-op, and RETURNING gives back only
// the readings that were new, which are the only ones the processors may react to.
import type { Reading } from '../core/telemetry.ts';
import type { Queryable } from '../core/db.ts';
import type { StoredReading } from './pipeline.ts';

/** The first row: how many readings were new; then, for a partial batch, the key of each new one. */
interface InsertedRow {
  n: number | null;
  reading_id: string | null;
  /** Epoch milliseconds: cheaper to read back than a timestamptz. */
  ms: number | null;
}

/** Column values of a reading: numbers and booleans in `value`, text in `value_text`. */
function columns(reading: Reading): { value: number | null; valueText: string | null } {
  if (typeof reading.value === 'number') return { value: reading.value, valueText: null };
  if (typeof reading.value === 'boolean') return { value: reading.value ? 1 : 0, valueText: null };
  return { value: null, valueText: reading.value };
}

const NEEDS_ESCAPE = /["\\]/;
const ESCAPED = /["\\]/g;
/** An element of a PostgreSQL array literal, always quoted (so empty, NULL-like, spaces and braces are safe). */
const quoted = (text: string): string => (NEEDS_ESCAPE.test(text) ? `"${text.replace(ESCAPED, '\\$&')}"` : `"${text}"`);

/** Insert the readings; resolves with those that were new, sorted by asset and time. */
export async function storeReadings(db: Queryable, readings: readonly Reading[]): Promise<StoredReading[]> {
  if (readings.length === 0) return [];
  // Each column goes as ONE array literal built here (pg's generic array encoding escaped every
  // element with regexes). Timestamps and asset ids are validated ISO 8601 and uuids, so they need
  // no quoting; numbers print as JavaScript does, which float8 reads back exactly.
  const count = readings.length;
  const times = new Array<string>(count);
  const assetIds = new Array<string>(count);
  const tags = new Array<string>(count);
  const values = new Array<string>(count);
  const texts = new Array<string>(count);
  const qualities = new Array<string>(count);
  const readingIds = new Array<string>(count);
  for (let i = 0; i < count; i += 1) {
    const reading = readings[i]!;
    times[i] = reading.timestamp;
    assetIds[i] = reading.assetId;
    tags[i] = quoted(reading.tag);
    const value = reading.value;
    if (typeof value === 'number') {
      values[i] = String(value);
      texts[i] = 'NULL';
    } else if (typeof value === 'boolean') {
      values[i] = value ? '1' : '0';
      texts[i] = 'NULL';
    } else {
      values[i] = 'NULL';
      texts[i] = quoted(value);
    }
    qualities[i] = reading.quality;
    readingIds[i] = quoted(reading.readingId);
  }
  const literal = (elements: string[]) => `{${elements.join(',')}}`;
  // Only the keys of new rows come back, and only when some readings were NOT new: one row per
  // inserted reading cost the server a fifth of the statement (extract() is numeric arithmetic), and
  // in the usual batch every reading is new, which the count alone tells (each inserted row comes
  // from one reading). One row carries the count; key rows come only for a partial batch.
  const { rows } = await db.query<InsertedRow>(
    `WITH inserted AS (
       INSERT INTO telemetry.reading (time, asset_id, tag, value, value_text, quality, reading_id)
       SELECT * FROM unnest($1::timestamptz[], $2::uuid[], $3::text[], $4::float8[], $5::text[], $6::text[], $7::text[])
       ON CONFLICT (reading_id, time) DO NOTHING
       RETURNING reading_id, time
     ), total AS (SELECT count(*)::int AS n FROM inserted)
     SELECT total.n, NULL::text AS reading_id, NULL::float8 AS ms FROM total
     UNION ALL
     SELECT NULL, inserted.reading_id, floor(extract(epoch FROM inserted.time) * 1000)::float8 FROM inserted, total WHERE total.n < $8`,
    [literal(times), literal(assetIds), literal(tags), literal(values), literal(texts), literal(qualities), literal(readingIds), count],
  );
  let insertedCount = 0;
  const inserted = new Set<string>();
  for (const row of rows) {
    if (row.n !== null) insertedCount = row.n;
    else inserted.add(`${row.reading_id}@${row.ms}`);
  }
  if (insertedCount === 0) return [];
  const allNew = insertedCount === count;
  const stored: StoredReading[] = [];
  for (const reading of readings) {
    const ms = Date.parse(reading.timestamp);
    if (!allNew && !inserted.delete(`${reading.readingId}@${ms}`)) continue; // a duplicate, or the second copy of one within this batch
    const { value, valueText } = columns(reading);
    stored.push({ readingId: reading.readingId, assetId: reading.assetId, tag: reading.tag, value, valueText, quality: reading.quality, time: new Date(ms) });
  }
  return stored.sort((a, b) => (a.assetId === b.assetId ? a.time.getTime() - b.time.getTime() : a.assetId < b.assetId ? -1 : 1));
}
