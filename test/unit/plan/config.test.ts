// Plan options: defaults, then the config file, then flags; bad values are refused with the flag named.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPlanConfigFile, parseNetworkTarget, resolvePlanConfig } from '../../../src/plan/config.js';

function file(content: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'cfg-')), 'plan.yaml');
  writeFileSync(path, content);
  return path;
}

describe('plan config', () => {
  it('defaults map Keystone roles to admin/edit/view and name namespaces <domain>-<project>', () => {
    const c = resolvePlanConfig({}, {});
    expect(c.roleMapping).toMatchObject({ admin: 'admin', member: 'edit', reader: 'view' });
    expect(c.namespaceTemplate).toBe('{domain}-{project}');
    expect(c.loadBalancer.mode).toBe('metallb');
  });

  it('file values override defaults and flags override the file', async () => {
    const path = file(`apiVersion: openstack-migrate.io/v1alpha1
kind: PlanConfig
storageClassName: ceph-rbd
roleMapping: { member: view }
networkMap:
  prod-net: { type: multus, networkName: prod-vlan, generate: true }
loadBalancer: { mode: spec }
`);
    const fromFile = await loadPlanConfigFile(path);
    const c = resolvePlanConfig(fromFile, {
      storageClass: 'fast',
      roleMapping: ['auditor=view'],
      networkMap: ['web-net=pod'],
      nodeSelector: ['hw:cpu_policy=dedicated,cpumanager=true'],
    });
    expect(c.storageClassName).toBe('fast');
    expect(c.roleMapping).toEqual({ member: 'view', auditor: 'view' });
    expect(c.networkMap).toEqual({ 'prod-net': { type: 'multus', networkName: 'prod-vlan', generate: true }, 'web-net': { type: 'pod' } });
    expect(c.loadBalancer).toEqual({ mode: 'spec', externalTrafficPolicy: 'Local' });
    expect(c.nodeSelectorMapping).toEqual({ 'hw:cpu_policy=dedicated': { cpumanager: 'true' } });
  });

  it.each([
    ['unknown field', 'apiVersion: openstack-migrate.io/v1alpha1\nkind: PlanConfig\nstorageClass: x\n', 'storageClass'],
    ['wrong kind', 'apiVersion: openstack-migrate.io/v1alpha1\nkind: Plan\n', 'kind'],
    ['bad load balancer mode', 'apiVersion: openstack-migrate.io/v1alpha1\nkind: PlanConfig\nloadBalancer: { mode: ha }\n', 'loadBalancer.mode'],
  ])('refuses a config file with %s', async (_n, content, fragment) => {
    await expect(loadPlanConfigFile(file(content))).rejects.toThrow(fragment);
  });

  it.each([
    [{ roleMapping: ['member'] }, '--role-mapping member: expected KEY=VALUE'],
    [{ networkMap: ['net=vlan'] }, 'is not a network target'],
    [{ nodeSelector: ['hw:cpu_policy'] }, '--node-selector hw:cpu_policy: expected'],
    [{ namespaceTemplate: '{domain}' }, 'must contain {project} or {projectId}'],
  ])('refuses flags %j', (flags, message) => {
    expect(() => resolvePlanConfig({}, flags as never)).toThrow(message);
  });

  it('parses network targets', () => {
    expect(parseNetworkTarget('pod')).toEqual({ type: 'pod' });
    expect(parseNetworkTarget('multus:default/vlan100')).toEqual({ type: 'multus', networkName: 'default/vlan100', generate: false });
    expect(parseNetworkTarget('multus:vlan100:generate')).toEqual({ type: 'multus', networkName: 'vlan100', generate: true });
  });
});
