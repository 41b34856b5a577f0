// One ingest worker as a process of its own, for bench:ingest with BENCH_WORKER_PROCESSES: the
// same worker and processors as in-process, reporting each committed batch (message ids, new
// readings, time) to the parent over IPC.
import { connectBus } from '../../core/bus.ts';
import { openDatabase } from '../../core/db.ts';
import { silentLogger } from '../../core/log.ts';
import { createLineStateProcessor } from '../../ingest/state/processor.ts';
import { createThresholdProcessor } from '../../ingest/thresholds/processor.ts';
import { startIngestWorker } from '../../ingest/worker.ts';
import { exitWithParent, type ChildMessage } from './child-process.ts';

exitWithParent();
const database = openDatabase({ url: process.env.BENCH_DATABASE_URL!, poolMax: 3, applicationName: 'plantgraph-bench-worker', log: silentLogger });
const bus = await connectBus({ url: process.env.BENCH_NATS_URL!, name: 'bench-ingest-worker', log: silentLogger });
const worker = await startIngestWorker({
  pool: database.pool,
  bus,
  streams: JSON.parse(process.env.BENCH_STREAMS!),
  log: silentLogger,
  processors: [createLineStateProcessor(), createThresholdProcessor()],
  batchMessages: Number(process.env.BENCH_BATCH_MESSAGES),
  beforeAck: (batch) => {
    process.send?.({ type: 'batch', messageIds: batch.messageIds, stored: batch.stored, at: Date.now() });
  },
});
process.on('message', (message: ChildMessage) => {
  if (message?.type !== 'stop') return;
  void worker
    .stop()
    .then(() => bus.close())
    .then(() => database.close())
    .then(() => process.exit(0));
});
process.send?.({ type: 'ready' });
