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
  /**
   * The objects of a server are read once, right after they are made, and never changed (the plan
   * directory writer, plan/stream.ts): VMs of the same flavor and image may then share their (frozen)
   * hardware objects instead of each getting a copy (translate/vm.ts hardwareFor).
   */
  shareHardware?: boolean;
}
