// One port, every route: GraphQL over HTTP, SSE and WebSocket at /graphql, the probes and metrics
// beside it, Apollo Sandbox in development, and a graceful close.
import { WebSocket } from 'ws';
import { loadConfig } from '../../core/config.ts';
import { startGateway } from '../../gateway/server.ts';
import { startTestGraph, type TestGraph } from './fixtures/harness.ts';

let graph: TestGraph;
let natsAnswers = true;
beforeAll(async () => {
  graph = await startTestGraph({
    fixtures: ['plant', 'orders', 'slow'],
    environment: { NODE_ENV: 'development' },
    readinessChecks: [
      { name: 'database', check: async () => undefined },
      {
        name: 'nats',
        check: async () => {
          if (!natsAnswers) throw new Error('no NATS');
        },
      },
    ],
  });
});
afterAll(async () => {
  await graph.close();
});

/** Open a graphql-ws socket and collect every frame and the close code. */
function openSocket(url: string) {
  const socket = new WebSocket(url, 'graphql-transport-ws');
  const frames: Record<string, unknown>[] = [];
  const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
  socket.on('message', (data) => frames.push(JSON.parse(String(data)) as Record<string, unknown>));
  const opened = new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  const frame = async (type: string) => {
    for (let waited = 0; waited < 5_000; waited += 20) {
      const found = frames.find((one) => one.type === type);
      if (found) return found;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`no ${type} frame; got ${JSON.stringify(frames)}`);
  };
  return { socket, frames, opened, closed, frame, send: (message: unknown) => socket.send(JSON.stringify(message)) };
}

test('probes - /healthz answers without a token', async () => {
  const response = await fetch(`${graph.gateway.url}/healthz`);
  expect(response.status).toBe(200);
  expect(await response.json()).toEqual({ status: 'ok' });
});

test('probes - /readyz checks every subgraph and the given dependencies', async () => {
  const response = await fetch(`${graph.gateway.url}/readyz`);
  expect(response.status).toBe(200);
  const report = (await response.json()) as { ready: boolean; checks: Record<string, { ok: boolean }> };
  expect(Object.keys(report.checks).sort()).toEqual(['database', 'nats', 'subgraph:orders', 'subgraph:plant', 'subgraph:slow']);
});

test('probes - /readyz answers 503 when a dependency does not answer', async () => {
  natsAnswers = false;
  try {
    const response = await fetch(`${graph.gateway.url}/readyz`);
    expect(response.status).toBe(503);
    expect(((await response.json()) as { checks: Record<string, { ok: boolean }> }).checks.nats).toMatchObject({ ok: false, error: 'no NATS' });
  } finally {
    natsAnswers = true;
  }
});

test('probes - /readyz answers 503 when a subgraph is down', async () => {
  const own = await startTestGraph({ fixtures: ['plant', 'orders'] });
  try {
    await own.subgraphs.orders!.stop();
    const response = await fetch(`${own.gateway.url}/readyz`);
    expect(response.status).toBe(503);
    const report = (await response.json()) as { checks: Record<string, { ok: boolean }> };
    expect(report.checks['subgraph:orders']?.ok).toBe(false);
    expect(report.checks['subgraph:plant']?.ok).toBe(true);
  } finally {
    await own.close();
  }
});

test('metrics - /metrics counts operations, errors and subgraph requests per operation name', async () => {
  await graph.post('query ShiftLines { lines(first: 1) { id } }', { role: 'viewer', operationName: 'ShiftLines' });
  await graph.post('query ShiftOrders { productionOrders(first: 1) { erpOrderNumber } }', { role: 'partner' });
  const text = await (await fetch(`${graph.gateway.url}/metrics`)).text();
  expect(text).toContain('plantgraph_gateway_operations_total{operation="ShiftLines",outcome="ok"} 1');
  expect(text).toContain('plantgraph_gateway_errors_total{operation="ShiftOrders",code="FORBIDDEN"} 1');
  expect(text).toContain('plantgraph_gateway_subgraph_requests_total{subgraph="plant",operation="ShiftLines",outcome="ok"} 1');
  expect(text).toMatch(/plantgraph_gateway_operation_duration_seconds_count\{operation="ShiftLines",outcome="ok"\} 1/);
});

test('sandbox - a browser GET /graphql in development gets the Apollo Sandbox page aimed at the gateway', async () => {
  const response = await fetch(graph.gateway.graphqlUrl, { headers: { accept: 'text/html' } });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('text/html');
  const page = await response.text();
  expect(page).toContain('embeddable-sandbox');
  expect(page).toContain(`initialEndpoint: "${graph.gateway.graphqlUrl}"`);
});

test('sandbox - off in production', async () => {
  const config = loadConfig({ NODE_ENV: 'production', JWT_SECRET: graph.config.JWT_SECRET, INTERNAL_SECRET: graph.config.INTERNAL_SECRET, LOG_LEVEL: 'silent' });
  const production = await startGateway({ config, supergraphSdl: graph.supergraphSdl, subgraphUrls: { plant: graph.subgraphs.plant!.url }, port: 0, host: '127.0.0.1' });
  try {
    const response = await fetch(production.graphqlUrl, { headers: { accept: 'text/html' } });
    expect(await response.text()).not.toContain('embeddable-sandbox');
  } finally {
    await production.close();
  }
});

test('sse - a query over Server-Sent Events on the same path', async () => {
  const response = await fetch(graph.gateway.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${await graph.token('viewer')}` },
    body: JSON.stringify({ query: '{ lines(first: 1) { id } }' }),
  });
  expect(response.headers.get('content-type')).toContain('text/event-stream');
  expect(await response.text()).toContain('data: {"data":{"lines":[{"id":"line-1"}]}}');
});

test('websocket - a graphql-ws client with a token gets connection_ack and answers at ws://…/graphql', async () => {
  const client = openSocket(graph.gateway.websocketUrl);
  await client.opened;
  expect(client.socket.protocol).toBe('graphql-transport-ws');
  client.send({ type: 'connection_init', payload: { authorization: `Bearer ${await graph.token('viewer')}` } });
  await client.frame('connection_ack');
  client.send({ id: '1', type: 'subscribe', payload: { query: '{ lines(first: 1) { id } }' } });
  expect(await client.frame('next')).toEqual({ id: '1', type: 'next', payload: { data: { lines: [{ id: 'line-1' }] } } });
  await client.frame('complete');
  client.socket.close(1000);
  expect(await client.closed).toBe(1000);
});

test('websocket - the graph rules apply over WebSocket too', async () => {
  const client = openSocket(graph.gateway.websocketUrl);
  await client.opened;
  client.send({ type: 'connection_init', payload: { authorization: `Bearer ${await graph.token('partner')}` } });
  await client.frame('connection_ack');
  client.send({ id: '1', type: 'subscribe', payload: { query: '{ lines(first: 1) { id } }' } });
  const next = (await client.frame('next')) as { payload: { errors: { extensions: { code: string } }[] } };
  expect(next.payload.errors.map((error) => error.extensions.code)).toEqual(['FORBIDDEN']);
  client.socket.close(1000);
  await client.closed;
});

test('websocket - a connection without a token is closed with 4403 Forbidden', async () => {
  const client = openSocket(graph.gateway.websocketUrl);
  await client.opened;
  client.send({ type: 'connection_init', payload: {} });
  expect(await client.closed).toBe(4403);
});

test('shutdown - SIGINT/SIGTERM are left to the process, whose handler calls close(), not to Hive\'s instant dispose', () => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    expect(process.listeners(signal).map((listener) => listener.name)).not.toContain('terminateHandler');
  }
});

test('shutdown - close() lets an in-flight request finish, closes sockets with 1001, then refuses connections', async () => {
  const own = await startTestGraph({ fixtures: ['slow'] });
  const client = openSocket(own.gateway.websocketUrl);
  await client.opened;
  client.send({ type: 'connection_init', payload: { authorization: `Bearer ${await own.token('viewer')}` } });
  await client.frame('connection_ack');
  const inFlight = own.post('{ slowReport(delayMs: 400) }', { role: 'viewer' });
  await new Promise((resolve) => setTimeout(resolve, 100));
  const closing = own.gateway.close();
  expect(await client.closed).toBe(1001);
  expect((await inFlight).body).toEqual({ data: { slowReport: 'done' } });
  await closing;
  await expect(fetch(`${own.gateway.url}/healthz`)).rejects.toThrow();
  await own.close();
});
