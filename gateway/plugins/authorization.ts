// Field and type rules of the graph: the subgraphs mark fields with the Federation directives
// `@authenticated` and `@requiresScopes(scopes: [["plant:read"], ["orders:read-own"]])` (outer list:
// alternatives, inner list: all needed); composition keeps them in the supergraph, and Hive's
// generic auth (`genericAuth`, mode protect-granular) reads them from the schema on every field of
// the operation before any subgraph is called. A token carries a role; the scopes come from
// core/auth.ts `scopesForRole`, so the SDL and that table are the whole policy.
import type { GatewayConfigSupergraph, ValidateUserFn } from '@graphql-hive/gateway-runtime';
import { GraphQLError } from 'graphql';
import { scopesForRole, type AccessClaims } from '../../core/auth.ts';
import { ErrorCodes } from '../../core/errors.ts';
import type { CallerRegistry } from '../callers.ts';

/** The runtime's `genericAuth` option. */
export type GenericAuthConfig = NonNullable<GatewayConfigSupergraph['genericAuth']>;

export interface AuthorizationOptions {
  /** Verified callers, written by useAuth. */
  callers: CallerRegistry;
}

/** `[["a"], ["b", "c"]]` → `a or b and c`. */
function describeScopes(alternatives: string[][]): string {
  return alternatives.map((all) => all.join(' and ')).join(' or ');
}

function allows(required: string[][] | undefined, granted: string[]): boolean {
  if (!required || required.length === 0) return true;
  return required.some((all) => all.every((scope) => granted.includes(scope)));
}

/** Like the default rule of protect-granular, but with our codes and a message that names the scope. */
const forbidUnlessAllowed: ValidateUserFn<AccessClaims> = (params) => {
  const coordinate = `${params.parentType.name}.${params.field.name}`;
  if (params.user == null && (params.fieldAuthArgs || params.typeAuthArgs || params.fieldScopes || params.typeScopes)) {
    return new GraphQLError(`${coordinate} needs a signed-in caller`, {
      nodes: params.fieldNode,
      path: params.path,
      extensions: { code: ErrorCodes.UNAUTHENTICATED, http: { status: 401 } },
    });
  }
  for (const [where, required] of [[params.parentType.name, params.typeScopes], [coordinate, params.fieldScopes]] as const) {
    if (allows(required, params.userScopes)) continue;
    return new GraphQLError(`${where} needs scope ${describeScopes(required ?? [])}; role ${params.user.role} does not have it`, {
      nodes: params.fieldNode,
      path: params.path,
      extensions: { code: ErrorCodes.FORBIDDEN, http: { status: 403 } },
    });
  }
  return undefined;
};

/**
 * The whole operation is refused when one of its fields is forbidden (HTTP 403, one FORBIDDEN error
 * per field), before any subgraph is called: a client asks only for what its role may see.
 */
export function authorizationRules(options: AuthorizationOptions): GenericAuthConfig {
  return {
    mode: 'protect-granular',
    resolveUserFn: (context) => options.callers.get(context) ?? null,
    extractScopes: (user) => scopesForRole((user as AccessClaims).role),
    validateUser: forbidUnlessAllowed as ValidateUserFn<Record<string, unknown>>,
    rejectUnauthenticated: true,
  };
}
