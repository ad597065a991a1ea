// Issue 9: the same packets pass after the move. For every ordered pair of NICs that share a cluster network
// (and for outside addresses), OpenStack's verdict (the port's own groups) must equal the cluster's
// (NetworkPolicy + Calico on the pod network, MultiNetworkPolicy on secondary networks), packet by packet.
// The only differences allowed are the ones the plan reports as lost (ICMP / other protocols on a secondary
// network, where MultiNetworkPolicy cannot say them).
import { beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { loadInventoryFile } from '../../../src/inventory/load.js';
import type { Inventory } from '../../../src/inventory/types.js';
import type { PlanConfig } from '../../../src/translate/model.js';
import { compareAllPairs } from '../../support/policy-evaluator.js';
import { CLUSTER, checkCloud, explainedBy, multiPortCloud } from '../../support/network-check.js';
import { validateObjects } from '../../support/schema-validate.js';

const EXAMPLE = join(import.meta.dirname, '../../../examples/cloud.yaml');
describe('example cloud: every server pair, OpenStack verdict = cluster verdict', () => {
  let inv: Inventory;
  let result: ReturnType<typeof checkCloud>;
  beforeAll(async () => {
    inv = await loadInventoryFile(EXAMPLE);
    result = checkCloud(inv);
  }, 120_000);

  it('0 mismatches', () => {
    expect(result.comparison.mismatches.slice(0, 20)).toEqual([]);
    expect(result.comparison.mismatches).toHaveLength(0);
    // Not vacuous: many packets, both verdicts present, secondary networks included.
    expect(result.comparison.packets).toBeGreaterThan(10000);
    expect(result.comparison.allowed).toBeGreaterThan(1000);
    expect(result.comparison.allowed).toBeLessThan(result.comparison.packets);
    expect(result.endpoints.some((e) => e.network !== 'pod')).toBe(true);
  });

  it('MultiNetworkPolicies and NADs validate against ../shared/schemas/multus', { timeout: 60_000 }, () => {
    const multus = result.plan.objects.filter((o) => o.apiVersion.startsWith('k8s.cni.cncf.io/'));
    expect(multus.some((o) => o.kind === 'MultiNetworkPolicy')).toBe(true);
    expect(multus.some((o) => o.kind === 'NetworkAttachmentDefinition')).toBe(true);
    expect(validateObjects(multus)).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------------
// A cloud with the cases of issue 9: multi-port servers with different groups per port, port security off
// on a pod port and on a secondary port, a secondary port without group, VIPs (allowed address pairs),
// overlay and VLAN networks, a network that is the pod network for one server and a NAD for others,
// address rules covering migrated ports, and one lying inside the pod CIDR.

import { contextFor, inventoryWith } from '../../support/inventory-fixtures.js';
import { parseNetworkTarget, resolvePlanConfig } from '../../../src/plan/config.js';
import { multiNetworkPoliciesFor, POLICY_FOR_ANNOTATION } from '../../../src/translate/multi-network-policies.js';
import { networkPoliciesFor } from '../../../src/translate/security-groups.js';
import { resolveCidr } from '../../../src/translate/address-peers.js';
import { templateSecurityLabels } from '../../../src/translate/security-labels.js';
import { vmIn } from '../../support/vm-fixture.js';
import { must } from '../../support/must.js';

describe('multi-port cloud: every pair of NICs decided as OpenStack decides it', { timeout: 60_000 }, () => {
  const inv = multiPortCloud();
  const maps: [string, Partial<PlanConfig>][] = [
    ['default bridge NADs', {}],
    ['macvlan NADs', { nadCniType: 'macvlan' }],
    [
      'OVN-Kubernetes layer2 / localnet',
      { networkMap: { 'net-b': parseNetworkTarget('ovn-layer2'), 'net-v': parseNetworkTarget('ovn-localnet:vlan=100:physnet=physnet1') } },
    ],
  ];
  it.each(maps)('%s: 0 mismatches', (_name, config) => {
    const { plan, comparison } = checkCloud(inv, config);
    expect(comparison.mismatches.slice(0, 10)).toEqual([]);
    expect(comparison.allowed).toBeGreaterThan(100);
    expect(validateObjects(plan.objects.filter((o) => o.kind !== 'VirtualMachine'))).toEqual([]);
  });

  it('is not vacuous: without MultiNetworkPolicies, secondary NICs are open where OpenStack filtered', () => {
    const { plan, comparison } = checkCloud(inv, { multiNetworkPolicy: false });
    expect(plan.objects.filter((o) => o.kind === 'MultiNetworkPolicy')).toEqual([]);
    expect(comparison.mismatches.length).toBeGreaterThan(0);
    expect(comparison.mismatches.every((m) => !m.includes('(pod)'))).toBe(true);
    // ...and the plan says so, per NIC (issue 9 item 2: the flag turns generation off, reported lost).
    expect(plan.findings).toContainEqual(expect.objectContaining({ serverId: 's1', attribute: 'interfaces[1].securityGroups', outcome: 'lost' }));
  });

  it('is not vacuous: an address rule kept as a plain ipBlock mismatches', () => {
    const { plan, endpoints } = checkCloud(inv);
    // Drop the label peers (what the plan wrote before issue 9): the migrated VMs inside the prefix are refused.
    const plain = plan.objects.map((o) =>
      o.kind !== 'NetworkPolicy'
        ? o
        : JSON.parse(
            JSON.stringify(o).replace(
              /\{"namespaceSelector":\{\},"podSelector":\{"matchLabels":\{"prefix\.openstack-migrate\.io\/[^"]*":"member"\}\}\}/g,
              '{"ipBlock":{"cidr":"192.0.2.1/32"}}',
            ),
          ),
    );
    expect(JSON.stringify(plain)).not.toContain('"prefix.openstack-migrate.io/10.0.0.0_8":"member"}}}');
    expect(compareAllPairs(inv, plain, endpoints, { explained: explainedBy(plan, inv) }).mismatches.length).toBeGreaterThan(0);
  });

  it('labels: pod-network groups plain, secondary groups per NAD, nothing for ports without port security', () => {
    const { plan } = checkCloud(inv);
    const labels = (id: string) => must(vmIn(plan.objects, id).spec.template.metadata?.labels, `the template labels of ${id}`);
    expect(
      Object.keys(labels('s1'))
        .filter((k) => k.includes('sg.'))
        .sort(),
    ).toEqual(['net-b.acme-web.sg.openstack-migrate.io/storage-sgsto000', 'sg.openstack-migrate.io/web-sgweb000']);
    expect(Object.keys(labels('s3')).filter((k) => k.includes('sg.'))).toEqual([]);
    expect(
      Object.keys(labels('s6'))
        .filter((k) => k.includes('sg.'))
        .sort(),
    ).toEqual(['net-b.acme-web.sg.openstack-migrate.io/db-sgdb0000', 'sg.openstack-migrate.io/storage-sgsto000', 'sg.openstack-migrate.io/web-sgweb000']);
  });

  it("MultiNetworkPolicy: policy-for the NAD, ipBlock peers of the members' kept addresses, closed NIC without group", () => {
    const ctx = contextFor(inv, CLUSTER);
    const { objects, findings } = multiNetworkPoliciesFor(ctx);
    const storage = objects.find((o) => o.metadata.name === 'sg-storage-sgsto000.net-b')!;
    expect(storage.metadata.annotations![POLICY_FOR_ANNOTATION]).toBe('net-b');
    expect((storage as { spec?: { ingress?: unknown } }).spec?.ingress).toContainEqual({
      ports: [{ protocol: 'TCP', port: 2049 }],
      from: [{ ipBlock: { cidr: '10.0.2.100/32' } }, { ipBlock: { cidr: '10.0.2.5/32' } }, { ipBlock: { cidr: '10.0.2.6/32' } }],
    });
    expect(objects.some((o) => o.metadata.name.startsWith('no-security-group-s3-') && o.metadata.annotations![POLICY_FOR_ANNOTATION] === 'net-b')).toBe(true);
    // VRRP / ICMP cannot be said by a MultiNetworkPolicy: lost, per rule.
    expect(findings).toContainEqual(
      expect.objectContaining({ source: 'securityGroup/sg-sto00001', attribute: 'rule/s3', outcome: 'lost', target: 'MultiNetworkPolicy' }),
    );
    expect(validateObjects(objects)).toEqual([]);
  });

  it('reports per NIC what enforces the MultiNetworkPolicies', () => {
    const outcome = (config: Partial<PlanConfig>) =>
      multiNetworkPoliciesFor(contextFor(inv, { ...CLUSTER, ...config })).findings.find(
        (f) => f.serverId === 's1' && f.attribute === 'interfaces[1].securityGroups',
      )!;
    expect(outcome({})).toMatchObject({ outcome: 'lost', reason: expect.stringContaining('nothing known enforces MultiNetworkPolicy on a bridge NAD') });
    expect(outcome({ multiNetworkPolicyPlugins: ['macvlan', 'bridge'] })).toMatchObject({
      outcome: 'approximate',
      reason: expect.stringContaining('multi-networkpolicy-iptables'),
    });
    expect(outcome({ nadCniType: 'macvlan' })).toMatchObject({ outcome: 'approximate', reason: expect.stringContaining('multi-networkpolicy-iptables') });
    expect(outcome({ networkMap: { 'net-b': parseNetworkTarget('ovn-layer2') } })).toMatchObject({
      outcome: 'approximate',
      reason: expect.stringContaining('OVN-Kubernetes'),
    });
    expect(outcome({ networkMap: { 'net-b': { type: 'multus', networkName: 'theirs' } } })).toMatchObject({
      outcome: 'lost',
      reason: expect.stringContaining('CNI type is unknown'),
    });
  });

  it('address rules: migrated ports inside the prefix by label, pod CIDR excluded, a prefix inside the pod CIDR dropped', () => {
    const ctx = contextFor(inv, CLUSTER);
    // Pod-network ports in 10/8: s1, s2, s3 (port security off: still an address), s4, s5, s6.
    expect(resolveCidr(ctx, '10.0.0.0/8')).toMatchObject({
      labelKey: 'prefix.openstack-migrate.io/10.0.0.0_8',
      members: 6,
      ipBlock: { cidr: '10.0.0.0/8', except: ['10.244.0.0/16', '10.96.0.0/12'] },
    });
    expect(resolveCidr(ctx, '10.0.1.5/32')).toMatchObject({
      labelKey: 'prefix.openstack-migrate.io/10.0.1.5_32',
      members: 1,
      ipBlock: { cidr: '10.0.1.5/32' },
    });
    expect(resolveCidr(ctx, '10.0.2.0/24')).toMatchObject({ members: 1 });
    const labels = templateSecurityLabels(ctx, inv.servers.find((x) => x.id === 's1')!).labels;
    expect(
      Object.keys(labels)
        .filter((k) => k.startsWith('prefix.'))
        .sort(),
    ).toEqual(['prefix.openstack-migrate.io/10.0.0.0_8', 'prefix.openstack-migrate.io/10.0.1.5_32']);
    expect(resolveCidr(ctx, '10.244.1.0/24')).toMatchObject({ swallowedBy: '10.244.0.0/16' });
    expect(resolveCidr(ctx, '10.244.1.0/24').ipBlock).toBeUndefined();
    const { findings } = networkPoliciesFor(ctx);
    expect(findings).toContainEqual(
      expect.objectContaining({
        source: 'securityGroup/sg-web00001',
        attribute: 'rule/w2',
        outcome: 'approximate',
        severity: 'warning',
        reason: expect.stringContaining('excluded'),
      }),
    );
    expect(findings).toContainEqual(
      expect.objectContaining({
        source: 'securityGroup/sg-adm00001',
        attribute: 'rule/a2',
        outcome: 'approximate',
        reason: expect.stringContaining('dropped'),
      }),
    );
    // Without the pod CIDR, the plan cannot exclude it and says so.
    const unknown = networkPoliciesFor(contextFor(inv)).findings.find((f) => f.attribute === 'rule/w2')!;
    expect(unknown.reason).toContain('--pod-cidr');
  });

  it('allowed address pairs: kept on the L2 secondary network, lost on the pod network', () => {
    const vip = inventoryWith({ ...multiPortCloud() });
    vip.ports.find((p) => p.id === 's1-p0')!.allowedAddressPairs = [{ ipAddress: '10.0.1.100' }];
    const { plan } = checkCloud(vip);
    expect(plan.findings).toContainEqual(expect.objectContaining({ serverId: 's1', attribute: 'server.interfaces[0].allowed_address_pairs', outcome: 'lost' }));
    expect(plan.findings).toContainEqual(
      expect.objectContaining({
        serverId: 's1',
        attribute: 'server.interfaces[1].allowed_address_pairs',
        outcome: 'approximate',
        reason: expect.stringContaining('VRRP'),
      }),
    );
    const { plan: off } = checkCloud(vip, { multiNetworkPolicy: false });
    expect(off.findings).toContainEqual(expect.objectContaining({ serverId: 's1', attribute: 'server.interfaces[1].allowed_address_pairs', outcome: 'exact' }));
  });

  it('overlay networks: a plain bridge is approximate, OVN layer2 / localnet / trunked bridge are cluster-wide', () => {
    const reach = (config: Partial<PlanConfig>, server = 's1', nic = 1) =>
      checkCloud(inv, config).plan.findings.find((f) => f.serverId === server && f.attribute === `server.interfaces[${nic}].network`)!;
    expect(reach({})).toMatchObject({ outcome: 'approximate', reason: expect.stringContaining('overlay') });
    expect(reach({ networkMap: { 'net-b': parseNetworkTarget('ovn-layer2') } })).toMatchObject({ outcome: 'exact' });
    expect(reach({ networkMap: { 'net-v': parseNetworkTarget('ovn-localnet:vlan=100') } }, 's4')).toMatchObject({
      outcome: 'exact',
      reason: expect.stringContaining('VLAN 100'),
    });
    expect(reach({ networkMap: { 'net-v': parseNetworkTarget('bridge:br-prov:vlan=100') } }, 's4')).toMatchObject({
      outcome: 'exact',
      reason: expect.stringContaining('trunked'),
    });
    expect(reach({ networkMap: { 'net-v': parseNetworkTarget('ovn-layer2') } }, 's4')).toMatchObject({ outcome: 'approximate' });
    const nads = checkCloud(inv, {
      networkMap: { 'net-b': parseNetworkTarget('ovn-layer2'), 'net-v': parseNetworkTarget('ovn-localnet:vlan=100:physnet=physnet1') },
    }).plan.objects.filter((o) => o.kind === 'NetworkAttachmentDefinition');
    const config = (name: string, ns: string) =>
      JSON.parse((nads.find((o) => o.metadata.name === name && o.metadata.namespace === ns)!.spec as { config: string }).config);
    expect(config('net-b', 'acme-web')).toEqual({
      cniVersion: '0.4.0',
      name: 'net-b',
      type: 'ovn-k8s-cni-overlay',
      topology: 'layer2',
      netAttachDefName: 'acme-web/net-b',
      mtu: 1442,
    });
    expect(config('net-v', 'acme-ops')).toEqual({
      cniVersion: '0.4.0',
      name: 'net-v',
      type: 'ovn-k8s-cni-overlay',
      topology: 'localnet',
      netAttachDefName: 'acme-ops/net-v',
      vlanID: 100,
      physicalNetworkName: 'physnet1',
      mtu: 1500,
    });
    const bridge = checkCloud(inv, { networkMap: { 'net-v': parseNetworkTarget('bridge:br-prov:vlan=100') } }).plan.objects.find(
      (o) => o.kind === 'NetworkAttachmentDefinition' && o.metadata.name === 'net-v',
    )!;
    expect(JSON.parse((bridge as { spec?: { config?: string } }).spec?.config ?? '')).toMatchObject({ type: 'bridge', bridge: 'br-prov', vlan: 100 });
  });

  it('reports a network that is the pod network for some servers and a NAD for others', () => {
    const { plan } = checkCloud(inv);
    expect(plan.findings).toContainEqual(
      expect.objectContaining({
        serverId: 's1',
        attribute: 'server.interfaces[1].network_peers',
        outcome: 'approximate',
        reason: expect.stringContaining('s5'),
      }),
    );
    expect(plan.findings).toContainEqual(expect.objectContaining({ serverId: 's5', attribute: 'server.interfaces[0].network_peers', outcome: 'approximate' }));
    const mapped = checkCloud(inv, { networkMap: { 'net-b': parseNetworkTarget('ovn-layer2') } }).plan;
    expect(mapped.findings.filter((f) => f.attribute.endsWith('network_peers') && f.serverId === 's1')).toEqual([]);
  });

  it('network-map and plan flags parse, and bad values are usage errors', () => {
    expect(parseNetworkTarget('ovn-layer2:mynad')).toEqual({ type: 'multus', networkName: 'mynad', generate: true, cluster: { kind: 'ovn-layer2' } });
    expect(parseNetworkTarget('ovn-localnet')).toEqual({ type: 'multus', networkName: '', generate: true, cluster: { kind: 'ovn-localnet' } });
    expect(parseNetworkTarget('bridge:br0:vlan=7:nad7')).toEqual({
      type: 'multus',
      networkName: 'nad7',
      generate: true,
      cluster: { kind: 'bridge-vlan', bridge: 'br0', vlanId: 7 },
    });
    for (const bad of ['ovn-layer2:vlan=3', 'ovn-localnet:vlan=5000', 'bridge', 'bridge:a-very-long-bridge-name', 'ovn-localnet:colour=red'])
      expect(() => parseNetworkTarget(bad), bad).toThrow(/not a network target/);
    const config = resolvePlanConfig(
      {},
      { multiNetworkPolicy: false, multiNetworkPolicyPlugins: ['macvlan,bridge'], podCidr: ['10.244.0.0/16'], serviceCidr: ['10.96.0.0/12'] },
    );
    expect(config).toMatchObject({
      multiNetworkPolicy: false,
      multiNetworkPolicyPlugins: ['macvlan', 'bridge'],
      podCidrs: ['10.244.0.0/16'],
      serviceCidrs: ['10.96.0.0/12'],
    });
    expect(() => resolvePlanConfig({}, { podCidr: ['nonsense'] })).toThrow(/expected a CIDR/);
  });
});
