// The stand-in ERP over HTTP: document numbers, idempotency on the key, and the control endpoint.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startStandInErp, type StandInErp } from '../../sim/erp/stand-in-erp.ts';

describe('stand-in ERP', () => {
  let erp: StandInErp;
  beforeAll(async () => {
    erp = await startStandInErp();
  });
  afterAll(() => erp.close());

  const post = (path: string, key: string | null, body: unknown = { OrderID: '000001000101' }) =>
    fetch(`${erp.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(key ? { 'idempotency-key': key } : {}) }, body: JSON.stringify(body) });
  const control = (body: unknown) => fetch(`${erp.url}/control`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('stand-in erp - numbers documents per type and answers a repeated key with the first document', async () => {
    const first = await post('/sap/production-order-confirmations', 'key-1');
    expect(first.status).toBe(201);
    const { ConfirmationGroup } = (await first.json()) as { ConfirmationGroup: string };
    expect(ConfirmationGroup).toMatch(/^CONF\d{8}$/);
    const repeat = await post('/sap/production-order-confirmations', 'key-1');
    expect(repeat.status).toBe(200);
    expect(await repeat.json()).toEqual({ ConfirmationGroup, Repeated: true });
    const material = await post('/sap/material-documents', 'key-2', { GoodsMovementCode: '02', MaterialDocumentItems: [{ GoodsMovementType: '101' }] });
    expect(((await material.json()) as { MaterialDocument: string }).MaterialDocument).toMatch(/^49\d{8}$/);
    expect((await post('/sap/material-documents', null)).status).toBe(400);
    expect((await post('/sap/unknown', 'key-3')).status).toBe(404);
    const documents = (await (await fetch(`${erp.url}/control/documents`)).json()) as { idempotencyKey: string }[];
    expect(documents.map((document) => document.idempotencyKey)).toEqual(['key-1', 'key-2']);
  });

  it('stand-in erp - told over HTTP to fail, refuse or answer slowly, for a number of requests', async () => {
    expect((await control({ mode: 'fail', times: 2 })).status).toBe(200);
    expect((await post('/sap/maintenance-notifications', 'key-4')).status).toBe(503);
    expect((await post('/sap/maintenance-notifications', 'key-4')).status).toBe(503);
    expect((await post('/sap/maintenance-notifications', 'key-4')).status).toBe(201);
    await control({ mode: 'refuse' });
    expect((await post('/sap/maintenance-notifications', 'key-5')).status).toBe(422);
    await control({ mode: 'timeout' });
    await expect(fetch(`${erp.url}/sap/maintenance-notifications`, { method: 'POST', headers: { 'idempotency-key': 'key-6' }, body: '{}', signal: AbortSignal.timeout(200) })).rejects.toThrow();
    await control({ mode: 'ok', delayMs: 150 });
    const started = Date.now();
    expect((await post('/sap/maintenance-notifications', 'key-7')).status).toBe(201);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect((await control({ mode: 'explode' })).status).toBe(400);
  });
});
