// Reading a request body no larger than a limit. A declared Content-Length over the limit is
// refused before reading; a chunked body is read until it passes the limit, then dropped.
import { GraphQLError } from 'graphql';
import { ErrorCodes } from '../../core/errors.ts';

export function bodyTooLarge(limitBytes: number, declaredBytes?: number): GraphQLError {
  const size = declaredBytes === undefined ? 'more than that' : `${declaredBytes} bytes`;
  return new GraphQLError(`request body too large: the limit (GATEWAY_BODY_LIMIT_BYTES) is ${limitBytes} bytes, got ${size}`, {
    // Connection: close, so the rest of an oversized body is never read and the socket not reused.
    extensions: { code: ErrorCodes.REQUEST_TOO_LARGE, limit: 'bodyBytes', maximum: limitBytes, http: { status: 413, headers: { connection: 'close' } } },
  });
}

/** The body as bytes, or a REQUEST_TOO_LARGE error as soon as it passes `limitBytes`. */
export async function readLimitedBody(request: Request, limitBytes: number): Promise<Uint8Array<ArrayBuffer>> {
  if (!request.body) return new Uint8Array();
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limitBytes) {
      await reader.cancel();
      throw bodyTooLarge(limitBytes);
    }
    chunks.push(value);
  }
  const body = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}
