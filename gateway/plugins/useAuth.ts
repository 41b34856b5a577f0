// Every GraphQL operation needs a verified Bearer JWT; anything else is refused with
// UNAUTHENTICATED (HTTP 401) before the document is even parsed, so anonymous callers learn
// nothing about the schema. Health probes are plain HTTP routes and never reach this plugin.
import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import { GraphQLError } from 'graphql';
import { errors as joseErrors, type JWTVerifyGetKey } from 'jose';
import { verifyAccessToken, type AccessClaims, type TokenSettings } from '../../core/auth.ts';
import { ErrorCodes } from '../../core/errors.ts';
import type { CallerRegistry } from '../callers.ts';
import { ExpiringCache } from '../../core/expiring-cache.ts';

export interface AuthOptions {
  /** HS256 secret (JWT_SECRET), expected issuer (JWT_ISSUER) and audience (JWT_AUDIENCE). */
  tokens: TokenSettings;
  /**
   * Keys of an identity provider (from JWT_JWKS_URL via `remoteKeySet`); when given, tokens are
   * verified against them instead of the HS256 secret.
   * @default undefined (HS256 with `tokens.secret`)
   */
  keySet?: JWTVerifyGetKey;
  /** Where the verified claims are kept for the other plugins. */
  callers: CallerRegistry;
}

/** Where the token is looked for: the Authorization header, then graphql-ws connection params. */
export function bearerToken(request: Request | undefined, connectionParams: unknown): string | undefined {
  const fromParams = connectionParams && typeof connectionParams === 'object' ? (connectionParams as Record<string, unknown>) : {};
  const header = request?.headers.get('authorization') ?? fromParams['authorization'] ?? fromParams['Authorization'];
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

/** Verify a token; the error, if any, is a GraphQL error ready for the client. */
export async function authenticate(token: string | undefined, options: Pick<AuthOptions, 'tokens' | 'keySet'>): Promise<AccessClaims & { exp: number }> {
  if (!token) throw unauthenticated('no token: send Authorization: Bearer <token> (npm run token -- --role viewer)');
  try {
    return await verifyAccessToken(token, { ...options.tokens, ...(options.keySet ? { keySet: options.keySet } : {}) });
  } catch (error) {
    const cause = (error as Error).cause;
    if (cause instanceof joseErrors.JWTExpired) {
      const expiredAt = typeof cause.payload.exp === 'number' ? ` at ${new Date(cause.payload.exp * 1000).toISOString()}` : '';
      throw unauthenticated(`token expired${expiredAt}; get a new one`);
    }
    throw unauthenticated((error as Error).message);
  }
}

function unauthenticated(message: string): GraphQLError {
  return new GraphQLError(message, {
    extensions: { code: ErrorCodes.UNAUTHENTICATED, http: { status: 401, headers: { 'WWW-Authenticate': 'Bearer' } } },
  });
}

const MAX_CACHED_TOKENS = 10_000; // distinct tokens

export function useAuth(options: AuthOptions): GatewayPlugin {
  // A token verified once is trusted until it expires: clients send the same token with every
  // request, and verifying it each time was a measurable part of the gateway's CPU per request.
  const verified = new ExpiringCache<AccessClaims>(MAX_CACHED_TOKENS);
  return {
    onParams({ request, context, setResult }) {
      const connectionParams = (context as { connectionParams?: unknown }).connectionParams;
      const token = bearerToken(request, connectionParams);
      const known = token ? verified.get(token) : undefined;
      if (known) return void options.callers.set(context, known);
      return authenticate(token, options).then(
        (claims) => {
          if (token) verified.set(token, claims, claims.exp * 1_000);
          options.callers.set(context, claims);
        },
        (error: GraphQLError) => setResult({ errors: [error] }),
      );
    },
  };
}
