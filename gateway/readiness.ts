// Readiness of the gateway: every subgraph answers a signed `{ __typename }` (which also proves
// that gateway and subgraph share INTERNAL_SECRET), plus the checks the caller adds (database,
// NATS). Each check is bounded by core/health.ts READINESS_TIMEOUT_MS.
import { READINESS_TIMEOUT_MS, type ReadinessCheck } from '../core/health.ts';
import { INTERNAL_HEADER, signInternalToken } from '../core/internal-auth.ts';

/** The claims of the gateway's own probes: the least role there is. */
const PROBE_CLAIMS = { sub: 'gateway-readiness', role: 'viewer' } as const;

export function subgraphCheck(name: string, url: string, internalSecret: string): ReadinessCheck {
  return {
    name: `subgraph:${name}`,
    async check() {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [INTERNAL_HEADER]: await signInternalToken(PROBE_CLAIMS, internalSecret) },
        body: JSON.stringify({ query: '{ __typename }' }),
        signal: AbortSignal.timeout(READINESS_TIMEOUT_MS),
      });
      const body = (await response.json().catch(() => undefined)) as { data?: { __typename?: string } } | undefined;
      if (!response.ok || body?.data?.__typename === undefined) throw new Error(`${url} answered HTTP ${response.status} without data`);
    },
  };
}
