// Stores a batch of readings in telemetry.reading with one statement. ON CONFLICT DO NOTHING on
// (reading_id, time) makes a replayed or redelivered reading a no-op, and RETURNING gives back only
// the readings that were new, which are the only ones the processors may react to.
import type { Reading } from '../core/telemetry.ts';
import type { Queryable } from '../core/outbox.ts';
import type { StoredReading } from './pipeline.ts';

interface InsertedRow {
  reading_id: string;
  asset_id: string;
  tag: string;
  value: number | null;
  value_text: string | null;
  quality: StoredReading['quality'];
  time: Date;
}

/** Column values of a reading: numbers and booleans in `value`, text in `value_text`. */
function columns(reading: Reading): { value: number | null; valueText: string | null } {
  if (typeof reading.value === 'number') return { value: reading.value, valueText: null };
  if (typeof reading.value === 'boolean') return { value: reading.value ? 1 : 0, valueText: null };
  return { value: null, valueText: reading.value };
}

/** Insert the readings; resolves with those that were new, sorted by asset and time. */
export async function storeReadings(db: Queryable & { query<R>(text: string, values?: unknown[]): Promise<{ rows: R[] }> }, readings: readonly Reading[]): Promise<StoredReading[]> {
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
  const { rows } = await db.query<InsertedRow>(
    `INSERT INTO telemetry.reading (time, asset_id, tag, value, value_text, quality, reading_id)
     SELECT * FROM unnest($1::timestamptz[], $2::uuid[], $3::text[], $4::float8[], $5::text[], $6::text[], $7::text[])
     ON CONFLICT (reading_id, time) DO NOTHING
     RETURNING reading_id, asset_id, tag, value, value_text, quality, time`,
    [times, assetIds, tags, values, texts, qualities, readingIds],
  );
  return rows
    .map((row) => ({ readingId: row.reading_id, assetId: row.asset_id, tag: row.tag, value: row.value, valueText: row.value_text, quality: row.quality, time: row.time }))
    .sort((a, b) => (a.assetId === b.assetId ? a.time.getTime() - b.time.getTime() : a.assetId < b.assetId ? -1 : 1));
}
