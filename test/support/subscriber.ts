// A real graphql-ws client for tests: subscribe through the gateway's WebSocket and collect what
// arrives, how the connection closed, and how often it (re)connected.
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

export interface SubscriptionResult {
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
  extensions?: { event?: { id: string; type: string; sequence: number; occurredAt: string; data: Record<string, unknown> } };
}

export interface TestSubscription {
  results: SubscriptionResult[];
  /** Set when the server completed the operation. */
  completed: boolean;
  /** An `error` message from the server (validation) or a socket error. */
  error: unknown;
  /** Wait until `count` results arrived (or fail after `timeoutMs`). */
  waitForResults(count: number, timeoutMs?: number): Promise<SubscriptionResult[]>;
  unsubscribe(): void;
}

export interface TestSubscriber {
  client: Client;
  /** How many times the socket was opened (1 = never reconnected). */
  connections: number;
  /** The close events seen (code, reason). */
  closes: { code: number; reason: string }[];
  subscribe(query: string, variables?: Record<string, unknown>): TestSubscription;
  /** Stop reading from the socket (a slow client), and start again. */
  pause(): void;
  resume(): void;
  /** Resolves once the server acknowledged the connection. */
  connected(): Promise<void>;
  dispose(): Promise<void>;
}

export function createTestSubscriber(url: string, token: string, options: { retryAttempts?: number } = {}): TestSubscriber {
  let acknowledged: () => void;
  let socket: WebSocket | undefined;
  // ws keeps its net.Socket here; pausing it stops reading, so the server's writes back up.
  const tcp = () => (socket as unknown as { _socket: { pause(): void; resume(): void } } | undefined)?._socket;
  const ack = new Promise<void>((resolve) => (acknowledged = resolve));
  const subscriber: TestSubscriber = {
    connections: 0,
    closes: [],
    client: createClient({
      url,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${token}` },
      lazy: false,
      retryAttempts: options.retryAttempts ?? 0,
      on: {
        connected: (connected) => {
          socket = connected as WebSocket;
          subscriber.connections += 1;
          acknowledged();
        },
        closed: (event) => {
          const { code, reason } = event as { code: number; reason: string };
          subscriber.closes.push({ code, reason: String(reason) });
        },
      },
    }),
    connected: () => ack,
    pause: () => tcp()?.pause(),
    resume: () => tcp()?.resume(),
    subscribe(query, variables = {}) {
      const waiters: (() => void)[] = [];
      const notify = () => waiters.splice(0).forEach((wake) => wake());
      const subscription: TestSubscription = {
        results: [],
        completed: false,
        error: undefined,
        async waitForResults(count, timeoutMs = 15_000) {
          const deadline = Date.now() + timeoutMs;
          while (subscription.results.length < count) {
            if (subscription.error || subscription.completed) break;
            const left = deadline - Date.now();
            if (left <= 0) break;
            await new Promise<void>((resolve) => {
              const timer = setTimeout(resolve, left);
              waiters.push(() => {
                clearTimeout(timer);
                resolve();
              });
            });
          }
          if (subscription.results.length < count) {
            throw new Error(`got ${subscription.results.length} of ${count} results (completed: ${subscription.completed}, error: ${JSON.stringify(subscription.error)}): ${JSON.stringify(subscription.results).slice(0, 500)}`);
          }
          return subscription.results;
        },
        unsubscribe: () => undefined,
      };
      subscription.unsubscribe = subscriber.client.subscribe(
        { query, variables },
        {
          next: (value) => {
            subscription.results.push(value as SubscriptionResult);
            notify();
          },
          error: (error) => {
            subscription.error = error instanceof Error ? error.message : error;
            notify();
          },
          complete: () => {
            subscription.completed = true;
            notify();
          },
        },
      );
      return subscription;
    },
    async dispose() {
      await subscriber.client.dispose();
    },
  };
  return subscriber;
}
