// One map of error codes for the whole hub. GraphQL errors carry the code in `extensions.code`,
// dead letters carry it as their reason code; callers test codes with the predicates below, never
// message text.

export const ErrorCodes = {
  /** Input does not match its schema (GraphQL input, event envelope, telemetry payload). */
  VALIDATION_FAILED: 'VALIDATION_FAILED',
  /** A referenced row or entity does not exist. */
  NOT_FOUND: 'NOT_FOUND',
  /** The same idempotency key was used before with a different input. */
  IDEMPOTENCY_CONFLICT: 'IDEMPOTENCY_CONFLICT',
  /** No valid token. */
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  /** A valid token whose role or scope does not allow this. */
  FORBIDDEN: 'FORBIDDEN',
  /** A subgraph or the ERP did not answer in time. */
  UPSTREAM_TIMEOUT: 'UPSTREAM_TIMEOUT',
  /** The state of a row does not allow the command (e.g. releasing a cancelled order). */
  INVALID_STATE: 'INVALID_STATE',
  /** A query beyond the gateway's depth, alias, token or cost limits. */
  QUERY_TOO_COMPLEX: 'QUERY_TOO_COMPLEX',
  /** A request body beyond the gateway's size limit (HTTP 413). */
  REQUEST_TOO_LARGE: 'REQUEST_TOO_LARGE',
  /** A service the request needs (e.g. NATS for a replay) is not connected to this process. */
  UNAVAILABLE: 'UNAVAILABLE',
  /** Anything unexpected; details are logged with the request id and masked for clients. */
  INTERNAL: 'INTERNAL',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

export interface PlantgraphErrorOptions extends ErrorOptions {
  /** Extra, client-safe details (field names, ids); goes into GraphQL `extensions`. */
  details?: Record<string, unknown>;
}

/** Base of every error the hub raises on purpose. */
export class PlantgraphError extends Error {
  override name = 'PlantgraphError';
  readonly details: Record<string, unknown>;
  constructor(
    readonly code: ErrorCode,
    message: string,
    options: PlantgraphErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.details = options.details ?? {};
  }
}

export class ValidationError extends PlantgraphError {
  override name = 'ValidationError';
  constructor(message: string, options?: PlantgraphErrorOptions) {
    super(ErrorCodes.VALIDATION_FAILED, message, options);
  }
}

export class NotFoundError extends PlantgraphError {
  override name = 'NotFoundError';
  constructor(what: string, id: string, options?: PlantgraphErrorOptions) {
    super(ErrorCodes.NOT_FOUND, `${what} ${id} does not exist`, { ...options, details: { ...options?.details, id } });
  }
}

export class IdempotencyConflictError extends PlantgraphError {
  override name = 'IdempotencyConflictError';
  constructor(idempotencyKey: string, options?: PlantgraphErrorOptions) {
    super(ErrorCodes.IDEMPOTENCY_CONFLICT, `idempotency key "${idempotencyKey}" was already used with a different input`, {
      ...options,
      details: { ...options?.details, idempotencyKey },
    });
  }
}

export function isPlantgraphError(error: unknown): error is PlantgraphError {
  return error instanceof PlantgraphError;
}

export function hasErrorCode(error: unknown, code: ErrorCode): boolean {
  return isPlantgraphError(error) && error.code === code;
}

export const isValidationError = (error: unknown): error is ValidationError => hasErrorCode(error, ErrorCodes.VALIDATION_FAILED);
export const isNotFoundError = (error: unknown): error is NotFoundError => hasErrorCode(error, ErrorCodes.NOT_FOUND);
export const isIdempotencyConflict = (error: unknown): error is IdempotencyConflictError =>
  hasErrorCode(error, ErrorCodes.IDEMPOTENCY_CONFLICT);
