// npm run bench:gateway — the gateway benchmark of issue 4. The same federated board query (orders
// → material, line → currentState, openAlarms: four subgraphs) goes through
//   (a) ours: gateway/server.ts with every plugin, a real JWT on every request;
//   (b) hiveStock: Hive Gateway's runtime with the Rust planner and no plugins;
//   (c) apolloGateway: @apollo/gateway under @apollo/server;
// and (d) subgraphDirect: the orders subgraph alone, for its own fields. All call one process of
// the six real subgraphs on a database of the benchmark's own; each gateway has a process of its
// own, and autocannon loads one variant at a time from this process. Before any load, every
// variant must return the same data; under load every reply must equal that one; SQL statements
// per request must not grow with the page size. The measured time is split into rounds in which
// the variants take turns, so a slower or faster minute on this shared 2-core machine does not
// land on one variant. Writes bench/results/gateway.json; exits 1 if a check fails (a missed
// speed target is reported, not failed). Knobs: BENCH_WARMUP_SECONDS, BENCH_DURATION_SECONDS,
// BENCH_CONNECTIONS, BENCH_ROUNDS (bench/support/settings.ts).
import { randomBytes } from 'node:crypto';
import { signDevelopmentToken, type AccessClaims } from '../core/auth.ts';
import { loadConfig } from '../core/config.ts';
import { INTERNAL_HEADER } from '../core/internal-auth.ts';
import { subgraphNames } from '../core/subgraph-names.ts';
import { SUPERGRAPH_PATH } from '../gateway/compose.ts';
import { createBenchDatabase } from './support/bench-database.ts';
import { boardBody, BOARD_QUERY, DIRECT_QUERY, directBody, PAGE_SIZE, postGraphQL, type GraphQLBody, type GraphQLReply } from './support/board-query.ts';
import { createCleanupStack } from './support/cleanup.ts';
import { forkChild, type Child, type ChildMessage } from './support/child-process.ts';
import { gatewayVariants, type GatewayVariant, type VariantSettings } from './support/gateway-variants.ts';
import { errorCount, runLoad, summarize, type LoadResult, type LoadSample, type LoadTarget } from './support/load.ts';
import { signBenchInternalHeader } from './support/internal-header.ts';
import { findFreePortRun } from './support/ports.ts';
import { gitState, machine, printTable, ratio, TARGETS, variantNames, writeResult, type GatewayBenchResult, type VariantName } from './support/report.ts';
import { compareReplies, replyProblems } from './support/same-data.ts';
import { loadBenchSettings, type BenchSettings } from './support/settings.ts';
import { countStatements, readCpuMs, settledStatements } from './support/counters.ts';

interface SubgraphsReady extends ChildMessage {
  urls: Record<string, string>;
}
interface GatewayReady extends ChildMessage {
  graphqlUrl: string;
}

/** Where and how one variant is called. */
interface Target {
  url: string;
  body: GraphQLBody;
  headers: Record<string, string>;
}

/** Who the load is: ours verifies the JWT; the stock gateways and the subgraph get these claims signed. */
const VIEWER: AccessClaims = { sub: 'dev-viewer', role: 'viewer' };

class CheckFailed extends Error {
  override readonly name = 'CheckFailed';
  constructor(readonly problems: string[]) {
    super(`benchmark check failed:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  }
}

const log = (message: string) => console.log(`[bench:gateway] ${message}`);

async function benchmark(settings: BenchSettings, cleanup: ReturnType<typeof createCleanupStack>): Promise<GatewayBenchResult> {
  const startedAt = new Date();
  const problems: string[] = [];

  // Fresh secrets each run: production config refuses the development ones.
  const environment = {
    NODE_ENV: 'production',
    LOG_LEVEL: 'silent',
    HOST: '127.0.0.1',
    JWT_SECRET: randomBytes(32).toString('hex'),
    INTERNAL_SECRET: randomBytes(32).toString('hex'),
  };
  const config = loadConfig(environment);
  const token = await signDevelopmentToken({ ...VIEWER, subject: VIEWER.sub, secret: config.JWT_SECRET, issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE });
  // Every gateway gets the same request; only ours reads the token.
  const clientHeaders = { authorization: `Bearer ${token}` };

  log('creating, migrating and seeding a database of its own');
  const database = await createBenchDatabase({ adminUrl: settings.adminDatabaseUrl, onCreated: (drop) => cleanup.defer('drop the database', drop) });
  log(`database ${database.name}: ${database.board.orders} orders, ${database.board.openStates} open line states, ${database.board.openAlarms} open alarms`);

  const basePort = await findFreePortRun(subgraphNames.length);
  const subgraphs = await forkChild<SubgraphsReady>({
    module: new URL('./support/subgraphs-process.ts', import.meta.url),
    args: [database.url, String(basePort), config.INTERNAL_SECRET],
    env: { NODE_ENV: 'production' },
  });
  cleanup.defer('stop the subgraphs', subgraphs.stop);
  log(`subgraphs on ports ${basePort}…${basePort + subgraphNames.length - 1}`);

  const internalHeader = await signBenchInternalHeader(VIEWER, config.INTERNAL_SECRET);
  const ordersUrl = subgraphs.ready.urls.orders;
  if (!ordersUrl) throw new Error('the subgraph process reported no orders subgraph');

  // All three gateways run from here on; only the one under load does work.
  const variantSettings: VariantSettings = { supergraphPath: SUPERGRAPH_PATH, subgraphUrls: subgraphs.ready.urls, environment, internalHeader };
  const targets = {} as Record<VariantName, Target>;
  const gateways: Partial<Record<VariantName, Child<GatewayReady>>> = {};
  for (const variant of gatewayVariants) {
    const gateway = await startGatewayChild(variant, variantSettings);
    cleanup.defer(`stop ${variant}`, gateway.stop);
    gateways[variant] = gateway;
    targets[variant] = { url: gateway.ready.graphqlUrl, body: boardBody(), headers: clientHeaders };
  }
  targets.subgraphDirect = { url: ordersUrl, body: directBody(), headers: { [INTERNAL_HEADER]: internalHeader } };

  // Wrong data fails before any load: a fast wrong answer is not worth measuring.
  const replies = {} as Record<VariantName, GraphQLReply>;
  for (const name of variantNames) replies[name] = await postGraphQL(targets[name].url, targets[name].body, targets[name].headers);
  const { subgraphDirect: directReply, ...boardReplies } = replies;
  const differences = compareReplies(boardReplies, { name: 'subgraphDirect', reply: directReply });
  if (differences.length > 0) throw new CheckFailed(differences);
  log('all variants return the same data');

  const loadTarget = (name: VariantName): LoadTarget => ({ ...targets[name], body: JSON.stringify(targets[name].body), expectBody: replies[name].text, connections: settings.connections });
  const failed = (name: VariantName, phase: string, sample: LoadSample) => {
    if (errorCount(sample.errors) > 0) problems.push(`${name}: ${errorCount(sample.errors)} failed requests in ${phase} ${JSON.stringify(sample.errors)}`);
  };

  // Warm every variant (JIT, plan caches, pool connections) before measuring any.
  if (settings.warmupSeconds > 0) {
    for (const name of variantNames) {
      log(`warming up ${name} for ${settings.warmupSeconds} s`);
      failed(name, 'warm-up', await runLoad(loadTarget(name), settings.warmupSeconds));
    }
  }

  // The variants take turns, round after round, so drift on a busy machine hits all alike.
  const samples = Object.fromEntries(variantNames.map((name) => [name, [] as LoadSample[]])) as Record<VariantName, LoadSample[]>;
  const zeros = () => Object.fromEntries(variantNames.map((name) => [name, 0])) as Record<VariantName, number>;
  const [statements, gatewayCpuMs, subgraphsCpuMs] = [zeros(), zeros(), zeros()];
  const roundSeconds = settings.durationSeconds / settings.rounds;
  for (let round = 1; round <= settings.rounds; round += 1) {
    for (const name of variantNames) {
      log(`round ${round}/${settings.rounds}: ${name} for ${roundSeconds} s, ${settings.connections} connections`);
      const gateway = gateways[name];
      const before = { statements: await settledStatements(subgraphs), subgraphs: await readCpuMs(subgraphs), gateway: gateway ? await readCpuMs(gateway) : 0 };
      const sample = await runLoad(loadTarget(name), roundSeconds);
      statements[name] += (await settledStatements(subgraphs)) - before.statements;
      subgraphsCpuMs[name] += (await readCpuMs(subgraphs)) - before.subgraphs;
      if (gateway) gatewayCpuMs[name] += (await readCpuMs(gateway)) - before.gateway;
      samples[name].push(sample);
      failed(name, `round ${round}`, sample);
    }
  }
  const results = Object.fromEntries(variantNames.map((name) => [name, summarize(samples[name])])) as Record<VariantName, LoadResult>;
  const perRequest = (totals: Record<VariantName, number>) =>
    Object.fromEntries(variantNames.map((name) => [name, results[name].requests > 0 ? Math.round((totals[name] / results[name].requests) * 100) / 100 : Number.NaN])) as Record<VariantName, number>;
  const statementsPerRequest = perRequest(statements);
  const [gatewayCpu, subgraphsCpu] = [perRequest(gatewayCpuMs), perRequest(subgraphsCpuMs)];
  const cpuMsPerRequest = Object.fromEntries(variantNames.map((name) => [name, { gateway: gateways[name] ? gatewayCpu[name] : null, subgraphs: subgraphsCpu[name] }])) as GatewayBenchResult['cpuMsPerRequest'];

  // After the load, so every pool connection is open and none sends set-up statements.
  const byPageSize = await statementsByPageSize(subgraphs, targets.ours, problems);

  const { ours, hiveStock, apolloGateway, subgraphDirect } = results;
  const ratios = { oursVsHive: ratio(ours.rps, hiveStock.rps), oursVsApollo: ratio(ours.rps, apolloGateway.rps), oursVsDirect: ratio(ours.rps, subgraphDirect.rps) };
  const sqlStatementsConstant = byPageSize['1'] === byPageSize['10'];
  if (!sqlStatementsConstant) problems.push(`SQL statements grow with the page: ${byPageSize['1']} at first: 1, ${byPageSize['10']} at first: ${PAGE_SIZE}`);

  return {
    name: 'gateway',
    ...gitState(),
    startedAt: startedAt.toISOString(),
    elapsedSeconds: Math.round((Date.now() - startedAt.getTime()) / 100) / 10,
    machine: machine(),
    settings: { warmupSeconds: settings.warmupSeconds, durationSeconds: settings.durationSeconds, connections: settings.connections, rounds: settings.rounds, query: BOARD_QUERY, variables: boardBody().variables, directQuery: DIRECT_QUERY },
    ours,
    hiveStock,
    apolloGateway,
    subgraphDirect,
    ratios,
    sqlStatementsPerRequest: statementsPerRequest.ours,
    sqlStatementsPerRequestByVariant: statementsPerRequest,
    sqlStatementsByPageSize: byPageSize,
    cpuMsPerRequest,
    targets: TARGETS,
    targetsMet: { oursVsHive: ratios.oursVsHive >= TARGETS.oursVsHive, oursVsApollo: ratios.oursVsApollo >= TARGETS.oursVsApollo, sqlStatementsConstant },
    checks: { passed: problems.length === 0, problems },
  };
}

function startGatewayChild(variant: GatewayVariant, settings: VariantSettings): Promise<Child<GatewayReady>> {
  log(`starting ${variant}`);
  return forkChild<GatewayReady>({
    module: new URL('./support/gateway-process.ts', import.meta.url),
    args: [variant],
    // APOLLO_TELEMETRY_DISABLED: @apollo/gateway otherwise reports usage data to Apollo.
    env: { NODE_ENV: 'production', APOLLO_TELEMETRY_DISABLED: '1', BENCH_GATEWAY_SETTINGS: JSON.stringify(settings) },
  });
}

/**
 * Statements of one board request at page size 1 and at PAGE_SIZE, through ours, after a request
 * that opens whatever pool connections the plan needs (connections send set-up statements).
 */
async function statementsByPageSize(subgraphs: Child<ChildMessage>, target: Target, problems: string[]): Promise<{ '1': number; '10': number }> {
  const send = async (first: number) => {
    const reply = await postGraphQL(target.url, boardBody(first), target.headers);
    problems.push(...replyProblems(`ours at first: ${first}`, reply));
  };
  await send(PAGE_SIZE);
  return { '1': await countStatements(subgraphs, () => send(1)), '10': await countStatements(subgraphs, () => send(PAGE_SIZE)) };
}

async function main(): Promise<number> {
  const settings = loadBenchSettings();
  const cleanup = createCleanupStack();
  // `on`, not `once`: tsx and npm relay the signal again when the first is not acknowledged at
  // once, and a process with no listener left exits on the spot, before the database is dropped.
  let interrupted = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (interrupted) return;
      interrupted = true;
      log(`${signal}: cleaning up`);
      void cleanup.run().then((failures) => {
        for (const failure of failures) console.error(`[bench:gateway] cleanup: ${failure}`);
        process.exit(130);
      });
    });
  }
  try {
    const result = await benchmark(settings, cleanup);
    writeResult(result);
    console.log(JSON.stringify(result, null, 2));
    printTable(result);
    return result.checks.passed ? 0 : 1;
  } catch (error) {
    console.error(error instanceof CheckFailed ? error.message : error);
    return 1;
  } finally {
    for (const failure of await cleanup.run()) console.error(`[bench:gateway] cleanup: ${failure}`);
  }
}

process.exitCode = await main();
