// Relay connections over keyset (cursor) pagination: `first`/`after`, `edges { cursor node }`,
// `pageInfo`, and a `totalCount` that is only counted when a client selects it.
import { ValidationError } from '../errors.ts';

export const DEFAULT_PAGE_SIZE = 20;
/** Hard maximum: larger pages are refused, not silently cut. */
export const MAX_PAGE_SIZE = 100;

export interface PageArguments {
  first?: number | null;
  after?: string | null;
}

export interface Page {
  /** Rows to fetch: one more than asked, to know whether there is a next page. */
  take: number;
  first: number;
  /** The id of the row after which the page starts. */
  afterId: string | null;
}

export function pageOf({ first, after }: PageArguments): Page {
  const size = first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
    throw new ValidationError(`first must be between 1 and ${MAX_PAGE_SIZE}, got ${size}`, { details: { argument: 'first', max: MAX_PAGE_SIZE } });
  }
  return { take: size + 1, first: size, afterId: after ? decodeCursor(after) : null };
}

/** Prisma findMany arguments for a page (stable order: the caller's order, then id). */
export function prismaPage(page: Page): { take: number; skip?: number; cursor?: { id: string } } {
  return page.afterId ? { take: page.take, skip: 1, cursor: { id: page.afterId } } : { take: page.take };
}

export function encodeCursor(id: string): string {
  return Buffer.from(`id:${id}`).toString('base64url');
}

export function decodeCursor(cursor: string): string {
  const decoded = Buffer.from(cursor, 'base64url').toString('utf8');
  const id = decoded.startsWith('id:') ? decoded.slice(3) : '';
  if (!/^[0-9a-f-]{36}$/i.test(id)) throw new ValidationError(`after is not a cursor of this list: ${cursor}`, { details: { argument: 'after' } });
  return id;
}

export interface Connection<T> {
  edges: { cursor: string; node: T }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  /** Resolved only when selected: graphql-js calls function-valued fields. */
  totalCount: () => Promise<number>;
}

export function toConnection<T extends { id: string }>(rows: T[], page: Page, count: () => Promise<number>): Connection<T> {
  const nodes = rows.slice(0, page.first);
  const edges = nodes.map((node) => ({ cursor: encodeCursor(node.id), node }));
  return {
    edges,
    pageInfo: { hasNextPage: rows.length > page.first, endCursor: edges.at(-1)?.cursor ?? null },
    totalCount: count,
  };
}
