// Who may ask what: a verified token for every operation, the graph's @authenticated and
// @requiresScopes rules by role, and the caller's claims carried to the subgraphs in a signature.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { codesOf, PARTNER_CUSTOMER_ID, startTestGraph, type TestGraph } from './fixtures/harness.ts';

let graph: TestGraph;
beforeAll(async () => {
  graph = await startTestGraph();
});
afterAll(async () => {
  await graph.close();
});

describe('authentication', () => {
  test('auth - an anonymous operation is refused with UNAUTHENTICATED and HTTP 401', async () => {
    const response = await graph.post('{ lines { id } }');
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
    expect(response.body.data ?? null).toBeNull();
    expect(codesOf(response)).toEqual(['UNAUTHENTICATED']);
  });

  test('auth - an anonymous caller learns nothing about the schema, not even from a bad query', async () => {
    const response = await graph.post('{ noSuchField }');
    expect(codesOf(response)).toEqual(['UNAUTHENTICATED']);
    expect(JSON.stringify(response.body)).not.toContain('noSuchField');
  });

  test('auth - a token signed with another secret is refused with UNAUTHENTICATED', async () => {
    const forged = await graph.token('admin', { secret: 'not-the-gateway-secret-but-long-enough-0123' });
    const response = await graph.post('{ lines { id } }', { token: forged });
    expect(response.status).toBe(401);
    expect(codesOf(response)).toEqual(['UNAUTHENTICATED']);
  });

  test('auth - a malformed Authorization header is refused with UNAUTHENTICATED', async () => {
    const response = await graph.post('{ lines { id } }', { headers: { authorization: 'Basic dXNlcjpwYXNz' } });
    expect(codesOf(response)).toEqual(['UNAUTHENTICATED']);
  });

  test('auth - an expired token is refused with UNAUTHENTICATED and a message saying it expired', async () => {
    const expired = await graph.token('viewer', { expiresIn: '-1m' });
    const response = await graph.post('{ lines { id } }', { token: expired });
    expect(response.status).toBe(401);
    expect(codesOf(response)).toEqual(['UNAUTHENTICATED']);
    expect(response.body.errors?.[0]?.message).toMatch(/expired/);
  });

  test('auth - a valid token gets data', async () => {
    const response = await graph.post('{ lines(first: 2) { id name } }', { role: 'viewer' });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ data: { lines: [{ id: 'line-1', name: 'Line 1' }, { id: 'line-2', name: 'Line 2' }] } });
  });
});

describe('field and type rules', () => {
  test('scopes - a field with @requiresScopes is refused with FORBIDDEN for a role without the scope', async () => {
    const response = await graph.post('{ productionOrders(first: 2) { id erpOrderNumber } }', { role: 'partner' });
    expect(response.status).toBe(403);
    expect(response.body.data ?? null).toBeNull();
    expect(codesOf(response)).toEqual(['FORBIDDEN']);
    expect(response.body.errors?.[0]?.message).toContain('ProductionOrder.erpOrderNumber needs scope internal:read');
  });

  test('scopes - the same field is answered for a role with the scope', async () => {
    const response = await graph.post('{ productionOrders(first: 1) { id erpOrderNumber } }', { role: 'viewer' });
    expect(response.body).toEqual({ data: { productionOrders: [{ id: 'order-1', erpOrderNumber: '4500000' }] } });
  });

  test('scopes - alternatives: a partner may list orders through orders:read-own', async () => {
    const response = await graph.post('{ productionOrders(first: 1) { id number } }', { role: 'partner' });
    expect(response.body).toEqual({ data: { productionOrders: [{ id: 'order-1', number: 'PO-1000' }] } });
  });

  test('scopes - a type with @requiresScopes guards each of its fields', async () => {
    const query = '{ productionOrders(first: 1) { id confirmations { yieldQuantity } } }';
    const refused = await graph.post(query, { role: 'partner' });
    expect(codesOf(refused)).toEqual(['FORBIDDEN']);
    expect(refused.body.errors?.[0]?.message).toBe('Confirmation needs scope internal:read; role partner does not have it');
    expect((await graph.post(query, { role: 'quality' })).body).toEqual({ data: { productionOrders: [{ id: 'order-1', confirmations: [{ yieldQuantity: 120 }] }] } });
  });

  test('scopes - a rule in another subgraph applies across an entity reference', async () => {
    const refused = await graph.post('{ productionOrders(first: 1) { id line { costCenter } } }', { role: 'partner' });
    expect(codesOf(refused)).toEqual(['FORBIDDEN']);
    const answered = await graph.post('{ productionOrders(first: 1) { id line { name costCenter } } }', { role: 'viewer' });
    expect(answered.body).toEqual({ data: { productionOrders: [{ id: 'order-1', line: { name: 'Line 1', costCenter: 'CC-1' } }] } });
  });

  test('scopes - a command mutation is refused for a viewer and allowed for a planner and the erp-adapter', async () => {
    const mutation = 'mutation { releaseProductionOrder(id: "order-2") { id number } }';
    expect(codesOf(await graph.post(mutation, { role: 'viewer' }))).toEqual(['FORBIDDEN']);
    for (const role of ['planner', 'erp-adapter'] as const) {
      expect((await graph.post(mutation, { role })).body).toEqual({ data: { releaseProductionOrder: { id: 'order-2', number: 'PO-1001' } } });
    }
  });

  test('scopes - a refused field is not sent to any subgraph', async () => {
    const before = graph.subgraphs.orders!.requests();
    await graph.post('{ productionOrders(first: 1) { erpOrderNumber } }', { role: 'partner' });
    expect(graph.subgraphs.orders!.requests()).toBe(before);
  });
});

describe('internal signature', () => {
  test('signature - the subgraph receives a valid x-plantgraph-internal header with the caller\'s claims', async () => {
    const response = await graph.post('{ whoAmI { sub role customerId scopes } }', { role: 'partner' });
    expect(response.body).toEqual({ data: { whoAmI: { sub: 'dev-partner', role: 'partner', customerId: PARTNER_CUSTOMER_ID, scopes: ['orders:read-own'] } } });
  });

  test('signature - one signature per incoming request, shared by all its subgraph calls', async () => {
    const [ordersBefore, plantBefore] = [graph.subgraphs.orders!.signatures.length, graph.subgraphs.plant!.signatures.length];
    const response = await graph.post('{ productionOrders(first: 2) { id line { name } } }', { role: 'viewer' });
    expect(response.body.errors).toBeUndefined();
    const seen = [...graph.subgraphs.orders!.signatures.slice(ordersBefore), ...graph.subgraphs.plant!.signatures.slice(plantBefore)];
    expect(seen.length).toBeGreaterThanOrEqual(2);
    expect(new Set(seen).size).toBe(1);
  });

  test('signature - a direct call to a subgraph without the gateway is refused', async () => {
    const response = await fetch(graph.subgraphs.plant!.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ whoAmI { role } }' }) });
    const body = (await response.json()) as { errors?: { extensions?: { code?: string } }[] };
    expect(body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});

describe('identity provider keys', () => {
  test('auth - with JWT_JWKS_URL set, tokens are verified against the provider\'s keys instead of JWT_SECRET', async () => {
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'plant-idp-1', alg: 'RS256', use: 'sig' };
    const provider = http.createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => provider.listen(0, '127.0.0.1', resolve));
    const jwksUrl = `http://127.0.0.1:${(provider.address() as AddressInfo).port}/.well-known/jwks.json`;
    const own = await startTestGraph({ environment: { JWT_JWKS_URL: jwksUrl } });
    try {
      const fromProvider = await new SignJWT({ role: 'viewer' })
        .setProtectedHeader({ alg: 'RS256', kid: 'plant-idp-1' })
        .setSubject('operator-anna')
        .setIssuer(own.config.JWT_ISSUER)
        .setAudience(own.config.JWT_AUDIENCE)
        .setExpirationTime('5m')
        .sign(privateKey);
      expect((await own.post('{ whoAmI { sub role } }', { token: fromProvider })).body).toEqual({ data: { whoAmI: { sub: 'operator-anna', role: 'viewer' } } });
      // An HS256 token with the shared secret no longer counts.
      expect(codesOf(await own.post('{ whoAmI { sub } }', { role: 'viewer' }))).toEqual(['UNAUTHENTICATED']);
    } finally {
      await own.close();
      await new Promise<void>((resolve) => provider.close(() => resolve()));
    }
  });
});
