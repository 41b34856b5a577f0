// The four measures behind the gateway's limits, on a small schema shaped like ours (Relay
// connections with `first`, plain lists without).
import { buildSchema, getOperationAST, parse } from 'graphql';
import { countTokens, estimateCost, measureShape, sizeVariableNames } from '../../gateway/limits/measure.ts';

const schema = buildSchema(/* GraphQL */ `
  type Query { productionOrders(first: Int): OrderConnection!  alarms(first: Int = 5): AlarmConnection!  lines: [Line!]!  line(id: ID!): Line }
  type AlarmConnection { nodes: [Alarm!]! }
  type Alarm { id: ID!  line: Line! }
  type OrderConnection { edges: [OrderEdge!]!  totalCount: Int! }
  type OrderEdge { node: ProductionOrder! }
  type ProductionOrder { id: ID!  line: Line!  operations: [Operation!]! }
  type Operation { id: ID! }
  type Line { id: ID!  name: String!  next: Line }
`);

function measure(query: string, variables: Record<string, unknown> = {}) {
  const document = parse(query);
  const operation = getOperationAST(document)!;
  return { ...measureShape(document, operation), cost: estimateCost(schema, document, operation, variables, { assumedListSize: 20 }) };
}

test('measure - tokens are counted, and counting stops one past the limit', () => {
  expect(countTokens('{ lines { id } }')).toBe(6);
  expect(countTokens(`{ ${'a '.repeat(10_000)}}`, 100)).toBe(101);
});

test('measure - depth counts nested fields through fragments, not introspection', () => {
  expect(measure('{ lines { id } }').depth).toBe(2);
  expect(measure('{ line(id: 1) { ...L } } fragment L on Line { next { next { id } } }').depth).toBe(4);
  expect(measure('{ __schema { types { fields { type { ofType { name } } } } } lines { id } }').depth).toBe(2);
});

test('measure - aliases are counted each time their fragment is spread', () => {
  expect(measure('{ a: lines { id } b: lines { x: id } }').aliases).toBe(3);
  expect(measure('{ l1: line(id: 1) { ...F } l2: line(id: 2) { ...F } } fragment F on Line { n: name }').aliases).toBe(4);
});

test('measure - a fragment cycle does not loop', () => {
  expect(measure('{ line(id: 1) { ...A } } fragment A on Line { next { ...A } }').depth).toBe(2);
});

test('measure - cost multiplies by the connection\'s first, once, down through edges', () => {
  // connection 1 + edges 50 + node 50 + line 50
  expect(measure('{ productionOrders(first: 50) { totalCount edges { node { id line { name } } } } }').cost).toBe(151);
});

test('measure - a list without first counts as the assumed size, nested lists multiply', () => {
  // connection 1 + edges 10 + node 10 + operations 10 × 20
  expect(measure('{ productionOrders(first: 10) { edges { node { operations { id } } } } }').cost).toBe(221);
  expect(measure('{ lines { id } }').cost).toBe(20);
});

test('measure - a page size left out counts as the schema\'s default', () => {
  // connection 1 + nodes 5 + line 5
  expect(measure('{ alarms { nodes { line { id } } } }').cost).toBe(11);
});

test('measure - page sizes in variables count', () => {
  expect(measure('query($n: Int) { productionOrders(first: $n) { edges { node { id } } } }', { n: 1000 }).cost).toBe(2001);
});

test('measure - the page-size variables of a document are the ones a cost depends on', () => {
  const document = parse('query Q($a: Int, $b: Int, $f: Boolean) { x(first: $b) { y(last: $a, first: 3) @include(if: $f) { z(filter: $f) } } } fragment F on T { w(first: $b) }');
  expect(sizeVariableNames(document)).toEqual(['a', 'b']);
  expect(sizeVariableNames(parse('{ x(first: 2) { y } }'))).toEqual([]);
});
