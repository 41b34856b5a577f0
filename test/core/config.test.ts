import { describe, expect, it } from '@jest/globals';
import { ConfigError, DEVELOPMENT_JWT_SECRET, describeEnvironment, loadConfig } from '../../core/config.ts';

function problemsOf(environment: Record<string, string>): string[] {
  try {
    loadConfig(environment);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected loadConfig to fail');
}

describe('config', () => {
  it('config - an empty environment gives the embedded defaults', () => {
    const config = loadConfig({});
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.NATS_URL).toBeUndefined();
    expect(config.GATEWAY_PORT).toBe(4000);
    expect(config.SUBGRAPH_BASE_PORT).toBe(4001);
    expect(config.STREAM_TELEMETRY).toBe('TELEMETRY');
    expect(config.JWT_SECRET).toBe(DEVELOPMENT_JWT_SECRET);
    expect(config.SEED_DEMO_PLANT).toBe(true);
  });

  it('config - values are coerced and empty strings count as unset', () => {
    const config = loadConfig({ GATEWAY_PORT: '5000', DATABASE_URL: '', SEED_DEMO_PLANT: 'no', LOG_PRETTY: '1' });
    expect(config.GATEWAY_PORT).toBe(5000);
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.SEED_DEMO_PLANT).toBe(false);
    expect(config.LOG_PRETTY).toBe(true);
  });

  it('config - every bad variable is listed at once, by name', () => {
    const problems = problemsOf({ GATEWAY_PORT: 'eighty', DATABASE_URL: 'mysql://x/y', NATS_URL: 'not a url', LOG_LEVEL: 'loud', SEED_DEMO_PLANT: 'maybe' });
    expect(problems).toHaveLength(5);
    expect(problems.map((problem) => problem.split(':')[0]).sort()).toEqual(['DATABASE_URL', 'GATEWAY_PORT', 'LOG_LEVEL', 'NATS_URL', 'SEED_DEMO_PLANT']);
    expect(problems.find((problem) => problem.startsWith('GATEWAY_PORT'))).toContain('(got "eighty")');
  });

  it('config - the error message is readable and never echoes secrets', () => {
    let message = '';
    try {
      loadConfig({ JWT_SECRET: 'short-secret', GATEWAY_PORT: '-1' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^Invalid configuration:\n {2}- /);
    expect(message).toContain('JWT_SECRET: must be at least 32 characters');
    expect(message).not.toContain('short-secret');
  });

  it('config - production refuses to run on development secrets', () => {
    const problems = problemsOf({ NODE_ENV: 'production' });
    expect(problems).toEqual(['JWT_SECRET: required in production (or set JWT_JWKS_URL)', 'INTERNAL_SECRET: required in production']);
  });

  it('config - every variable is documented', () => {
    const undocumented = describeEnvironment().filter((variable) => variable.description.length < 10);
    expect(undocumented).toEqual([]);
  });
});

describe('config - subgraph urls', () => {
  const all = 'assets=http://assets:4001/graphql,orders=http://orders:4002/graphql,inventory=http://inventory:4003/graphql,quality=http://quality:4004/graphql,maintenance=http://maintenance:4005/graphql,integration=http://integration:4006/graphql';

  it('config - SUBGRAPH_URLS names where each of the six subgraphs runs', () => {
    expect(loadConfig({ SUBGRAPH_URLS: all }).SUBGRAPH_URLS).toMatchObject({ assets: 'http://assets:4001/graphql', integration: 'http://integration:4006/graphql' });
  });

  it('config - SUBGRAPH_URLS with an unknown or missing subgraph is refused by name', () => {
    const problems = problemsOf({ SUBGRAPH_URLS: 'assets=http://assets:4001/graphql,billing=http://billing/graphql' });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^SUBGRAPH_URLS: "billing=http:\/\/billing\/graphql" is not <subgraph>=<http url>/);
    expect(problemsOf({ SUBGRAPH_URLS: 'assets=http://assets:4001/graphql' })[0]).toContain('missing orders, inventory, quality, maintenance, integration');
  });
});
