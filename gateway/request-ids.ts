// One id per incoming request, shared by Hive's request-id plugin (which sends it to the subgraphs
// and back in the response header) and our error masking (which puts it on masked errors and in
// the log line), so a client's report leads to the log entry.
import { randomUUID } from 'node:crypto';

export const REQUEST_ID_HEADER = 'x-request-id';

export interface RequestIds {
  /** The caller's `x-request-id` if it sent one, else a new UUID; stable per request. */
  of(request: Request): string;
}

export function createRequestIds(): RequestIds {
  const ids = new WeakMap<Request, string>();
  return {
    of(request) {
      let id = ids.get(request);
      if (!id) {
        id = request.headers.get(REQUEST_ID_HEADER) || randomUUID();
        ids.set(request, id);
      }
      return id;
    },
  };
}
