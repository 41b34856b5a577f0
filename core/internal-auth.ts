// How a subgraph knows a call came through the gateway: the gateway signs the caller's verified
// claims into a short-lived HS256 token (INTERNAL_SECRET) in the `x-plantgraph-internal` header;
// subgraphs refuse any request without a valid one. This keeps auth in one place (the gateway)
// without letting anyone bypass it by calling a subgraph port directly.
import { jwtVerify, SignJWT } from 'jose';
import { accessClaimsSchema, hmacKey, scopesForRole, type AccessClaims, type Scope } from './auth.ts';
import { ErrorCodes, PlantgraphError } from './errors.ts';

export const INTERNAL_HEADER = 'x-plantgraph-internal';
const INTERNAL_AUDIENCE = 'plantgraph-subgraph';
const INTERNAL_ISSUER = 'plantgraph-gateway';
/** Long enough for a slow query plan, short enough that a leaked header soon stops working. */
export const INTERNAL_TOKEN_LIFETIME_SECONDS = 60;

/** The caller as a subgraph sees it: verified claims plus the scopes of its role. */
export interface Caller extends AccessClaims {
  scopes: Scope[];
}

export function callerFromClaims(claims: AccessClaims): Caller {
  return { ...claims, scopes: scopesForRole(claims.role) };
}

export async function signInternalToken(claims: AccessClaims, secret: string): Promise<string> {
  const { sub, ...rest } = claims;
  return new SignJWT(rest)
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setIssuer(INTERNAL_ISSUER)
    .setAudience(INTERNAL_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(`${INTERNAL_TOKEN_LIFETIME_SECONDS}s`)
    .sign(await hmacKey(secret));
}

/** Throws UNAUTHENTICATED (with why) unless the header holds a valid gateway signature. */
export async function verifyInternalToken(header: string | undefined, secret: string): Promise<Caller> {
  return (await verifyInternalTokenUntil(header, secret)).caller;
}

/** verifyInternalToken, with the time (epoch ms) the signature expires. */
export async function verifyInternalTokenUntil(header: string | undefined, secret: string): Promise<{ caller: Caller; expiresAt: number }> {
  if (!header) throw new PlantgraphError(ErrorCodes.UNAUTHENTICATED, 'subgraphs accept calls through the gateway only (no internal signature)');
  try {
    const { payload } = await jwtVerify(header, await hmacKey(secret), {
      issuer: INTERNAL_ISSUER,
      audience: INTERNAL_AUDIENCE,
      algorithms: ['HS256'],
      requiredClaims: ['exp'],
    });
    return { caller: callerFromClaims(accessClaimsSchema.parse(payload)), expiresAt: (payload.exp as number) * 1_000 };
  } catch (error) {
    throw new PlantgraphError(ErrorCodes.UNAUTHENTICATED, 'subgraphs accept calls through the gateway only (invalid internal signature)', { cause: error });
  }
}
