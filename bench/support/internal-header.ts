// The static `x-plantgraph-internal` header of the variants that have no plugins (hiveStock,
// apolloGateway, subgraphDirect). The subgraphs refuse unsigned calls, and a stock gateway cannot
// sign per request, so the header is signed once per run. core/internal-auth.ts signInternalToken
// would do, but its tokens live 60 seconds (INTERNAL_TOKEN_LIFETIME_SECONDS), less than one run;
// so this signs the same claims the same way with a lifetime of an hour, with jose directly.
import { SignJWT } from 'jose';
import type { AccessClaims } from '../../core/auth.ts';
import { verifyInternalToken } from '../../core/internal-auth.ts';

/** Long enough for any run of the benchmark (jose duration). */
export const BENCH_INTERNAL_TOKEN_LIFETIME = '1h';

// Private to core/internal-auth.ts; the check below fails the run if they ever change there.
const INTERNAL_ISSUER = 'plantgraph-gateway';
const INTERNAL_AUDIENCE = 'plantgraph-subgraph';

/** Sign `claims` for the subgraphs, and prove at once that they accept the token. */
export async function signBenchInternalHeader(claims: AccessClaims, secret: string): Promise<string> {
  const { sub, ...rest } = claims;
  const token = await new SignJWT(rest)
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setIssuer(INTERNAL_ISSUER)
    .setAudience(INTERNAL_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(BENCH_INTERNAL_TOKEN_LIFETIME)
    .sign(new TextEncoder().encode(secret));
  await verifyInternalToken(token, secret);
  return token;
}
