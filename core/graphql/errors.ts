// How a subgraph turns what went wrong into a GraphQL error: our coded errors keep their code and
// client-safe details; GraphQL's own validation errors keep theirs; anything else is logged with
// the request id and masked as INTERNAL, so no stack trace or SQL reaches a client.
import type { GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import { Prisma } from '../../prisma/generated/client.ts';
import { ErrorCodes, isPlantgraphError } from '../errors.ts';
import type { Logger } from '../log.ts';

/** Apollo Server's own codes for bad requests; they are the client's fault and safe to show. */
const CLIENT_ERROR_CODES = new Set(['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_USER_INPUT', 'PERSISTED_QUERY_NOT_FOUND', 'BAD_REQUEST', 'OPERATION_RESOLUTION_FAILURE']);

export function formatSubgraphError(formatted: GraphQLFormattedError, error: unknown, log: Logger): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  if (isPlantgraphError(original)) {
    return { ...formatted, message: original.message, extensions: { ...original.details, code: original.code } };
  }
  if (original instanceof Prisma.PrismaClientKnownRequestError && original.code === 'P2025') {
    return { ...formatted, message: 'the referenced record does not exist', extensions: { code: ErrorCodes.NOT_FOUND } };
  }
  const code = formatted.extensions?.code;
  if (typeof code === 'string' && (CLIENT_ERROR_CODES.has(code) || Object.hasOwn(ErrorCodes, code)) && code !== ErrorCodes.INTERNAL) {
    const { stacktrace: _stacktrace, ...extensions } = formatted.extensions ?? {};
    return { ...formatted, extensions: { ...extensions, code: code === 'BAD_USER_INPUT' ? ErrorCodes.VALIDATION_FAILED : code } };
  }
  log.error({ err: original, path: formatted.path }, 'unexpected error in a resolver');
  return { message: 'Unexpected error', path: formatted.path, locations: formatted.locations, extensions: { code: ErrorCodes.INTERNAL } };
}
