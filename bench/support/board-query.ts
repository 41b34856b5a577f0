// The operations the benchmark sends, and one way to send a single one. The board query crosses
// four subgraphs the way issue 4 asks: orders (the page), inventory (material), assets (line →
// currentState, and the line's work cells that maintenance @requires) and maintenance
// (openAlarms). The direct query is the part of it the orders subgraph answers alone.

/** The federated query; `$first` lets the statement check compare page sizes with one document. */
export const BOARD_QUERY = `query OrderBoard($first: Int!) {
  productionOrders(first: $first) {
    edges {
      node {
        id
        status
        quantity
        dueAt
        material { description }
        line {
          name
          currentState { state startedAt }
          openAlarms { code severity }
        }
      }
    }
  }
}`;

/** The orders subgraph's own fields of the board, for subgraphDirect. */
export const DIRECT_QUERY = `query OrderBoardDirect($first: Int!) {
  productionOrders(first: $first) {
    edges { node { id status quantity dueAt } }
  }
}`;

/** Orders per page in the measured runs. */
export const PAGE_SIZE = 10;

export interface GraphQLBody {
  query: string;
  operationName: string;
  variables: Record<string, unknown>;
}

export function boardBody(first = PAGE_SIZE): GraphQLBody {
  return { query: BOARD_QUERY, operationName: 'OrderBoard', variables: { first } };
}

export function directBody(first = PAGE_SIZE): GraphQLBody {
  return { query: DIRECT_QUERY, operationName: 'OrderBoardDirect', variables: { first } };
}

export interface GraphQLReply {
  status: number;
  /** The body exactly as sent, which autocannon later expects of every response. */
  text: string;
  json: { data?: unknown; errors?: unknown[] };
}

/** POST one operation (with the headers the load run will use) and read the whole reply. */
export async function postGraphQL(url: string, body: GraphQLBody, headers: Record<string, string>): Promise<GraphQLReply> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const text = await response.text();
  let json: GraphQLReply['json'];
  try {
    json = JSON.parse(text) as GraphQLReply['json'];
  } catch {
    throw new Error(`${url} answered ${response.status} with a body that is not JSON: ${text.slice(0, 200)}`);
  }
  return { status: response.status, text, json };
}
