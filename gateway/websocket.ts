// GraphQL over WebSocket (graphql-ws protocol) on the gateway's own HTTP server and path, so one
// URL serves HTTP, SSE and WebSocket. A connection needs a valid token, from the upgrade request's
// Authorization header or `connectionParams.authorization`; without one, graphql-ws closes it with
// 4403 Forbidden. Each operation then runs through the same plugins as an HTTP request.
import type http from 'node:http';
import { getGraphQLWSOptions, type GatewayRuntime } from '@graphql-hive/gateway-runtime';
import { useServer, type Extra } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { authenticate, bearerToken, type AuthOptions } from './plugins/useAuth.ts';
import { createWriteCoalescer } from './socket-coalescing.ts';

/** Close code and reason sent to every client when the gateway stops (RFC 6455 "going away"). */
export const GOING_AWAY = { code: 1001, reason: 'Going away' } as const;

export interface GraphQLWebSocketOptions {
  server: http.Server;
  runtime: GatewayRuntime;
  /** @default '/graphql' */
  path?: string;
  auth: Pick<AuthOptions, 'tokens' | 'keySet'>;
  /**
   * Messages sent to a socket within this many ms go out in one write (GATEWAY_WS_COALESCE_MS,
   * gateway/socket-coalescing.ts); 0 writes each message at once. @default 0 (the gateway passes GATEWAY_WS_COALESCE_MS, 10)
   */
  coalesceMs?: number;
}

export interface GraphQLWebSocket {
  /** Close every socket with 1001 and stop the WebSocket server. */
  close(): Promise<void>;
}

export function serveGraphQLWebSocket(options: GraphQLWebSocketOptions): GraphQLWebSocket {
  const sockets = new WebSocketServer({ server: options.server, path: options.path ?? '/graphql' });
  const coalescer = options.coalesceMs ? createWriteCoalescer({ windowMs: options.coalesceMs }) : undefined;
  // Registered before graphql-ws's own listener, so the socket is wrapped before its first message.
  if (coalescer) sockets.on('connection', (socket) => coalescer.add(socket));
  // One WHATWG Request per connection: the request id and the token come from the upgrade request.
  const requests = new WeakMap<http.IncomingMessage, Request>();
  function requestFor(upgrade: http.IncomingMessage): Request {
    let request = requests.get(upgrade);
    if (!request) {
      const headers = new Headers();
      for (const [name, value] of Object.entries(upgrade.headers)) {
        if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
      }
      request = new options.runtime.fetchAPI.Request(`http://${upgrade.headers.host ?? 'localhost'}${upgrade.url ?? '/'}`, { headers });
      requests.set(upgrade, request);
    }
    return request;
  }
  const graphqlOptions = getGraphQLWSOptions<Record<string, unknown>, Extra>(options.runtime, (context) => ({
    req: context.extra.request,
    socket: context.extra.socket,
    request: requestFor(context.extra.request),
  }));
  const server = useServer(
    {
      ...graphqlOptions,
      onConnect: (context) =>
        authenticate(bearerToken(requestFor(context.extra.request), context.connectionParams), options.auth).then(
          () => true,
          () => false,
        ),
    },
    sockets,
  );
  return {
    async close() {
      for (const client of sockets.clients) client.close(GOING_AWAY.code, GOING_AWAY.reason);
      await server.dispose();
      coalescer?.flush();
    },
  };
}
