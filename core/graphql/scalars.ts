// Scalars every subgraph declares the same way (`scalar DateTime`, `scalar JSON`), so composition
// sees one definition.
import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';
import { ErrorCodes } from '../errors.ts';

const invalid = (message: string) => new GraphQLError(message, { extensions: { code: ErrorCodes.VALIDATION_FAILED } });

/** ISO 8601 date-time with offset; serialised from Date or string, parsed to Date. */
export const DateTimeScalar = new GraphQLScalarType<Date, string>({
  name: 'DateTime',
  description: 'ISO 8601 date-time with time zone, e.g. 2026-11-25T08:00:00.000Z',
  serialize(value) {
    const date = value instanceof Date ? value : new Date(String(value));
    if (Number.isNaN(date.getTime())) throw invalid(`DateTime cannot represent ${String(value)}`);
    return date.toISOString();
  },
  parseValue(value) {
    return parseDateTime(value);
  },
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING) throw invalid('DateTime must be a string');
    return parseDateTime(ast.value);
  },
});

function parseDateTime(value: unknown): Date {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value)) {
    throw invalid(`DateTime must be ISO 8601 with a time zone, got ${JSON.stringify(value)}`);
  }
  return new Date(value);
}

/** Arbitrary JSON (posting payloads, command results). */
export const JSONScalar = new GraphQLScalarType({
  name: 'JSON',
  description: 'Any JSON value',
  serialize: (value) => value,
  parseValue: (value) => value,
  parseLiteral() {
    throw invalid('JSON values must be passed as variables');
  },
});

export const scalarResolvers = { DateTime: DateTimeScalar, JSON: JSONScalar };
