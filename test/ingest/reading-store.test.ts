// storeReadings: only new readings come back (all-new batch, partial batch, copies within a batch,
// all duplicates), with values as stored, and text that needs escaping in an array literal.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { openDatabase, type Database } from '../../core/db.ts';
import { silentLogger } from '../../core/log.ts';
import { migrate } from '../../core/migrations.ts';
import type { Reading } from '../../core/telemetry.ts';
import { storeReadings } from '../../ingest/reading-store.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';

const assetId = '0b5e0c4e-9a9e-4f0e-8c1e-1a2b3c4d5e6f';
const reading = (readingId: string, timestamp: string, value: Reading['value'] = 1, tag = 'temp'): Reading => ({ readingId, assetId, tag, value, quality: 'GOOD', timestamp });

describe('storeReadings', () => {
  let testDatabase: TestDatabase;
  let database: Database;
  beforeAll(async () => {
    testDatabase = await createTestDatabase('reading_store');
    database = openDatabase({ url: testDatabase.url, poolMax: 2, log: silentLogger });
    await migrate({ pool: database.pool, log: silentLogger });
  });
  afterAll(async () => {
    await database.close();
    await testDatabase.drop();
  });

  it('returns only the new readings of all-new, partial and duplicate batches', async () => {
    const odd = 't a"g\\{,} NULL';
    const first = await storeReadings(database.pool, [
      reading('b', '2026-11-25T08:00:00Z', 'NULL', odd),
      reading('a', '2026-11-25T08:00:00.123+01:00', 2.5),
      reading('c', '2026-11-25T08:00:00.5Z', true),
    ]);
    expect(first.map((stored) => [stored.readingId, stored.time.toISOString(), stored.value, stored.valueText, stored.tag])).toEqual([
      ['a', '2026-11-25T07:00:00.123Z', 2.5, null, 'temp'],
      ['b', '2026-11-25T08:00:00.000Z', null, 'NULL', odd],
      ['c', '2026-11-25T08:00:00.500Z', 1, null, 'temp'],
    ]);
    const partial = await storeReadings(database.pool, [
      reading('a', '2026-11-25T07:00:00.123Z'), // the same key as 'a' above, in another offset
      reading('d', '2026-11-25T08:00:00Z', ''),
      reading('d', '2026-11-25T08:00:00Z', 7), // a second copy within the batch
      reading('b', '2026-11-25T08:00:01Z'), // same id, other time: new
    ]);
    expect(partial.map((stored) => [stored.readingId, stored.time.toISOString(), stored.value, stored.valueText])).toEqual([
      ['d', '2026-11-25T08:00:00.000Z', null, ''],
      ['b', '2026-11-25T08:00:01.000Z', 1, null],
    ]);
    expect(await storeReadings(database.pool, [reading('a', '2026-11-25T07:00:00.123Z')])).toEqual([]);
    const { rows } = await database.pool.query<{ reading_id: string; value_text: string | null; tag: string }>('SELECT reading_id, value_text, tag FROM telemetry.reading ORDER BY reading_id, time');
    expect(rows.map((row) => row.reading_id)).toEqual(['a', 'b', 'b', 'c', 'd']);
    expect(rows[1]).toMatchObject({ value_text: 'NULL', tag: odd });
    expect(rows[4]).toMatchObject({ value_text: '' });
  });
});
