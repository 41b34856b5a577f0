// The reference ERP adapter: claim postings over GraphQL (through the gateway, with an erp-adapter
// token), map each canonical payload to the ERP's shape (mapping.ts), post it with the posting's
// idempotency key, then acknowledge with the ERP's document number or reject (retryable on
// timeouts, network errors, 429 and 5xx; not retryable on other refusals and unmappable payloads).
// docs/ADAPTERS.md explains the contract; a real adapter differs only in mapping.ts and the HTTP call.
import type { Logger } from '../../core/log.ts';
import { isPlantgraphError } from '../../core/errors.ts';
import type { ErpPostingKind } from '../../core/postings.ts';
import { toErpRequest } from './mapping.ts';
import { documentField } from './stand-in-erp.ts';

export interface ErpAdapterOptions {
  /** The gateway's GraphQL endpoint. */
  graphqlUrl: string;
  /** A valid erp-adapter token; called before each round so a long-running adapter can renew it. */
  token: () => Promise<string> | string;
  /** Base URL of the ERP (the stand-in: sim/erp/stand-in-erp.ts). */
  erpUrl: string;
  kinds?: ErpPostingKind[];
  /** Postings per claim. @default 20 */
  batchSize?: number;
  /** @default 60 */
  leaseSeconds?: number;
  /** Per ERP request; must end well inside the lease. @default 10_000 */
  requestTimeoutMs?: number;
  /** Per GraphQL call to the hub (claim, ack, reject). @default 10_000 */
  hubTimeoutMs?: number;
  /** Postings posted to the ERP at once. @default 4 */
  concurrency?: number;
  /** Pause after a round that found nothing (or failed). @default 1_000 */
  idleDelayMs?: number;
  log: Logger;
}

export interface RoundResult {
  claimed: number;
  acknowledged: number;
  rejected: number;
  /** Acknowledgements or rejections the hub refused (e.g. the lease was lost); the posting is retried. */
  unreported: number;
}

export interface ErpAdapter {
  /** One claim → post → ack/reject round. */
  runOnce(): Promise<RoundResult>;
  /** Rounds until stop(); a full batch goes straight to the next round. */
  start(): void;
  stop(): Promise<void>;
}

interface ClaimedPosting {
  id: string;
  kind: ErpPostingKind;
  idempotencyKey: string;
  payload: unknown;
  attempts: number;
}

type Outcome = { erpDocumentId: string } | { reason: string; retryable: boolean };

const CLAIM = `mutation Claim($kinds: [ErpPostingKind!], $limit: Int!, $leaseSeconds: Int!) {
  claimErpPostings(kinds: $kinds, limit: $limit, leaseSeconds: $leaseSeconds) { id kind idempotencyKey payload attempts }
}`;
const ACKNOWLEDGE = `mutation Ack($acknowledgements: [ErpAcknowledgement!]!) {
  acknowledgeErpPostings(acknowledgements: $acknowledgements) { id errorCode errorMessage }
}`;
const REJECT = `mutation Reject($id: ID!, $reason: String!, $retryable: Boolean!) { rejectErpPosting(id: $id, reason: $reason, retryable: $retryable) { id status } }`;

export function createErpAdapter(options: ErpAdapterOptions): ErpAdapter {
  const batchSize = options.batchSize ?? 20;
  const leaseSeconds = options.leaseSeconds ?? 60;
  const requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
  const hubTimeoutMs = options.hubTimeoutMs ?? 10_000;
  const concurrency = options.concurrency ?? 4;
  const idleDelayMs = options.idleDelayMs ?? 1_000;
  const log = options.log.child({ component: 'erp-adapter' });
  // A claim answer lost to a timeout leaves its postings leased until the lease runs out; the ERP
  // call and the report must both fit inside the lease.
  if (requestTimeoutMs + hubTimeoutMs >= leaseSeconds * 1_000) throw new Error('requestTimeoutMs + hubTimeoutMs must be shorter than the lease');

  const graphql = async <Data>(query: string, variables: Record<string, unknown>, token: string): Promise<Data> => {
    const response = await fetch(options.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(hubTimeoutMs),
    });
    const body = (await response.json()) as { data?: Data; errors?: { message: string; extensions?: { code?: string } }[] };
    if (body.errors?.length) {
      const [error] = body.errors;
      throw Object.assign(new Error(`${error!.extensions?.code ?? 'ERROR'}: ${error!.message}`), { code: error!.extensions?.code });
    }
    return body.data as Data;
  };

  /** Post one posting to the ERP and say what happened; never throws. */
  const post = async (posting: ClaimedPosting): Promise<Outcome> => {
    let request;
    try {
      request = toErpRequest(posting.kind, posting.payload);
    } catch (error) {
      // A payload the ERP must not get: retrying will not fix it.
      return { reason: `cannot map ${posting.kind} payload: ${isPlantgraphError(error) ? error.message : String(error)}`, retryable: false };
    }
    let response: Response;
    try {
      response = await fetch(new URL(request.endpoint, options.erpUrl), {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': posting.idempotencyKey },
        body: JSON.stringify(request.body),
        signal: AbortSignal.timeout(requestTimeoutMs),
      });
    } catch (error) {
      const timedOut = (error as Error).name === 'TimeoutError';
      return { reason: timedOut ? `ERP did not answer within ${requestTimeoutMs} ms` : `ERP unreachable: ${(error as Error).message}`, retryable: true };
    }
    const text = await response.text().catch(() => '');
    if (response.ok) {
      const documentId = parseJson(text)?.[documentField(request.endpoint)];
      if (typeof documentId === 'string' && documentId) return { erpDocumentId: documentId };
      return { reason: `ERP answered ${response.status} without a document number: ${text.slice(0, 200)}`, retryable: true };
    }
    const retryable = response.status >= 500 || response.status === 429 || response.status === 408;
    return { reason: `ERP answered ${response.status}: ${text.slice(0, 500)}`, retryable };
  };

  const runOnce = async (): Promise<RoundResult> => {
    const token = await options.token();
    const { claimErpPostings: postings } = await graphql<{ claimErpPostings: ClaimedPosting[] }>(CLAIM, { kinds: options.kinds ?? null, limit: batchSize, leaseSeconds }, token);
    const result: RoundResult = { claimed: postings.length, acknowledged: 0, rejected: 0, unreported: 0 };
    const acknowledgements: { id: string; erpDocumentId: string }[] = [];
    await inParallel(postings, concurrency, async (posting) => {
      const outcome = await post(posting);
      if ('erpDocumentId' in outcome) {
        acknowledgements.push({ id: posting.id, erpDocumentId: outcome.erpDocumentId });
        return;
      }
      try {
        await graphql(REJECT, { id: posting.id, ...outcome }, token);
        result.rejected += 1;
        log.warn({ postingId: posting.id, kind: posting.kind, attempt: posting.attempts, ...outcome }, 'ERP posting attempt failed');
      } catch (error) {
        // Lease lost or hub unreachable: the posting is claimed again once its lease runs out.
        result.unreported += 1;
        log.warn({ postingId: posting.id, reason: (error as Error).message }, 'could not report an ERP posting failure');
      }
    });
    // One request for the round's acknowledgements. If it is lost, whoever claims the postings next
    // posts them again under the same idempotency keys, and the ERP hands back the same documents.
    if (acknowledgements.length > 0) {
      try {
        const { acknowledgeErpPostings: answers } = await graphql<{ acknowledgeErpPostings: { id: string; errorCode: string | null; errorMessage: string | null }[] }>(
          ACKNOWLEDGE,
          { acknowledgements },
          token,
        );
        for (const answer of answers) {
          if (answer.errorCode === null) result.acknowledged += 1;
          else {
            result.unreported += 1;
            log.warn({ postingId: answer.id, code: answer.errorCode, reason: answer.errorMessage }, 'the hub refused an acknowledgement');
          }
        }
      } catch (error) {
        result.unreported += acknowledgements.length;
        log.warn({ postings: acknowledgements.length, reason: (error as Error).message }, 'could not acknowledge ERP postings');
      }
    }
    return result;
  };

  let stopped = true;
  let loop: Promise<void> = Promise.resolve();
  let wake: (() => void) | undefined;
  return {
    runOnce,
    start() {
      if (!stopped) return;
      stopped = false;
      loop = (async () => {
        while (!stopped) {
          let full = false;
          try {
            const round = await runOnce();
            full = round.claimed === batchSize;
          } catch (error) {
            log.warn({ reason: (error as Error).message }, 'claiming ERP postings failed; retrying');
          }
          if (!full && !stopped) {
            await new Promise<void>((resolve) => {
              const timer = setTimeout(resolve, idleDelayMs);
              wake = () => {
                clearTimeout(timer);
                resolve();
              };
            });
            wake = undefined;
          }
        }
      })();
    },
    async stop() {
      stopped = true;
      wake?.();
      await loop;
    },
  };
}

async function inParallel<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
