// Every error that reaches a client carries `extensions.code` from core/errors.ts. Coded errors
// (ours, a subgraph's, GraphQL's own request errors) pass with their code; a few foreign codes are
// renamed to ours; anything else is masked as "Unexpected error" (INTERNAL) with the request id,
// and logged with that id and the real cause. Runs on operation results (HTTP, SSE, WebSocket) and
// on request-level errors (bad body, too large), so nothing slips past.
import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import { GraphQLError, type ExecutionResult } from 'graphql';
import { ErrorCodes, type ErrorCode } from '../../core/errors.ts';
import type { Logger } from '../../core/log.ts';
import type { RequestIds } from '../request-ids.ts';

export interface ErrorMaskingOptions {
  /** Where unexpected errors are logged, with their request id. */
  log: Logger;
  requestIds: RequestIds;
  /** What clients see instead of an unexpected error. @default 'Unexpected error' */
  message?: string;
}

/** GraphQL's and Yoga's codes for a bad request: the client's fault, safe to show as they are. */
const REQUEST_ERROR_CODES = new Set(['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_REQUEST', 'PERSISTED_QUERY_NOT_FOUND', 'OPERATION_RESOLUTION_FAILURE']);

/** Codes of libraries we use, in our words (subgraph timeouts, generic auth, Apollo's input errors). */
const RENAMED_CODES: Record<string, ErrorCode> = {
  GATEWAY_TIMEOUT: ErrorCodes.UPSTREAM_TIMEOUT,
  TIMEOUT_ERROR: ErrorCodes.UPSTREAM_TIMEOUT,
  UNAUTHORIZED_FIELD_OR_TYPE: ErrorCodes.FORBIDDEN,
  BAD_USER_INPUT: ErrorCodes.VALIDATION_FAILED,
};

/** Extensions never shown to clients: stack traces, and Hive's copy of the subgraph request. */
const PRIVATE_EXTENSIONS = ['stacktrace', 'exception', 'originalError', 'unexpected', 'request', 'response'];

function isOurCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(ErrorCodes, code);
}

/** True for a GraphQLError thrown on purpose (not one wrapping a plain Error). */
function isDeliberate(error: GraphQLError): boolean {
  let current: unknown = error;
  while (current instanceof GraphQLError) {
    if (!current.originalError) return true;
    current = current.originalError;
  }
  return false;
}

function withExtensions(error: GraphQLError, message: string, extensions: Record<string, unknown>): GraphQLError {
  const kept = Object.fromEntries(Object.entries(error.extensions).filter(([key]) => !PRIVATE_EXTENSIONS.includes(key)));
  return new GraphQLError(message, { nodes: error.nodes ?? null, source: error.source ?? null, positions: error.positions ?? null, path: error.path ?? null, extensions: { ...kept, ...extensions } });
}

export function useErrorMasking(options: ErrorMaskingOptions): GatewayPlugin {
  const message = options.message ?? 'Unexpected error';
  const done = new WeakSet<GraphQLError>();

  function toClientError(error: GraphQLError, requestId: string): GraphQLError {
    if (done.has(error)) return error;
    const code = subgraphTimedOut(error) ? 'TIMEOUT_ERROR' : error.extensions.code;
    let client: GraphQLError;
    if (isOurCode(code) && code !== ErrorCodes.INTERNAL) client = withExtensions(error, error.message, {});
    else if (code === ErrorCodes.INTERNAL) client = withExtensions(error, error.message, { requestId: error.extensions.requestId ?? requestId });
    else if (typeof code === 'string' && RENAMED_CODES[code]) client = withExtensions(error, renamedMessage(error, code), { code: RENAMED_CODES[code] });
    else if (typeof code === 'string' && REQUEST_ERROR_CODES.has(code)) client = withExtensions(error, error.message, {});
    else if (code === undefined && isDeliberate(error) && !error.path) {
      // graphql-js's own request errors (a missing variable, an unknown operation name).
      client = withExtensions(error, error.message, { code: ErrorCodes.VALIDATION_FAILED });
    } else {
      options.log.error({ err: error.originalError ?? error, requestId, path: error.path, subgraph: error.extensions.serviceName, code }, `unexpected error: ${error.message}`);
      client = new GraphQLError(message, { nodes: error.nodes ?? null, path: error.path ?? null, extensions: { code: ErrorCodes.INTERNAL, requestId } });
    }
    done.add(client);
    return client;
  }

  function maskResult<T extends ExecutionResult>(result: T, requestId: string): T {
    const incremental = (result as { incremental?: ExecutionResult[] }).incremental;
    if (!result.errors?.length && !incremental) return result;
    return {
      ...result,
      ...(result.errors ? { errors: result.errors.map((error) => toClientError(error, requestId)) } : {}),
      ...(incremental ? { incremental: incremental.map((part) => maskResult(part, requestId)) } : {}),
    };
  }

  function mask(result: unknown, requestId: string): unknown {
    if (Array.isArray(result)) return result.map((one) => mask(one, requestId));
    if (isAsyncIterable(result)) return mapAsyncIterable(result, (one) => maskResult(one as ExecutionResult, requestId));
    if (result && typeof result === 'object') return maskResult(result as ExecutionResult, requestId);
    return result;
  }

  return {
    onExecutionResult({ result, setResult, request }) {
      if (result) setResult(mask(result, options.requestIds.of(request)) as typeof result);
    },
    onResultProcess({ result, setResult, request }) {
      setResult(mask(result, options.requestIds.of(request)) as typeof result);
    },
  };
}

/** The HTTP transport's per-request timeout surfaces as a 504 subrequest error. */
function subgraphTimedOut(error: GraphQLError): boolean {
  const http = error.extensions.http as { status?: number } | undefined;
  return error.extensions.code === 'SUBREQUEST_HTTP_ERROR' && http?.status === 504;
}

function renamedMessage(error: GraphQLError, code: string): string {
  if (code !== 'GATEWAY_TIMEOUT' && code !== 'TIMEOUT_ERROR') return error.message;
  const subgraph = typeof error.extensions.serviceName === 'string' ? `subgraph ${error.extensions.serviceName}` : 'a subgraph';
  return `${subgraph} did not answer in time (SUBGRAPH_TIMEOUT_MS)`;
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

/** Map each item, passing return/throw through so a closed subscription closes its source. */
function mapAsyncIterable<T, U>(source: AsyncIterable<T>, map: (item: T) => U): AsyncIterableIterator<U> {
  const iterator = source[Symbol.asyncIterator]();
  const step = async (result: IteratorResult<T>): Promise<IteratorResult<U>> => (result.done ? { done: true, value: undefined } : { done: false, value: map(result.value) });
  return {
    next: () => iterator.next().then(step),
    return: () => (iterator.return ? iterator.return().then(step) : Promise.resolve({ done: true, value: undefined })),
    throw: (error?: unknown) => (iterator.throw ? iterator.throw(error).then(step) : Promise.reject(error)),
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
