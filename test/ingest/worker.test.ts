import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { randomUUID } from 'node:crypto';
import { connectBus, ensureStreams } from '../../core/bus.ts';
import { openDatabase, type Database } from '../../core/db.ts';
import { createEvent } from '../../core/events.ts';
import { silentLogger } from '../../core/log.ts';
import { createMetrics } from '../../core/metrics.ts';
import { migrate } from '../../core/migrations.ts';
import { telemetrySubject, type TelemetryMessageInput } from '../../core/telemetry.ts';
import type { ReadingProcessor, StoredReading } from '../../ingest/pipeline.ts';
import { replayDeadLetters } from '../../ingest/replay.ts';
import { INGEST_CONSUMER, startIngestWorker, type IngestWorker } from '../../ingest/worker.ts';
import { seedDemoPlant } from '../../prisma/seed.ts';
import { deleteStreams, testStreamSettings } from '../support/bus.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { natsUrl } from '../support/services.ts';
import { eventually } from '../support/eventually.ts';

const hourAgo = Math.floor(Date.now() / 60_000) * 60_000 - 60 * 60 * 1_000;

describe('ingest worker', () => {
  let testDatabase: TestDatabase;
  let database: Database;
  let bus: NatsConnection;
  let js: JetStreamClient;
  let manager: JetStreamManager;
  let op10: string; // BER/CNC1/OP10 work cell id
  const workers: IngestWorker[] = [];
  const streamSettings: ReturnType<typeof testStreamSettings>[] = [];

  beforeAll(async () => {
    testDatabase = await createTestDatabase('ingest_worker');
    database = openDatabase({ url: testDatabase.url, poolMax: 8, log: silentLogger });
    await migrate({ pool: database.pool, log: silentLogger });
    await seedDemoPlant(database.prisma);
    const { rows } = await database.pool.query<{ id: string }>(`SELECT id FROM assets.work_cell WHERE code = 'OP10'`);
    op10 = rows[0]!.id;
    bus = await connectBus({ url: natsUrl, name: 'test-ingest', log: silentLogger });
    js = jetstream(bus);
    manager = await jetstreamManager(bus);
  });
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((worker) => worker.stop()));
  });
  afterAll(async () => {
    for (const settings of streamSettings) await deleteStreams(bus, settings);
    await bus.close();
    await database.close();
    await testDatabase.drop();
  });

  /** Fresh streams (and so a fresh consumer) per test, and a clean reading table. */
  async function freshStreams(label: string) {
    const settings = testStreamSettings(label);
    streamSettings.push(settings);
    await ensureStreams(bus, settings, silentLogger);
    await database.pool.query('TRUNCATE telemetry.reading, integration.dead_letter, integration.integration_exception, events.outbox');
    return settings;
  }

  function message(readingIds: string[], overrides: Partial<TelemetryMessageInput['readings'][number]> = {}): TelemetryMessageInput {
    return {
      version: 1,
      deviceId: 'cnc1-op10-plc',
      readings: readingIds.map((readingId, index) => ({
        readingId,
        assetId: op10,
        tag: 'spindle_temp',
        value: 50 + index,
        unit: '°C',
        timestamp: new Date(hourAgo + index * 1_000).toISOString(),
        ...overrides,
      })),
    };
  }

  async function publish(settings: ReturnType<typeof testStreamSettings>, body: unknown, msgID: string = randomUUID()) {
    const payload = typeof body === 'string' ? body : JSON.stringify(body);
    return js.publish(telemetrySubject('BER', 'CNC1', 'OP10', settings.SUBJECT_PREFIX), payload, { msgID });
  }

  const readingCount = async () => Number((await database.pool.query<{ n: string }>('SELECT count(*) AS n FROM telemetry.reading')).rows[0]!.n);

  async function consumerIdle(settings: ReturnType<typeof testStreamSettings>) {
    await eventually(async () => {
      const info = await manager.consumers.info(settings.STREAM_TELEMETRY, INGEST_CONSUMER);
      expect(info.num_pending + info.num_ack_pending).toBe(0);
    });
  }

  /** Remembers every reading it was handed, to prove none is handed over twice. */
  function recordingProcessor(): ReadingProcessor & { seen: string[] } {
    const seen: string[] = [];
    return {
      name: 'recording',
      seen,
      async process(readings: readonly StoredReading[]) {
        seen.push(...readings.map((reading) => reading.readingId));
        return [];
      },
    };
  }

  it('stores a reading once whether it is published twice or redelivered, and hands it to the processors once', async () => {
    const settings = await freshStreams('dupes');
    const recorder = recordingProcessor();
    let crashOnce = true;
    const worker = await startIngestWorker({
      pool: database.pool,
      bus,
      streams: settings,
      log: silentLogger,
      processors: [recorder],
      // the first batch commits, then "crashes" before its acks: JetStream redelivers it
      beforeAck: () => {
        if (crashOnce) {
          crashOnce = false;
          throw new Error('crash between commit and ack');
        }
      },
    });
    workers.push(worker);
    const ids = ['r-1', 'r-2', 'r-3'];
    await publish(settings, message(ids), 'batch-1');
    await publish(settings, message(ids), 'batch-1'); // same message id: JetStream drops it
    await publish(settings, message(ids), 'batch-1-again'); // same readings, new message id: the table drops them
    await consumerIdle(settings);

    expect(await readingCount()).toBe(3);
    expect(recorder.seen.sort()).toEqual(ids);
    expect(worker.stats.failedBatches).toBe(1);
    expect(worker.stats.duplicates).toBeGreaterThanOrEqual(3);
  });

  it('rolls the whole batch back when a processor fails, and stores it once it succeeds', async () => {
    const settings = await freshStreams('rollback');
    let failures = 2;
    const flaky: ReadingProcessor = {
      name: 'flaky',
      async process(readings) {
        if (failures-- > 0) throw new Error('processor failed');
        const first = readings[0]!;
        return [
          createEvent({
            type: 'ThresholdCrossed',
            source: 'test/flaky',
            subject: `asset/${first.assetId}`,
            data: { assetId: first.assetId, tagId: randomUUID(), tagName: first.tag, value: first.value ?? 0, limit: 'HIGH_WARN', limitValue: 1, readingId: first.readingId, observedAt: first.time.toISOString() },
          }),
        ];
      },
    };
    const metrics = createMetrics({ collectProcessMetrics: false });
    workers.push(await startIngestWorker({ pool: database.pool, bus, streams: settings, log: silentLogger, metrics, processors: [flaky] }));
    await publish(settings, message(['x-1', 'x-2']));
    await consumerIdle(settings);

    expect(await readingCount()).toBe(2);
    const outbox = await database.pool.query<{ type: string }>('SELECT type FROM events.outbox');
    expect(outbox.rows).toEqual([{ type: 'ThresholdCrossed' }]);
    const batches = await metrics.registry.getSingleMetricAsString('plantgraph_ingest_batches_total');
    expect(batches).toMatch(/outcome="failed",service="plantgraph"} 2/);
    expect(batches).toMatch(/outcome="committed",service="plantgraph"} 1/);
  });

  it('two workers on one consumer store every reading exactly once', async () => {
    const settings = await freshStreams('pair');
    const recorders = [recordingProcessor(), recordingProcessor()];
    for (const recorder of recorders) {
      workers.push(await startIngestWorker({ pool: database.pool, bus, streams: settings, log: silentLogger, processors: [recorder], batchMessages: 5 }));
    }
    const expected: string[] = [];
    const publishes = [];
    for (let m = 0; m < 60; m += 1) {
      const ids = Array.from({ length: 50 }, (_, r) => `pair-${m}-${r}`);
      expected.push(...ids);
      publishes.push(publish(settings, message(ids)));
    }
    await Promise.all(publishes);
    await consumerIdle(settings);

    expect(await readingCount()).toBe(expected.length);
    const seen = recorders.flatMap((recorder) => recorder.seen);
    expect(seen).toHaveLength(expected.length);
    expect(new Set(seen)).toEqual(new Set(expected));
  });

  it('dead-letters each kind of bad input with its reason, stores nothing of it, and acks it', async () => {
    const settings = await freshStreams('dlq');
    const metrics = createMetrics({ collectProcessMetrics: false });
    workers.push(await startIngestWorker({ pool: database.pool, bus, streams: settings, log: silentLogger, metrics }));
    const unknownAsset = randomUUID();
    const future = new Date(Date.now() + 60 * 60 * 1_000).toISOString();
    await publish(settings, '{"version": 1, "readings": [', 'bad-json');
    await publish(settings, { version: 1, readings: [{ readingId: 's-1', assetId: op10, tag: 'spindle_temp', value: null, timestamp: 'yesterday' }] }, 'bad-schema');
    await publish(settings, message(['u-1', 'u-2'], { assetId: unknownAsset }), 'bad-asset');
    await publish(settings, message(['f-1'], { timestamp: future }), 'bad-time');
    // a good reading next to a bad one: the whole message waits in the DLQ, nothing half-stored
    await publish(settings, { version: 1, readings: [message(['ok-1']).readings[0], { ...message(['u-3']).readings[0], assetId: unknownAsset }] }, 'half-bad');
    await consumerIdle(settings);

    expect(await readingCount()).toBe(0);
    const { rows } = await database.pool.query<{ message_id: string; reason_code: string; reason: string; payload_text: string | null; subject: string }>(
      'SELECT message_id, reason_code, reason, payload_text, subject FROM integration.dead_letter ORDER BY stream_sequence',
    );
    expect(rows.map((row) => [row.message_id, row.reason_code])).toEqual([
      ['bad-json', 'INVALID_JSON'],
      ['bad-schema', 'SCHEMA_VIOLATION'],
      ['bad-asset', 'UNKNOWN_ASSET'],
      ['bad-time', 'FUTURE_TIMESTAMP'],
      ['half-bad', 'UNKNOWN_ASSET'],
    ]);
    expect(rows[0]!.payload_text).toBe('{"version": 1, "readings": [');
    expect(rows[1]!.reason).toMatch(/readings\.0\.value/);
    expect(rows[1]!.reason).toMatch(/readings\.0\.timestamp/);
    expect(rows[2]!.reason).toContain(unknownAsset);
    expect(rows.every((row) => row.subject === telemetrySubject('BER', 'CNC1', 'OP10', settings.SUBJECT_PREFIX))).toBe(true);

    // the DLQ stream holds each with its reason in headers
    const dlq = await manager.streams.info(settings.STREAM_DLQ);
    expect(dlq.state.messages).toBe(5);
    const first = await manager.streams.getMessage(settings.STREAM_DLQ, { seq: dlq.state.first_seq });
    expect(first?.subject).toBe(`${settings.SUBJECT_PREFIX}.dlq.telemetry.ber.cnc1.op10`);
    expect(first?.header?.get('Plantgraph-Reason-Code')).toBe('INVALID_JSON');
    expect(first?.string()).toBe('{"version": 1, "readings": [');
    expect(await metrics.registry.getSingleMetricAsString('plantgraph_dead_letters_total')).toMatch(/reason="UNKNOWN_ASSET",service="plantgraph"} 2/);
  });

  it('a dead letter replayed after its master data is fixed lands in telemetry.reading', async () => {
    const settings = await freshStreams('replay');
    workers.push(await startIngestWorker({ pool: database.pool, bus, streams: settings, log: silentLogger }));
    const newCell = randomUUID();
    await publish(settings, message(['n-1', 'n-2'], { assetId: newCell }), 'new-cell');
    await consumerIdle(settings);
    const { rows } = await database.pool.query<{ id: string }>(`SELECT id FROM integration.dead_letter WHERE message_id = 'new-cell'`);
    expect(rows).toHaveLength(1);

    // replaying before the fix dead-letters it again; after the fix it is stored
    await replayDeadLetters(database.prisma, js, [rows[0]!.id]);
    await eventually(async () => expect(Number((await database.pool.query<{ n: string }>('SELECT count(*) AS n FROM integration.dead_letter')).rows[0]!.n)).toBe(2));
    await database.pool.query(
      `INSERT INTO assets.work_cell (id, line_id, code, name) SELECT $1, line_id, 'OP40', 'Deburring' FROM assets.work_cell WHERE id = $2`,
      [newCell, op10],
    );
    await new Promise((resolve) => setTimeout(resolve, 2_100)); // the directory remembers an unknown id for 2 s
    const replayed = await replayDeadLetters(database.prisma, js, [rows[0]!.id]);
    expect(replayed).toEqual([expect.objectContaining({ id: rows[0]!.id, replayCount: 2 })]);
    await eventually(async () => expect(await readingCount()).toBe(2));
    const letter = await database.pool.query<{ replay_count: number; replayed_at: Date | null }>('SELECT replay_count, replayed_at FROM integration.dead_letter WHERE id = $1', [rows[0]!.id]);
    expect(letter.rows[0]).toEqual({ replay_count: 2, replayed_at: expect.any(Date) });
  });
});
