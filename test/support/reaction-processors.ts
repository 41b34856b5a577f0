// The processors of a hub's ingest workers (ingest/processors.ts), with the test's downtime
// threshold, for tests that run a worker of their own, in this process or in a child.
import type { ReadingProcessor } from '../../ingest/pipeline.ts';
import { createReadingProcessors } from '../../ingest/processors.ts';

export const TEST_DOWNTIME_REQUEST_AFTER_SECONDS = 120;

export function hubReadingProcessors(): ReadingProcessor[] {
  return createReadingProcessors({ downtimeRequestAfterSeconds: TEST_DOWNTIME_REQUEST_AFTER_SECONDS });
}
