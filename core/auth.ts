// JWT claims, roles and development tokens. The gateway verifies every token with
// `verifyAccessToken`; `npm run token` signs development tokens with the configured secret.
import { jwtVerify, SignJWT } from 'jose';
import { z } from 'zod';
import { PlantgraphError, ErrorCodes } from './errors.ts';

export const roles = ['viewer', 'operator', 'planner', 'quality', 'maintenance', 'erp-adapter', 'partner', 'admin'] as const;
export type Role = (typeof roles)[number];

export const DEFAULT_TOKEN_LIFETIME = '12h';

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

export async function signDevelopmentToken(options: DevelopmentTokenOptions): Promise<string> {
  const claims = accessClaimsSchema.parse({
    sub: options.subject ?? `dev-${options.role}`,
    role: options.role,
    customerId: options.customerId,
    siteIds: options.siteIds,
  });
  const { sub, ...rest } = claims;
  return new SignJWT(rest)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(sub)
    .setIssuer(options.issuer)
    .setAudience(options.audience)
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? DEFAULT_TOKEN_LIFETIME)
    .sign(new TextEncoder().encode(options.secret));
}

/** Verify signature, issuer, audience and expiry, then the claims' shape. */
export async function verifyAccessToken(token: string, settings: TokenSettings): Promise<AccessClaims & { exp: number }> {
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token, new TextEncoder().encode(settings.secret), {
      issuer: settings.issuer,
      audience: settings.audience,
      algorithms: ['HS256'],
    }));
  } catch (error) {
    throw new PlantgraphError(ErrorCodes.UNAUTHENTICATED, `invalid token: ${(error as Error).message}`, { cause: error });
  }
  const claims = accessClaimsSchema.safeParse(payload);
  if (!claims.success) {
    throw new PlantgraphError(ErrorCodes.UNAUTHENTICATED, `invalid token claims: ${claims.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return { ...claims.data, exp: Number(payload.exp) };
}
