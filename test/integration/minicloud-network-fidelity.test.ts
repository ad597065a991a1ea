// Issue 9 on the live minicloud (real OpenStack Zed, read-only): collect the inventory with the tool's own
// `inventory` command, plan it, and compare OpenStack's verdict (each port's own groups) with the cluster's
// (NetworkPolicy + Calico on the pod network, MultiNetworkPolicy on secondary networks) for every pair of
// NICs that share a cluster network and for outside addresses: 0 mismatches. Skipped without OSM_MINICLOUD.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadInventoryFile } from '../../src/inventory/load.js';
import type { Inventory } from '../../src/inventory/types.js';
import { runCli } from '../support/cli-run.js';
import { checkCloud } from '../support/network-check.js';
import { validateObjects } from '../support/schema-validate.js';
import { at } from '../support/must.js';

const enabled = Boolean(process.env.OSM_MINICLOUD);

describe.skipIf(!enabled)('minicloud: per-port network fidelity of the plan', () => {
  const dir = mkdtempSync(join(tmpdir(), 'osm-netfid-'));
  let inv: Inventory;

  beforeAll(async () => {
    process.env.OS_CLIENT_CONFIG_FILE ??= '/tmp/minicloud/clouds.yaml';
    const file = join(dir, 'inventory.yaml');
    const run = await runCli(['inventory', '--os-cloud', 'minicloud', '--output-file', file]);
    expect(run.code, run.err).toBe(0);
    inv = await loadInventoryFile(file);
  }, 300_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('every server pair: OpenStack verdict = cluster verdict', () => {
    const { plan, comparison } = checkCloud(inv);
    expect(comparison.mismatches.slice(0, 20)).toEqual([]);
    expect(comparison.allowed).toBeGreaterThan(0);
    expect(comparison.allowed).toBeLessThan(comparison.packets);
    expect(validateObjects(plan.objects.filter((o) => o.apiVersion.startsWith('k8s.cni.cncf.io/') || o.kind === 'NetworkPolicy'))).toEqual([]);
  });

  it('multi-port servers get per-network labels and MultiNetworkPolicies for their secondary ports', () => {
    const { plan } = checkCloud(inv);
    const multiPort = inv.servers.filter((s) => s.interfaces.length > 1);
    expect(multiPort.length).toBeGreaterThan(0);
    const secondaryGroups = multiPort.some((s) => inv.ports.some((p) => p.id === at(s.interfaces, 1, 'interface').portId && p.securityGroupIds.length > 0));
    if (secondaryGroups) expect(plan.objects.some((o) => o.kind === 'MultiNetworkPolicy')).toBe(true);
  });
});
