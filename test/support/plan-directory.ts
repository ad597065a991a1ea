// A plan directory written by some path (the CLI, the single binary, the Windows build, a worker thread):
// every file holds exactly what the whole-plan path (buildPlan + planFileEntries) gives for the inventory.
import { expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadInventoryFile } from '../../src/inventory/load.js';
import { buildPlan } from '../../src/plan/build.js';
import { planFileEntries } from '../../src/plan/write.js';

export async function expectPlanDirectory(dir: string, inventoryFile: string): Promise<void> {
  const inventory = await loadInventoryFile(inventoryFile);
  for (const [path, content] of planFileEntries(buildPlan(inventory).objects)) expect(readFileSync(join(dir, path), 'utf8'), path).toBe(content);
}
