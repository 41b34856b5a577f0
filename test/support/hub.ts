// The real graph for a test: its own migrated, seeded database, all six subgraphs and the gateway
// with every plugin, on free ports, called over HTTP with real JWTs.
import { randomUUID } from 'node:crypto';
import type { NatsConnection } from '@nats-io/transport-node';
import { signDevelopmentToken, type Role } from '../../core/auth.ts';
import { loadConfig, type Config } from '../../core/config.ts';
import { openDatabase, type Database } from '../../core/db.ts';
import { silentLogger } from '../../core/log.ts';
import { migrate } from '../../core/migrations.ts';
import { startSubgraph, type RunningSubgraph } from '../../core/graphql/subgraph.ts';
import type { StreamSettings } from '../../core/bus.ts';
import { startGateway, type GatewayOptions, type RunningGateway } from '../../gateway/server.ts';
import { seedDemoPlant } from '../../prisma/seed.ts';
import { allSubgraphs } from '../../subgraphs/index.ts';
import { createTestDatabase } from './database.ts';
import { TEST_INTERNAL_SECRET, type GraphQLResponse } from './graph.ts';

export const TEST_JWT_SECRET = 'test-jwt-secret-of-at-least-32-characters';

export interface Identity {
  role: Role;
  customerId?: string;
  siteIds?: string[];
}

export interface HubUnderTest {
  config: Config;
  database: Database;
  gateway: RunningGateway;
  subgraphs: Record<string, RunningSubgraph>;
  /** POST to the gateway as `identity` (anonymous when null). */
  query<Data = Record<string, unknown>>(query: string, variables?: Record<string, unknown>, identity?: Identity | null): Promise<GraphQLResponse<Data>>;
  token(identity: Identity): Promise<string>;
  stop(): Promise<void>;
}

export interface HubOptions {
  /** Given to the subgraphs and the gateway (subscriptions read domain events through it). */
  bus?: NatsConnection;
  /** The test's own stream names and subject prefix (test/support/bus.ts testStreamSettings). */
  streams?: Pick<StreamSettings, 'STREAM_TELEMETRY' | 'STREAM_DOMAIN_EVENTS' | 'STREAM_DLQ' | 'SUBJECT_PREFIX'>;
  /** Configuration variables to set besides the test defaults (e.g. gateway limits). */
  config?: Record<string, string>;
  /** Passed on to startGateway. */
  gateway?: Pick<GatewayOptions, 'subscriberQueueCapacity' | 'shutdownGraceMs'>;
}

export async function startHubUnderTest(label: string, options: HubOptions = {}): Promise<HubUnderTest> {
  const testDatabase = await createTestDatabase(label);
  const streams = options.streams
    ? { STREAM_TELEMETRY: options.streams.STREAM_TELEMETRY, STREAM_DOMAIN_EVENTS: options.streams.STREAM_DOMAIN_EVENTS, STREAM_DLQ: options.streams.STREAM_DLQ, SUBJECT_PREFIX: options.streams.SUBJECT_PREFIX }
    : {};
  const config = loadConfig({ NODE_ENV: 'test', JWT_SECRET: TEST_JWT_SECRET, INTERNAL_SECRET: TEST_INTERNAL_SECRET, GATEWAY_PORT: '0', SUBGRAPH_BASE_PORT: '0', ...streams, ...options.config });
  const database = openDatabase({ url: testDatabase.url, poolMax: 8, log: silentLogger });
  await migrate({ pool: database.pool, log: silentLogger });
  await seedDemoPlant(database.prisma);
  const running = await Promise.all(
    allSubgraphs.map((definition) => startSubgraph(definition, { port: 0, database, internalSecret: config.INTERNAL_SECRET, log: silentLogger, bus: options.bus })),
  );
  const gateway = await startGateway({
    config,
    port: 0,
    subgraphUrls: Object.fromEntries(running.map((subgraph) => [subgraph.name, subgraph.url])),
    ...(options.bus ? { bus: options.bus } : {}),
    ...options.gateway,
  });

  const token = (identity: Identity) =>
    signDevelopmentToken({ ...identity, subject: `test-${identity.role}`, secret: config.JWT_SECRET, issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE });
  const subgraphs: Record<string, RunningSubgraph> = Object.fromEntries(running.map((subgraph) => [subgraph.name, subgraph]));
  return {
    config,
    database,
    gateway,
    // a test may replace one (a restarted subgraph); stop() stops what is here then
    subgraphs,
    token,
    async query(query, variables = {}, identity = { role: 'admin' }) {
      const headers: Record<string, string> = { 'content-type': 'application/json', 'x-request-id': randomUUID() };
      if (identity) headers.authorization = `Bearer ${await token(identity)}`;
      const response = await fetch(gateway.graphqlUrl, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
      return { status: response.status, ...((await response.json()) as object) };
    },
    async stop() {
      await gateway.close();
      await Promise.all(Object.values(subgraphs).map((subgraph) => subgraph.stop()));
      await database.close();
      await testDatabase.drop();
    },
  };
}
