-- The domain event outbox, hand-written (not in schema.prisma, like telemetry). Whoever raises a
-- domain event (the ingest worker, a subgraph command) inserts it here in the same transaction as
-- the change it describes; the relay in core/outbox.ts publishes it to DOMAIN_EVENTS with the event
-- id as Nats-Msg-Id and stamps published_at. A crash between commit and publish therefore loses
-- nothing, and a second publish is dropped by JetStream's duplicate window.
-- Rows are kept after publishing: they are the event half of the audit trail (posting ← events ←
-- readings).

CREATE SCHEMA IF NOT EXISTS events;

CREATE TABLE events.outbox (
  position     bigserial   PRIMARY KEY,
  event_id     uuid        NOT NULL UNIQUE,
  type         text        NOT NULL,
  subject      text        NOT NULL,
  envelope     jsonb       NOT NULL,
  occurred_at  timestamptz NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  published_at timestamptz
);

-- The relay reads the unpublished tail in order; this index holds only that tail.
CREATE INDEX outbox_unpublished_idx ON events.outbox (position) WHERE published_at IS NULL;
-- The audit trail looks events up by the entity they are about.
CREATE INDEX outbox_subject_idx ON events.outbox (subject, occurred_at);

-- One notification per inserting statement wakes the relay at once (no polling delay).
CREATE FUNCTION events.notify_outbox() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('plantgraph_outbox', '');
  RETURN NULL;
END
$$;

CREATE TRIGGER outbox_notify AFTER INSERT ON events.outbox FOR EACH STATEMENT EXECUTE FUNCTION events.notify_outbox();
