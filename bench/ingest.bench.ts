// `npm run bench:ingest` (issue 5): on this machine, in one run,
//   (a) raw COPY of N readings straight into a table shaped like telemetry.reading, and
//   (b) end to end: a device fleet (child process) publishes the same N readings to NATS in
//       messages of BENCH_PER_MESSAGE readings as fast as it can while the ingest workers (this
//       process, with the real state and threshold processors and the outbox relay) store them,
//       until all N are committed: readings/s, and the ratio b/a (target ≥ 0.5, ≥ 50,000/s);
//   (c) latency: the fleet publishes at BENCH_LATENCY_SHARE of (b)'s rate for BENCH_LATENCY_SECONDS,
//       and each message's publish → committed time gives p50/p99. (Under (b)'s flood a backlog
//       forms by design, so its latencies measure the queue, not the path; they are reported as
//       saturatedP50Ms/saturatedP99Ms.)
// Writes bench/results/ingest.json. Uses a database and streams of its own and removes them.
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { z } from 'zod';
import { connectBus, ensureStreams, type StreamSettings } from '../core/bus.ts';
import { loadConfig } from '../core/config.ts';
import { openDatabase } from '../core/db.ts';
import { silentLogger } from '../core/log.ts';
import { migrate } from '../core/migrations.ts';
import { startOutboxRelay } from '../core/outbox.ts';
import { jetstreamManager } from '@nats-io/jetstream';
import { createAssetDirectory } from '../ingest/asset-directory.ts';
import { storageMode } from '../ingest/rollup.ts';
import { createLineStateProcessor } from '../ingest/state/processor.ts';
import { createThresholdProcessor } from '../ingest/thresholds/processor.ts';
import { startIngestWorker, type CommittedBatch } from '../ingest/worker.ts';
import { seedDemoPlant } from '../prisma/seed.ts';
import { forkChild } from './support/child-process.ts';
import type { PublisherAsset } from './support/telemetry-publisher.ts';

const RESULT_PATH = fileURLToPath(new URL('./results/ingest.json', import.meta.url));
const TARGETS = { ratio: 0.5, endToEndPerSec: 50_000 } as const;

const settings = z
  .object({
    BENCH_READINGS: z.coerce.number().int().positive().default(500_000).describe('Readings per run (N)'),
    BENCH_PER_MESSAGE: z.coerce.number().int().min(1).max(1_000).default(250).describe('Readings per published message, as a device batches them'),
    BENCH_WORKERS: z.coerce.number().int().positive().default(2).describe('Ingest workers on the consumer'),
    BENCH_WORKER_PROCESSES: z.enum(['true', 'false']).default('false').describe('Each worker in a process of its own (true) or all in this process (false)'),
    BENCH_BATCH_MESSAGES: z.coerce.number().int().positive().default(100).describe('Messages per ingest batch at most'),
    BENCH_PUBLISH_WINDOW: z.coerce.number().int().positive().default(64).describe('Publishes in flight'),
    BENCH_LATENCY_SHARE: z.coerce.number().positive().max(1).default(0.5).describe("Share of the end-to-end rate the latency phase publishes at"),
    BENCH_LATENCY_SECONDS: z.coerce.number().positive().default(5).describe('Length of the latency phase, seconds'),
    BENCH_ADMIN_DATABASE_URL: z.string().url().default('postgresql://postgres@127.0.0.1:5432/postgres'),
    BENCH_NATS_URL: z.string().default('nats://127.0.0.1:4222'),
  })
  .parse(process.env);

const cleanups: (() => Promise<unknown>)[] = [];
const cleanup = async () => {
  while (cleanups.length > 0) await cleanups.pop()!().catch((error: unknown) => console.error('cleanup:', (error as Error).message));
};
process.once('SIGINT', () => void cleanup().then(() => process.exit(130)));

const startedAt = new Date();
try {
  // database and streams of this run -----------------------------------------------------------
  const name = `plantgraph_bench_ingest_${randomBytes(4).toString('hex')}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: settings.BENCH_ADMIN_DATABASE_URL });
    await client.connect();
    await client.query(sql).finally(() => client.end());
  };
  await admin(`CREATE DATABASE ${name}`);
  cleanups.push(() => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  const url = new URL(settings.BENCH_ADMIN_DATABASE_URL);
  url.pathname = `/${name}`;
  const database = openDatabase({ url: url.toString(), poolMax: settings.BENCH_WORKERS + 4, applicationName: 'plantgraph-bench-ingest', log: silentLogger });
  cleanups.push(() => database.close());
  await migrate({ pool: database.pool, log: silentLogger });
  await seedDemoPlant(database.prisma);
  const timescale = (await storageMode(database.pool)) === 'timescaledb';

  const id = randomBytes(4).toString('hex').toUpperCase();
  const streams: StreamSettings = { ...loadConfig({}), STREAM_TELEMETRY: `BENCH_${id}_TELEMETRY`, STREAM_DOMAIN_EVENTS: `BENCH_${id}_EVENTS`, STREAM_DLQ: `BENCH_${id}_DLQ`, SUBJECT_PREFIX: `bench_${id.toLowerCase()}` };
  const bus = await connectBus({ url: settings.BENCH_NATS_URL, name: 'bench-ingest', log: silentLogger });
  cleanups.push(() => bus.close());
  await ensureStreams(bus, streams, silentLogger);
  cleanups.push(async () => {
    const manager = await jetstreamManager(bus);
    for (const stream of [streams.STREAM_TELEMETRY, streams.STREAM_DOMAIN_EVENTS, streams.STREAM_DLQ]) await manager.streams.delete(stream).catch(() => false);
  });

  // the devices: seeded assets with their numeric tags at a normal value -------------------------
  const { rows: assetRows } = await database.pool.query<{ id: string; code: string; site_code: string; line_code: string; tags: { name: string; kind: string; low: number | null; high: number | null }[] }>(
    `SELECT a.id, a.code, s.code AS site_code, l.code AS line_code,
            json_agg(json_build_object('name', t.name, 'kind', t.kind, 'low', coalesce(t.low_warn, t.low_alarm), 'high', coalesce(t.high_warn, t.high_alarm))) AS tags
       FROM (SELECT id, code, line_id FROM assets.work_cell) a
       JOIN assets.line l ON l.id = a.line_id JOIN assets.site s ON s.id = l.site_id
       JOIN assets.tag t ON t.asset_id = a.id
      GROUP BY a.id, a.code, s.code, l.code`,
  );
  const assets: PublisherAsset[] = assetRows.map((row) => {
    const numeric = row.tags.filter((tag) => tag.kind !== 'STATE');
    return {
      id: row.id,
      siteCode: row.site_code,
      lineCode: row.line_code,
      code: row.code,
      hasState: row.tags.some((tag) => tag.kind === 'STATE'),
      tags: numeric.map((tag) => ({ name: tag.name, normal: tag.low !== null && tag.high !== null ? (tag.low + tag.high) / 2 : (tag.high ?? 100) * 0.8 })),
    };
  }).filter((asset) => asset.tags.length > 0);
  const n = settings.BENCH_READINGS;

  // (a) raw COPY -----------------------------------------------------------------------------------
  await database.pool.query('CREATE TABLE public.bench_raw_reading (LIKE telemetry.reading INCLUDING ALL)');
  const base = Date.now() - 60 * 60 * 1_000;
  const lines: string[] = [];
  for (let i = 0; i < n; i += 1) {
    const asset = assets[Math.floor(i / settings.BENCH_PER_MESSAGE) % assets.length]!;
    const tag = asset.tags[i % asset.tags.length]!;
    lines.push(`${new Date(base + i * 5).toISOString()}\t${asset.id}\t${tag.name}\t${tag.normal}\t\\N\tGOOD\traw-${i}\n`);
  }
  const chunks: string[] = [];
  for (let i = 0; i < lines.length; i += 10_000) chunks.push(lines.slice(i, i + 10_000).join(''));
  const copyClient = await database.pool.connect();
  const copyStarted = performance.now();
  try {
    await pipeline(Readable.from(chunks), copyClient.query(copyFrom('COPY public.bench_raw_reading (time, asset_id, tag, value, value_text, quality, reading_id) FROM STDIN')));
  } finally {
    copyClient.release();
  }
  const copySeconds = (performance.now() - copyStarted) / 1_000;
  const rawCopyPerSec = n / copySeconds;
  console.log(`raw COPY: ${n} readings in ${copySeconds.toFixed(2)} s = ${Math.round(rawCopyPerSec)} readings/s`);
  await database.pool.query('DROP TABLE public.bench_raw_reading');
  await database.pool.query('CHECKPOINT').catch(() => undefined); // superuser only; evens out the two runs' WAL state

  // (b) end to end -------------------------------------------------------------------------------
  const committedAt = new Map<string, number>();
  let stored = 0;
  /** Set by each phase: checks whether the phase's readings are all stored. */
  let allStored: () => void = () => undefined;
  const directory = createAssetDirectory(database.pool);
  const processors = [createLineStateProcessor(), createThresholdProcessor()];
  const relay = startOutboxRelay({ pool: database.pool, bus, subjectPrefix: streams.SUBJECT_PREFIX, log: silentLogger });
  cleanups.push(() => relay.stop());
  const workers: { stats: { batches: number } }[] = [];
  const onBatch = (messageIds: readonly string[], newReadings: number, at: number) => {
    for (const messageId of messageIds) committedAt.set(messageId, at);
    stored += newReadings;
    allStored();
  };
  for (let w = 0; w < settings.BENCH_WORKERS; w += 1) {
    if (settings.BENCH_WORKER_PROCESSES === 'true') {
      const stats = { batches: 0 };
      const child = await forkChild<{ type: 'ready' }>({
        module: new URL('./support/ingest-worker-process.ts', import.meta.url),
        env: { BENCH_DATABASE_URL: url.toString(), BENCH_NATS_URL: settings.BENCH_NATS_URL, BENCH_STREAMS: JSON.stringify(streams), BENCH_BATCH_MESSAGES: String(settings.BENCH_BATCH_MESSAGES) },
        onMessage: (message) => {
          if (message.type !== 'batch') return;
          stats.batches += 1;
          onBatch(message.messageIds as string[], message.stored as number, message.at as number);
        },
      });
      workers.push({ stats });
      cleanups.push(() => child.stop());
      continue;
    }
    const worker = await startIngestWorker({
      pool: database.pool,
      bus,
      streams,
      log: silentLogger,
      processors,
      assets: directory,
      batchMessages: settings.BENCH_BATCH_MESSAGES,
      beforeAck: (batch: CommittedBatch) => onBatch(batch.messageIds, batch.stored, Date.now()),
    });
    workers.push(worker);
    cleanups.push(() => worker.stop());
  }
  const assetsJson = JSON.stringify(assets);
  /** One fleet run: fork, publish, wait until every reading of it is stored; publish times by message. */
  const publishPhase = async (readings: number, firstMessage: number, rate: number) => {
    const target = stored + readings;
    const phaseDone = new Promise<void>((resolve) => {
      allStored = () => {
        if (stored >= target) resolve();
      };
    });
    const publisher = await forkChild<{ type: 'ready' }>({
      module: new URL('./support/telemetry-publisher.ts', import.meta.url),
      env: {
        BENCH_N: String(readings),
        BENCH_PER_MESSAGE: String(settings.BENCH_PER_MESSAGE),
        BENCH_PUBLISH_WINDOW: String(settings.BENCH_PUBLISH_WINDOW),
        BENCH_SUBJECT_PREFIX: streams.SUBJECT_PREFIX,
        BENCH_ASSETS: assetsJson,
        BENCH_NATS_URL: settings.BENCH_NATS_URL,
        BENCH_RATE: String(rate),
        BENCH_FIRST_MESSAGE: String(firstMessage),
      },
    });
    try {
      const { times } = await publisher.ask<{ type: 'publish'; times: number[] }>('publish', 10 * 60 * 1_000);
      await phaseDone;
      const latencies = times.map((published, slot) => committedAt.get(`bench-msg-${firstMessage + slot}`)! - published).sort((a, b) => a - b);
      return { times, latencies };
    } finally {
      await publisher.stop();
    }
  };
  const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

  const flood = await publishPhase(n, 0, 0);
  const firstPublish = Math.min(...flood.times);
  const lastCommit = Math.max(...committedAt.values());
  const endToEndSeconds = (lastCommit - firstPublish) / 1_000;
  const endToEndPerSec = n / endToEndSeconds;

  const latencyRate = Math.round(endToEndPerSec * settings.BENCH_LATENCY_SHARE);
  const latencyReadings = Math.ceil((latencyRate * settings.BENCH_LATENCY_SECONDS) / settings.BENCH_PER_MESSAGE) * settings.BENCH_PER_MESSAGE;
  const paced = await publishPhase(latencyReadings, flood.times.length, latencyRate);
  console.log(`latency phase: ${latencyReadings} readings at ${latencyRate} readings/s`);
  const { rows } = await database.pool.query<{ n: string }>('SELECT count(*) AS n FROM telemetry.reading');

  const result = {
    name: 'ingest',
    commit: execFileSync('git', ['rev-parse', '--short', 'HEAD']).toString().trim(),
    dirty: execFileSync('git', ['status', '--porcelain']).toString().trim().length > 0,
    startedAt: startedAt.toISOString(),
    machine: { cpus: os.cpus().length, node: process.version, platform: `${os.platform()} ${os.release()}` },
    n,
    rawCopyPerSec: Math.round(rawCopyPerSec),
    endToEndPerSec: Math.round(endToEndPerSec),
    ratio: Math.round((endToEndPerSec / rawCopyPerSec) * 100) / 100,
    /** Publish → committed per message at latencyPhaseRatePerSec (below saturation). */
    p50Ms: percentile(paced.latencies, 50),
    p99Ms: percentile(paced.latencies, 99),
    latencyPhaseRatePerSec: latencyRate,
    /** The same during the flood, where a backlog forms by design. */
    saturatedP50Ms: percentile(flood.latencies, 50),
    saturatedP99Ms: percentile(flood.latencies, 99),
    workers: settings.BENCH_WORKERS,
    workerProcesses: settings.BENCH_WORKER_PROCESSES === 'true',
    /** Readings per published message (how devices batch); batchMessages is messages per ingest transaction. */
    batchSize: settings.BENCH_PER_MESSAGE,
    batchMessages: settings.BENCH_BATCH_MESSAGES,
    messages: flood.times.length,
    processors: processors.map((processor) => processor.name),
    timescale,
    rowsStored: Number(rows[0]!.n),
    batches: workers.reduce((sum, worker) => sum + worker.stats.batches, 0),
    targets: TARGETS,
    checks: [] as string[],
  };
  if (result.rowsStored !== n + latencyReadings) result.checks.push(`stored ${result.rowsStored} rows, expected ${n + latencyReadings}`);
  mkdirSync(dirname(RESULT_PATH), { recursive: true });
  writeFileSync(RESULT_PATH, `${JSON.stringify(result, null, 2)}\n`);
  console.log(
    [
      `end to end: ${n} readings in ${endToEndSeconds.toFixed(2)} s = ${result.endToEndPerSec} readings/s (target ≥ ${TARGETS.endToEndPerSec})`,
      `ratio end-to-end / raw COPY: ${result.ratio} (target ≥ ${TARGETS.ratio})`,
      `publish → committed per message at ${latencyRate} readings/s: p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms (during the flood: p50 ${result.saturatedP50Ms} ms, p99 ${result.saturatedP99Ms} ms)`,
      `${result.batches} batches, ${workers.length} workers, ${settings.BENCH_PER_MESSAGE} readings/message, ≤ ${settings.BENCH_BATCH_MESSAGES} messages/batch`,
      `storage: ${timescale ? 'TimescaleDB' : 'plain PostgreSQL'}; written to ${RESULT_PATH}`,
      ...result.checks.map((check) => `CHECK FAILED: ${check}`),
    ].join('\n'),
  );
  await cleanup();
  process.exit(result.checks.length > 0 ? 1 : 0);
} catch (error) {
  console.error(error);
  await cleanup();
  process.exit(1);
}
