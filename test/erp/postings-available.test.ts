// The database raises ErpPostingsAvailable for every statement that inserts ERP postings: one
// event per kind (at most 500 ids each) in the event outbox, in the same transaction; postings
// skipped by ON CONFLICT raise nothing.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { openDatabase, type Database } from '../../core/db.ts';
import { parseEvent, type EventEnvelope } from '../../core/events.ts';
import { silentLogger } from '../../core/log.ts';
import { migrate } from '../../core/migrations.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';

describe('ErpPostingsAvailable from the database', () => {
  let testDatabase: TestDatabase;
  let database: Database;

  beforeAll(async () => {
    testDatabase = await createTestDatabase('postings_available');
    database = openDatabase({ url: testDatabase.url, poolMax: 2, log: silentLogger });
    await migrate({ pool: database.pool, log: silentLogger });
  });
  afterAll(async () => {
    await database.close();
    await testDatabase.drop();
  });

  const events = async (): Promise<EventEnvelope<'ErpPostingsAvailable'>[]> => {
    const { rows } = await database.pool.query<{ envelope: unknown }>(`SELECT envelope FROM events.outbox WHERE type = 'ErpPostingsAvailable' ORDER BY position`);
    return rows.map((row) => parseEvent(row.envelope) as EventEnvelope<'ErpPostingsAvailable'>);
  };

  it('postings available - one valid event per kind and statement, ids in chunks of 500, nothing for skipped rows', async () => {
    const { pool } = database;
    const keys = Array.from({ length: 503 }, () => `avail-${randomUUID()}`);
    const { rows } = await pool.query<{ id: string; kind: string }>(
      `INSERT INTO integration.erp_posting (kind, payload, idempotency_key)
       SELECT CASE WHEN n <= 501 THEN 'GOODS_ISSUE' ELSE 'SCRAP' END::integration.erp_posting_kind, '{}', key
         FROM unnest($1::text[]) WITH ORDINALITY AS k(key, n) RETURNING id, kind::text`,
      [keys],
    );
    const raised = await events();
    // every envelope passed core/events.ts validation (parseEvent above)
    expect(raised.map((event) => [event.data.kind, event.data.count, event.subject])).toEqual([
      ['GOODS_ISSUE', 500, 'erp-postings/GOODS_ISSUE'],
      ['GOODS_ISSUE', 1, 'erp-postings/GOODS_ISSUE'],
      ['SCRAP', 2, 'erp-postings/SCRAP'],
    ]);
    const announced = raised.flatMap((event) => event.data.postingIds).sort();
    expect(announced).toEqual(rows.map((row) => row.id).sort());

    // the same keys again: ON CONFLICT DO NOTHING inserts nothing, so nothing is announced
    await pool.query(`INSERT INTO integration.erp_posting (kind, payload, idempotency_key) SELECT 'GOODS_ISSUE', '{}', key FROM unnest($1::text[]) AS key ON CONFLICT (idempotency_key) DO NOTHING`, [keys]);
    expect(await events()).toHaveLength(3);
    // a rolled-back posting announces nothing either
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(`INSERT INTO integration.erp_posting (kind, payload, idempotency_key) VALUES ('TRANSFER', '{}', $1)`, [`avail-${randomUUID()}`]);
      await client.query('ROLLBACK');
    } finally {
      client.release();
    }
    expect(await events()).toHaveLength(3);
  });
});
