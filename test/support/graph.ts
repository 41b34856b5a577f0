// A migrated, seeded database of the test's own with one or more real subgraphs serving it on
// free ports, and a way to call them as the gateway would (signed internal header).
import { randomUUID } from 'node:crypto';
import { openDatabase, type Database } from '../../core/db.ts';
import { migrate } from '../../core/migrations.ts';
import { silentLogger } from '../../core/log.ts';
import { signInternalToken } from '../../core/internal-auth.ts';
import type { AccessClaims } from '../../core/auth.ts';
import { startSubgraph, type RunningSubgraph, type SubgraphDefinition } from '../../core/graphql/subgraph.ts';
import { seedDemoPlant } from '../../prisma/seed.ts';
import { createTestDatabase, type TestDatabase } from './database.ts';

export const TEST_INTERNAL_SECRET = 'test-internal-secret-of-at-least-32-chars';

export interface GraphQLResponse<Data = Record<string, unknown>> {
  status: number;
  data?: Data | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: { code?: string } & Record<string, unknown> }[];
}

export interface SubgraphsUnderTest {
  database: Database;
  subgraphs: Record<string, RunningSubgraph>;
  /** Call a subgraph as the gateway would, for the given caller (admin by default). */
  query<Data = Record<string, unknown>>(subgraph: string, query: string, variables?: Record<string, unknown>, caller?: AccessClaims | null): Promise<GraphQLResponse<Data>>;
  stop(): Promise<void>;
}

export const admin: AccessClaims = { sub: 'test-admin', role: 'admin' };

export async function startSubgraphsUnderTest(label: string, definitions: SubgraphDefinition[], options: { seed?: boolean } = {}): Promise<SubgraphsUnderTest> {
  const testDatabase: TestDatabase = await createTestDatabase(label);
  const database = openDatabase({ url: testDatabase.url, poolMax: 5, log: silentLogger });
  await migrate({ pool: database.pool, log: silentLogger });
  if (options.seed ?? true) await seedDemoPlant(database.prisma);
  const running = await Promise.all(
    definitions.map((definition) => startSubgraph(definition, { port: 0, database, internalSecret: TEST_INTERNAL_SECRET, log: silentLogger })),
  );
  const subgraphs = Object.fromEntries(running.map((subgraph) => [subgraph.name, subgraph]));
  return {
    database,
    subgraphs,
    async query(name, query, variables = {}, caller = admin) {
      const subgraph = subgraphs[name];
      if (!subgraph) throw new Error(`subgraph ${name} is not running in this test`);
      const headers: Record<string, string> = { 'content-type': 'application/json', 'x-request-id': randomUUID() };
      if (caller) headers['x-plantgraph-internal'] = await signInternalToken(caller, TEST_INTERNAL_SECRET);
      const response = await fetch(subgraph.url, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
      return { status: response.status, ...((await response.json()) as object) };
    },
    async stop() {
      await Promise.all(running.map((subgraph) => subgraph.stop()));
      await database.close();
      await testDatabase.drop();
    },
  };
}

/**
 * Statements the database saw while `run` ran (tests run their queries one at a time). `run` goes
 * once before counting: a pool connection opened on the way sends set-up statements of its own.
 */
export async function countStatements(database: Database, run: () => Promise<unknown>): Promise<number> {
  await run();
  const before = database.statements.count;
  await run();
  return database.statements.count - before;
}
