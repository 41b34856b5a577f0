-- The audit trail of ERP postings (issue 7), hand-written like the event outbox (not in
-- schema.prisma): what a posting was derived from beyond its source_event_ids, and the indexes
-- that answer "which postings did this reading or event feed".

-- The telemetry a windowed posting (a production confirmation) aggregated: the readings of these
-- tags of this asset in [window_start, window_end). Readings are derived from these bounds when the
-- trace is read instead of storing thousands of reading ids with the posting.
CREATE TABLE integration.erp_posting_window (
  posting_id   uuid        PRIMARY KEY REFERENCES integration.erp_posting (id) ON DELETE CASCADE,
  -- a line or work cell (cross-domain, no FK)
  asset_id     uuid        NOT NULL,
  tags         text[]      NOT NULL,
  window_start timestamptz NOT NULL,
  window_end   timestamptz NOT NULL,
  CONSTRAINT erp_posting_window_bounds CHECK (window_start < window_end)
);
-- reading → postings: the windows of an asset around a time
CREATE INDEX erp_posting_window_asset_idx ON integration.erp_posting_window (asset_id, window_start, window_end);

-- event → postings: postings whose source_event_ids contain the event
CREATE INDEX erp_posting_source_event_ids_idx ON integration.erp_posting USING gin (source_event_ids);

-- reading → events: the events that name the reading that raised them (ThresholdCrossed,
-- AlarmRaised, LineStateChanged carry data.readingId)
CREATE INDEX outbox_reading_id_idx ON events.outbox ((envelope -> 'data' ->> 'readingId')) WHERE envelope -> 'data' ? 'readingId';
