// Every environment variable the hub reads, in one zod schema. `loadConfig` parses the environment
// once at start-up and lists every bad variable at once; after that, code receives the typed
// `Config` and nothing else reads process.env.
import { z } from 'zod';
import { subgraphNames, type SubgraphName } from './subgraph-names.ts';

export const DEFAULT_GATEWAY_PORT = 4000;
export const DEFAULT_SUBGRAPH_BASE_PORT = 4001; // assets 4001 … integration 4006
export const DEFAULT_DB_POOL_MAX = 10; // connections per process
export const DEFAULT_STREAM_MAX_AGE_HOURS = 7 * 24; // 7 days
export const DEFAULT_DLQ_MAX_AGE_HOURS = 30 * 24; // 30 days: dead letters wait for a fix and a replay
export const DEFAULT_DUPLICATE_WINDOW_SECONDS = 2 * 60; // 2 minutes of Nats-Msg-Id dedupe
export const DEFAULT_STREAM_MAX_BYTES = 1024 * 1024 * 1024; // 1 GiB per stream
export const DEFAULT_GATEWAY_MAX_DEPTH = 12; // levels of nested fields in one operation
export const DEFAULT_GATEWAY_MAX_ALIASES = 30; // aliases in one operation
export const DEFAULT_GATEWAY_MAX_TOKENS = 2_000; // lexical tokens in one document
export const DEFAULT_GATEWAY_MAX_COST = 5_000; // estimated objects one operation may fetch
export const DEFAULT_GATEWAY_BODY_LIMIT_BYTES = 100 * 1024; // 100 KiB per request body
export const DEFAULT_GATEWAY_WS_COALESCE_MS = 10; // ms a WebSocket message may wait to share one write; 0: each is written at once
export const DEFAULT_SUBGRAPH_TIMEOUT_MS = 10_000; // 10 seconds per subgraph request
export const DEFAULT_INGEST_WORKERS = 2; // ingest workers per process (two overlap one batch's commit with the next one's parsing)
export const DEFAULT_INGEST_BATCH_MESSAGES = 200; // messages per ingest batch at most
export const DEFAULT_STATE_IDLE_AFTER_SECONDS = 120; // an asset with counters and no STATE tag is idle after 2 minutes without counts
export const DEFAULT_SIM_TICK_MS = 1_000; // the demo plant publishes once a second
export const DEFAULT_DOWNTIME_REQUEST_AFTER_SECONDS = 120; // a stop this long becomes a maintenance request
/** Development-only JWT secret; refused when NODE_ENV=production. */
export const DEVELOPMENT_JWT_SECRET = 'plantgraph-development-secret-change-me';
export const DEVELOPMENT_INTERNAL_SECRET = 'plantgraph-development-internal-secret';

/** "true"/"1"/"yes" and "false"/"0"/"no", as operators write them. */
const booleanFlag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

const port = z.coerce.number({ error: 'must be a port number' }).int().min(0).max(65_535);
const positiveInt = z.coerce.number({ error: 'must be a whole number' }).int().positive();
const optionalUrl = (protocols: string[]) =>
  z
    .string()
    .url()
    .refine((value) => protocols.some((protocol) => value.startsWith(`${protocol}://`)), {
      message: `must start with ${protocols.map((p) => `${p}://`).join(' or ')}`,
    })
    .optional();
/** `assets=http://assets:4001/graphql,orders=…`: every one of the six, each once. */
const subgraphUrls = z
  .string()
  .transform((value, context) => {
    const urls: Record<string, string> = {};
    for (const pair of value.split(',').map((part) => part.trim()).filter(Boolean)) {
      const [name, url] = pair.split(/=(.*)/s);
      if (!name || !url || !subgraphNames.includes(name as SubgraphName) || !/^https?:\/\/\S+$/.test(url)) {
        context.addIssue({ code: 'custom', message: `"${pair}" is not <subgraph>=<http url> with a subgraph of ${subgraphNames.join(', ')}` });
        return z.NEVER;
      }
      urls[name] = url;
    }
    const missing = subgraphNames.filter((name) => !urls[name]);
    if (missing.length > 0) {
      context.addIssue({ code: 'custom', message: `missing ${missing.join(', ')}` });
      return z.NEVER;
    }
    return urls as Record<SubgraphName, string>;
  });
const streamName = z.string().regex(/^[A-Z0-9_-]+$/, 'use A–Z, 0–9, _ and - only');

export const environmentSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development').describe('Run mode; production refuses development secrets'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('pino log level'),
  LOG_PRETTY: booleanFlag.optional().describe('Human-readable log lines instead of JSON (default: on in development on a terminal)'),
  DATABASE_URL: optionalUrl(['postgres', 'postgresql']).describe('PostgreSQL connection string; unset: npm start runs an embedded PostgreSQL in DATA_DIR/pg'),
  DB_POOL_MAX: positiveInt.default(DEFAULT_DB_POOL_MAX).describe('Maximum pg pool connections per process'),
  NATS_URL: optionalUrl(['nats', 'tls']).describe('NATS server with JetStream; unset: npm start spawns nats-server with its store in DATA_DIR/nats'),
  DATA_DIR: z.string().min(1).default('.data').describe('Where the embedded PostgreSQL and NATS keep their data'),
  HOST: z.string().min(1).default('127.0.0.1').describe('Address the HTTP servers bind to; 0.0.0.0 in containers'),
  GATEWAY_PORT: port.default(DEFAULT_GATEWAY_PORT).describe('Gateway HTTP/WebSocket port'),
  SUBGRAPH_BASE_PORT: port.default(DEFAULT_SUBGRAPH_BASE_PORT).describe('First subgraph port; the six subgraphs take this and the next five'),
  SUBGRAPH_URLS: subgraphUrls
    .optional()
    .describe('Where the gateway finds subgraphs run elsewhere: name=url pairs, comma-separated (default: 127.0.0.1 on the subgraph ports)'),
  GATEWAY_MAX_DEPTH: positiveInt.default(DEFAULT_GATEWAY_MAX_DEPTH).describe('Deepest field nesting the gateway accepts in one operation (introspection not counted)'),
  GATEWAY_MAX_ALIASES: positiveInt.default(DEFAULT_GATEWAY_MAX_ALIASES).describe('Most aliases the gateway accepts in one operation'),
  GATEWAY_MAX_TOKENS: positiveInt.default(DEFAULT_GATEWAY_MAX_TOKENS).describe('Most lexical tokens the gateway accepts in one GraphQL document'),
  GATEWAY_MAX_COST: positiveInt.default(DEFAULT_GATEWAY_MAX_COST).describe('Highest estimated cost (objects fetched, from list sizes and nesting) of one operation'),
  GATEWAY_BODY_LIMIT_BYTES: positiveInt.default(DEFAULT_GATEWAY_BODY_LIMIT_BYTES).describe('Largest request body the gateway reads, bytes'),
  GATEWAY_WS_COALESCE_MS: z.coerce
    .number({ error: 'must be a number of milliseconds' })
    .int()
    .min(0)
    .max(1_000)
    .default(DEFAULT_GATEWAY_WS_COALESCE_MS)
    .describe('Messages the gateway sends one WebSocket within this many milliseconds go out in one write (fewer syscalls, up to this much more latency); 0 writes each at once'),
  SUBGRAPH_TIMEOUT_MS: positiveInt.default(DEFAULT_SUBGRAPH_TIMEOUT_MS).describe('Time a subgraph request may take before the gateway gives up, milliseconds'),
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional().describe('HS256 secret for JWTs (development default when unset outside production)'),
  JWT_JWKS_URL: optionalUrl(['http', 'https']).describe('JWKS endpoint; when set, tokens are verified against it instead of JWT_SECRET'),
  JWT_ISSUER: z.string().default('plantgraph').describe('Expected iss claim'),
  JWT_AUDIENCE: z.string().default('plantgraph').describe('Expected aud claim'),
  INTERNAL_SECRET: z.string().min(32, 'must be at least 32 characters').optional().describe('Shared secret the gateway signs subgraph calls with'),
  STREAM_TELEMETRY: streamName.default('TELEMETRY').describe('JetStream stream for telemetry.> subjects'),
  STREAM_DOMAIN_EVENTS: streamName.default('DOMAIN_EVENTS').describe('JetStream stream for events.> subjects'),
  STREAM_DLQ: streamName.default('DLQ').describe('JetStream stream for dead letters (dlq.> subjects)'),
  SUBJECT_PREFIX: z.string().regex(/^[a-z0-9_-]*$/).default('').describe('Prefix for all subjects (tests use it to keep streams apart); empty in production'),
  STREAM_MAX_AGE_HOURS: positiveInt.default(DEFAULT_STREAM_MAX_AGE_HOURS).describe('Retention of TELEMETRY and DOMAIN_EVENTS, hours'),
  DLQ_MAX_AGE_HOURS: positiveInt.default(DEFAULT_DLQ_MAX_AGE_HOURS).describe('Retention of the DLQ stream, hours'),
  STREAM_MAX_BYTES: positiveInt.default(DEFAULT_STREAM_MAX_BYTES).describe('Size limit of each stream, bytes'),
  DUPLICATE_WINDOW_SECONDS: positiveInt.default(DEFAULT_DUPLICATE_WINDOW_SECONDS).describe('JetStream duplicate window for Nats-Msg-Id, seconds'),
  SEED_DEMO_PLANT: booleanFlag.default(true).describe('Seed the demo plant at start when the database is empty'),
  INGEST_WORKERS: positiveInt.default(DEFAULT_INGEST_WORKERS).describe('Telemetry ingest workers in this process (npm start, start:ingest); more processes share the same durable consumer'),
  INGEST_BATCH_MESSAGES: positiveInt.default(DEFAULT_INGEST_BATCH_MESSAGES).describe('Most telemetry messages one ingest batch (one transaction) takes'),
  STATE_IDLE_AFTER_SECONDS: positiveInt.default(DEFAULT_STATE_IDLE_AFTER_SECONDS).describe('An asset without a STATE tag whose counters have not gone up for this long is IDLE'),
  DOWNTIME_REQUEST_AFTER_SECONDS: positiveInt
    .default(DEFAULT_DOWNTIME_REQUEST_AFTER_SECONDS)
    .describe('A DOWN interval lasting this long opens a maintenance request and a notification posting (a CRITICAL alarm does at once)'),
  CONFIRMATION_WINDOW_SECONDS: positiveInt
    .optional()
    .describe('Length of a production confirmation window, seconds (default: 300 in production, 30 otherwise, so the demo posts within a minute)'),
  ERP_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(8).describe('Attempts before an ERP posting is DEAD'),
  ERP_RETRY_BASE_SECONDS: z.coerce.number().positive().default(10).describe('Backoff after the first failed ERP posting attempt; doubles per attempt'),
  ERP_RETRY_MAX_SECONDS: z.coerce.number().positive().default(900).describe('Longest backoff between two ERP posting attempts'),
  SIM_ENABLED: booleanFlag.optional().describe('Run the demo plant simulator in npm start (default: on, except in production)'),
  SIM_TICK_MS: positiveInt.default(DEFAULT_SIM_TICK_MS).describe('How often the simulated devices publish, milliseconds'),
  SIM_SEED: positiveInt.default(1).describe('Random seed of the plant simulator (the same seed plays the same plant)'),
});

export type Environment = z.input<typeof environmentSchema>;
type ParsedEnvironment = z.output<typeof environmentSchema>;

export interface Config extends Omit<ParsedEnvironment, 'JWT_SECRET' | 'INTERNAL_SECRET' | 'LOG_PRETTY'> {
  JWT_SECRET: string;
  INTERNAL_SECRET: string;
  LOG_PRETTY: boolean;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    /** One line per bad variable: `NAME: problem`. */
    readonly problems: string[],
  ) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  }
}

export function isConfigError(error: unknown): error is ConfigError {
  return error instanceof ConfigError;
}

/**
 * Parse the environment once. Unknown variables are ignored; empty strings count as unset, as
 * shells and compose files often leave them.
 */
export function loadConfig(environment: Record<string, string | undefined> = process.env, options: { isTerminal?: boolean } = {}): Config {
  const relevant: Record<string, string> = {};
  for (const key of Object.keys(environmentSchema.shape)) {
    const value = environment[key];
    if (value !== undefined && value.trim() !== '') relevant[key] = value.trim();
  }
  const result = environmentSchema.safeParse(relevant);
  const problems = result.success ? [] : problemsByVariable(result.error.issues, relevant);

  if (result.success && result.data.NODE_ENV === 'production') {
    if (!result.data.JWT_SECRET && !result.data.JWT_JWKS_URL) problems.push('JWT_SECRET: required in production (or set JWT_JWKS_URL)');
    if (!result.data.INTERNAL_SECRET) problems.push('INTERNAL_SECRET: required in production');
  }
  if (!result.success || problems.length > 0) throw new ConfigError(problems);

  const parsed = result.data;
  return {
    ...parsed,
    JWT_SECRET: parsed.JWT_SECRET ?? DEVELOPMENT_JWT_SECRET,
    INTERNAL_SECRET: parsed.INTERNAL_SECRET ?? DEVELOPMENT_INTERNAL_SECRET,
    LOG_PRETTY: parsed.LOG_PRETTY ?? (parsed.NODE_ENV === 'development' && (options.isTerminal ?? false)),
  };
}

/** One line per variable, all its problems joined, with the bad value unless it may be secret. */
function problemsByVariable(issues: z.core.$ZodIssue[], environment: Record<string, string>): string[] {
  const messages = new Map<string, string[]>();
  for (const issue of issues) {
    const name = String(issue.path[0] ?? '(environment)');
    messages.set(name, [...(messages.get(name) ?? []), issue.message]);
  }
  return [...messages].map(([name, list]) => {
    // Never echo secrets, nor URLs (they may hold credentials).
    const shown = name in environment && !/SECRET|PASSWORD|URL/.test(name) ? ` (got "${environment[name]}")` : '';
    return `${name}: ${list.join('; ')}${shown}`;
  });
}

/** Names and descriptions of every variable, for the README and `--help`. */
export function describeEnvironment(): { name: string; description: string }[] {
  return Object.entries(environmentSchema.shape).map(([name, schema]) => ({ name, description: schema.description ?? '' }));
}
