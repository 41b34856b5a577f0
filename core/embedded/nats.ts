// The NATS that `npm start` runs when no bus is configured: the system's nats-server binary with
// JetStream, its store in a directory the caller chooses, a free loopback port on every start.
import { spawn, type ChildProcess } from 'node:child_process';
import { constants as fsConstants } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import type { Logger } from '../log.ts';
import { findFreePort, waitForPortClosed } from './free-port.ts';

const DEFAULT_READY_TIMEOUT_MS = 30_000; // 30 seconds
const DEFAULT_STOP_TIMEOUT_MS = 10_000; // 10 seconds
const BINARY_NAME = 'nats-server';
/** Where Debian's package and the release tarball's instructions put the binary, when not on PATH. */
const FALLBACK_DIRS = ['/usr/sbin', '/usr/local/bin'];
/** Another process may take the probed port before nats-server binds it; then try a new one. */
const PORT_ATTEMPTS = 3;
/** Server output lines kept to explain a failed start. */
const LOG_TAIL_LINES = 20;
const READY_POLL_INTERVAL_MS = 100; // 0.1 seconds
const PROBE_CONNECT_TIMEOUT_MS = 2_000; // 2 seconds

export interface EmbeddedNatsOptions {
  /** JetStream store directory (nats-server -sd); created if missing, kept across restarts. */
  dataDir: string;
  /** Lifecycle lines go here at info, the server's own output at debug. Callers pass a child
   * logger that names the component. */
  log: Logger;
  /**
   * Path of the nats-server executable.
   * @default `nats-server` found on this process's PATH, else in /usr/sbin or /usr/local/bin
   */
  binary?: string;
  /**
   * How long the server may take until a client connects and JetStream answers, in milliseconds.
   * @default 30000 (30 s)
   */
  readyTimeoutMs?: number;
  /** How long SIGTERM may take before SIGKILL follows, in milliseconds. @default 10000 (10 s) */
  stopTimeoutMs?: number;
}

export interface EmbeddedNatsHandle {
  /** nats://127.0.0.1:port */
  url: string;
  /** The loopback port the server listens on; a new one on each start. */
  port: number;
  /** Ends the server and resolves once its port is closed. Safe to call more than once. */
  stop(): Promise<void>;
}

export async function startEmbeddedNats(options: EmbeddedNatsOptions): Promise<EmbeddedNatsHandle> {
  const { log } = options;
  const binary = await locateNatsServer(options.binary);
  const dataDir = path.resolve(options.dataDir);
  const readyTimeoutMs = options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
  const stopTimeoutMs = options.stopTimeoutMs ?? DEFAULT_STOP_TIMEOUT_MS;
  await fs.mkdir(dataDir, { recursive: true });

  for (let attempt = 1; ; attempt++) {
    const port = await findFreePort();
    const url = `nats://127.0.0.1:${port}`;
    const startedAt = performance.now();
    const server = spawn(binary, ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', dataDir], {
      stdio: ['ignore', 'pipe', 'pipe'],
      // A process group of its own: Ctrl-C in a terminal signals the whole foreground group, and
      // the server must keep running until the hub has drained its connection and stops it.
      detached: true,
    });
    const serverLog = new ServerLog(log, server);
    // If the hub exits without stop() (an uncaught error, process.exit), the server goes too.
    // 'exit' handlers must be synchronous, and kill() is.
    const endWithHub = (): void => {
      server.kill('SIGTERM');
    };
    process.on('exit', endWithHub);
    const exited = new Promise<void>((resolve) => {
      server.once('exit', () => resolve());
      // A failed spawn emits 'error' and never 'exit'.
      server.once('error', () => {
        if (server.pid === undefined) resolve();
      });
    }).then(() => {
      process.off('exit', endWithHub);
    });

    const outcome = await waitUntilReady(url, server, exited, readyTimeoutMs);
    if (outcome !== 'ready') {
      await endServer(server, exited, stopTimeoutMs, log);
      if (outcome === 'exited' && serverLog.mentionsPortTaken() && attempt < PORT_ATTEMPTS) {
        log.info({ port }, 'port was taken before nats-server could bind it; trying another');
        continue;
      }
      const why =
        outcome === 'exited'
          ? `exited while starting (${describeExit(server)})`
          : `did not answer with JetStream within ${readyTimeoutMs / 1000} s`;
      throw new Error(`nats-server ${why}: ${serverLog.tail()}`);
    }
    log.info({ port, dataDir, seconds: secondsSince(startedAt) }, 'embedded nats-server ready with JetStream');

    let stopping: Promise<void> | undefined;
    void exited.then(() => {
      // Also seen when a terminal's Ctrl-C or a service manager signals the whole process group.
      if (stopping === undefined) log.warn({ exit: describeExit(server) }, 'embedded nats-server exited while the hub still uses it');
    });
    return {
      url,
      port,
      stop: () =>
        (stopping ??= (async () => {
          await endServer(server, exited, stopTimeoutMs, log);
          if (!(await waitForPortClosed(port, stopTimeoutMs))) {
            throw new Error(`embedded nats-server still listens on port ${port} after stopping`);
          }
          log.info({ port }, 'embedded nats-server stopped');
        })()),
    };
  }
}

/** Finds the binary, or says in one line how to get one: the error is printed as is at start-up. */
async function locateNatsServer(binary: string | undefined): Promise<string> {
  // PATH is the operating system's command lookup, not Plantgraph configuration.
  const searchDirs = [...(process.env['PATH'] ?? '').split(path.delimiter).filter(Boolean), ...FALLBACK_DIRS];
  const candidates = binary !== undefined ? [binary] : searchDirs.map((dir) => path.join(dir, BINARY_NAME));
  for (const candidate of candidates) {
    if (await isExecutableFile(candidate)) return candidate;
  }
  const lookedAt = binary ?? `PATH, ${FALLBACK_DIRS.join(', ')}`;
  throw new Error(
    `nats-server not found (looked at ${lookedAt}): install it (apt-get install nats-server) or set NATS_URL to use an existing NATS server`,
  );
}

async function isExecutableFile(file: string): Promise<boolean> {
  try {
    await fs.access(file, fsConstants.X_OK);
    return (await fs.stat(file)).isFile();
  } catch {
    return false;
  }
}

/**
 * Ready means a client connects and JetStream answers for the account, not merely that the port
 * is open: JetStream recovers its streams from the store after the listener is up.
 */
async function waitUntilReady(
  url: string,
  server: ChildProcess,
  exited: Promise<unknown>,
  readyTimeoutMs: number,
): Promise<'ready' | 'exited' | 'timeout'> {
  let serverGone = false;
  void exited.then(() => (serverGone = true));
  const deadline = Date.now() + readyTimeoutMs;
  while (!serverGone && Date.now() < deadline) {
    if (await jetStreamAnswers(url)) return 'ready';
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, READY_POLL_INTERVAL_MS))]);
  }
  return serverGone || server.exitCode !== null || server.signalCode !== null ? 'exited' : 'timeout';
}

async function jetStreamAnswers(url: string): Promise<boolean> {
  const connection = await connect({ servers: url, reconnect: false, timeout: PROBE_CONNECT_TIMEOUT_MS }).catch(
    () => undefined,
  );
  if (connection === undefined) return false;
  try {
    const manager = await jetstreamManager(connection);
    await manager.getAccountInfo();
    return true;
  } catch {
    return false;
  } finally {
    await connection.close();
  }
}

/** SIGTERM lets nats-server flush JetStream and close clients; SIGKILL if it does not finish. */
async function endServer(server: ChildProcess, exited: Promise<unknown>, stopTimeoutMs: number, log: Logger): Promise<void> {
  if (server.exitCode !== null || server.signalCode !== null) return;
  server.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const inTime = await Promise.race([
    exited.then(() => true),
    new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), stopTimeoutMs);
    }),
  ]);
  clearTimeout(timer);
  if (!inTime) {
    log.warn({ pid: server.pid }, `nats-server did not stop within ${stopTimeoutMs / 1000} s; sending SIGKILL`);
    server.kill('SIGKILL');
    await exited;
  }
}

function describeExit(server: ChildProcess): string {
  return server.signalCode !== null ? `signal ${server.signalCode}` : `exit code ${server.exitCode ?? 'unknown'}`;
}

function secondsSince(startedAt: number): number {
  return Math.round(performance.now() - startedAt) / 1000;
}

/** Passes the server's output on at debug level and keeps the last lines for error messages. */
class ServerLog {
  private readonly lines: string[] = [];
  private readonly log: Logger;

  constructor(log: Logger, server: ChildProcess) {
    this.log = log;
    for (const stream of [server.stdout, server.stderr]) {
      if (stream !== null) createInterface({ input: stream }).on('line', (line) => this.record(line));
    }
    // A spawn failure (EACCES, ENOENT after the lookup) arrives as an 'error' event, then 'exit'.
    server.on('error', (error) => this.record(`spawn failed: ${error.message}`));
  }

  private record(line: string): void {
    if (line.trim() === '') return;
    this.log.debug(line);
    this.lines.push(line);
    if (this.lines.length > LOG_TAIL_LINES) this.lines.shift();
  }

  mentionsPortTaken(): boolean {
    return this.lines.some((line) => /address already in use/i.test(line));
  }

  tail(): string {
    return this.lines.length > 0 ? this.lines.join(' | ') : '(no server output)';
  }
}
