import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { jetstreamManager } from '@nats-io/jetstream';
import { silentLogger } from '../../core/log.ts';
import type { ReadingProcessor } from '../../ingest/pipeline.ts';
import { INGEST_CONSUMER, startIngestWorker } from '../../ingest/worker.ts';
import { eventually } from '../support/eventually.ts';
import { startIngestFixture, type IngestFixture, type ReadingInput } from '../support/ingest.ts';
import { natsUrl } from '../support/services.ts';

const ACK_WAIT_MS = 2_000;

describe('an ingest worker killed between commit and ack', () => {
  let fixture: IngestFixture;
  beforeAll(async () => {
    fixture = await startIngestFixture('worker_crash');
    await fixture.database.pool.query('CREATE TABLE public.processed_reading (reading_id text NOT NULL)');
  });
  afterAll(async () => {
    await fixture.close();
  });

  it('loses nothing and stores and processes nothing twice once another worker takes over', async () => {
    const op10 = await fixture.assetId('OP10');
    const base = Date.now() - 60 * 60 * 1_000;
    const expected: string[] = [];
    for (let m = 0; m < 40; m += 1) {
      const readings: ReadingInput[] = Array.from({ length: 25 }, (_, r) => ({ readingId: `crash-${m}-${r}`, assetId: op10, tag: 'spindle_temp', value: 50, timestamp: new Date(base + (m * 25 + r) * 1_000).toISOString() }));
      expected.push(...readings.map((reading) => reading.readingId));
      await fixture.publish(readings);
    }
    const manager = await jetstreamManager(fixture.bus);

    const child = fork(fileURLToPath(new URL('../support/ingest-worker-child.ts', import.meta.url)), [], {
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, CHILD_DATABASE_URL: fixture.databaseUrl, CHILD_NATS_URL: natsUrl, CHILD_STREAMS: JSON.stringify(fixture.streams), CHILD_ACK_WAIT_MS: String(ACK_WAIT_MS) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const committed = await new Promise<{ stored: number }>((resolve, reject) => {
      child.on('message', (message: { type: string; stored: number }) => message.type === 'committed' && resolve(message));
      child.once('exit', (code) => reject(new Error(`worker child exited (${code}) before committing`)));
    });
    child.kill('SIGKILL');
    await exited;
    expect(committed.stored).toBeGreaterThan(0); // its batch is in the database, unacknowledged

    const seen: string[] = [];
    const recorder: ReadingProcessor = { name: 'recorder', process: async (readings) => (seen.push(...readings.map((reading) => reading.readingId)), []) };
    // the same short ack wait as the killed worker, so its unacknowledged batch comes back quickly
    const successor = await startIngestWorker({ pool: fixture.database.pool, bus: fixture.bus, streams: fixture.streams, log: silentLogger, processors: [recorder], ackWaitMs: ACK_WAIT_MS });
    try {
      await eventually(async () => {
        const info = await manager.consumers.info(fixture.streams.STREAM_TELEMETRY, INGEST_CONSUMER);
        expect(info.num_pending + info.num_ack_pending).toBe(0);
      }, { timeoutMs: 30_000 });
    } finally {
      await successor.stop();
    }
    const stored = await fixture.database.pool.query<{ reading_id: string }>('SELECT reading_id FROM telemetry.reading');
    expect(stored.rows).toHaveLength(expected.length);
    expect(new Set(stored.rows.map((row) => row.reading_id))).toEqual(new Set(expected));
    // the killed worker's processor ran (committed) for its batch, the successor's for the rest: each reading once
    const processedByChild = (await fixture.database.pool.query<{ reading_id: string }>('SELECT reading_id FROM public.processed_reading')).rows.map((row) => row.reading_id);
    expect(processedByChild).toHaveLength(committed.stored);
    expect([...processedByChild, ...seen].sort()).toEqual([...expected].sort());
  }, 60_000);
});
