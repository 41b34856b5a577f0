// GraphQL arguments are checked by zod after GraphQL's own type checks: ranges, formats and rules
// across fields. A failure names every bad field, with the argument it belongs to.
import type { z } from 'zod';
import { ValidationError } from '../errors.ts';

export function parseInput<Schema extends z.ZodType>(schema: Schema, value: unknown, argument: string): z.output<Schema> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const fields = result.error.issues.map((issue) => ({ field: [argument, ...issue.path.map(String)].join('.'), message: issue.message }));
  throw new ValidationError(fields.map((f) => `${f.field}: ${f.message}`).join('; '), { details: { fields } });
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids are uuids; anything else is the caller's mistake (VALIDATION_FAILED), not a missing row. */
export function parseId(value: string, argument = 'id'): string {
  if (!UUID.test(value)) throw new ValidationError(`${argument} must be a uuid, got ${JSON.stringify(value)}`, { details: { fields: [{ field: argument, message: 'must be a uuid' }] } });
  return value.toLowerCase();
}
