// VM names: RFC 1123 labels, unique per namespace, independent of inventory order, and every change
// reported with its cause (sanitized vs taken by a same-named server).
import { describe, expect, it } from 'vitest';
import { assignVmNames } from '../../../src/plan/build.js';
import type { Server } from '../../../src/inventory/types.js';

const server = (id: string, name: string, projectId = 'p1'): Server => ({
  id,
  name,
  projectId,
  status: 'ACTIVE',
  flavorId: 'f',
  blockDevices: [],
  interfaces: [],
  securityGroupIds: [],
  metadata: {},
});
const ns = new Map([
  ['p1', 'acme-prod'],
  ['p2', 'acme-dev'],
]);

describe('assignVmNames', () => {
  it.each([
    ['web-1', 'web-1', undefined],
    ['Web Server #1', 'web-server-1', 'is not a valid Kubernetes name'],
    ['Modèle-Entraînement 01', 'modele-entrainement-01', 'is not a valid Kubernetes name'],
    ['###', /^x-[0-9a-f]{5}$/, 'is not a valid Kubernetes name'],
    ['a'.repeat(80), 'a'.repeat(63), 'is not a valid Kubernetes name'],
  ])('%s → %s', (name, expected, reason) => {
    const { vmNameByServer, findings } = assignVmNames([server('id-1', name)], ns);
    if (typeof expected === 'string') expect(vmNameByServer.get('id-1')).toBe(expected);
    else expect(vmNameByServer.get('id-1')).toMatch(expected);
    if (reason)
      expect(findings[0]).toMatchObject({ attribute: 'server.name', outcome: 'approximate', serverId: 'id-1', reason: expect.stringContaining(reason) });
    else expect(findings).toEqual([]);
  });

  it('gives same-named servers distinct names, the same whatever the inventory order', () => {
    const a = [server('id-b', 'web'), server('id-a', 'web'), server('id-c', 'web', 'p2')];
    const first = assignVmNames(a, ns).vmNameByServer;
    const second = assignVmNames([...a].reverse(), ns).vmNameByServer;
    expect([...first.entries()].sort()).toEqual([...second.entries()].sort());
    expect(first.get('id-a')).toBe('web');
    expect(first.get('id-b')).toMatch(/^web-[0-9a-f]{5}$/);
    expect(first.get('id-c')).toBe('web'); // another namespace
    const { findings } = assignVmNames(a, ns);
    expect(findings).toHaveLength(1);
    expect(findings[0]?.reason).toContain('is taken in namespace acme-prod');
  });
});
