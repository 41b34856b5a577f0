// Refuse abusive operations before they reach a subgraph: body size (HTTP 413, REQUEST_TOO_LARGE),
// then tokens (at parse), depth and aliases (at validation), estimated cost (at execution, when
// variables are known), each as QUERY_TOO_COMPLEX with the limit, its maximum and the value found
// in `extensions`. Hive's runtime has no depth/alias/token limits of its own (those live in
// graphql-armor, not installed), and its demand control needs @cost/@listSize in every subgraph, so
// these are ours. The subgraph timeout is the HTTP transport's (gateway/http-transport.ts).
import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import { getOperationAST, GraphQLError, type DocumentNode, type ExecutionArgs, type GraphQLSchema, type ValidationRule } from 'graphql';
import {
  DEFAULT_GATEWAY_BODY_LIMIT_BYTES,
  DEFAULT_GATEWAY_MAX_ALIASES,
  DEFAULT_GATEWAY_MAX_COST,
  DEFAULT_GATEWAY_MAX_DEPTH,
  DEFAULT_GATEWAY_MAX_TOKENS,
} from '../../core/config.ts';
import { ErrorCodes } from '../../core/errors.ts';
import { bodyTooLarge, readLimitedBody } from '../limits/body.ts';
import { countTokens, estimateCost, measureShape, sizeVariableNames } from '../limits/measure.ts';
import { ExpiringCache } from '../../core/expiring-cache.ts';

/** A list without `first`/`last` is assumed this long when estimating cost. */
export const DEFAULT_ASSUMED_LIST_SIZE = 20; // items

export interface LimitsOptions {
  /** Deepest nesting of fields (GATEWAY_MAX_DEPTH). @default 12 // levels */
  maxDepth?: number;
  /** Most aliases in one operation (GATEWAY_MAX_ALIASES). @default 30 */
  maxAliases?: number;
  /** Most lexical tokens in one document (GATEWAY_MAX_TOKENS). @default 2_000 */
  maxTokens?: number;
  /** Highest estimated cost, in objects fetched (GATEWAY_MAX_COST). @default 5_000 */
  maxCost?: number;
  /** List size assumed when a list field has no `first`/`last`. @default 20 // items */
  assumedListSize?: number;
  /** Largest request body (GATEWAY_BODY_LIMIT_BYTES). @default 102_400 // 100 KiB */
  bodyLimitBytes?: number;
}

type Limit = 'depth' | 'aliases' | 'tokens' | 'cost';
const variables: Record<Limit, string> = { depth: 'GATEWAY_MAX_DEPTH', aliases: 'GATEWAY_MAX_ALIASES', tokens: 'GATEWAY_MAX_TOKENS', cost: 'GATEWAY_MAX_COST' };
const describe: Record<Limit, (actual: number) => string> = {
  depth: (actual) => `depth ${actual}`,
  aliases: (actual) => `${actual} aliases`,
  // Counting stops one past the limit, so the exact number is not known.
  tokens: (actual) => `more than ${actual - 1} tokens`,
  cost: (actual) => `estimated cost ${actual}`,
};

/** `query too complex: depth 15 (limit 12, GATEWAY_MAX_DEPTH)`, with the numbers in extensions. */
export function tooComplex(limit: Limit, maximum: number, actual: number): GraphQLError {
  return new GraphQLError(`query too complex: ${describe[limit](actual)} (limit ${maximum}, ${variables[limit]})`, {
    extensions: { code: ErrorCodes.QUERY_TOO_COMPLEX, limit, maximum, actual, http: { status: 400 } },
  });
}

type CostArguments = Pick<ExecutionArgs, 'schema' | 'document' | 'operationName' | 'variableValues'>;

/** Distinct query texts whose token count is remembered, and the longest one remembered. */
const MAX_REMEMBERED_QUERIES = 1_000;
const MAX_REMEMBERED_QUERY_LENGTH = 8_192; // characters: at most ~16 MB of remembered texts
/** Distinct page sizes per document whose cost is remembered. */
const MAX_REMEMBERED_COSTS_PER_DOCUMENT = 100;

/**
 * Token counts and costs are remembered: clients repeat the same few operations, and measuring
 * each one again was a measurable part of the gateway's CPU per request (bench:gateway). A count
 * depends only on the text; a cost on the schema, the document, the operation and the values of
 * the page-size variables.
 */
function rememberedMeasures(assumedListSize: number) {
  const tokenCounts = new ExpiringCache<number>(MAX_REMEMBERED_QUERIES);
  const costs = new WeakMap<GraphQLSchema, WeakMap<DocumentNode, { sizeVariables: string[]; byKey: Map<string, number> }>>();
  return {
    tokens(query: string, stopAfter: number): number {
      if (query.length > MAX_REMEMBERED_QUERY_LENGTH) return countTokens(query, stopAfter);
      let count = tokenCounts.get(query);
      if (count === undefined) tokenCounts.set(query, (count = countTokens(query, stopAfter)), Number.POSITIVE_INFINITY);
      return count;
    },
    /** `undefined` when the operation is not in the document (execution reports that). */
    cost({ schema, document, operationName, variableValues }: CostArguments): number | undefined {
      let documents = costs.get(schema);
      if (!documents) costs.set(schema, (documents = new WeakMap()));
      let perDocument = documents.get(document);
      if (!perDocument) documents.set(document, (perDocument = { sizeVariables: sizeVariableNames(document), byKey: new Map() }));
      const variables = variableValues ?? {};
      const key = `${operationName ?? ''}${JSON.stringify(perDocument.sizeVariables.map((name) => variables[name]))}`;
      const known = perDocument.byKey.get(key);
      if (known !== undefined) return known;
      const operation = getOperationAST(document, operationName);
      if (!operation) return undefined;
      const cost = estimateCost(schema, document, operation, variables, { assumedListSize });
      if (perDocument.byKey.size >= MAX_REMEMBERED_COSTS_PER_DOCUMENT) perDocument.byKey.clear();
      perDocument.byKey.set(key, cost);
      return cost;
    },
  };
}

export function useLimits(options: LimitsOptions = {}): GatewayPlugin {
  const maxDepth = options.maxDepth ?? DEFAULT_GATEWAY_MAX_DEPTH;
  const maxAliases = options.maxAliases ?? DEFAULT_GATEWAY_MAX_ALIASES;
  const maxTokens = options.maxTokens ?? DEFAULT_GATEWAY_MAX_TOKENS;
  const maxCost = options.maxCost ?? DEFAULT_GATEWAY_MAX_COST;
  const assumedListSize = options.assumedListSize ?? DEFAULT_ASSUMED_LIST_SIZE;
  const bodyLimit = options.bodyLimitBytes ?? DEFAULT_GATEWAY_BODY_LIMIT_BYTES;
  const measures = rememberedMeasures(assumedListSize);
  // Queries and subscriptions alike, once variables are known.
  function refuseTooCostly({ args, setResultAndStopExecution }: { args: CostArguments; setResultAndStopExecution: (result: { errors: GraphQLError[] }) => void }): void {
    const cost = measures.cost(args);
    if (cost !== undefined && cost > maxCost) setResultAndStopExecution({ errors: [tooComplex('cost', maxCost, cost)] });
  }

  const shapeRule: ValidationRule = (context) => ({
    OperationDefinition(operation) {
      const { depth, aliases } = measureShape(context.getDocument(), operation);
      if (depth > maxDepth) context.reportError(tooComplex('depth', maxDepth, depth));
      if (aliases > maxAliases) context.reportError(tooComplex('aliases', maxAliases, aliases));
    },
  });

  return {
    onRequestParse({ request, requestParser, setRequestParser, fetchAPI }) {
      if (request.method !== 'POST' || !requestParser) return;
      const declared = request.headers.get('content-length');
      if (declared !== null) {
        // Node's HTTP parser holds the body to its Content-Length, so a declared size is enough.
        const bytes = Number(declared);
        if (bytes > bodyLimit) setRequestParser(() => Promise.reject(bodyTooLarge(bodyLimit, bytes)));
        return;
      }
      const parse = requestParser;
      setRequestParser(async (chunked) => {
        const body = await readLimitedBody(chunked, bodyLimit);
        return parse(new fetchAPI.Request(chunked.url, { method: 'POST', headers: chunked.headers, body }));
      });
    },
    onParse({ params }) {
      const query = typeof params.source === 'string' ? params.source : params.source.body;
      const tokens = measures.tokens(query, maxTokens);
      if (tokens > maxTokens) throw tooComplex('tokens', maxTokens, tokens);
    },
    onValidate({ addValidationRule }) {
      addValidationRule(shapeRule);
    },
    onExecute: refuseTooCostly,
    onSubscribe: refuseTooCostly,
  };
}
