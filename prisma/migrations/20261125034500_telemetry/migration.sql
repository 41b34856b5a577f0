-- Telemetry storage, hand-written (not in schema.prisma): raw readings and 1-minute rollups.
-- TimescaleDB when the server has it (hypertable, compression, continuous aggregate), plain
-- PostgreSQL otherwise (BRIN on time, a rollup table kept by telemetry.refresh_reading_1m).
-- Both shapes answer the same queries: telemetry.reading and telemetry.reading_1m with the same
-- columns. telemetry.storage_mode() says which one this database uses.

CREATE SCHEMA IF NOT EXISTS telemetry;

-- TimescaleDB can only be created when the package is installed *and* preloaded; a server that
-- lists it but has not preloaded it would fail CREATE EXTENSION, so that case runs plain too.
CREATE FUNCTION telemetry.timescale_usable() RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb')
     AND current_setting('shared_preload_libraries') LIKE '%timescaledb%'
$$;

DO $$
BEGIN
  IF telemetry.timescale_usable() THEN
    CREATE EXTENSION IF NOT EXISTS timescaledb;
  ELSE
    RAISE NOTICE 'TimescaleDB is not available: telemetry uses plain PostgreSQL tables';
  END IF;
END $$;

CREATE TABLE telemetry.reading (
  time        timestamptz      NOT NULL,
  asset_id    uuid             NOT NULL,
  tag         text             NOT NULL,
  value       double precision,
  value_text  text,
  quality     text             NOT NULL DEFAULT 'GOOD',
  reading_id  text             NOT NULL,
  received_at timestamptz      NOT NULL DEFAULT now(),
  CONSTRAINT reading_quality_check CHECK (quality IN ('GOOD', 'UNCERTAIN', 'BAD')),
  CONSTRAINT reading_has_value CHECK (value IS NOT NULL OR value_text IS NOT NULL),
  -- Replays insert with ON CONFLICT DO NOTHING on this key; a hypertable's unique keys must
  -- include its time column, hence (reading_id, time) and not reading_id alone.
  CONSTRAINT reading_id_time_key UNIQUE (reading_id, time)
);

CREATE INDEX reading_asset_tag_time_idx ON telemetry.reading (asset_id, tag, time DESC);

DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') THEN
    PERFORM create_hypertable('telemetry.reading', 'time', chunk_time_interval => interval '1 day', if_not_exists => true);
    ALTER TABLE telemetry.reading SET (
      timescaledb.compress,
      timescaledb.compress_segmentby = 'asset_id, tag',
      timescaledb.compress_orderby = 'time DESC'
    );
    PERFORM add_compression_policy('telemetry.reading', interval '7 days', if_not_exists => true);
    -- WITH NO DATA: a continuous aggregate created WITH DATA cannot run inside a transaction.
    CREATE MATERIALIZED VIEW telemetry.reading_1m WITH (timescaledb.continuous) AS
      SELECT time_bucket(interval '1 minute', time) AS bucket, asset_id, tag,
             min(value) AS min_value, max(value) AS max_value, avg(value) AS avg_value, count(*) AS reading_count
        FROM telemetry.reading
       GROUP BY bucket, asset_id, tag
      WITH NO DATA;
    PERFORM add_continuous_aggregate_policy('telemetry.reading_1m',
      start_offset => interval '1 hour', end_offset => interval '1 minute', schedule_interval => interval '1 minute');
    CREATE FUNCTION telemetry.storage_mode() RETURNS text LANGUAGE sql IMMUTABLE AS $f$ SELECT 'timescaledb'::text $f$;
  ELSE
    -- Readings arrive in time order, so a BRIN index on time stays tiny and prunes well.
    CREATE INDEX reading_time_brin_idx ON telemetry.reading USING brin (time);
    CREATE TABLE telemetry.reading_1m (
      bucket        timestamptz      NOT NULL,
      asset_id      uuid             NOT NULL,
      tag           text             NOT NULL,
      min_value     double precision,
      max_value     double precision,
      avg_value     double precision,
      reading_count bigint           NOT NULL,
      PRIMARY KEY (asset_id, tag, bucket)
    );
    CREATE INDEX reading_1m_bucket_idx ON telemetry.reading_1m (bucket);
    CREATE FUNCTION telemetry.storage_mode() RETURNS text LANGUAGE sql IMMUTABLE AS $f$ SELECT 'postgresql'::text $f$;
  END IF;
END $$;

-- Recompute the 1-minute rollups of [from_time, to_time) from the raw readings. Recomputing whole
-- buckets (not adding to them) makes it safe to run again over the same range.
-- On TimescaleDB the continuous aggregate policy does this; the function exists only on plain PostgreSQL.
DO $$
BEGIN
  IF telemetry.storage_mode() = 'postgresql' THEN
    CREATE FUNCTION telemetry.refresh_reading_1m(from_time timestamptz, to_time timestamptz) RETURNS bigint
    LANGUAGE plpgsql AS $f$
    DECLARE
      touched bigint;
    BEGIN
      INSERT INTO telemetry.reading_1m AS r (bucket, asset_id, tag, min_value, max_value, avg_value, reading_count)
      SELECT date_trunc('minute', time), asset_id, tag, min(value), max(value), avg(value), count(*)
        FROM telemetry.reading
       WHERE time >= date_trunc('minute', from_time) AND time < to_time
       GROUP BY 1, 2, 3
      ON CONFLICT (asset_id, tag, bucket) DO UPDATE
        SET min_value = excluded.min_value, max_value = excluded.max_value,
            avg_value = excluded.avg_value, reading_count = excluded.reading_count;
      GET DIAGNOSTICS touched = ROW_COUNT;
      RETURN touched;
    END
    $f$;
  END IF;
END $$;
