// All six subgraphs, in port order (assets on SUBGRAPH_BASE_PORT … integration on +5).
import type { SubgraphDefinition } from '../core/graphql/subgraph.ts';
import { assetsSubgraph } from './assets/index.ts';
import { ordersSubgraph } from './orders/index.ts';
import { inventorySubgraph } from './inventory/index.ts';
import { qualitySubgraph } from './quality/index.ts';
import { maintenanceSubgraph } from './maintenance/index.ts';
import { integrationSubgraph } from './integration/index.ts';

export const allSubgraphs: SubgraphDefinition[] = [assetsSubgraph, ordersSubgraph, inventorySubgraph, qualitySubgraph, maintenanceSubgraph, integrationSubgraph];
