// The bundled example cloud, planned end to end: every object valid against the upstream schemas,
// byte-identical output on every run, every server accounted for, and the CLI's exit codes and
// all-or-nothing output directory.
import { describe, expect, it, beforeAll } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { loadInventoryFile } from '../../../src/inventory/load.js';
import type { Inventory } from '../../../src/inventory/types.js';
import type { VirtualMachine } from '../../../src/kube-types/index.js';
import { buildPlan, type Plan } from '../../../src/plan/build.js';
import { toYamlDocuments } from '../../../src/plan/write.js';
import { buildReport } from '../../../src/report/summary.js';
import { LABELS, securityGroupLabelKey } from '../../../src/translate/naming.js';
import { runCli } from '../../support/cli-run.js';
import { validateObjects } from '../../support/schema-validate.js';
import { at, must } from '../../support/must.js';

const EXAMPLE = join(import.meta.dirname, '../../../examples/cloud.yaml');
let inventory: Inventory;
let plan: Plan;

beforeAll(async () => {
  inventory = await loadInventoryFile(EXAMPLE);
  plan = buildPlan(inventory);
});

async function cliCode(args: string[]): Promise<number> {
  return (await runCli(args)).code;
}

describe('plan of the example cloud', () => {
  it('validates every object against the upstream schemas with zero errors', () => {
    expect(plan.objects.length).toBeGreaterThan(50);
    expect(validateObjects(plan.objects)).toEqual([]);
  });

  it('is deterministic: same inventory, byte-identical manifests and findings', async () => {
    const again = buildPlan(await loadInventoryFile(EXAMPLE));
    expect(toYamlDocuments(again.objects)).toBe(toYamlDocuments(plan.objects));
    expect(JSON.stringify(again.findings)).toBe(JSON.stringify(plan.findings));
  });

  it('gives every server one VirtualMachine in its project namespace, labelled for the security groups of its pod-network port', () => {
    const vms = plan.objects.filter((o): o is VirtualMachine => o.kind === 'VirtualMachine');
    expect(vms).toHaveLength(inventory.servers.length);
    for (const server of inventory.servers) {
      const vm = vms.find((v) => v.metadata.labels?.[LABELS.serverId] === server.id);
      expect(vm, server.name).toBeDefined();
      const templateLabels = must(vm?.spec.template.metadata?.labels, `the template labels of ${server.name}`);
      // Every NIC of the example lands on the pod network when it is the first one (no network map).
      const podPort = inventory.ports.find((p) => p.id === server.interfaces[0]?.portId);
      for (const group of inventory.securityGroups) {
        const onPodPort = !!podPort?.securityGroupIds.includes(group.id);
        expect(templateLabels[securityGroupLabelKey(group)] !== undefined, `${server.name} / ${group.name}`).toBe(onPodPort);
      }
      expect(templateLabels[LABELS.serverId]).toBe(server.id);
    }
  });

  it('resolves the Web_Prod / web-prod namespace collision and reports it', () => {
    const namespaces = plan.objects.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name);
    expect(new Set(namespaces).size).toBe(namespaces.length);
    const colliding = namespaces.filter((n) => n.startsWith('acme-web-prod'));
    expect(colliding).toHaveLength(2);
    expect(plan.findings.some((f) => f.source.startsWith('project/') && /collid|taken|already/i.test(f.reason))).toBe(true);
  });

  it('reports every server with counts, and flags blockers (ERROR status, multi-attach, PCI passthrough)', () => {
    const report = buildReport(plan);
    expect(report.servers).toHaveLength(inventory.servers.length);
    const errored = inventory.servers.find((s) => s.status === 'ERROR')!;
    expect(report.servers.find((s) => s.id === errored.id)!.severity).toBe('blocker');
    expect(plan.findings.some((f) => f.severity === 'blocker' && /multi-?attach/i.test(f.attribute + f.reason))).toBe(true);
    expect(plan.findings.some((f) => f.severity === 'blocker' && /pci/i.test(f.attribute + f.reason))).toBe(true);
    const total = report.summary.exact + report.summary.approximate + report.summary.lost;
    expect(total).toBe(plan.findings.length);
  });

  it('stamps every object with the plan id and the manager label', () => {
    for (const o of plan.objects) {
      expect(o.metadata.labels?.[LABELS.planId], `${o.kind} ${o.metadata.name}`).toBe(plan.planId);
      expect(o.metadata.labels?.[LABELS.managedBy]).toBe('kubectl-openstack-migrate');
    }
  });
});

describe('plan command', () => {
  it('writes a directory and exits 0; --strict exits 1 because the example loses attributes', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'plan-')), 'plan');
    expect(await cliCode(['plan', '-i', EXAMPLE, '--out', out])).toBe(0);
    expect(readFileSync(join(out, 'cluster/00-namespaces.yaml'), 'utf8')).toContain('kind: Namespace');
    expect(readFileSync(join(out, 'report.txt'), 'utf8')).toMatch(/18 servers/);
    expect(await cliCode(['plan', '-i', EXAMPLE, '--out', out, '--strict'])).toBe(1);
  });

  it('exits 1 and leaves no directory for an inventory with a dangling reference', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'plan-'));
    const broken = yaml.load(readFileSync(EXAMPLE, 'utf8')) as Inventory;
    at(broken.servers, 0, 'server').flavorId = 'no-such-flavor';
    writeFileSync(join(dir, 'broken.yaml'), yaml.dump(broken));
    expect(await cliCode(['plan', '-i', join(dir, 'broken.yaml'), '--out', join(dir, 'plan')])).toBe(1);
    expect(existsSync(join(dir, 'plan'))).toBe(false);
  });

  it('exits 1 and leaves no directory for a value KubeVirt rejects (unknown disk bus)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'plan-'));
    const broken = yaml.load(readFileSync(EXAMPLE, 'utf8')) as Inventory;
    const server = must(
      broken.servers.find((s) => s.imageId),
      'a server booted from an image',
    );
    must(
      broken.images.find((i) => i.id === server.imageId),
      `image ${server.imageId}`,
    ).properties.hw_disk_bus = 'floppy';
    writeFileSync(join(dir, 'broken.yaml'), yaml.dump(broken));
    expect(await cliCode(['plan', '-i', join(dir, 'broken.yaml'), '--out', join(dir, 'plan')])).toBe(1);
    expect(existsSync(join(dir, 'plan'))).toBe(false);
  });

  it('exits 2 on a usage error', async () => {
    expect(await cliCode(['plan'])).toBe(2);
    expect(await cliCode(['plan', '-i', EXAMPLE, '--no-such-flag'])).toBe(2);
    expect(await cliCode(['plan', '-i', EXAMPLE, '--out', '/tmp/x', '-o', 'yaml'])).toBe(2);
  });
});
