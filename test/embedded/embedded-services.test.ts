// The embedded defaults behind `npm start` with nothing configured: a real PostgreSQL from npm and
// a real nats-server, started, used and stopped here (no mocks). Each test has its own data
// directory and free port, so the PostgreSQL on 5432 and the NATS on 4222 stay untouched.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import pg from 'pg';
import { pino } from 'pino';
import { portAcceptsConnections } from '../../core/embedded/free-port.ts';
import { startEmbeddedNats, type EmbeddedNatsHandle } from '../../core/embedded/nats.ts';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from '../../core/embedded/postgres.ts';
import { silentLogger, type Logger } from '../../core/log.ts';

const POSTGRES_TEST_TIMEOUT_MS = 120_000; // 2 minutes: initdb alone takes a few seconds
const NATS_TEST_TIMEOUT_MS = 60_000; // 1 minute

let scratch: string;
const running: Array<EmbeddedPostgresHandle | EmbeddedNatsHandle> = [];

beforeAll(async () => {
  // Under /tmp, so the postgres user only needs o+x on this one directory (mkdtemp makes it 0700).
  scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'plantgraph-embedded-'));
});

afterAll(async () => {
  // stop() is idempotent, so servers a failed test left running are stopped here without fuss.
  await Promise.allSettled(running.map((service) => service.stop()));
  await fs.rm(scratch, { recursive: true, force: true });
});

function track<T extends EmbeddedPostgresHandle | EmbeddedNatsHandle>(service: T): T {
  running.push(service);
  return service;
}

async function query(url: string, sql: string): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A logger that keeps every line, to see what the services said and at which level. */
function recordingLogger(): { log: Logger; lines: Array<{ level: number; msg: string }> } {
  const lines: Array<{ level: number; msg: string }> = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { log, lines };
}

/** Processes whose command line mentions `text` (Linux /proc), to see a server is really gone. */
async function processesMentioning(text: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await fs.readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const commandLine = await fs.readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (commandLine.includes(text)) pids.push(Number(entry));
  }
  return pids;
}

describe('embedded PostgreSQL', () => {
  test(
    'embedded postgres - starts from nothing on a free port with the plantgraph database',
    async () => {
      const dataDir = path.join(scratch, 'fresh', 'pg');
      const postgres = track(await startEmbeddedPostgres({ dataDir, log: silentLogger }));

      expect(postgres.port).not.toBe(5432);
      expect(postgres.url).toMatch(new RegExp(`^postgresql://[^@]+@127\\.0\\.0\\.1:${postgres.port}/plantgraph$`));
      const answer = await query(postgres.url, 'select 1 as one, current_database() as database');
      expect(answer.rows).toEqual([{ one: 1, database: 'plantgraph' }]);
      await fs.access(path.join(dataDir, 'PG_VERSION'));

      await postgres.stop();
    },
    POSTGRES_TEST_TIMEOUT_MS,
  );

  test(
    'embedded postgres - a restart on the same data dir keeps the data and does not initialise again',
    async () => {
      const dataDir = path.join(scratch, 'restart', 'pg');
      const first = track(await startEmbeddedPostgres({ dataDir, log: silentLogger }));
      await query(first.url, "create table work_order (id text primary key); insert into work_order values ('WO-1001')");
      await first.stop();

      const { log, lines } = recordingLogger();
      const second = track(await startEmbeddedPostgres({ dataDir, log }));
      const orders = await query(second.url, 'select id from work_order');
      await second.stop();

      expect(second.port).not.toBe(first.port);
      expect(orders.rows).toEqual([{ id: 'WO-1001' }]);
      expect(lines.some((line) => /initialis/i.test(line.msg))).toBe(false);
      // The server's own lines reach the logger at debug (20), never stdout.
      expect(lines.some((line) => line.level === 20 && /ready to accept connections/.test(line.msg))).toBe(true);
    },
    POSTGRES_TEST_TIMEOUT_MS,
  );

  test(
    'embedded postgres - stop closes the port and a second stop is harmless',
    async () => {
      const dataDir = path.join(scratch, 'stop', 'pg');
      const postgres = track(await startEmbeddedPostgres({ dataDir, log: silentLogger }));
      expect(await portAcceptsConnections(postgres.port)).toBe(true);

      await Promise.all([postgres.stop(), postgres.stop()]);
      await postgres.stop();

      expect(await portAcceptsConnections(postgres.port)).toBe(false);
      expect(await processesMentioning(dataDir)).toEqual([]);
    },
    POSTGRES_TEST_TIMEOUT_MS,
  );
});

describe('embedded NATS', () => {
  test(
    'embedded nats - starts with JetStream on a free port, its store in the data dir',
    async () => {
      const dataDir = path.join(scratch, 'nats-fresh');
      const nats = track(await startEmbeddedNats({ dataDir, log: silentLogger }));

      expect(nats.port).not.toBe(4222);
      expect(nats.url).toBe(`nats://127.0.0.1:${nats.port}`);
      const connection = await connect({ servers: nats.url });
      try {
        const manager = await jetstreamManager(connection);
        const account = await manager.getAccountInfo();
        expect(account.streams).toBe(0);
      } finally {
        await connection.close();
      }
      await fs.access(path.join(dataDir, 'jetstream'));

      await nats.stop();
    },
    NATS_TEST_TIMEOUT_MS,
  );

  test(
    'embedded nats - stop ends the process and closes the port',
    async () => {
      const dataDir = path.join(scratch, 'nats-stop');
      const nats = track(await startEmbeddedNats({ dataDir, log: silentLogger }));
      expect(await processesMentioning(dataDir)).toHaveLength(1);

      await Promise.all([nats.stop(), nats.stop()]);
      await nats.stop();

      expect(await portAcceptsConnections(nats.port)).toBe(false);
      expect(await processesMentioning(dataDir)).toEqual([]);
    },
    NATS_TEST_TIMEOUT_MS,
  );

  test('embedded nats - a missing binary explains in one line how to get one', async () => {
    const dataDir = path.join(scratch, 'nats-missing');
    const started = startEmbeddedNats({ dataDir, log: silentLogger, binary: '/nonexistent/nats-server' });

    const error: unknown = await started.then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(Error);
    const { message } = error as Error;
    expect(message).not.toContain('\n');
    expect(message).toContain('/nonexistent/nats-server');
    expect(message).toContain('apt-get install nats-server');
    expect(message).toContain('NATS_URL');
  });
});
