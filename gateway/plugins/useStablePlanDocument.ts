// Keeps the Rust planner's plan cache working behind generic auth. The planner caches plans per
// document object (a WeakMap), and Yoga's parse cache hands identical queries the same object;
// but @envelop/generic-auth (protect-granular) replaces the document on every request with a
// sanitised copy before execution, so every request was planned again (bench:gateway).
// Our authorization rejects the whole operation when any field is forbidden, so a document that
// reaches execution is unchanged in substance: execute the parsed (cached) object instead.
import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import type { DocumentNode } from 'graphql';

export function useStablePlanDocument(): GatewayPlugin {
  const parsed = new WeakMap<object, DocumentNode>();
  return {
    onParse({ context }) {
      return ({ result }) => {
        if (result && typeof result === 'object' && 'kind' in result) parsed.set(context, result as DocumentNode);
      };
    },
    onExecute({ args, executeFn, setExecuteFn }) {
      const original = parsed.get(args.contextValue as object);
      if (!original) return;
      setExecuteFn((executionArgs) => executeFn(executionArgs.document === original ? executionArgs : { ...executionArgs, document: original }));
    },
  };
}
