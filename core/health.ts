// Readiness checks of a hub process and the small HTTP server that exposes them with the
// Prometheus metrics: /healthz (the process runs), /readyz (database and NATS answer), /metrics.
// The gateway serves the same routes beside /graphql.
import http from 'node:http';
import type { NatsConnection } from '@nats-io/transport-node';
import type pg from 'pg';
import type { Registry } from 'prom-client';

export const READINESS_TIMEOUT_MS = 2_000; // 2 seconds per dependency

export interface ReadinessCheck {
  name: string;
  check(): Promise<void>;
}

export function databaseCheck(pool: pg.Pool): ReadinessCheck {
  return { name: 'database', check: async () => void (await pool.query('SELECT 1')) };
}

export function natsCheck(connection: NatsConnection): ReadinessCheck {
  return { name: 'nats', check: async () => void (await connection.rtt()) };
}

export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, { ok: boolean; error?: string }>;
}

export async function checkReadiness(checks: ReadinessCheck[]): Promise<ReadinessReport> {
  const results = await Promise.all(
    checks.map(async ({ name, check }) => {
      try {
        await withTimeout(check(), READINESS_TIMEOUT_MS, `${name} did not answer within ${READINESS_TIMEOUT_MS} ms`);
        return [name, { ok: true }] as const;
      } catch (error) {
        return [name, { ok: false, error: (error as Error).message }] as const;
      }
    }),
  );
  return { ready: results.every(([, result]) => result.ok), checks: Object.fromEntries(results) };
}

async function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

export interface OperationsServerOptions {
  port: number;
  host?: string;
  checks: ReadinessCheck[];
  registry: Registry;
}

/** Serve /healthz, /readyz and /metrics; resolves once listening, with the bound port. */
export async function startOperationsServer({ port, host = '127.0.0.1', checks, registry }: OperationsServerOptions) {
  const server = http.createServer((request, response) => {
    void answer(request.url ?? '/', response);
  });
  async function answer(url: string, response: http.ServerResponse) {
    const pathname = url.split('?')[0];
    if (pathname === '/healthz') return send(response, 200, { status: 'ok' });
    if (pathname === '/readyz') {
      const report = await checkReadiness(checks);
      return send(response, report.ready ? 200 : 503, report);
    }
    if (pathname === '/metrics') {
      response.writeHead(200, { 'content-type': registry.contentType });
      return response.end(await registry.metrics());
    }
    return send(response, 404, { error: { code: 'NOT_FOUND', message: `no route ${pathname}` } });
  }
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  const address = server.address();
  const boundPort = typeof address === 'object' && address ? address.port : port;
  return {
    port: boundPort,
    url: `http://${host === '0.0.0.0' ? 'localhost' : host}:${boundPort}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function send(response: http.ServerResponse, status: number, body: unknown) {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}
