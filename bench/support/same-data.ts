// Before anything is measured, every variant must give the same answer: a fast gateway that
// returns the wrong data (or errors with status 200) would win the benchmark. The three gateways
// must return identical `data` for the board query; the orders subgraph alone must return the
// board's order fields; and the board must actually exercise every subgraph (a full page, some
// current states, some open alarms), or the comparison would measure empty joins.
import { PAGE_SIZE, type GraphQLReply } from './board-query.ts';

interface BoardNode {
  id: string;
  status: string;
  quantity: number;
  dueAt: string | null;
  material?: { description: string };
  line?: { name: string; currentState: unknown; openAlarms: unknown[] };
}

/** Problems with one reply: HTTP status, errors, missing data. */
export function replyProblems(name: string, reply: GraphQLReply): string[] {
  const problems: string[] = [];
  if (reply.status !== 200) problems.push(`${name}: HTTP ${reply.status}`);
  if (reply.json.errors?.length) problems.push(`${name}: errors ${JSON.stringify(reply.json.errors).slice(0, 500)}`);
  if (!reply.json.data) problems.push(`${name}: no data`);
  return problems;
}

function nodesOf(reply: GraphQLReply): BoardNode[] {
  const data = reply.json.data as { productionOrders?: { edges?: { node: BoardNode }[] } } | undefined;
  return data?.productionOrders?.edges?.map((edge) => edge.node) ?? [];
}

/**
 * Compare the gateways' board replies with each other and the direct reply with their order
 * fields. Returns one line per problem; empty means all agree.
 */
export function compareReplies(board: Record<string, GraphQLReply>, direct: { name: string; reply: GraphQLReply }): string[] {
  const entries = Object.entries(board);
  const problems = [...entries.flatMap(([name, reply]) => replyProblems(name, reply)), ...replyProblems(direct.name, direct.reply)];
  if (problems.length > 0) return problems;

  const [reference, ...others] = entries;
  if (!reference) return ['no gateway replies to compare'];
  const [referenceName, referenceReply] = reference;
  const expected = canonicalJson(referenceReply.json.data);
  for (const [name, reply] of others) {
    if (canonicalJson(reply.json.data) !== expected) problems.push(`${name}: data differs from ${referenceName}'s`);
  }

  const nodes = nodesOf(referenceReply);
  if (nodes.length !== PAGE_SIZE) problems.push(`${referenceName}: ${nodes.length} orders on the page, expected ${PAGE_SIZE}`);
  if (!nodes.some((node) => node.line?.currentState)) problems.push(`${referenceName}: no line has a current state; the assets subgraph read nothing`);
  if (!nodes.some((node) => node.line?.openAlarms.length)) problems.push(`${referenceName}: no line has open alarms; the maintenance subgraph read nothing`);

  const orderFields = nodes.map(({ id, status, quantity, dueAt }) => ({ id, status, quantity, dueAt }));
  if (canonicalJson(orderFields) !== canonicalJson(nodesOf(direct.reply))) problems.push(`${direct.name}: orders differ from ${referenceName}'s`);
  return problems;
}

/** JSON with object keys sorted, so equal data compares equal whatever order fields come in. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) =>
    item && typeof item === 'object' && !Array.isArray(item)
      ? Object.fromEntries(Object.entries(item as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : item,
  );
}
