// A stand-in ERP for the reference adapter and its tests: a small HTTP service speaking SAP-like
// shapes (production order confirmations, material documents with movement types, maintenance
// notifications, …) that returns document numbers. Idempotent on the Idempotency-Key header: a
// repeat gets the first document. It can be told to fail, refuse, time out or answer slowly, so the
// adapter's retry and dead paths run for real.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';

/** What the ERP does with the next business requests. */
export const behaviourSchema = z.object({
  /** ok: book it; fail: 503; refuse: 422 (a business error, not worth retrying); timeout: never answer. */
  mode: z.enum(['ok', 'fail', 'refuse', 'timeout']).default('ok'),
  /** Added before every answer. */
  delayMs: z.number().int().min(0).max(120_000).default(0),
  /** Only this many requests get `mode`; after that the ERP books again (null: until told otherwise). */
  times: z.number().int().min(1).nullable().default(null),
});
export type Behaviour = z.output<typeof behaviourSchema>;

/** One booked document, as the tests and the control endpoint show it. */
export interface ErpDocument {
  documentNumber: string;
  endpoint: string;
  idempotencyKey: string;
  body: unknown;
  postedAt: string;
}

/** The business endpoints and their number ranges (SAP-like: a range per document type). */
const endpoints = {
  '/sap/production-order-confirmations': { range: 'CONF', field: 'ConfirmationGroup' },
  '/sap/production-order-status': { range: 'STAT', field: 'StatusDocument' },
  '/sap/material-documents': { range: '49', field: 'MaterialDocument' },
  '/sap/maintenance-notifications': { range: '10', field: 'MaintenanceNotification' },
  '/sap/inspection-lot-usage-decisions': { range: 'UD', field: 'UsageDecisionDocument' },
  '/sap/outbound-delivery-readiness': { range: '80', field: 'DeliveryDocument' },
} as const;
export type ErpEndpoint = keyof typeof endpoints;
export const erpEndpoints = Object.keys(endpoints) as ErpEndpoint[];

export interface StandInErp {
  url: string;
  /** Change the behaviour (same as POST /control). */
  behave(behaviour: Partial<Behaviour>): void;
  documents(): ErpDocument[];
  /** Business requests received, including refused, failed and timed-out ones. */
  requestCount(): number;
  close(): Promise<void>;
}

export async function startStandInErp(options: { port?: number; host?: string; behaviour?: Partial<Behaviour> } = {}): Promise<StandInErp> {
  let behaviour = behaviourSchema.parse(options.behaviour ?? {});
  let remaining = behaviour.times;
  const byKey = new Map<string, ErpDocument>();
  const counters = new Map<string, number>();
  const hanging = new Set<ServerResponse>();
  let requests = 0;

  const behave = (next: Partial<Behaviour>) => {
    behaviour = behaviourSchema.parse({ ...behaviour, times: null, ...next });
    remaining = behaviour.times;
  };

  const nextNumber = (endpoint: ErpEndpoint) => {
    const count = (counters.get(endpoint) ?? 0) + 1;
    counters.set(endpoint, count);
    return `${endpoints[endpoint].range}${String(count).padStart(8, '0')}`;
  };

  const server = createServer((request, response) => {
    void handle(request, response).catch((error: unknown) => send(response, 500, { error: { code: 'INTERNAL', message: (error as Error).message } }));
  });

  async function handle(request: IncomingMessage, response: ServerResponse) {
    const path = (request.url ?? '/').split('?')[0]!;
    if (path === '/control' && request.method === 'POST') {
      const parsed = behaviourSchema.partial().safeParse(await readJson(request));
      if (!parsed.success) return send(response, 400, { error: { code: 'BAD_CONTROL', message: parsed.error.message } });
      behave(parsed.data);
      return send(response, 200, behaviour);
    }
    if (path === '/control/documents' && request.method === 'GET') return send(response, 200, [...byKey.values()]);
    if (!(path in endpoints) || request.method !== 'POST') return send(response, 404, { error: { code: 'NOT_FOUND', message: `no ${request.method} ${path}` } });
    const endpoint = path as ErpEndpoint;
    requests += 1;
    const body = await readJson(request);
    const key = headerValue(request.headers['idempotency-key']);
    if (!key) return send(response, 400, { error: { code: 'IDEMPOTENCY_KEY_MISSING', message: 'send an Idempotency-Key header' } });

    const mode = remaining === 0 ? 'ok' : behaviour.mode;
    if (remaining !== null && remaining > 0) remaining -= 1;
    if (behaviour.delayMs > 0) await sleep(behaviour.delayMs);
    if (mode === 'timeout') {
      hanging.add(response);
      response.on('close', () => hanging.delete(response));
      return; // never answers; the client's timeout decides
    }
    if (mode === 'fail') return send(response, 503, { error: { code: 'SERVICE_UNAVAILABLE', message: 'the ERP is unavailable, try again later' } });
    if (mode === 'refuse') return send(response, 422, { error: { code: 'BUSINESS_ERROR', message: 'posting period is closed for this document' } });

    const previous = byKey.get(key);
    if (previous) return send(response, 200, { [endpoints[previous.endpoint as ErpEndpoint].field]: previous.documentNumber, Repeated: true });
    const document: ErpDocument = { documentNumber: nextNumber(endpoint), endpoint, idempotencyKey: key, body, postedAt: new Date().toISOString() };
    byKey.set(key, document);
    return send(response, 201, { [endpoints[endpoint].field]: document.documentNumber, Repeated: false });
  }

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    behave,
    documents: () => [...byKey.values()],
    requestCount: () => requests,
    async close() {
      for (const response of hanging) response.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}

/** The field of an answer that holds the document number. */
export function documentField(endpoint: ErpEndpoint): string {
  return endpoints[endpoint].field;
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return {};
  try {
    return JSON.parse(text);
  } catch {
    return { unparsable: text };
  }
}

function send(response: ServerResponse, status: number, body: unknown) {
  if (response.headersSent || response.destroyed) return;
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
