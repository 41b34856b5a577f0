// Counters of the child processes, read over IPC: SQL statements the subgraph process sent (core/db.ts
// counts every pg query) and CPU time a process used. A load run ends with requests still in flight
// at the gateway, so the statement count is read once it has stopped moving, not the moment
// autocannon returns.
import type { Child, ChildMessage } from './child-process.ts';

interface StatementsMessage extends ChildMessage {
  type: 'statements';
  count: number;
}

interface CpuMessage extends ChildMessage {
  type: 'cpu';
  cpuMs: number;
}

/** How long the counter must stay still to count as settled. */
const QUIET_MS = 250;
const SETTLE_LIMIT_MS = 10_000;

export async function readStatements(subgraphs: Child<ChildMessage>): Promise<number> {
  return (await subgraphs.ask<StatementsMessage>('statements')).count;
}

/** The counter once it has not moved for QUIET_MS (at most SETTLE_LIMIT_MS). */
export async function settledStatements(subgraphs: Child<ChildMessage>): Promise<number> {
  let last = await readStatements(subgraphs);
  for (let waited = 0; waited < SETTLE_LIMIT_MS; waited += QUIET_MS) {
    await new Promise((resolve) => setTimeout(resolve, QUIET_MS));
    const now = await readStatements(subgraphs);
    if (now === last) return now;
    last = now;
  }
  return last;
}

/** Statements sent while `run` ran; `run` must wait for its replies. */
export async function countStatements(subgraphs: Child<ChildMessage>, run: () => Promise<unknown>): Promise<number> {
  const before = await readStatements(subgraphs);
  await run();
  return (await settledStatements(subgraphs)) - before;
}

/** CPU time (user + system) the child has used since it started, milliseconds. */
export async function readCpuMs(child: Child<ChildMessage>): Promise<number> {
  return (await child.ask<CpuMessage>('cpu')).cpuMs;
}
