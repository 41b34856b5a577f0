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

/** Insert the readings; resolves with those that were new, sorted by asset and time. */
export async function storeReadings(db: Queryable, readings: readonly Reading[]): Promise<StoredReading[]> {
  if (readings.length === 0) return [];
  const times: string[] = [];
  const assetIds: string[] = [];
  const tags: string[] = [];
  const values: (number | null)[] = [];
  const texts: (string | null)[] = [];
  const qualities: string[] = [];
  const readingIds: string[] = [];
  for (const reading of readings) {
    const { value, valueText } = columns(reading);
    times.push(reading.timestamp);
    assetIds.push(reading.assetId);
    tags.push(reading.tag);
    values.push(value);
    texts.push(valueText);
    qualities.push(reading.quality);
    readingIds.push(reading.readingId);
  }
  // RETURNING only the key of each new row; the rest is already in hand (reading back whole rows
  // cost more than the insert's own parsing at 25,000 readings a batch).
  const { rows } = await db.query<InsertedRow>(
    `INSERT INTO telemetry.reading (time, asset_id, tag, value, value_text, quality, reading_id)
     SELECT * FROM unnest($1::timestamptz[], $2::uuid[], $3::text[], $4::float8[], $5::text[], $6::text[], $7::text[])
     ON CONFLICT (reading_id, time) DO NOTHING
     RETURNING reading_id, floor(extract(epoch FROM time) * 1000)::float8 AS ms`,
    [times, assetIds, tags, values, texts, qualities, readingIds],
  );
  if (rows.length === 0) return [];
  const inserted = new Set(rows.map((row) => `${row.reading_id}@${row.ms}`));
  const stored: StoredReading[] = [];
  for (const reading of readings) {
    const time = new Date(reading.timestamp);
    const key = `${reading.readingId}@${time.getTime()}`;
    if (!inserted.delete(key)) continue; // a duplicate, or the second copy of one within this batch
    const { value, valueText } = columns(reading);
    stored.push({ readingId: reading.readingId, assetId: reading.assetId, tag: reading.tag, value, valueText, quality: reading.quality, time });
  }
  return stored.sort((a, b) => (a.assetId === b.assetId ? a.time.getTime() - b.time.getTime() : a.assetId < b.assetId ? -1 : 1));
}
