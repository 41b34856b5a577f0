// The benchmark's result: bench/results/gateway.json (STYLE habit 8: name, commit, settings,
// duration, throughput, p50/p95/p99) and a short table on the console. Speed targets are
// reported, not enforced; failed checks (errors, wrong data, statements growing with the page)
// are listed under `checks` and make the run exit non-zero.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LoadResult } from './load.ts';

export const RESULT_PATH = fileURLToPath(new URL('../results/gateway.json', import.meta.url));

/** Issue 4's targets: our plugins cost little next to stock Hive, and we beat @apollo/gateway. */
export const TARGETS = { oursVsHive: 0.9, oursVsApollo: 3 } as const;

export const variantNames = ['ours', 'hiveStock', 'apolloGateway', 'subgraphDirect'] as const;
export type VariantName = (typeof variantNames)[number];

export interface GatewayBenchResult {
  name: 'gateway';
  commit: string;
  /** Uncommitted changes in the work tree when it ran. */
  dirty: boolean;
  startedAt: string;
  elapsedSeconds: number;
  machine: { cpus: number; node: string; platform: string };
  settings: { warmupSeconds: number; durationSeconds: number; connections: number; rounds: number; query: string; variables: Record<string, unknown>; directQuery: string };
  ours: LoadResult;
  hiveStock: LoadResult;
  apolloGateway: LoadResult;
  subgraphDirect: LoadResult;
  /** Requests per second of ours divided by the other's. */
  ratios: { oursVsHive: number; oursVsApollo: number; oursVsDirect: number };
  /** Statements the subgraphs sent per request during ours' measured run. */
  sqlStatementsPerRequest: number;
  /** The same per variant, from each measured run (the stock gateways plan alike, so alike). */
  sqlStatementsPerRequestByVariant: Record<VariantName, number>;
  /** Statements of one board request at page size 1 and 10, through ours: must be equal. */
  sqlStatementsByPageSize: { '1': number; '10': number };
  /**
   * CPU time per request in the gateway process (null for subgraphDirect) and in the subgraph
   * process, milliseconds: steadier than requests per second on a shared machine, and it says
   * where the time goes.
   */
  cpuMsPerRequest: Record<VariantName, { gateway: number | null; subgraphs: number }>;
  targets: typeof TARGETS;
  targetsMet: { oursVsHive: boolean; oursVsApollo: boolean; sqlStatementsConstant: boolean };
  checks: { passed: boolean; problems: string[] };
}

export function gitState(): { commit: string; dirty: boolean } {
  const git = (...args: string[]) => execFileSync('git', args, { encoding: 'utf8' }).trim();
  try {
    return { commit: git('rev-parse', 'HEAD'), dirty: git('status', '--porcelain').length > 0 };
  } catch {
    return { commit: 'unknown', dirty: true };
  }
}

export function machine(): GatewayBenchResult['machine'] {
  return { cpus: os.availableParallelism(), node: process.version, platform: `${process.platform}-${process.arch}` };
}

export function ratio(a: number, b: number): number {
  return b > 0 ? Math.round((a / b) * 1000) / 1000 : Number.NaN;
}

export function writeResult(result: GatewayBenchResult, path = RESULT_PATH): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(result, null, 2)}\n`);
}

export function printTable(result: GatewayBenchResult): void {
  const rows = variantNames.map((name) => {
    const run = result[name];
    const cpu = result.cpuMsPerRequest[name];
    return {
      variant: name,
      rps: run.rps,
      p50Ms: run.p50Ms,
      p95Ms: run.p95Ms,
      p99Ms: run.p99Ms,
      requests: run.requests,
      errors: run.errors,
      sqlPerRequest: result.sqlStatementsPerRequestByVariant[name],
      gatewayCpuMs: cpu.gateway ?? '-',
      subgraphsCpuMs: cpu.subgraphs,
    };
  });
  console.table(rows);
  const mark = (met: boolean) => (met ? 'met' : 'MISSED');
  console.log(`ours/hiveStock     ${result.ratios.oursVsHive}  (target ≥ ${TARGETS.oursVsHive}: ${mark(result.targetsMet.oursVsHive)})`);
  console.log(`ours/apolloGateway ${result.ratios.oursVsApollo}  (target ≥ ${TARGETS.oursVsApollo}: ${mark(result.targetsMet.oursVsApollo)})`);
  console.log(`ours/subgraphDirect ${result.ratios.oursVsDirect}`);
  console.log(`SQL statements per request ${result.sqlStatementsPerRequest}; by page size ${JSON.stringify(result.sqlStatementsByPageSize)} (${mark(result.targetsMet.sqlStatementsConstant)})`);
  if (result.sqlStatementsPerRequest < result.sqlStatementsByPageSize['10']) {
    // Identical concurrent requests share subgraph calls (@graphql-tools/executor-http dedupes
    // in-flight queries), so under this load most requests never reach a subgraph.
    console.log(`note: under load ours sent ${result.sqlStatementsPerRequest} statements per request, one request alone ${result.sqlStatementsByPageSize['10']}: concurrent requests shared subgraph calls`);
  }
  console.log(result.checks.passed ? `checks passed; wrote ${RESULT_PATH}` : `CHECKS FAILED:\n${result.checks.problems.map((problem) => `  - ${problem}`).join('\n')}`);
}
