// Abusive operations are refused at the gateway, each with its code and a message naming the
// limit and the value found; slow subgraphs are cut off at SUBGRAPH_TIMEOUT_MS.
import { codesOf, startTestGraph, type TestGraph } from './fixtures/harness.ts';

let graph: TestGraph;
beforeAll(async () => {
  graph = await startTestGraph({ fixtures: ['plant', 'orders', 'slow'], environment: { SUBGRAPH_TIMEOUT_MS: '300' } });
});
afterAll(async () => {
  await graph.close();
});

/** `{ lines(first: 1) { next { next { … { id } } } } }` with `depth` levels of fields. */
function nestedQuery(depth: number): string {
  return `{ lines(first: 1) { ${'next { '.repeat(depth - 2)}id${' }'.repeat(depth - 2)} } }`;
}

test('limits - a query at the depth limit is answered', async () => {
  const response = await graph.post(nestedQuery(12), { role: 'viewer' });
  expect(response.body.errors).toBeUndefined();
});

test('limits - a query deeper than GATEWAY_MAX_DEPTH is refused with QUERY_TOO_COMPLEX', async () => {
  const response = await graph.post(nestedQuery(13), { role: 'viewer' });
  expect(response.status).toBe(400);
  expect(codesOf(response)).toEqual(['QUERY_TOO_COMPLEX']);
  expect(response.body.errors?.[0]?.message).toBe('query too complex: depth 13 (limit 12, GATEWAY_MAX_DEPTH)');
  expect(response.body.errors?.[0]?.extensions).toMatchObject({ limit: 'depth', maximum: 12, actual: 13 });
});

test('limits - more aliases than GATEWAY_MAX_ALIASES are refused with QUERY_TOO_COMPLEX', async () => {
  const aliases = Array.from({ length: 31 }, (_, index) => `l${index}: lines(first: 1) { id }`).join(' ');
  const response = await graph.post(`{ ${aliases} }`, { role: 'viewer' });
  expect(codesOf(response)).toEqual(['QUERY_TOO_COMPLEX']);
  expect(response.body.errors?.[0]?.message).toBe('query too complex: 31 aliases (limit 30, GATEWAY_MAX_ALIASES)');
});

test('limits - a document of more than GATEWAY_MAX_TOKENS tokens is refused with QUERY_TOO_COMPLEX', async () => {
  const response = await graph.post(`{ lines { ${'id '.repeat(2_100)}} }`, { role: 'viewer' });
  expect(response.status).toBe(400);
  expect(codesOf(response)).toEqual(['QUERY_TOO_COMPLEX']);
  expect(response.body.errors?.[0]?.message).toBe('query too complex: more than 2000 tokens (limit 2000, GATEWAY_MAX_TOKENS)');
});

test('limits - an operation whose estimated cost passes GATEWAY_MAX_COST is refused before any subgraph call', async () => {
  const before = graph.subgraphs.orders!.requests();
  const response = await graph.post('{ productionOrders(first: 3000) { id line { id } } }', { role: 'viewer' });
  expect(codesOf(response)).toEqual(['QUERY_TOO_COMPLEX']);
  expect(response.body.errors?.[0]?.message).toBe('query too complex: estimated cost 6000 (limit 5000, GATEWAY_MAX_COST)');
  expect(graph.subgraphs.orders!.requests()).toBe(before);
});

test('limits - the cost counts page sizes given as variables, each time (costs are remembered per value)', async () => {
  const query = 'query Orders($size: Int) { productionOrders(first: $size) { id line { id } } }';
  for (let round = 0; round < 2; round += 1) {
    expect(codesOf(await graph.post(query, { role: 'viewer', variables: { size: 3000 } }))).toEqual(['QUERY_TOO_COMPLEX']);
    expect((await graph.post(query, { role: 'viewer', variables: { size: 2 } })).body.errors).toBeUndefined();
  }
});

test('limits - a body over GATEWAY_BODY_LIMIT_BYTES is refused with HTTP 413 and REQUEST_TOO_LARGE', async () => {
  const response = await graph.post('{ lines { id } }', { role: 'viewer', variables: { padding: 'x'.repeat(150 * 1024) } });
  expect(response.status).toBe(413);
  expect(codesOf(response)).toEqual(['REQUEST_TOO_LARGE']);
});

test('limits - a chunked body without Content-Length is cut off at the limit too', async () => {
  const chunk = new TextEncoder().encode(' '.repeat(16 * 1024));
  let sent = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent === 0) controller.enqueue(new TextEncoder().encode('{"query":"{ lines { id } }","pad":"'));
      if (sent++ < 10) controller.enqueue(chunk);
      else controller.close();
    },
  });
  const response = await fetch(graph.gateway.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${await graph.token('viewer')}` },
    body,
    duplex: 'half',
  } as RequestInit);
  expect(response.status).toBe(413);
  const result = (await response.json()) as { errors: { extensions: { code: string } }[] };
  expect(result.errors[0]?.extensions.code).toBe('REQUEST_TOO_LARGE');
});

test('limits - a subgraph slower than SUBGRAPH_TIMEOUT_MS gives UPSTREAM_TIMEOUT without its URL', async () => {
  const started = Date.now();
  const response = await graph.post('{ slowReport(delayMs: 1500) }', { role: 'viewer' });
  expect(Date.now() - started).toBeLessThan(1_400);
  expect(codesOf(response)).toEqual(['UPSTREAM_TIMEOUT']);
  expect(response.body.errors?.[0]?.message).toContain('subgraph slow did not answer in time');
  expect(JSON.stringify(response.body)).not.toContain(graph.subgraphs.slow!.url);
});

test('limits - introspection is not counted, so Sandbox can load the schema', async () => {
  const deepIntrospection = '{ __schema { types { name fields { name type { name ofType { name ofType { name ofType { name ofType { name ofType { name ofType { name ofType { name } } } } } } } } } } } }';
  const response = await graph.post(deepIntrospection, { role: 'viewer' });
  expect(response.body.errors).toBeUndefined();
});
