// How big an operation is, in the four measures the gateway limits: lexical tokens, field depth,
// aliases and estimated cost. Pure functions over the document, so each is tested on its own.
// Introspection (`__schema`, `__type`, `__typename`) is not counted: Apollo Sandbox's schema query
// alone is deeper than any sane limit.
import {
  getNamedType,
  getNullableType,
  isCompositeType,
  isListType,
  Kind,
  Lexer,
  Source,
  TokenKind,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLCompositeType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
  isObjectType,
  isInterfaceType,
  visit,
} from 'graphql';

/** Tokens in a document, counting stops at `stopAfter` + 1 so a huge body costs no more. */
export function countTokens(query: string, stopAfter = Number.POSITIVE_INFINITY): number {
  const lexer = new Lexer(new Source(query));
  let count = 0;
  try {
    while (lexer.advance().kind !== TokenKind.EOF) {
      count += 1;
      if (count > stopAfter) break;
    }
  } catch {
    // A syntax error: the parser reports it with its position, counting stops here.
  }
  return count;
}

function fragmentsOf(document: DocumentNode): Map<string, FragmentDefinitionNode> {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  return fragments;
}

const isIntrospection = (field: FieldNode) => field.name.value.startsWith('__');

/**
 * Depth (fields nested in fields) and aliases of one operation, fragments expanded where they are
 * spread. Fragment cycles are cut (validation reports them).
 */
export function measureShape(document: DocumentNode, operation: OperationDefinitionNode): { depth: number; aliases: number } {
  const fragments = fragmentsOf(document);
  let aliases = 0;
  function walk(selectionSet: SelectionSetNode, depth: number, visiting: Set<string>): number {
    let deepest = depth;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        if (isIntrospection(selection)) continue;
        if (selection.alias) aliases += 1;
        deepest = Math.max(deepest, selection.selectionSet ? walk(selection.selectionSet, depth + 1, visiting) : depth + 1);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        deepest = Math.max(deepest, walk(selection.selectionSet, depth, visiting));
      } else {
        const name = selection.name.value;
        const fragment = fragments.get(name);
        if (!fragment || visiting.has(name)) continue;
        deepest = Math.max(deepest, walk(fragment.selectionSet, depth, new Set(visiting).add(name)));
      }
    }
    return deepest;
  }
  const depth = walk(operation.selectionSet, 0, new Set());
  return { depth, aliases };
}

/**
 * Names of the variables that set a page size (`first: $n`, `last: $n`) anywhere in the document:
 * the only variables an estimated cost depends on, so a cost can be remembered per their values.
 */
export function sizeVariableNames(document: DocumentNode): string[] {
  const names = new Set<string>();
  visit(document, {
    Argument(argument) {
      if (SIZE_ARGUMENTS.includes(argument.name.value) && argument.value.kind === Kind.VARIABLE) names.add(argument.value.name.value);
    },
  });
  return [...names].sort();
}

export interface CostSettings {
  /** Size assumed for a list whose field has no `first`/`last` argument. */
  assumedListSize: number;
}

const SIZE_ARGUMENTS = ['first', 'last'];

/** The page size a field asks for: `first` or `last`, as a literal, a variable or the schema's default. */
function requestedSize(field: FieldNode, definition: GraphQLField<unknown, unknown>, variables: Record<string, unknown>): number | undefined {
  for (const argument of field.arguments ?? []) {
    if (!SIZE_ARGUMENTS.includes(argument.name.value)) continue;
    const value = intValue(argument.value, variables);
    if (value !== undefined) return Math.max(0, value);
  }
  const fallback = definition.args.find((argument) => SIZE_ARGUMENTS.includes(argument.name) && typeof argument.defaultValue === 'number');
  return fallback ? (fallback.defaultValue as number) : undefined;
}

function intValue(node: ValueNode, variables: Record<string, unknown>): number | undefined {
  if (node.kind === Kind.INT) return Number.parseInt(node.value, 10);
  if (node.kind === Kind.VARIABLE) {
    const value = variables[node.name.value];
    return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
  }
  return undefined;
}

/**
 * Estimated number of objects an operation makes the subgraphs produce: every field of object,
 * interface or union type costs 1 for each time it is expected to be resolved. A list multiplies
 * what is below it by its size: the field's own `first`/`last` (given, or the schema's default), or,
 * for a connection, that of the field above its `edges`/`nodes` list, else `assumedListSize`. Leaf fields
 * cost nothing: they come with their object.
 */
export function estimateCost(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode, variables: Record<string, unknown>, settings: CostSettings): number {
  const fragments = fragmentsOf(document);
  const root = schema.getRootType(operation.operation);
  if (!root) return 0;
  function walk(selectionSet: SelectionSetNode, parentType: GraphQLCompositeType, multiplier: number, pendingSize: number | undefined, visiting: Set<string>): number {
    let cost = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        if (isIntrospection(selection) || !(isObjectType(parentType) || isInterfaceType(parentType))) continue;
        const definition = parentType.getFields()[selection.name.value];
        if (!definition) continue;
        const size = requestedSize(selection, definition, variables);
        const returnsList = isListType(getNullableType(definition.type));
        const times = returnsList ? multiplier * (size ?? pendingSize ?? settings.assumedListSize) : multiplier;
        const named = getNamedType(definition.type);
        if (!isCompositeType(named)) continue;
        cost += times;
        if (selection.selectionSet) cost += walk(selection.selectionSet, named, times, returnsList ? undefined : size, visiting);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const typeName = selection.typeCondition?.name.value;
        const type = typeName ? schema.getType(typeName) : parentType;
        if (type && isCompositeType(type)) cost += walk(selection.selectionSet, type, multiplier, pendingSize, visiting);
      } else {
        const name = selection.name.value;
        const fragment = fragments.get(name);
        const type = fragment ? schema.getType(fragment.typeCondition.name.value) : undefined;
        if (!fragment || visiting.has(name) || !type || !isCompositeType(type)) continue;
        cost += walk(fragment.selectionSet, type, multiplier, pendingSize, new Set(visiting).add(name));
      }
    }
    return cost;
  }
  return walk(operation.selectionSet, root, 1, undefined, new Set());
}
