import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { randomUUID } from 'node:crypto';
import { connectBus, ensureStreams } from '../../core/bus.ts';
import { silentLogger } from '../../core/log.ts';
import { telemetrySubject } from '../../core/telemetry.ts';
import { INGEST_CONSUMER, startIngestWorker, type IngestWorker } from '../../ingest/worker.ts';
import { deleteStreams, testStreamSettings } from '../support/bus.ts';
import { eventually } from '../support/eventually.ts';
import { startHubUnderTest, type HubUnderTest } from '../support/hub.ts';
import { natsUrl } from '../support/services.ts';

const DEAD_LETTERS = `query ($filter: DeadLetterFilter) { deadLetters(filter: $filter) { totalCount edges { node { id reasonCode reason subject messageId payloadText replayCount replayedAt } } } }`;
const REPLAY = `mutation ($ids: [ID!]!) { replayDeadLetters(ids: $ids) { replayed { id replayCount replayedAt } notFound } }`;

describe('dead letters through the graph', () => {
  const streams = testStreamSettings('dlq_graph');
  let bus: NatsConnection;
  let hub: HubUnderTest;
  let worker: IngestWorker;

  beforeAll(async () => {
    bus = await connectBus({ url: natsUrl, name: 'test-dlq-graph', log: silentLogger });
    await ensureStreams(bus, streams, silentLogger);
    hub = await startHubUnderTest('dlq_graph', { bus });
    worker = await startIngestWorker({ pool: hub.database.pool, bus, streams, log: silentLogger });
  });
  afterAll(async () => {
    await worker.stop();
    await hub.stop();
    await deleteStreams(bus, streams);
    await bus.close();
  });

  it('lists a dead letter with its reason, and a replay after the fix stores its readings', async () => {
    const cell = randomUUID();
    const body = JSON.stringify({ version: 1, readings: [{ readingId: 'mark-1', assetId: cell, tag: 'laser_power', value: 42, timestamp: new Date(Date.now() - 60_000).toISOString() }] });
    await jetstream(bus).publish(telemetrySubject('BER', 'CNC1', 'OP50', streams.SUBJECT_PREFIX), body, { msgID: 'laser-1' });
    await eventually(async () => {
      const info = await (await jetstream(bus).consumers.get(streams.STREAM_TELEMETRY, INGEST_CONSUMER)).info();
      expect(info.num_pending + info.num_ack_pending).toBe(0);
    });

    const listed = await hub.query<{ deadLetters: { totalCount: number; edges: { node: { id: string; reasonCode: string; reason: string; messageId: string; payloadText: string; replayCount: number } }[] } }>(
      DEAD_LETTERS,
      { filter: { reasonCode: 'UNKNOWN_ASSET' } },
      { role: 'operator' },
    );
    expect(listed.errors).toBeUndefined();
    expect(listed.data!.deadLetters.totalCount).toBe(1);
    const letter = listed.data!.deadLetters.edges[0]!.node;
    expect(letter).toMatchObject({ reasonCode: 'UNKNOWN_ASSET', messageId: 'laser-1', payloadText: body, replayCount: 0 });
    expect(letter.reason).toContain(cell);

    // an operator may read dead letters but not replay them
    const forbidden = await hub.query(REPLAY, { ids: [letter.id] }, { role: 'operator' });
    expect(forbidden.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    // the fix: the work cell exists now
    await hub.database.pool.query(`INSERT INTO assets.work_cell (id, line_id, code, name) SELECT $1, id, 'OP50', 'Marking laser' FROM assets.line WHERE code = 'CNC1'`, [cell]);
    await new Promise((resolve) => setTimeout(resolve, 2_100)); // the worker remembers an unknown asset for 2 s
    const unknownId = randomUUID();
    const replay = await hub.query<{ replayDeadLetters: { replayed: { id: string; replayCount: number; replayedAt: string }[]; notFound: string[] } }>(
      REPLAY,
      { ids: [letter.id, unknownId] },
      { role: 'erp-adapter' },
    );
    expect(replay.errors).toBeUndefined();
    expect(replay.data!.replayDeadLetters.replayed).toEqual([{ id: letter.id, replayCount: 1, replayedAt: expect.any(String) }]);
    expect(replay.data!.replayDeadLetters.notFound).toEqual([unknownId]);
    await eventually(async () => {
      const { rows } = await hub.database.pool.query<{ value: number }>(`SELECT value FROM telemetry.reading WHERE reading_id = 'mark-1'`);
      expect(rows).toEqual([{ value: 42 }]);
    });
  });

  it('refuses a malformed id and too many ids with a code', async () => {
    const malformed = await hub.query(REPLAY, { ids: ['not-a-uuid'] });
    expect(malformed.errors?.[0]?.extensions?.code).toBe('VALIDATION_FAILED');
    const tooMany = await hub.query(REPLAY, { ids: Array.from({ length: 101 }, () => randomUUID()) });
    expect(tooMany.errors?.[0]?.extensions?.code).toBe('VALIDATION_FAILED');
  });
});
