// The directory layout must be applicable by `kubectl apply -R -f` in dependency order, and replacing a
// previous plan directory must be all-or-nothing.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, existsSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { orderObjects } from '../../../src/plan/order.js';
import { planFiles, writePlanDirectory } from '../../../src/plan/write.js';
import type { KubeObject } from '../../../src/translate/model.js';

const obj = (apiVersion: string, kind: string, name: string, namespace?: string): KubeObject => ({ apiVersion, kind, metadata: { name, ...(namespace ? { namespace } : {}) } });

const objects = orderObjects([
  obj('kubevirt.io/v1', 'VirtualMachine', 'web-1', 'acme-prod'),
  obj('cdi.kubevirt.io/v1beta1', 'DataVolume', 'web-1-root', 'acme-prod'),
  obj('projectcalico.org/v3', 'NetworkPolicy', 'sg-web-icmp', 'acme-prod'),
  obj('networking.k8s.io/v1', 'NetworkPolicy', 'sg-web', 'acme-prod'),
  obj('v1', 'Service', 'web-1-fip', 'acme-prod'),
  obj('rbac.authorization.k8s.io/v1', 'RoleBinding', 'keystone-edit-alice', 'acme-prod'),
  obj('v1', 'Namespace', 'acme-prod'),
  obj('v1', 'Namespace', '0-early'),
  obj('v1', 'Secret', 'web-1-cloudinit', 'acme-prod'),
]);

describe('plan directory', () => {
  it('orders kinds by dependency', () => {
    expect(objects.map((o) => o.kind)).toEqual(['Namespace', 'Namespace', 'Secret', 'RoleBinding', 'NetworkPolicy', 'NetworkPolicy', 'Service', 'DataVolume', 'VirtualMachine']);
    expect(objects[5]?.apiVersion).toBe('projectcalico.org/v3');
  });

  it('lays out files so that a lexical walk (kubectl apply -R) meets namespaces first', () => {
    const paths = [...planFiles(objects).keys()];
    expect(paths).toEqual([
      'cluster/00-namespaces.yaml',
      'namespaces/acme-prod/20-secrets.yaml',
      'namespaces/acme-prod/30-role-bindings.yaml',
      'namespaces/acme-prod/40-network-policies.yaml',
      'namespaces/acme-prod/45-calico-network-policies.yaml',
      'namespaces/acme-prod/60-services.yaml',
      'namespaces/acme-prod/70-data-volumes.yaml',
      'namespaces/acme-prod/80-virtual-machines.yaml',
    ]);
    // What kubectl's filepath.Walk does: lexical order of the full paths.
    expect([...paths].sort()).toEqual(paths);
  });

  it('replaces a previous directory atomically and leaves no staging directory', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'plan-'));
    const out = join(parent, 'plan');
    mkdirSync(out);
    writeFileSync(join(out, 'stale.yaml'), 'old');
    await writePlanDirectory(out, planFiles(objects));
    expect(existsSync(join(out, 'stale.yaml'))).toBe(false);
    expect(readFileSync(join(out, 'cluster/00-namespaces.yaml'), 'utf8')).toContain('name: acme-prod');
    expect(readdirSync(parent)).toEqual(['plan']);
  });
});
