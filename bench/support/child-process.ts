// Forked children of the benchmark (the subgraphs, each gateway) and how to talk to them. Each
// runs in its own process so that autocannon, in the main process, never shares an event loop with
// what it measures. Protocol over IPC: the child sends `{ type: 'ready', ... }` once it serves;
// the parent may send `{ type: 'statements' }` (answered with `{ type: 'statements', count }`),
// `{ type: 'cpu' }` (answered with `{ type: 'cpu', cpuMs }`, see `answerCpuQueries`) and
// `{ type: 'stop' }`, after which the child closes and exits. A child whose parent vanishes exits
// on its own (see `exitWithParent`).
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** How long a child may take to start serving (tsx compiles it first). @default 60_000 // 1 minute */
export const DEFAULT_READY_TIMEOUT_MS = 60_000;
/** How long a child may take to exit after `stop` before it is killed. */
export const STOP_GRACE_MS = 5_000; // 5 seconds

export interface ChildMessage {
  type: string;
  [key: string]: unknown;
}

export interface Child<Ready extends ChildMessage> {
  /** The child's `ready` message. */
  ready: Ready;
  /** Send `{ type }` and wait for the child's message of the same type. */
  ask<Answer extends ChildMessage>(type: string, timeoutMs?: number): Promise<Answer>;
  /** Ask it to stop; kill it if it has not exited after STOP_GRACE_MS. Safe to call twice. */
  stop(): Promise<void>;
}

export interface ForkOptions {
  /** The child module (a .ts file, run through tsx). */
  module: URL;
  args?: string[];
  /** Added to the parent's environment. */
  env?: Record<string, string>;
  /** @default 60_000 // 1 minute */
  readyTimeoutMs?: number;
  /** Every message the child sends, for children that report as they go. */
  onMessage?: (message: ChildMessage) => void;
}

export async function forkChild<Ready extends ChildMessage>(options: ForkOptions): Promise<Child<Ready>> {
  const child = fork(fileURLToPath(options.module), options.args ?? [], {
    // BENCH_CPU_PROFILE_DIR=<dir> profiles every child (node --cpu-prof), to see where its time goes
    execArgv: ['--import', 'tsx', ...(process.env.BENCH_CPU_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROFILE_DIR}`] : [])],
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  if (options.onMessage) child.on('message', options.onMessage);
  try {
    const ready = await nextMessage<Ready>(child, 'ready', options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS);
    let stopping: Promise<void> | undefined;
    return {
      ready,
      async ask<Answer extends ChildMessage>(type: string, timeoutMs = 10_000) {
        const answer = nextMessage<Answer>(child, type, timeoutMs);
        child.send({ type });
        return answer;
      },
      stop: () => (stopping ??= stop(child, exited)),
    };
  } catch (error) {
    await stop(child, exited);
    throw error;
  }
}

async function stop(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  if (child.connected) child.send({ type: 'stop' });
  const killer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
  await exited;
  clearTimeout(killer);
}

/** The next message of `type`; rejects if the child exits first or takes longer than `timeoutMs`. */
function nextMessage<T extends ChildMessage>(child: ChildProcess, type: string, timeoutMs: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onMessage = (message: ChildMessage) => {
      if (message?.type !== type) return;
      done();
      resolve(message as T);
    };
    const onExit = (code: number | null, signal: string | null) => {
      done();
      reject(new Error(`child ${child.pid} exited (${signal ?? code}) before sending '${type}'`));
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`child ${child.pid} sent no '${type}' within ${timeoutMs} ms`));
    }, timeoutMs);
    function done() {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
    }
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

/**
 * In a child: exit when the parent's IPC channel closes (the parent crashed or was killed), so no
 * subgraph or gateway outlives a broken run and keeps its port.
 */
export function exitWithParent(): void {
  process.once('disconnect', () => process.exit(1));
}

/**
 * In a child: answer `{ type: 'cpu' }` with the CPU time the process has used (user + system,
 * milliseconds). On a shared 2-core machine requests per second move with whatever else runs;
 * CPU per request of each process does not, and says where the time goes.
 */
export function answerCpuQueries(): void {
  process.on('message', (message: ChildMessage) => {
    if (message?.type !== 'cpu') return;
    const { user, system } = process.cpuUsage();
    process.send?.({ type: 'cpu', cpuMs: (user + system) / 1000 });
  });
}
