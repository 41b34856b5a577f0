// Subgraphs answer only calls that come through the gateway: every subgraph request carries
// `x-plantgraph-internal`, the caller's verified claims signed with INTERNAL_SECRET
// (core/internal-auth.ts). Signed once per incoming request, however many subgraph calls its plan
// makes; the subgraphs scope rows (a partner's orders) from these claims.
import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import { INTERNAL_HEADER, signInternalToken } from '../../core/internal-auth.ts';
import type { CallerRegistry } from '../callers.ts';

export interface InternalSignatureOptions {
  /** Shared secret of gateway and subgraphs (INTERNAL_SECRET). */
  secret: string;
  /** Verified callers, written by useAuth. */
  callers: CallerRegistry;
}

export function useInternalSignature(options: InternalSignatureOptions): GatewayPlugin {
  // One signature per request context: the promise is cached so parallel fetches share it.
  const signatures = new WeakMap<object, Promise<string>>();
  function signatureFor(context: object): Promise<string> | undefined {
    const cached = signatures.get(context);
    if (cached) return cached;
    const claims = options.callers.get(context);
    if (!claims) return undefined;
    const signature = signInternalToken(claims, options.secret);
    signatures.set(context, signature);
    return signature;
  }
  return {
    onFetch({ context, options: init, setOptions }) {
      // Fetches outside a request (none today) go unsigned and the subgraph refuses them.
      const signature = 'request' in context ? signatureFor(context) : undefined;
      if (!signature) return undefined;
      return signature.then((token) => setOptions({ ...init, headers: { ...init.headers, [INTERNAL_HEADER]: token } }));
    },
  };
}
