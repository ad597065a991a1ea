// What every translation function receives: the inventory, its index, the options, and the names
// decided once for the whole plan (namespaces per project, VM names per server).
import type { Inventory } from '../inventory/types.js';
import type { InventoryIndex } from '../inventory/index.js';
import type { PlanConfig } from './model.js';

export interface PlanContext {
  inventory: Inventory;
  index: InventoryIndex;
  config: PlanConfig;
  planId: string;
  /** Namespace of each project id (decided by tenancy.ts). */
  namespaceByProject: Map<string, string>;
  /** Name of the VirtualMachine of each server id (unique within its namespace). */
  vmNameByServer: Map<string, string>;
}
