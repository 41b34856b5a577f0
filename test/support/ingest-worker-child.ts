// An ingest worker in a process of its own, for the crash test: it stores batches like any worker,
// records every reading its processor is handed in public.processed_reading (in the batch
// transaction), and after the first COMMIT tells the parent and hangs before acknowledging, so the
// parent can SIGKILL it exactly between commit and ack.
import { connectBus } from '../../core/bus.ts';
import { openDatabase } from '../../core/db.ts';
import { silentLogger } from '../../core/log.ts';
import type { ReadingProcessor } from '../../ingest/pipeline.ts';
import { startIngestWorker } from '../../ingest/worker.ts';

const database = openDatabase({ url: process.env.CHILD_DATABASE_URL!, poolMax: 3, log: silentLogger });
const bus = await connectBus({ url: process.env.CHILD_NATS_URL!, name: 'test-crashing-worker', log: silentLogger });
const recorder: ReadingProcessor = {
  name: 'recorder',
  async process(readings, { client }) {
    await client.query('INSERT INTO public.processed_reading (reading_id) SELECT unnest($1::text[])', [readings.map((reading) => reading.readingId)]);
    return [];
  },
};
await startIngestWorker({
  pool: database.pool,
  bus,
  streams: JSON.parse(process.env.CHILD_STREAMS!),
  log: silentLogger,
  processors: [recorder],
  batchMessages: 5,
  ackWaitMs: Number(process.env.CHILD_ACK_WAIT_MS),
  beforeAck: async (batch) => {
    process.send?.({ type: 'committed', stored: batch.stored });
    await new Promise(() => undefined); // never acks: the parent kills this process now
  },
});
process.send?.({ type: 'ready' });
