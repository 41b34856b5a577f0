// `npm start` with nothing configured: embedded PostgreSQL and nats-server come up on free ports,
// migrations and the demo seed are applied, readiness is green, and Ctrl-C stops everything.
import { afterAll, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { signDevelopmentToken } from '../../../core/auth.ts';
import { DEVELOPMENT_JWT_SECRET } from '../../../core/config.ts';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const START_TIMEOUT_MS = 90_000; // initdb + migrations + seed on a 2-core machine

interface ReadyLine {
  graphqlUrl: string;
  healthUrl: string;
  readyUrl: string;
  metricsUrl: string;
  database: string;
  nats: string;
  databaseEmbedded: boolean;
  natsEmbedded: boolean;
  migrationsApplied: number;
  seed: { created: boolean; counts: Record<string, number> & { productionOrders: number } } | null;
}

interface RunningHub {
  process: ChildProcess;
  ready: ReadyLine;
  output: string[];
}

const leftovers: ChildProcess[] = [];

/** Start `npm start`'s entry with a clean environment: no DATABASE_URL, no NATS_URL. */
function startHub(dataDir: string): Promise<RunningHub> {
  const environment: Record<string, string> = {
    PATH: `${process.env.PATH ?? ''}:/usr/sbin:/usr/local/bin`,
    HOME: process.env.HOME ?? '/root',
    DATA_DIR: dataDir,
    GATEWAY_PORT: '0',
    SUBGRAPH_BASE_PORT: '0',
    LOG_PRETTY: 'false',
    NODE_ENV: 'development',
  };
  // as `npm start` runs it: node with tsx's loader (the tsx binary's signal relay would SIGKILL a hub
  // busy for 60 ms when Ctrl-C comes)
  const child = spawn(process.execPath, ['--import', 'tsx', 'bin/start.ts'], {
    cwd: root,
    env: environment,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group, so the test can press Ctrl-C the way a terminal does
  });
  leftovers.push(child);
  const output: string[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ready line within ${START_TIMEOUT_MS} ms:\n${output.join('')}`)), START_TIMEOUT_MS);
    let buffered = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output.push(chunk.toString());
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        if (!line.startsWith('{')) continue;
        const entry = JSON.parse(line) as { msg: string } & ReadyLine;
        if (entry.msg === 'plantgraph ready') {
          clearTimeout(timer);
          resolve({ process: child, ready: entry, output });
        }
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`hub exited with ${code} before it was ready:\n${output.join('')}`));
    });
  });
}

/** Ctrl-C: a terminal sends SIGINT to every process of the foreground group, not just the hub. */
function stopHub(hub: RunningHub): Promise<number | null> {
  return new Promise((resolve) => {
    hub.process.once('exit', (code) => resolve(code));
    process.kill(-hub.process.pid!, 'SIGINT');
  });
}

function portOf(url: string): number {
  return Number(new URL(url).port);
}

function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function queryEmbeddedDatabase<T extends pg.QueryResultRow>(dataDir: string, databaseUrl: string, sql: string): Promise<T[]> {
  const url = new URL(databaseUrl);
  url.password = (await readFile(path.join(dataDir, 'pg', 'plantgraph.password'), 'utf8')).trim();
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

describe('embedded start', () => {
  let dataDir: string;

  afterAll(async () => {
    // A hub a failed test left running: ask it to stop (it stops nats-server and PostgreSQL, which
    // run in process groups of their own), and kill it only if it does not.
    for (const child of leftovers) {
      if (child.exitCode !== null) continue;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      process.kill(-child.pid!, 'SIGINT');
      const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  }, 30_000);

  it('embedded start - comes up from nothing, migrated and seeded, and stops cleanly on Ctrl-C', async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'plantgraph-start-'));
    const hub = await startHub(dataDir);
    const { ready } = hub;
    expect(ready.databaseEmbedded).toBe(true);
    expect(ready.natsEmbedded).toBe(true);
    expect(ready.migrationsApplied).toBeGreaterThanOrEqual(2);
    expect(ready.seed).not.toBeNull();
    expect(ready.seed).toMatchObject({ created: true, counts: { sites: 2, lines: 3 } });
    expect(hub.output.join('')).toContain('initialising a new embedded PostgreSQL cluster');

    const readiness = await fetch(ready.readyUrl);
    expect(readiness.status).toBe(200);
    const report = (await readiness.json()) as { ready: boolean; checks: Record<string, { ok: boolean }> };
    expect(report.ready).toBe(true);
    expect(Object.keys(report.checks).sort()).toEqual(['database', 'nats', ...['assets', 'integration', 'inventory', 'maintenance', 'orders', 'quality'].map((name) => `subgraph:${name}`)]);

    // The graph answers across subgraphs with a development token signed by the default secret.
    const token = await signDevelopmentToken({ role: 'viewer', secret: DEVELOPMENT_JWT_SECRET, issuer: 'plantgraph', audience: 'plantgraph' });
    const answer = await fetch(ready.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: '{ productionOrders(first: 50) { totalCount edges { node { line { code } material { description } } } } }' }),
    });
    const graph = (await answer.json()) as { data: { productionOrders: { totalCount: number; edges: { node: { line: { code: string }; material: { description: string } } }[] } } };
    expect(graph.data.productionOrders.totalCount).toBe(ready.seed!.counts.productionOrders);
    expect(new Set(graph.data.productionOrders.edges.map((edge) => edge.node.line.code))).toEqual(new Set(['CNC1', 'MIX1', 'PCK1']));
    const anonymous = await fetch(ready.graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}' });
    expect(anonymous.status).toBe(401);
    const metrics = await (await fetch(ready.metricsUrl)).text();
    expect(metrics).toMatch(/plantgraph_migrations_total\{[^}]*outcome="applied"[^}]*\} [1-9]/);

    const [counts] = await queryEmbeddedDatabase<{ sites: string; orders: string; mode: string }>(
      dataDir,
      ready.database,
      `SELECT (SELECT count(*) FROM assets.site) AS sites, (SELECT count(*) FROM orders.production_order) AS orders, telemetry.storage_mode() AS mode`,
    );
    expect(Number(counts!.sites)).toBe(2);
    expect(Number(counts!.orders)).toBeGreaterThan(0);
    expect(counts!.mode).toBe('postgresql');

    const databasePort = portOf(ready.database);
    const natsPort = portOf(ready.nats);
    expect(await stopHub(hub)).toBe(0);
    expect(hub.output.join('')).toContain('"msg":"stopped"');
    expect(hub.output.join('')).not.toContain('exited while the hub still uses it');
    expect(await portAnswers(databasePort)).toBe(false);
    expect(await portAnswers(natsPort)).toBe(false);
  }, 150_000);

  it('embedded start - a second start on the same data keeps it: nothing to migrate, nothing to seed', async () => {
    expect(dataDir).toBeDefined(); // runs after the first test, on its data directory
    const hub = await startHub(dataDir);
    expect(hub.ready.migrationsApplied).toBe(0);
    expect(hub.ready.seed).toMatchObject({ created: false, counts: { sites: 2 } });
    expect(hub.output.join('')).not.toContain('initialising a new embedded PostgreSQL cluster');
    const [counts] = await queryEmbeddedDatabase<{ sites: string }>(dataDir, hub.ready.database, 'SELECT count(*) AS sites FROM assets.site');
    expect(Number(counts!.sites)).toBe(2);
    expect(await stopHub(hub)).toBe(0);
  }, 150_000);
});
