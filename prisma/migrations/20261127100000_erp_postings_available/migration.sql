-- ErpPostingsAvailable, raised by the database itself: every statement that inserts ERP postings
-- (an ingest reaction, the confirmation job, a subgraph command) also inserts, in the same
-- transaction, one event per posting kind into the event outbox, with up to 500 posting ids each.
-- The relay publishes them like any other event; the gateway's `erpPostingsAvailable`
-- subscription is fed by them, so adapters need not poll. A trigger rather than code in each
-- writer: there are many writers, and a new one cannot forget it. The envelope is the contract of
-- core/events.ts (ErpPostingsAvailable v1); rows skipped by ON CONFLICT DO NOTHING are not in the
-- transition table, so a replay raises nothing.

CREATE FUNCTION integration.raise_erp_postings_available() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  batch record;
  event_id uuid;
  at timestamptz := clock_timestamp();
BEGIN
  FOR batch IN
    SELECT kind::text AS kind, ids[chunk * 500 + 1 : chunk * 500 + 500] AS ids
      FROM (SELECT kind, array_agg(id ORDER BY id) AS ids FROM inserted GROUP BY kind) AS by_kind
      CROSS JOIN LATERAL generate_series(0, (cardinality(ids) - 1) / 500) AS chunk
  LOOP
    event_id := gen_random_uuid();
    INSERT INTO events.outbox (event_id, type, subject, envelope, occurred_at)
    VALUES (
      event_id,
      'ErpPostingsAvailable',
      'erp-postings/' || batch.kind,
      jsonb_build_object(
        'id', event_id,
        'type', 'ErpPostingsAvailable',
        'version', 1,
        'source', 'integration/erp-posting',
        'occurredAt', to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
        'subject', 'erp-postings/' || batch.kind,
        'data', jsonb_build_object('kind', batch.kind, 'count', cardinality(batch.ids), 'postingIds', to_jsonb(batch.ids))
      ),
      at
    );
  END LOOP;
  RETURN NULL;
END
$$;

CREATE TRIGGER erp_postings_available
  AFTER INSERT ON integration.erp_posting
  REFERENCING NEW TABLE AS inserted
  FOR EACH STATEMENT EXECUTE FUNCTION integration.raise_erp_postings_available();
