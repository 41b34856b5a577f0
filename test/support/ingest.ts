// A seeded test database, its own streams and a NATS connection for ingest tests: publish
// readings as a device would, wait until the worker has acknowledged everything, clean up.
import { expect } from '@jest/globals';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { randomUUID } from 'node:crypto';
import { connectBus, ensureStreams, type StreamSettings } from '../../core/bus.ts';
import { openDatabase, type Database } from '../../core/db.ts';
import { silentLogger } from '../../core/log.ts';
import { migrate } from '../../core/migrations.ts';
import { telemetrySubject, type TelemetryMessageInput } from '../../core/telemetry.ts';
import { INGEST_CONSUMER } from '../../ingest/worker.ts';
import { seedDemoPlant } from '../../prisma/seed.ts';
import { deleteStreams, testStreamSettings } from './bus.ts';
import { createTestDatabase, type TestDatabase } from './database.ts';
import { eventually } from './eventually.ts';
import { natsUrl } from './services.ts';

export type ReadingInput = TelemetryMessageInput['readings'][number];

export interface IngestFixture {
  database: Database;
  databaseUrl: string;
  bus: NatsConnection;
  js: JetStreamClient;
  manager: JetStreamManager;
  streams: StreamSettings;
  /** Id of a seeded line or work cell by its code. */
  assetId(code: string): Promise<string>;
  publish(readings: ReadingInput[], msgID?: string): Promise<void>;
  /** Resolves once the ingest consumer has nothing pending or unacknowledged. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

export async function startIngestFixture(label: string): Promise<IngestFixture> {
  const testDatabase: TestDatabase = await createTestDatabase(label);
  const database = openDatabase({ url: testDatabase.url, poolMax: 8, log: silentLogger });
  await migrate({ pool: database.pool, log: silentLogger });
  await seedDemoPlant(database.prisma);
  const bus = await connectBus({ url: natsUrl, name: `test-${label}`, log: silentLogger });
  const streams = testStreamSettings(label);
  await ensureStreams(bus, streams, silentLogger);
  const js = jetstream(bus);
  const manager = await jetstreamManager(bus);
  return {
    database,
    databaseUrl: testDatabase.url,
    bus,
    js,
    manager,
    streams,
    async assetId(code) {
      const { rows } = await database.pool.query<{ id: string }>('SELECT id FROM assets.work_cell WHERE code = $1 UNION ALL SELECT id FROM assets.line WHERE code = $1', [code]);
      if (!rows[0]) throw new Error(`no asset ${code} in the seed`);
      return rows[0].id;
    },
    async publish(readings, msgID = randomUUID()) {
      await js.publish(telemetrySubject('BER', 'CNC1', 'TEST', streams.SUBJECT_PREFIX), JSON.stringify({ version: 1, readings }), { msgID });
    },
    async idle() {
      await eventually(async () => {
        const info = await manager.consumers.info(streams.STREAM_TELEMETRY, INGEST_CONSUMER);
        expect(info.num_pending + info.num_ack_pending).toBe(0);
      });
    },
    async close() {
      await deleteStreams(bus, streams);
      await bus.close();
      await database.close();
      await testDatabase.drop();
    },
  };
}
