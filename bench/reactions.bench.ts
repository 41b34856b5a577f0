// `npm run bench:reactions` (issue 7): under a steady telemetry load (a device fleet child process
// publishing BENCH_LOAD_RATE readings/s on every seeded work cell but the two probe assets), with
// the ingest workers running the real processors as ingest/index.ts wires them:
//   - downtimeToRequestP50Ms / P99Ms: a message that shows OP30 DOWN for longer than the threshold
//     (a DOWN reading back-dated by DOWNTIME_REQUEST_AFTER_SECONDS + 10 and a reading now), from
//     its publish to the commit of the batch that opened the maintenance request;
//   - thresholdToInspectionP99Ms: a fill-weight reading beyond its alarm limit on FIL20 (order
//     2000201 running there), from its publish to the commit of the batch that opened the
//     inspection lot (each lot is decided by SQL before the next probe, so each probe opens one);
//   - postingsAckPerSec: BENCH_POSTINGS postings claimed (claimErpPostings, pages of
//     BENCH_CLAIM_PAGE) and acknowledged (acknowledgeErpPostings) over HTTP against the real
//     integration subgraph, as an adapter does.
// Writes bench/results/reactions.json. Uses a database and streams of its own and removes them.
import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import pg from 'pg';
import { z } from 'zod';
import { connectBus, ensureStreams, type StreamSettings } from '../core/bus.ts';
import { loadConfig } from '../core/config.ts';
import { openDatabase } from '../core/db.ts';
import { startSubgraph } from '../core/graphql/subgraph.ts';
import { silentLogger } from '../core/log.ts';
import { migrate } from '../core/migrations.ts';
import { startOutboxRelay } from '../core/outbox.ts';
import { telemetrySubject } from '../core/telemetry.ts';
import { createAssetDirectory } from '../ingest/asset-directory.ts';
import { createReadingProcessors } from '../ingest/processors.ts';
import { startIngestWorker, type CommittedBatch } from '../ingest/worker.ts';
import { seedDemoPlant } from '../prisma/seed.ts';
import { integrationSubgraph } from '../subgraphs/integration/index.ts';
import { forkChild } from './support/child-process.ts';
import { signBenchInternalHeader } from './support/internal-header.ts';
import type { PublisherAsset } from './support/telemetry-publisher.ts';

const RESULT_PATH = fileURLToPath(new URL('./results/reactions.json', import.meta.url));
const TARGET_P99_MS = 1_000;
const INTERNAL_SECRET = randomBytes(32).toString('hex');

const settings = z
  .object({
    BENCH_LOAD_RATE: z.coerce.number().int().positive().default(20_000).describe('Steady telemetry load, readings/s'),
    BENCH_PER_MESSAGE: z.coerce.number().int().min(1).max(1_000).default(250),
    BENCH_WORKERS: z.coerce.number().int().positive().default(2),
    BENCH_BATCH_MESSAGES: z.coerce.number().int().positive().default(100),
    BENCH_PROBES: z.coerce.number().int().positive().default(40).describe('Downtime probes and threshold probes each'),
    BENCH_PROBE_INTERVAL_MS: z.coerce.number().int().positive().default(250),
    BENCH_DOWNTIME_AFTER_SECONDS: z.coerce.number().int().positive().default(120),
    BENCH_POSTINGS: z.coerce.number().int().positive().default(5_000),
    BENCH_CLAIM_PAGE: z.coerce.number().int().min(1).max(500).default(100),
    BENCH_ADMIN_DATABASE_URL: z.string().url().default('postgresql://postgres@127.0.0.1:5432/postgres'),
    BENCH_NATS_URL: z.string().default('nats://127.0.0.1:4222'),
  })
  .parse(process.env);

const cleanups: (() => Promise<unknown>)[] = [];
const cleanup = async () => {
  while (cleanups.length > 0) await cleanups.pop()!().catch((error: unknown) => console.error('cleanup:', (error as Error).message));
};
process.once('SIGINT', () => void cleanup().then(() => process.exit(130)));

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};
const round = (value: number) => Math.round(value * 10) / 10;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const startedAt = new Date();
let exitCode = 0;
try {
  const name = `plantgraph_bench_reactions_${randomBytes(4).toString('hex')}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: settings.BENCH_ADMIN_DATABASE_URL });
    await client.connect();
    await client.query(sql).finally(() => client.end());
  };
  await admin(`CREATE DATABASE ${name}`);
  cleanups.push(() => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  const url = new URL(settings.BENCH_ADMIN_DATABASE_URL);
  url.pathname = `/${name}`;
  const database = openDatabase({ url: url.toString(), poolMax: settings.BENCH_WORKERS + 6, applicationName: 'plantgraph-bench-reactions', log: silentLogger });
  cleanups.push(() => database.close());
  await migrate({ pool: database.pool, log: silentLogger });
  await seedDemoPlant(database.prisma);
  const { pool } = database;

  const id = randomBytes(4).toString('hex').toUpperCase();
  const streams: StreamSettings = { ...loadConfig({}), STREAM_TELEMETRY: `BENCH_${id}_TELEMETRY`, STREAM_DOMAIN_EVENTS: `BENCH_${id}_EVENTS`, STREAM_DLQ: `BENCH_${id}_DLQ`, SUBJECT_PREFIX: `bench_${id.toLowerCase()}` };
  const bus = await connectBus({ url: settings.BENCH_NATS_URL, name: 'bench-reactions', log: silentLogger });
  cleanups.push(() => bus.close());
  await ensureStreams(bus, streams, silentLogger);
  cleanups.push(async () => {
    const manager = await jetstreamManager(bus);
    for (const stream of [streams.STREAM_TELEMETRY, streams.STREAM_DOMAIN_EVENTS, streams.STREAM_DLQ]) await manager.streams.delete(stream).catch(() => false);
  });
  const js = jetstream(bus);

  // probe assets and the order the quality probe inspects
  const assetOf = async (code: string) =>
    (await pool.query<{ id: string; line_code: string; site_code: string }>(
      `SELECT w.id, l.code AS line_code, s.code AS site_code FROM assets.work_cell w JOIN assets.line l ON l.id = w.line_id JOIN assets.site s ON s.id = l.site_id WHERE w.code = $1`,
      [code],
    )).rows[0]!;
  const op30 = await assetOf('OP30');
  const fil20 = await assetOf('FIL20');
  const { rows: orderRows } = await pool.query<{ order_id: string; id: string }>(
    `SELECT op.order_id, op.id FROM orders.operation op JOIN orders.production_order o ON o.id = op.order_id WHERE o.erp_order_number = '2000201' AND op.sequence = 20`,
  );
  const qualityOrder = orderRows[0]!;
  await pool.query(`UPDATE orders.production_order SET status = 'IN_PROGRESS', started_at = now() WHERE id = $1`, [qualityOrder.order_id]);
  await pool.query(`UPDATE orders.operation SET status = 'IN_PROGRESS', actual_start_at = now() WHERE id = $1`, [qualityOrder.id]);

  // ingest workers with the processors of ingest/index.ts; probes' publish → commit by message id
  const published = new Map<string, { kind: 'downtime' | 'threshold'; at: number }>();
  const latencies = { downtime: [] as number[], threshold: [] as number[] };
  const directory = createAssetDirectory(pool);
  const processors = createReadingProcessors({ downtimeRequestAfterSeconds: settings.BENCH_DOWNTIME_AFTER_SECONDS });
  const relay = startOutboxRelay({ pool, bus, subjectPrefix: streams.SUBJECT_PREFIX, log: silentLogger });
  cleanups.push(() => relay.stop());
  let loadStored = 0;
  for (let w = 0; w < settings.BENCH_WORKERS; w += 1) {
    const worker = await startIngestWorker({
      pool,
      bus,
      streams,
      log: silentLogger,
      processors,
      assets: directory,
      batchMessages: settings.BENCH_BATCH_MESSAGES,
      beforeAck: (batch: CommittedBatch) => {
        const now = Date.now();
        loadStored += batch.stored;
        for (const messageId of batch.messageIds) {
          const probe = published.get(messageId);
          if (probe) latencies[probe.kind].push(now - probe.at);
        }
      },
    });
    cleanups.push(() => worker.stop());
  }

  // the steady load: every work cell with numeric tags but the probes, paced by the fleet child
  const { rows: assetRows } = await pool.query<{ id: string; code: string; site_code: string; line_code: string; tags: { name: string; kind: string; low: number | null; high: number | null }[] }>(
    `SELECT a.id, a.code, s.code AS site_code, l.code AS line_code,
            json_agg(json_build_object('name', t.name, 'kind', t.kind, 'low', coalesce(t.low_warn, t.low_alarm), 'high', coalesce(t.high_warn, t.high_alarm))) AS tags
       FROM assets.work_cell a JOIN assets.line l ON l.id = a.line_id JOIN assets.site s ON s.id = l.site_id JOIN assets.tag t ON t.asset_id = a.id
      WHERE a.id <> ALL($1::uuid[]) GROUP BY a.id, a.code, s.code, l.code`,
    [[op30.id, fil20.id]],
  );
  const loadAssets: PublisherAsset[] = assetRows
    .map((row) => ({
      id: row.id,
      siteCode: row.site_code,
      lineCode: row.line_code,
      code: row.code,
      hasState: row.tags.some((tag) => tag.kind === 'STATE'),
      tags: row.tags.filter((tag) => tag.kind !== 'STATE').map((tag) => ({ name: tag.name, normal: tag.low !== null && tag.high !== null ? (tag.low + tag.high) / 2 : (tag.high ?? 100) * 0.8 })),
    }))
    .filter((asset) => asset.tags.length > 0);
  const probeSeconds = (settings.BENCH_PROBES * 2 * settings.BENCH_PROBE_INTERVAL_MS) / 1_000 + 5;
  const loadReadings = Math.ceil(settings.BENCH_LOAD_RATE * (probeSeconds + 5));
  const fleet = await forkChild<{ type: 'ready' }>({
    module: new URL('./support/telemetry-publisher.ts', import.meta.url),
    env: {
      BENCH_N: String(loadReadings),
      BENCH_PER_MESSAGE: String(settings.BENCH_PER_MESSAGE),
      BENCH_PUBLISH_WINDOW: '16',
      BENCH_SUBJECT_PREFIX: streams.SUBJECT_PREFIX,
      BENCH_ASSETS: JSON.stringify(loadAssets),
      BENCH_NATS_URL: settings.BENCH_NATS_URL,
      BENCH_RATE: String(settings.BENCH_LOAD_RATE),
    },
  });
  cleanups.push(() => fleet.stop());
  const loadStartedAt = Date.now();
  void fleet.ask('publish', 10 * 60 * 1_000).catch(() => undefined); // answers when the fleet is done; stopped before that
  await sleep(3_000); // the load settles before the first probe

  // probes: device time runs on a clock of its own, a day ago, so each probe's readings are newer than the last
  let deviceTime = Date.now() - 24 * 60 * 60 * 1_000;
  const publishProbe = async (kind: 'downtime' | 'threshold', asset: { id: string; site_code: string; line_code: string }, code: string, readings: { tag: string; value: number | string; time: number }[]) => {
    const msgID = `probe-${kind}-${randomUUID()}`;
    const body = JSON.stringify({ version: 1, readings: readings.map((r, index) => ({ readingId: `${msgID}-${index}`, assetId: asset.id, tag: r.tag, value: r.value, timestamp: new Date(r.time).toISOString() })) });
    published.set(msgID, { kind, at: Date.now() });
    await js.publish(telemetrySubject(asset.site_code, asset.line_code, code, streams.SUBJECT_PREFIX), body, { msgID });
  };
  for (let probe = 0; probe < settings.BENCH_PROBES; probe += 1) {
    // downtime: RUNNING, DOWN, and a reading after the threshold (in one message, as a device that buffered)
    const down = deviceTime + 1_000;
    await publishProbe('downtime', op30, 'OP30', [
      { tag: 'state', value: 'RUNNING', time: deviceTime },
      { tag: 'state', value: 'DOWN:BENCH', time: down },
      { tag: 'state', value: 'DOWN:BENCH', time: down + (settings.BENCH_DOWNTIME_AFTER_SECONDS + 10) * 1_000 },
    ]);
    await sleep(settings.BENCH_PROBE_INTERVAL_MS);
    // threshold: a normal fill weight, then one beyond the alarm limit (spec 1015–1045)
    await pool.query(`UPDATE quality.inspection_lot SET status = 'DECIDED', decision = 'ACCEPTED', decided_at = now() WHERE order_id = $1 AND status <> 'DECIDED'`, [qualityOrder.order_id]);
    await publishProbe('threshold', fil20, 'FIL20', [
      { tag: 'fill_weight', value: 1030, time: deviceTime + 2_000 },
      { tag: 'fill_weight', value: 1050, time: deviceTime + 3_000 },
    ]);
    await sleep(settings.BENCH_PROBE_INTERVAL_MS);
    deviceTime += (settings.BENCH_DOWNTIME_AFTER_SECONDS + 60) * 1_000;
  }
  const deadline = Date.now() + 30_000;
  while (latencies.downtime.length + latencies.threshold.length < published.size && Date.now() < deadline) await sleep(100);
  const loadSeconds = (Date.now() - loadStartedAt) / 1_000;
  const loadPerSec = loadStored / loadSeconds;
  await fleet.stop();

  const requests = Number((await pool.query<{ n: string }>(`SELECT count(*) AS n FROM maintenance.maintenance_request WHERE asset_id = $1`, [op30.id])).rows[0]!.n);
  const lots = Number((await pool.query<{ n: string }>(`SELECT count(*) AS n FROM quality.inspection_lot WHERE order_id = $1`, [qualityOrder.order_id])).rows[0]!.n);
  const checks: string[] = [];
  if (requests !== settings.BENCH_PROBES) checks.push(`expected ${settings.BENCH_PROBES} maintenance requests, found ${requests}`);
  if (lots !== settings.BENCH_PROBES) checks.push(`expected ${settings.BENCH_PROBES} inspection lots, found ${lots}`);
  if (latencies.downtime.length !== settings.BENCH_PROBES || latencies.threshold.length !== settings.BENCH_PROBES) checks.push('not every probe was committed within 30 s');

  // postings: claim and acknowledge through the integration subgraph -----------------------------
  await pool.query(`UPDATE integration.erp_posting SET status = 'CONFIRMED', confirmed_at = now()`); // the probes' own postings are not part of it
  await pool.query(
    `INSERT INTO integration.erp_posting (kind, payload, idempotency_key)
     SELECT 'MAINTENANCE_NOTIFICATION', jsonb_build_object('bench', i), 'bench-posting-' || i FROM generate_series(1, $1) AS i`,
    [settings.BENCH_POSTINGS],
  );
  const integration = await startSubgraph(integrationSubgraph, { port: 0, database, internalSecret: INTERNAL_SECRET, log: silentLogger });
  cleanups.push(() => integration.stop());
  const header = await signBenchInternalHeader({ sub: 'bench-adapter', role: 'erp-adapter' }, INTERNAL_SECRET);
  const call = async <T>(query: string, variables: Record<string, unknown>): Promise<T> => {
    const response = await fetch(integration.url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-plantgraph-internal': header }, body: JSON.stringify({ query, variables }) });
    const body = (await response.json()) as { data?: T; errors?: { message: string }[] };
    if (body.errors?.length || !body.data) throw new Error(`integration subgraph: ${body.errors?.[0]?.message ?? response.status}`);
    return body.data;
  };
  const ackStarted = performance.now();
  let acknowledged = 0;
  for (;;) {
    const { claimErpPostings } = await call<{ claimErpPostings: { id: string }[] }>(`mutation($limit: Int!) { claimErpPostings(limit: $limit, leaseSeconds: 60) { id } }`, { limit: settings.BENCH_CLAIM_PAGE });
    if (claimErpPostings.length === 0) break;
    const { acknowledgeErpPostings } = await call<{ acknowledgeErpPostings: { id: string; posting: { status: string } | null }[] }>(
      `mutation($acks: [ErpAcknowledgement!]!) { acknowledgeErpPostings(acknowledgements: $acks) { id posting { status } } }`,
      { acks: claimErpPostings.map((posting) => ({ id: posting.id, erpDocumentId: `DOC-${posting.id.slice(0, 8)}` })) },
    );
    acknowledged += acknowledgeErpPostings.filter((result) => result.posting?.status === 'CONFIRMED').length;
  }
  const postingsAckPerSec = acknowledged / ((performance.now() - ackStarted) / 1_000);
  if (acknowledged !== settings.BENCH_POSTINGS) checks.push(`acknowledged ${acknowledged} of ${settings.BENCH_POSTINGS} postings`);

  const result = {
    name: 'reactions',
    commit: execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).trim(),
    dirty: execFileSync('git', ['status', '--porcelain'], { encoding: 'utf8' }).trim().length > 0,
    startedAt: startedAt.toISOString(),
    elapsedSeconds: round((Date.now() - startedAt.getTime()) / 1_000),
    machine: { cpus: os.cpus().length, node: process.version, platform: `${os.platform()} ${os.release()}` },
    settings,
    load: { targetReadingsPerSec: settings.BENCH_LOAD_RATE, storedReadingsPerSec: Math.round(loadPerSec), seconds: round(loadSeconds) },
    downtimeToRequestP50Ms: round(percentile(latencies.downtime, 50)),
    downtimeToRequestP99Ms: round(percentile(latencies.downtime, 99)),
    thresholdToInspectionP50Ms: round(percentile(latencies.threshold, 50)),
    thresholdToInspectionP99Ms: round(percentile(latencies.threshold, 99)),
    postingsAckPerSec: Math.round(postingsAckPerSec),
    probes: { downtime: latencies.downtime.length, threshold: latencies.threshold.length, maintenanceRequests: requests, inspectionLots: lots },
    targets: { p99Ms: TARGET_P99_MS, met: percentile(latencies.downtime, 99) < TARGET_P99_MS && percentile(latencies.threshold, 99) < TARGET_P99_MS },
    checks,
  };
  console.log(JSON.stringify(result, null, 2));
  mkdirSync(dirname(RESULT_PATH), { recursive: true });
  writeFileSync(RESULT_PATH, `${JSON.stringify(result, null, 2)}\n`);
  if (checks.length > 0) exitCode = 1;
} catch (error) {
  console.error(error);
  exitCode = 1;
} finally {
  await cleanup();
}
process.exit(exitCode);
