// Field and type rules of the graph: subgraphs mark fields and types with the Federation
// directive `@requiresScopes(scopes: [["plant:read"], ["orders:read-own"]])` (outer list:
// alternatives, inner list: all needed); composition keeps it in the supergraph. Before any
// subgraph is called, every field of the operation is checked against the caller's scopes (from
// its role, core/auth.ts); one forbidden field refuses the whole operation with one FORBIDDEN
// error per field (HTTP 403).
//
// Our own check rather than @envelop/generic-auth: that one rebuilds the document on every request
// (which defeated the planner's per-document plan cache) and walks it every time. The decision
// depends only on the parsed document, the operation and the role, so it is made once per
// (document, operation, role) and remembered with the document. @skip/@include are not evaluated:
// a forbidden field is refused even when skipped, which errs on the safe side.
import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import { getDirectiveExtensions } from '@graphql-tools/utils';
import {
  GraphQLError,
  TypeInfo,
  getNamedType,
  isIntrospectionType,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type ExecutionArgs,
  type GraphQLNamedType,
  type GraphQLSchema,
} from 'graphql';
import { scopesForRole, type Role } from '../../core/auth.ts';
import { ErrorCodes } from '../../core/errors.ts';
import type { CallerRegistry } from '../callers.ts';

export interface AuthorizationOptions {
  /** Verified callers, written by useAuth. */
  callers: CallerRegistry;
}

type ScopeAlternatives = string[][];

/** `[["a"], ["b", "c"]]` → `a or b and c`. */
function describeScopes(alternatives: ScopeAlternatives): string {
  return alternatives.map((all) => all.join(' and ')).join(' or ');
}

function allows(required: ScopeAlternatives | undefined, granted: readonly string[]): boolean {
  if (!required || required.length === 0) return true;
  return required.some((all) => all.every((scope) => granted.includes(scope)));
}

function requiredScopes(element: Parameters<typeof getDirectiveExtensions>[0], schema: GraphQLSchema): ScopeAlternatives | undefined {
  const directives = getDirectiveExtensions<{ requiresScopes: { scopes: ScopeAlternatives } }>(element, schema);
  return directives?.requiresScopes?.[0]?.scopes;
}

/** Every field of the operation the role may not see, as client-ready errors. */
export function forbiddenFields(schema: GraphQLSchema, document: DocumentNode, operationName: string | null | undefined, role: Role): GraphQLError[] {
  const granted = scopesForRole(role);
  const typeInfo = new TypeInfo(schema);
  const errors: GraphQLError[] = [];
  const refuse = (where: string, required: ScopeAlternatives, node: Parameters<typeof visit>[0]) =>
    new GraphQLError(`${where} needs scope ${describeScopes(required)}; role ${role} does not have it`, {
      nodes: node as never,
      extensions: { code: ErrorCodes.FORBIDDEN, http: { status: 403 } },
    });
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      OperationDefinition(node) {
        // Only the operation that runs; fragments it does not use are never reached by it either.
        if (operationName && node.name?.value !== operationName) return false;
        return undefined;
      },
      Field(node) {
        const parent = typeInfo.getParentType() as GraphQLNamedType | null;
        const field = typeInfo.getFieldDef();
        if (!parent || !field || isIntrospectionType(getNamedType(parent))) return undefined;
        const typeRule = requiredScopes(parent, schema);
        if (!allows(typeRule, granted)) {
          errors.push(refuse(parent.name, typeRule!, node));
          return false;
        }
        const fieldRule = requiredScopes(field, schema);
        if (!allows(fieldRule, granted)) {
          errors.push(refuse(`${parent.name}.${field.name}`, fieldRule!, node));
          return false;
        }
        return undefined;
      },
    }),
  );
  return errors;
}

export function useAuthorization(options: AuthorizationOptions): GatewayPlugin {
  const decisions = new WeakMap<DocumentNode, Map<string, GraphQLError[]>>();
  function decide(args: ExecutionArgs): GraphQLError[] {
    const caller = options.callers.get(args.contextValue as object);
    // useAuth refuses requests without a verified caller before they get here.
    if (!caller) return [new GraphQLError('no verified caller', { extensions: { code: ErrorCodes.UNAUTHENTICATED, http: { status: 401 } } })];
    let byRole = decisions.get(args.document);
    if (!byRole) decisions.set(args.document, (byRole = new Map()));
    const key = `${caller.role}|${args.operationName ?? ''}`;
    let errors = byRole.get(key);
    if (!errors) byRole.set(key, (errors = forbiddenFields(args.schema, args.document, args.operationName, caller.role)));
    return errors;
  }
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const errors = decide(args);
      if (errors.length > 0) setResultAndStopExecution({ data: null, errors });
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const errors = decide(args);
      if (errors.length > 0) setResultAndStopExecution({ data: null, errors });
    },
  };
}
