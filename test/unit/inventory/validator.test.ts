// The precompiled inventory validator (src/inventory/validator.generated.js) must be exactly what
// scripts/generate-inventory-validator.ts makes of the current schema: a schema change without
// `npm run generate:validator` fails here instead of validating with the old schema.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { inventoryValidatorSource } from '../../../scripts/generate-inventory-validator.js';
import { inventorySchema } from '../../../src/inventory/schema.js';
import { validate } from '../../../src/inventory/validator.generated.js';
import { generateInventory } from '../../../scripts/generate-inventory.mjs';

const root = join(import.meta.dirname, '../../..');

describe('precompiled inventory validator', () => {
  it('is the generator output for the current schema (run `npm run generate:validator` after a schema change)', () => {
    const committed = readFileSync(join(root, 'src/inventory/validator.generated.js'), 'utf8');
    expect(committed === inventoryValidatorSource()).toBe(true);
  });

  it('accepts and rejects what a freshly compiled validator of the schema does', () => {
    const fresh = new Ajv({ strict: true, allowUnionTypes: true }).compile(inventorySchema);
    const good = generateInventory({ servers: 20, seed: 3 });
    const cases: unknown[] = [
      good,
      { ...good, servers: [{ ...good.servers[0], flavorID: 'x' }] },
      { ...good, servers: [{ ...good.servers[0], name: 7 }] },
      { ...good, networks: [{ ...good.networks[0], providerSegmentationId: null }] },
      { ...good, ports: [{ ...good.ports[0], macAddress: 'fa:16:3e:00:00' }] },
      { ...good, flavors: [{ ...good.flavors[0], vcpus: 0 }] },
      { ...good, projects: [{ ...good.projects[0], name: '' }] },
      { ...good, schemaVersion: 2 },
    ];
    const verdicts = cases.map((c) => [validate(c), fresh(c)]);
    for (const [precompiled, compiled] of verdicts) expect(precompiled).toBe(compiled);
    expect(verdicts.map(([v]) => v)).toEqual([true, false, false, true, false, false, false, false]);
  });
});
