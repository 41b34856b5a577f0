// The processors of a hub's ingest workers (as ingest/index.ts wires them, in the same order), for
// tests that run a worker of their own, in this process or in a child.
import type { ReadingProcessor } from '../../ingest/pipeline.ts';
import { createMaintenanceReaction } from '../../ingest/reactions/maintenance.ts';
import { createOperationTracker } from '../../ingest/reactions/operations.ts';
import { createPalletReaction } from '../../ingest/reactions/pallets.ts';
import { createQualityReaction } from '../../ingest/reactions/quality.ts';
import { createLineStateProcessor } from '../../ingest/state/processor.ts';
import { createThresholdProcessor } from '../../ingest/thresholds/processor.ts';

export const TEST_DOWNTIME_REQUEST_AFTER_SECONDS = 120;

export function hubReadingProcessors(): ReadingProcessor[] {
  return [
    createLineStateProcessor(),
    createThresholdProcessor(),
    createOperationTracker(),
    createQualityReaction(),
    createPalletReaction(),
    createMaintenanceReaction({ downtimeRequestAfterSeconds: TEST_DOWNTIME_REQUEST_AFTER_SECONDS }),
  ];
}
