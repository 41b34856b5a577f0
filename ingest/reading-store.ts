// Stores a batch of readings in telemetry.reading with one statement. ON CONFLICT DO NOTHING on
// (reading_id, time) makes a replayed or redelivered reading a no-op, and RETURNING gives back only
// the readings that were new, which are the only ones the processors may react to.
import type { Reading } from '../core/telemetry.ts';
import type { Queryable } from '../core/db.ts';
import type { StoredReading } from './pipeline.ts';

interface InsertedRow {
  reading_id: string;
  /** Epoch milliseconds: cheaper to read back than a timestamptz. */
  ms: number;
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
  // RETURNING only the key of each new row; the rest is already in hand (reading back whole rows
  // cost more than the insert's own parsing at 25,000 readings a batch).
  const { rows } = await db.query<InsertedRow>(
    `INSERT INTO telemetry.reading (time, asset_id, tag, value, value_text, quality, reading_id)
     SELECT * FROM unnest($1::timestamptz[], $2::uuid[], $3::text[], $4::float8[], $5::text[], $6::text[], $7::text[])
     ON CONFLICT (reading_id, time) DO NOTHING
     RETURNING reading_id, floor(extract(epoch FROM time) * 1000)::float8 AS ms`,
    [literal(times), literal(assetIds), literal(tags), literal(values), literal(texts), literal(qualities), literal(readingIds)],
  );
  if (rows.length === 0) return [];
  // One row comes back per inserted reading, so as many rows as readings means all were new (the
  // common case): no need to match keys.
  const allNew = rows.length === count;
  const inserted = new Set<string>();
  if (!allNew) for (const row of rows) inserted.add(`${row.reading_id}@${row.ms}`);
  const stored: StoredReading[] = [];
  for (const reading of readings) {
    const ms = Date.parse(reading.timestamp);
    if (!allNew && !inserted.delete(`${reading.readingId}@${ms}`)) continue; // a duplicate, or the second copy of one within this batch
    const { value, valueText } = columns(reading);
    stored.push({ readingId: reading.readingId, assetId: reading.assetId, tag: reading.tag, value, valueText, quality: reading.quality, time: new Date(ms) });
  }
  return stored.sort((a, b) => (a.assetId === b.assetId ? a.time.getTime() - b.time.getTime() : a.assetId < b.assetId ? -1 : 1));
}
