// Subscription operations (over graphql-ws and SSE alike) are served by the gateway's own
// subscription module from NATS domain events, not planned into subgraph subscriptions: the
// module replaces the subscribe function, and keeps the runtime's executor to resolve each
// event's entity (docs/GATEWAY.md says why).
import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import type { LiveSubscriptions } from '../subscriptions/live-subscriptions.ts';

export function useSubscriptions(subscriptions: LiveSubscriptions): GatewayPlugin {
  return {
    onSubscribe({ subscribeFn, setSubscribeFn }) {
      const execute = subscribeFn;
      setSubscribeFn((args) => subscriptions.subscribe(args, execute));
    },
  };
}
