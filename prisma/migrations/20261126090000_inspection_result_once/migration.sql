-- Hand-written (Prisma cannot express a partial unique index): a measurement that reached an
-- inspection lot from a device (source_event_id = the ThresholdCrossed event) is recorded once per
-- lot, so the quality reaction can insert with ON CONFLICT DO NOTHING and a replay adds no result.
CREATE UNIQUE INDEX inspection_result_once_per_source ON quality.inspection_result (inspection_lot_id, source_event_id) WHERE source_event_id IS NOT NULL;
