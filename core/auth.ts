// JWT claims, roles and development tokens. The gateway verifies every token with
// `verifyAccessToken`; `npm run token` signs development tokens with the configured secret.
import { createRemoteJWKSet, jwtVerify, SignJWT, type JWTVerifyGetKey } from 'jose';
import { z } from 'zod';
import { PlantgraphError, ErrorCodes, ValidationError } from './errors.ts';

export const roles = ['viewer', 'operator', 'planner', 'quality', 'maintenance', 'erp-adapter', 'partner', 'admin'] as const;
export type Role = (typeof roles)[number];

export const DEFAULT_TOKEN_LIFETIME = '12h';

/**
 * Scopes, as the graph's `@requiresScopes` directives name them. A token carries a role; the
 * gateway derives the scopes from it, so the rules live in one table here and in the SDL.
 */
export const scopes = {
  /** Plant data: assets, states, alarms, orders of every customer, inventory, quality. */
  readPlant: 'plant:read',
  /** Fields partners must not see (ERP ids, costs, internal notes, integration data). */
  readInternal: 'internal:read',
  /** Partner view of orders: only their own customer's orders. */
  readOwnOrders: 'orders:read-own',
  /** Master data: sites, lines, assets, materials. */
  writeMasterData: 'masterdata:write',
  /** Order commands: release, reprioritise, cancel. */
  commandOrders: 'orders:command',
  /** Quality decisions, holds, lots. */
  writeQuality: 'quality:write',
  /** Maintenance requests and alarms. */
  writeMaintenance: 'maintenance:write',
  /** ERP outbox and inbound command log; dead letter replay. */
  integrate: 'integration:operate',
} as const;
export type Scope = (typeof scopes)[keyof typeof scopes];

const plantStaff: Scope[] = [scopes.readPlant, scopes.readInternal];
const scopesByRole: Record<Role, Scope[]> = {
  viewer: plantStaff,
  operator: [...plantStaff, scopes.writeMaintenance],
  planner: [...plantStaff, scopes.writeMasterData, scopes.commandOrders],
  quality: [...plantStaff, scopes.writeQuality],
  maintenance: [...plantStaff, scopes.writeMaintenance],
  'erp-adapter': [...plantStaff, scopes.writeMasterData, scopes.commandOrders, scopes.writeQuality, scopes.writeMaintenance, scopes.integrate],
  partner: [scopes.readOwnOrders],
  admin: Object.values(scopes),
};

export function scopesForRole(role: Role): Scope[] {
  return scopesByRole[role];
}

export const accessClaimsSchema = z
  .object({
    sub: z.string().min(1),
    role: z.enum(roles),
    /** Partners only: the customer whose orders they may see. */
    customerId: z.string().uuid().optional(),
    /** Sites the token may see; absent means all sites. */
    siteIds: z.array(z.string().uuid()).optional(),
  })
  .refine((claims) => claims.role !== 'partner' || claims.customerId !== undefined, {
    message: 'a partner token needs a customerId claim',
    path: ['customerId'],
  });

export type AccessClaims = z.infer<typeof accessClaimsSchema>;

export interface TokenSettings {
  secret: string;
  issuer: string;
  audience: string;
}

export interface DevelopmentTokenOptions extends TokenSettings {
  role: Role;
  customerId?: string;
  siteIds?: string[];
  subject?: string;
  /** jose duration string. @default '12h' */
  expiresIn?: string;
}

const hmacKeys = new Map<string, Promise<CryptoKey>>();

/**
 * The HS256 key of a secret, imported once: handing jose the raw bytes imports a new CryptoKey on
 * every sign and verify, a measurable share of the gateway's CPU per request (bench:gateway).
 */
export function hmacKey(secret: string): Promise<CryptoKey> {
  let key = hmacKeys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
    hmacKeys.set(secret, key);
  }
  return key;
}

export async function signDevelopmentToken(options: DevelopmentTokenOptions): Promise<string> {
  const parsed = accessClaimsSchema.safeParse({
    sub: options.subject ?? `dev-${options.role}`,
    role: options.role,
    customerId: options.customerId,
    siteIds: options.siteIds,
  });
  if (!parsed.success) throw new ValidationError(parsed.error.issues.map((i) => `${i.path.join('.') || 'claims'}: ${i.message}`).join('; '));
  const { sub, ...rest } = parsed.data;
  return new SignJWT(rest)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(sub)
    .setIssuer(options.issuer)
    .setAudience(options.audience)
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? DEFAULT_TOKEN_LIFETIME)
    .sign(await hmacKey(options.secret));
}

export interface VerificationSettings extends TokenSettings {
  /** Keys of an identity provider (JWT_JWKS_URL, see `remoteKeySet`); when given, used instead of `secret`. */
  keySet?: JWTVerifyGetKey;
}

/** The identity provider's published keys; jose fetches them on first use and caches them. */
export function remoteKeySet(jwksUrl: string): JWTVerifyGetKey {
  return createRemoteJWKSet(new URL(jwksUrl));
}

/** Asymmetric algorithms accepted from a JWKS; never HS256 there, so a public key cannot act as a secret. */
const JWKS_ALGORITHMS = ['RS256', 'PS256', 'ES256', 'EdDSA'];

/** Verify signature, issuer, audience and expiry, then the claims' shape. */
export async function verifyAccessToken(token: string, settings: VerificationSettings): Promise<AccessClaims & { exp: number }> {
  let payload: Record<string, unknown>;
  const expected = { issuer: settings.issuer, audience: settings.audience };
  try {
    ({ payload } = settings.keySet
      ? await jwtVerify(token, settings.keySet, { ...expected, algorithms: JWKS_ALGORITHMS })
      : await jwtVerify(token, await hmacKey(settings.secret), { ...expected, algorithms: ['HS256'] }));
  } catch (error) {
    throw new PlantgraphError(ErrorCodes.UNAUTHENTICATED, `invalid token: ${(error as Error).message}`, { cause: error });
  }
  const claims = accessClaimsSchema.safeParse(payload);
  if (!claims.success) {
    throw new PlantgraphError(ErrorCodes.UNAUTHENTICATED, `invalid token claims: ${claims.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return { ...claims.data, exp: Number(payload.exp) };
}
