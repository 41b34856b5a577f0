// Subgraphs answer only calls that come through the gateway: every subgraph request carries
// `x-plantgraph-internal`, the caller's verified claims signed with INTERNAL_SECRET
// (core/internal-auth.ts). Signed once per incoming request, however many subgraph calls its plan
// makes; the subgraphs scope rows (a partner's orders) from these claims.
//
// The header goes in the execution request's `extensions.headers`, not in a later onFetch: the
// HTTP executor merges identical in-flight subgraph requests, and only headers given this way are
// part of its merge key. So requests of one caller may share a subgraph call; two callers never
// do (test/graph/federated.test.ts, concurrent partners).
import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import { INTERNAL_HEADER, INTERNAL_TOKEN_LIFETIME_SECONDS, signInternalToken } from '../../core/internal-auth.ts';
import { ExpiringCache } from '../../core/expiring-cache.ts';
import type { CallerRegistry } from '../callers.ts';

export interface InternalSignatureOptions {
  /** Shared secret of gateway and subgraphs (INTERNAL_SECRET). */
  secret: string;
  /** Verified callers, written by useAuth. */
  callers: CallerRegistry;
}

/** A signed header is reused for half its lifetime, so it never reaches a subgraph about to expire. */
const REUSE_SIGNATURE_MS = (INTERNAL_TOKEN_LIFETIME_SECONDS * 1_000) / 2; // 30 seconds
const MAX_CACHED_SIGNATURES = 10_000; // callers

/** A signed header and the time until which it may be sent. */
interface SignedHeader {
  signature: Promise<string>;
  until: number;
}

export function useInternalSignature(options: InternalSignatureOptions): GatewayPlugin {
  // One signature per caller for a while (signing is a measurable part of the gateway's CPU per
  // request); parallel subgraph calls share its promise. Found by the caller's claims object
  // (useAuth hands out one per verified token), else by the claims' JSON (another token of the
  // same caller). A subscription resolves each event with its subscriber's context for hours, so
  // every lookup checks `until`, which counts from the signing.
  const byCaller = new ExpiringCache<SignedHeader>(MAX_CACHED_SIGNATURES);
  const byClaims = new WeakMap<object, SignedHeader>();
  function signatureFor(context: object): Promise<string> | undefined {
    const claims = options.callers.get(context);
    if (!claims) return undefined;
    const now = Date.now();
    let signed = byClaims.get(claims);
    if (!signed || signed.until <= now) {
      const callerKey = JSON.stringify(claims);
      signed = byCaller.get(callerKey, now);
      if (!signed) {
        signed = { signature: signInternalToken(claims, options.secret), until: now + REUSE_SIGNATURE_MS };
        byCaller.set(callerKey, signed, signed.until);
      }
      byClaims.set(claims, signed);
    }
    return signed.signature;
  }
  return {
    onSubgraphExecute({ executionRequest, setExecutionRequest }) {
      // Calls outside a verified request (none today) go unsigned and the subgraph refuses them.
      const context = executionRequest.context as object | undefined;
      const signature = context ? signatureFor(context) : undefined;
      if (!signature) return undefined;
      return signature.then((token) => {
        const extensions = executionRequest.extensions ?? {};
        const headers = (extensions.headers as Record<string, string> | undefined) ?? {};
        setExecutionRequest({ ...executionRequest, extensions: { ...extensions, headers: { ...headers, [INTERNAL_HEADER]: token } } });
      });
    },
  };
}
