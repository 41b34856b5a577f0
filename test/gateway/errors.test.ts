// Every error a client sees carries extensions.code; unexpected ones are masked as INTERNAL with a
// request id that leads to the log line holding the real cause.
import { pino } from 'pino';
import { codesOf, startTestGraph, type TestGraph } from './fixtures/harness.ts';

let graph: TestGraph;
const logLines: Record<string, unknown>[] = [];
beforeAll(async () => {
  const log = pino({ level: 'error' }, { write: (line: string) => void logLines.push(JSON.parse(line) as Record<string, unknown>) });
  graph = await startTestGraph({ fixtures: ['plant', 'orders'], log });
});
afterAll(async () => {
  await graph.close();
});

test('errors - an unexpected resolver error is masked as INTERNAL with the request id, and logged with it', async () => {
  const response = await graph.post('{ brokenReport }', { role: 'viewer' });
  const [error] = response.body.errors ?? [];
  expect(response.body.data).toEqual({ brokenReport: null });
  expect(error?.message).toBe('Unexpected error');
  expect(error?.extensions?.code).toBe('INTERNAL');
  const requestId = response.headers.get('x-request-id');
  expect(requestId).toBeTruthy();
  expect(error?.extensions?.requestId).toBe(requestId);
  expect(JSON.stringify(response.body)).not.toContain('historian');
  const logged = logLines.find((line) => line.requestId === requestId);
  expect(String(logged?.msg)).toContain('connection to historian refused');
});

test('errors - the caller\'s own x-request-id is used for the masked error', async () => {
  const response = await graph.post('{ brokenReport }', { role: 'viewer', headers: { 'x-request-id': 'shift-report-42' } });
  expect(response.body.errors?.[0]?.extensions?.requestId).toBe('shift-report-42');
});

test('errors - a subgraph error with a code passes through with its code and message', async () => {
  const response = await graph.post('{ refusedReport }', { role: 'viewer' });
  expect(response.body.errors?.[0]).toMatchObject({ message: 'line LINE-9 does not exist', extensions: { code: 'NOT_FOUND' } });
});

test('errors - request errors carry a code: unknown field, missing variable, unreadable JSON', async () => {
  expect(codesOf(await graph.post('{ noSuchField }', { role: 'viewer' }))).toEqual(['GRAPHQL_VALIDATION_FAILED']);
  expect(codesOf(await graph.post('query Line($id: ID!) { line(id: $id) { id } }', { role: 'viewer' }))).toEqual(['VALIDATION_FAILED']);
  expect(codesOf(await graph.post('{ lines { id }', { role: 'viewer' }))).toEqual(['GRAPHQL_PARSE_FAILED']);
  const unreadable = await fetch(graph.gateway.graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', authorization: `Bearer ${await graph.token('viewer')}` }, body: '{"query": ' });
  const body = (await unreadable.json()) as { errors: { extensions: { code: string } }[] };
  expect(unreadable.status).toBe(400);
  expect(body.errors.map((error) => error.extensions.code)).toEqual(['BAD_REQUEST']);
});

test('errors - a subgraph that is down gives INTERNAL without its address', async () => {
  const extra = await startTestGraph({ fixtures: ['plant', 'orders'] });
  try {
    await extra.subgraphs.orders!.stop();
    const response = await extra.post('{ productionOrders(first: 1) { id } }', { role: 'viewer' });
    expect(codesOf(response)).toEqual(['INTERNAL']);
    expect(JSON.stringify(response.body)).not.toContain('127.0.0.1');
  } finally {
    await extra.close();
  }
});
