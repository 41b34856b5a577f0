// The reading processors every ingest worker runs, in order: the detectors first, then the
// reactions, which see the events the detectors raised in the same batch. startIngest, tests that
// run a worker of their own and bench:reactions all take the list from here.
import type { ReadingProcessor } from './pipeline.ts';
import { createMaintenanceReaction } from './reactions/maintenance.ts';
import { createOperationTracker } from './reactions/operations.ts';
import { createQualityReaction } from './reactions/quality.ts';
import { createLineStateProcessor } from './state/processor.ts';
import { createThresholdProcessor } from './thresholds/processor.ts';

export interface ReadingProcessorSettings {
  /** DOWNTIME_REQUEST_AFTER_SECONDS */
  downtimeRequestAfterSeconds: number;
}

export function createReadingProcessors(settings: ReadingProcessorSettings): ReadingProcessor[] {
  return [
    createLineStateProcessor(),
    createThresholdProcessor(),
    createOperationTracker(),
    createQualityReaction(),
    createMaintenanceReaction({ downtimeRequestAfterSeconds: settings.downtimeRequestAfterSeconds }),
  ];
}
