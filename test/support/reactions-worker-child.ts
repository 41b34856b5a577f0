// An ingest worker with all the hub's reactions in a process of its own, for the crash-and-replay
// test: small batches, a short ack wait, and a pause between COMMIT and the acks (CHILD_ACK_DELAY_MS)
// so that a SIGKILL from the parent often lands between the two. Tells the parent 'ready' once it
// consumes and 'committed' after each batch.
import { connectBus } from '../../core/bus.ts';
import { openDatabase } from '../../core/db.ts';
import { silentLogger } from '../../core/log.ts';
import { startIngestWorker } from '../../ingest/worker.ts';
import { hubReadingProcessors } from './reaction-processors.ts';

const database = openDatabase({ url: process.env.CHILD_DATABASE_URL!, poolMax: 3, log: silentLogger });
const bus = await connectBus({ url: process.env.CHILD_NATS_URL!, name: 'test-reactions-worker', log: silentLogger });
const ackDelayMs = Number(process.env.CHILD_ACK_DELAY_MS ?? 0);
await startIngestWorker({
  pool: database.pool,
  bus,
  streams: JSON.parse(process.env.CHILD_STREAMS!),
  log: silentLogger,
  processors: hubReadingProcessors(),
  batchMessages: Number(process.env.CHILD_BATCH_MESSAGES ?? 5),
  ackWaitMs: Number(process.env.CHILD_ACK_WAIT_MS),
  beforeAck: async (batch) => {
    process.send?.({ type: 'committed', messages: batch.messages, stored: batch.stored });
    if (ackDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, ackDelayMs));
  },
});
process.send?.({ type: 'ready' });
