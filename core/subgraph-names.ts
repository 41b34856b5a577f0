// The six domain subgraphs, in port order: assets on SUBGRAPH_BASE_PORT … integration on +5.
// A module of its own so the gateway can know them without loading the subgraphs (and Prisma).
export const subgraphNames = ['assets', 'orders', 'inventory', 'quality', 'maintenance', 'integration'] as const;
export type SubgraphName = (typeof subgraphNames)[number];

/** Base port 0 means "any free port" (tests, benchmarks). */
export function subgraphPort(name: SubgraphName, basePort: number): number {
  return basePort === 0 ? 0 : basePort + subgraphNames.indexOf(name);
}
