// Types of generate-inventory.mjs (plain JavaScript so that `node` runs it without a build), for the tests
// that import its generator and its skeleton.
import type { Inventory, InventoryMetadata } from '../src/inventory/types.js';

export interface GenerateInventoryOptions {
  servers?: number;
  securityGroups?: number;
  seed?: number;
}

/** A synthetic, deterministic inventory: the same options give byte-identical output. */
export function generateInventory(options?: GenerateInventoryOptions): Inventory;

/** An inventory with the given metadata and every collection empty: the skeleton the generator and the test builders start from. */
export function emptyInventory(metadata: InventoryMetadata): Inventory;
