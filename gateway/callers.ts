// Who is calling, per request: useAuth writes the verified claims, the authorization rules, the
// internal signature and the metrics read them. Keyed by the request's GraphQL context (one object
// from onParams to the last subgraph fetch), so nothing outlives the request.
import type { AccessClaims } from '../core/auth.ts';

export interface CallerRegistry {
  set(context: object, claims: AccessClaims): void;
  get(context: object | undefined): AccessClaims | undefined;
}

export function createCallerRegistry(): CallerRegistry {
  const callers = new WeakMap<object, AccessClaims>();
  return {
    set: (context, claims) => void callers.set(context, claims),
    get: (context) => (context ? callers.get(context) : undefined),
  };
}
