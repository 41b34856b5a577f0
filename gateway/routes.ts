// The gateway's plain HTTP routes beside /graphql: /healthz (the process answers), /readyz (every
// subgraph and the given dependencies answer; 503 with the report otherwise) and /metrics
// (Prometheus). They need no token: load balancers and Prometheus call them.
import type http from 'node:http';
import type { Registry } from 'prom-client';
import { checkReadiness, type ReadinessCheck } from '../core/health.ts';

export interface OperationsRoutesOptions {
  registry: Registry;
  checks: ReadinessCheck[];
}

/** Answers the request and returns true if its path is one of the routes. */
export type OperationsRoutes = (path: string, response: http.ServerResponse) => boolean;

export function operationsRoutes({ registry, checks }: OperationsRoutesOptions): OperationsRoutes {
  async function answer(path: string, response: http.ServerResponse): Promise<void> {
    if (path === '/healthz') return sendJson(response, 200, { status: 'ok' });
    if (path === '/readyz') {
      const report = await checkReadiness(checks);
      return sendJson(response, report.ready ? 200 : 503, report);
    }
    response.writeHead(200, { 'content-type': registry.contentType });
    response.end(await registry.metrics());
  }
  return (path, response) => {
    if (path !== '/healthz' && path !== '/readyz' && path !== '/metrics') return false;
    answer(path, response).catch((error: unknown) => sendJson(response, 500, { error: { code: 'INTERNAL', message: (error as Error).message } }));
    return true;
  };
}

function sendJson(response: http.ServerResponse, status: number, body: unknown): void {
  if (response.headersSent) return void response.end();
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}
