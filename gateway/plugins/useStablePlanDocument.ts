// Keeps the Rust planner's plan cache working behind generic auth. The planner caches plans per
// document object (a WeakMap), and Yoga's parse cache hands identical queries the same object;
// but @envelop/generic-auth (protect-granular) replaces the document on every request with a
// sanitised copy, so every request was planned again (~1.4 ms each, measured by bench:gateway).
// Our authorization rejects the whole operation when any field is forbidden, so a document that
// reaches execution is unchanged in substance: execute the original object again.
import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';

/** Register after the runtime's own plugins (the `plugins` option is), before nothing else. */
export function useStablePlanDocument(): GatewayPlugin {
  return {
    onExecute({ args, executeFn, setExecuteFn }) {
      const original = args.document;
      setExecuteFn((executionArgs) => executeFn(executionArgs.document === original ? executionArgs : { ...executionArgs, document: original }));
    },
  };
}
