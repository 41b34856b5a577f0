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

export function useInternalSignature(options: InternalSignatureOptions): GatewayPlugin {
  // One signature per request context (parallel subgraph calls share the promise), and one per
  // caller for a while (signing is a measurable part of the gateway's CPU per request).
  // A context can outlive a signature: a subscription resolves each event with its subscriber's
  // context for as long as it runs, so the context's entry expires like the caller's.
  const signatures = new WeakMap<object, { signature: Promise<string>; until: number }>();
  const byCaller = new ExpiringCache<Promise<string>>(MAX_CACHED_SIGNATURES);
  const byClaims = new WeakMap<object, { signature: Promise<string>; until: number }>();
  function signatureFor(context: object): Promise<string> | undefined {
    const now = Date.now();
    const cached = signatures.get(context);
    if (cached && cached.until > now) return cached.signature;
    const claims = options.callers.get(context);
    if (!claims) return undefined;
    // useAuth hands out one claims object per verified token, so most requests end here.
    const ofClaims = byClaims.get(claims);
    if (ofClaims && ofClaims.until > now) {
      signatures.set(context, ofClaims);
      return ofClaims.signature;
    }
    const callerKey = JSON.stringify(claims);
    let signature = byCaller.get(callerKey);
    if (!signature) {
      signature = signInternalToken(claims, options.secret);
      byCaller.set(callerKey, signature, now + REUSE_SIGNATURE_MS);
    }
    const entry = { signature, until: now + REUSE_SIGNATURE_MS };
    signatures.set(context, entry);
    byClaims.set(claims, entry);
    return signature;
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
