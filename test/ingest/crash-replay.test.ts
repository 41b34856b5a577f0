// Crash and replay (issue 7): a deterministic telemetry script that drives every reaction on the
// seeded plant — the CNC cell OP10 (order 1000101) starting, counting over several confirmation
// windows with a critical spindle alarm and a long DOWN; the packaging line (order 3000301) counting
// cases on CAS10 (confirmations + BOM backflush) and completing three pallets on PAL20 (FG receipts,
// put-aways, shipment readiness). Run 1 is clean: one worker, the whole script, the confirmation job.
// Run 2, on a fresh copy of the same seeded database and fresh streams: the worker runs in a child
// process that is SIGKILLed at random points (seeded, the seed is logged; CRASH_REPLAY_SEED=<n>
// reproduces a run) while the script is being published, restarted each time; then the WHOLE
// script is published again with new message ids (so JetStream's duplicate window keeps them) and
// the confirmation job runs. The postings of both runs — kind, idempotency key, canonical payload
// — must be the same set: nothing missing, nothing extra, no key twice.
//
// Both runs' databases are cloned from one seeded template, so the seed's generated ids (operations,
// work cells, orders) are the same in both and the keys can be compared as they are.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { jetstream, jetstreamManager, type JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { connectBus, ensureStreams, type StreamSettings } from '../../core/bus.ts';
import { openDatabase, type Database } from '../../core/db.ts';
import { silentLogger } from '../../core/log.ts';
import { migrate } from '../../core/migrations.ts';
import { telemetrySubject } from '../../core/telemetry.ts';
import { startConfirmationWindows } from '../../ingest/reactions/confirmation-windows.ts';
import { INGEST_CONSUMER, startIngestWorker } from '../../ingest/worker.ts';
import { seedDemoPlant } from '../../prisma/seed.ts';
import { deleteStreams, testStreamSettings } from '../support/bus.ts';
import { databaseUrl } from '../support/database.ts';
import { seededRandom } from '../../sim/machine.ts';
import { eventually } from '../support/eventually.ts';
import type { ReadingInput } from '../support/ingest.ts';
import { hubReadingProcessors } from '../support/reaction-processors.ts';
import { adminDatabaseUrl, natsUrl } from '../support/services.ts';

const WINDOW = 60; // seconds
const t0 = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3_600_000; // on a window boundary, an hour ago
const at = (seconds: number) => new Date(t0 + seconds * 1_000);
const END = 600; // the script's last tick
const KILLS = 4;
const CHILD_ACK_WAIT_MS = 1_500;

// Fixed seeds by default, so CI runs the same kills every time; CRASH_REPLAY_SEED=<n> tries others.
const SEED = Number(process.env.CRASH_REPLAY_SEED ?? 79392659);
// These kill points made the crashed run lose two pallets while pallets were completed inside the
// ingest transaction (a pallets_completed reading redelivered before the work cell's operation
// started found no operation, was stored, and never looked at again). Pallets are now completed by
// the confirmation job from stored readings; this seed keeps that ordering covered.
const OUT_OF_ORDER_PALLETS_SEED = 1894056839;

type Assets = Record<'OP10' | 'CAS10' | 'PAL20', string>;

/**
 * One message per asset and 5-second tick (a device sends what it has each tick); ~360 messages.
 * OP10: counters from 5 s, RUNNING from 10 s, one good part per tick, a scrap every 30 s; spindle
 * temperature every 10 s, 75 °C (beyond the alarm limit 70: CRITICAL) at 200 s; DOWN:TOOL_BREAK
 * from 300 s, still down at 330…450 s (beyond 120 s: a maintenance request), RUNNING at 460 s.
 * CAS10: two cases per tick from 10 s. PAL20: two cases stacked per tick; a pallet of 60 at 60,
 * 120 and 180 cases (the order's quantity), then nothing more stacked.
 */
function telemetryScript(assets: Assets): ReadingInput[][] {
  const messages: ReadingInput[][] = [];
  let good = 0;
  let scrap = 0;
  let cases = 0;
  let stacked = 0;
  let pallets = 0;
  for (let s = 0; s <= END; s += 5) {
    const op10: ReadingInput[] = [];
    const cnc = (tag: string, value: number | string) => op10.push({ readingId: `op10-${s}-${tag}`, assetId: assets.OP10, tag, value, timestamp: at(s).toISOString() });
    const down = s >= 300 && s < 460;
    if (s === 5) {
      cnc('good_count', 0);
      cnc('scrap_count', 0);
    }
    if (s === 10 || s === 460) cnc('state', 'RUNNING');
    if (s === 300 || (down && s % 30 === 0)) cnc('state', 'DOWN:TOOL_BREAK');
    if (s > 10 && !down) {
      cnc('good_count', (good += 1));
      if (s % 30 === 0) cnc('scrap_count', (scrap += 1));
    }
    if (s % 10 === 0) cnc('spindle_temp', s === 200 ? 75 : 50 + (s % 7));
    if (op10.length > 0) messages.push(op10);

    const cas10: ReadingInput[] = [];
    const packer = (tag: string, value: number | string) => cas10.push({ readingId: `cas10-${s}-${tag}`, assetId: assets.CAS10, tag, value, timestamp: at(s).toISOString() });
    if (s === 5) packer('good_count', 0);
    if (s === 10) packer('state', 'RUNNING');
    if (s > 10) packer('good_count', (cases += 2));
    if (cas10.length > 0) messages.push(cas10);

    const pal20: ReadingInput[] = [];
    const palletizer = (tag: string, value: number | string) => pal20.push({ readingId: `pal20-${s}-${tag}`, assetId: assets.PAL20, tag, value, timestamp: at(s).toISOString() });
    if (s === 5) {
      palletizer('cases_stacked', 0);
      palletizer('pallets_completed', 0);
    }
    if (s === 10) palletizer('state', 'RUNNING');
    if (s > 10 && stacked < 180) {
      palletizer('cases_stacked', (stacked += 2));
      if (stacked % 60 === 0) palletizer('pallets_completed', (pallets += 1));
    }
    if (pal20.length > 0) messages.push(pal20);
  }
  return messages;
}

interface Posting {
  kind: string;
  key: string;
  payload: Record<string, unknown>;
}

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminDatabaseUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A database cloned from the seeded template, fresh streams, a bus connection. */
interface Run {
  database: Database;
  url: string;
  streams: StreamSettings;
  bus: NatsConnection;
  js: JetStreamClient;
  publish(readings: ReadingInput[], msgID: string): Promise<void>;
  idle(timeoutMs?: number): Promise<void>;
  postings(): Promise<Posting[]>;
  confirm(): Promise<void>;
  close(): Promise<void>;
}

describe('crash and replay: the postings of a run with a worker killed at random points and the whole stream replayed equal a clean run', () => {
  const template = `pgt_crash_replay_${randomBytes(4).toString('hex')}`;
  const clones: string[] = [];
  let assets: Assets;
  let script: ReadingInput[][];

  const startRun = async (label: string): Promise<Run> => {
    const name = `${template}_${label}`;
    await adminQuery(`CREATE DATABASE ${name} TEMPLATE ${template}`);
    clones.push(name);
    const url = databaseUrl(name);
    const database = openDatabase({ url, poolMax: 6, log: silentLogger });
    const bus = await connectBus({ url: natsUrl, name: `test-crash-replay-${label}`, log: silentLogger });
    const streams = testStreamSettings(`crash_replay_${label}`);
    await ensureStreams(bus, streams, silentLogger);
    const js = jetstream(bus);
    const manager = await jetstreamManager(bus);
    return {
      database,
      url,
      streams,
      bus,
      js,
      async publish(readings, msgID) {
        await js.publish(telemetrySubject('BER', 'CNC1', 'TEST', streams.SUBJECT_PREFIX), JSON.stringify({ version: 1, readings }), { msgID });
      },
      async idle(timeoutMs = 20_000) {
        await eventually(async () => {
          const info = await manager.consumers.info(streams.STREAM_TELEMETRY, INGEST_CONSUMER);
          expect(info.num_pending + info.num_ack_pending).toBe(0);
        }, { timeoutMs });
      },
      async postings() {
        const { rows } = await database.pool.query<{ kind: string; idempotency_key: string; payload: Record<string, unknown> }>(
          'SELECT kind::text, idempotency_key, payload FROM integration.erp_posting ORDER BY kind, idempotency_key',
        );
        return rows.map((row) => ({ kind: row.kind, key: row.idempotency_key, payload: row.payload }));
      },
      async confirm() {
        const windows = startConfirmationWindows({ pool: database.pool, log: silentLogger, windowSeconds: WINDOW, graceSeconds: 10, intervalMs: 60 * 60 * 1_000 });
        try {
          await windows.closeWindows(at(END + 2 * WINDOW));
        } finally {
          await windows.stop();
        }
      },
      async close() {
        await deleteStreams(bus, streams);
        await bus.close();
        await database.close();
      },
    };
  };

  beforeAll(async () => {
    await adminQuery(`CREATE DATABASE ${template}`);
    const database = openDatabase({ url: databaseUrl(template), poolMax: 2, log: silentLogger });
    try {
      await migrate({ pool: database.pool, log: silentLogger });
      await seedDemoPlant(database.prisma);
      const { pool } = database;
      // 1000101/10 on OP10 completes within the script; 3000301 is three pallets of 60 cases
      await pool.query(`UPDATE orders.operation SET planned_quantity = 80 WHERE sequence = 10 AND order_id = (SELECT id FROM orders.production_order WHERE erp_order_number = '1000101')`);
      await pool.query(`UPDATE orders.production_order SET quantity = 180 WHERE erp_order_number = '3000301'`);
      await pool.query(`UPDATE orders.operation SET planned_quantity = 180 WHERE order_id = (SELECT id FROM orders.production_order WHERE erp_order_number = '3000301')`);
      const { rows } = await pool.query<{ code: keyof Assets; id: string }>(`SELECT code, id FROM assets.work_cell WHERE code = ANY($1)`, [['OP10', 'CAS10', 'PAL20']]);
      assets = Object.fromEntries(rows.map((row) => [row.code, row.id])) as Assets;
    } finally {
      await database.close();
    }
    script = telemetryScript(assets);
  });
  afterAll(async () => {
    for (const name of [...clones, template]) await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  });

  const crashAndReplay = async (seed: number) => {
    console.info(`crash-replay seed ${seed} (CRASH_REPLAY_SEED=${seed} repeats this run)`);
    expect(script.length).toBeGreaterThan(300);

    // Run 1: clean
    const clean = await startRun(`clean_${seed}`);
    let expected: Posting[];
    try {
      const worker = await startIngestWorker({ pool: clean.database.pool, bus: clean.bus, streams: clean.streams, log: silentLogger, processors: hubReadingProcessors() });
      try {
        for (const [index, readings] of script.entries()) await clean.publish(readings, `clean-${index}`);
        await clean.idle();
      } finally {
        await worker.stop();
      }
      await clean.confirm();
      expected = await clean.postings();
    } finally {
      await clean.close();
    }
    // the script reaches every reaction it means to
    const kinds = new Map<string, number>();
    for (const posting of expected) kinds.set(posting.kind, (kinds.get(posting.kind) ?? 0) + 1);
    expect(Object.fromEntries(kinds)).toEqual({
      OPERATION_STATUS: expect.any(Number),
      PRODUCTION_CONFIRMATION: expect.any(Number),
      GOODS_ISSUE: expect.any(Number),
      GOODS_RECEIPT: 3,
      TRANSFER: 3,
      SHIPMENT_READINESS: 1,
      MAINTENANCE_NOTIFICATION: 2, // the critical alarm, the long stop
    });
    expect(kinds.get('PRODUCTION_CONFIRMATION')).toBeGreaterThanOrEqual(10);
    console.info(`crash-replay clean run: ${expected.length} postings ${JSON.stringify(Object.fromEntries(kinds))}`);

    // Run 2: the worker killed at random points while the script is published, then a replay of everything
    const random = seededRandom(seed);
    const crashed = await startRun(`crashed_${seed}`);
    let actual: Posting[];
    let child: ChildProcess | undefined;
    let ready: Promise<void> = Promise.resolve();
    const kills: string[] = [];
    const startChild = () => {
      const started = fork(fileURLToPath(new URL('../support/reactions-worker-child.ts', import.meta.url)), [], {
        execArgv: ['--import', 'tsx'],
        env: {
          ...process.env,
          CHILD_DATABASE_URL: crashed.url,
          CHILD_NATS_URL: natsUrl,
          CHILD_STREAMS: JSON.stringify(crashed.streams),
          CHILD_ACK_WAIT_MS: String(CHILD_ACK_WAIT_MS),
          CHILD_BATCH_MESSAGES: String(1 + Math.floor(random() * 8)),
          CHILD_ACK_DELAY_MS: '25',
        },
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      ready = new Promise<void>((resolve, reject) => {
        started.on('message', (message: { type: string }) => message.type === 'ready' && resolve());
        started.once('exit', (code, signal) => signal !== 'SIGKILL' && reject(new Error(`worker child exited (${code}) before it was ready`)));
      });
      child = started;
    };
    const kill = async (index: number) => {
      const victim = child!;
      await ready;
      // half the time right after a COMMIT (inside the pause before the acks), else at a random moment
      const afterCommit = random() < 0.5;
      const delayMs = Math.floor(random() * 40);
      if (afterCommit) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 3_000); // nothing left to commit: kill anyway
          victim.on('message', (message: { type: string }) => message.type === 'committed' && (clearTimeout(timer), resolve()));
        });
      } else {
        await new Promise((resolve) => setTimeout(resolve, delayMs));
      }
      const exited = new Promise((resolve) => victim.once('exit', resolve));
      victim.kill('SIGKILL');
      await exited;
      kills.push(`#${kills.length + 1} at message ${index}/${script.length} ${afterCommit ? 'after a commit' : `after ${delayMs} ms`}`);
      startChild();
    };
    try {
      startChild();
      await ready;
      const killAt = new Set<number>();
      while (killAt.size < KILLS) killAt.add(20 + Math.floor(random() * (script.length - 40)));
      for (const [index, readings] of script.entries()) {
        await crashed.publish(readings, `crashed-${index}`);
        if (killAt.has(index)) await kill(index);
        else if (index % 4 === 0) await new Promise((resolve) => setTimeout(resolve, 5)); // let the worker keep up, roughly
      }
      await ready;
      await crashed.idle(30_000);
      // the whole stream again, as new messages (new ids, so the duplicate window keeps them)
      for (const readings of script) await crashed.publish(readings, `replay-${randomUUID()}`);
      await crashed.idle(30_000);
      console.info(`crash-replay seed ${seed}: ${kills.join('; ')}`);
      const exited = new Promise((resolve) => child!.once('exit', resolve));
      child!.kill('SIGKILL');
      await exited;
      child = undefined;
      await crashed.confirm();
      actual = await crashed.postings();
    } finally {
      child?.kill('SIGKILL');
      await crashed.close();
    }

    const keys = actual.map((posting) => posting.key);
    expect(keys.filter((key, index) => keys.indexOf(key) !== index)).toEqual([]); // no key twice
    const byKey = (postings: Posting[]) => new Map(postings.map((posting) => [posting.key, posting]));
    const expectedByKey = byKey(expected);
    const actualByKey = byKey(actual);
    expect({ missing: expected.filter((posting) => !actualByKey.has(posting.key)), extra: actual.filter((posting) => !expectedByKey.has(posting.key)) }).toEqual({ missing: [], extra: [] });
    // and each with the same figures
    expect(actual).toEqual(expected);
  };

  it(`the same postings, keys and quantities, with no duplicates and nothing missing (${KILLS} kills, seed ${SEED})`, () => crashAndReplay(SEED), 90_000);
  it(`the same pallets when a pallet counter reading is redelivered before its operation started (seed ${OUT_OF_ORDER_PALLETS_SEED})`, () => crashAndReplay(OUT_OF_ORDER_PALLETS_SEED), 90_000);
});
