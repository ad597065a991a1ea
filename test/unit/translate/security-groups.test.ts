import { describe, expect, it } from 'vitest';
import { networkPoliciesFor, normalizeCidr, podNetworkInterfaceIndex, rulePeer, rulePortRange, ruleProtocol } from '../../../src/translate/security-groups.js';
import { calicoPoliciesFor } from '../../../src/translate/calico-policies.js';
import { multiNetworkPoliciesFor } from '../../../src/translate/multi-network-policies.js';
import { nicSecurityOf, secondaryGroupLabelKey, securityLabelsWithFindings, templateSecurityLabels } from '../../../src/translate/security-labels.js';
import { ServerFindings } from '../../../src/translate/server-facts.js';
import { LABELS, SECURITY_GROUP_LABEL_VALUE, securityGroupLabelKey, shortHash, toLabelValue } from '../../../src/translate/naming.js';
import type { Inventory, SecurityGroup, SecurityGroupRule, Server } from '../../../src/inventory/types.js';
import { contextFor, inventoryWith, portsOf, project, rule, securityGroup, server } from '../../support/inventory-fixtures.js';
import { validateObjects } from '../../support/schema-validate.js';
import { clusterAllows, neutronAllows, type Packet, type Pod } from '../../support/policy-evaluator.js';
import type { KubeObject } from '../../../src/translate/model.js';
import { at, must } from '../../support/must.js';

const NS = 'default-p1';

function single(rules: SecurityGroupRule[], extra: Partial<SecurityGroup> = {}): { inv: Inventory; group: SecurityGroup } {
  const group = securityGroup('sg-1111aaaa', 'web', 'p1', rules, extra);
  const vm = server('vm1', 'p1', [group.id]);
  // An address outside every prefix of the rows: resolving prefixes to migrated VMs has its own tests.
  at(vm.interfaces, 0, 'interface').fixedIps = [{ ipAddress: '198.18.0.10' }];
  const inv = inventoryWith({
    domains: [{ id: 'd1', name: 'default' }],
    projects: [project('p1', 'p1', 'd1')],
    securityGroups: [group],
    servers: [vm],
    ports: portsOf(vm),
  });
  return { inv, group };
}

const webKey = securityGroupLabelKey({ id: 'sg-1111aaaa', name: 'web' });

describe('rule analysis', () => {
  const protocols: { protocol: string | null; ethertype: 'IPv4' | 'IPv6'; expected: unknown }[] = [
    { protocol: null, ethertype: 'IPv4', expected: { kind: 'any' } },
    { protocol: 'any', ethertype: 'IPv4', expected: { kind: 'any' } },
    { protocol: '0', ethertype: 'IPv4', expected: { kind: 'any' } },
    { protocol: 'tcp', ethertype: 'IPv4', expected: { kind: 'l4', name: 'TCP' } },
    { protocol: '6', ethertype: 'IPv6', expected: { kind: 'l4', name: 'TCP' } },
    { protocol: 'UDP', ethertype: 'IPv4', expected: { kind: 'l4', name: 'UDP' } },
    { protocol: 'sctp', ethertype: 'IPv4', expected: { kind: 'l4', name: 'SCTP' } },
    { protocol: 'icmp', ethertype: 'IPv4', expected: { kind: 'icmp', ipVersion: 4 } },
    { protocol: 'icmp', ethertype: 'IPv6', expected: { kind: 'icmp', ipVersion: 6 } },
    { protocol: 'ipv6-icmp', ethertype: 'IPv6', expected: { kind: 'icmp', ipVersion: 6 } },
    { protocol: '58', ethertype: 'IPv6', expected: { kind: 'icmp', ipVersion: 6 } },
    { protocol: 'vrrp', ethertype: 'IPv4', expected: { kind: 'other', number: 112, label: 'vrrp' } },
    { protocol: '112', ethertype: 'IPv4', expected: { kind: 'other', number: 112, label: '112' } },
    { protocol: 'udplite', ethertype: 'IPv4', expected: { kind: 'other', number: 136, label: 'udplite' } },
  ];
  it.each(protocols)('protocol $protocol ($ethertype)', ({ protocol, ethertype, expected }) => {
    expect(ruleProtocol(rule({ protocol, ethertype }))).toEqual(expected);
  });
  it.each([{ protocol: 'bogus' }, { protocol: '300' }, { protocol: 'ipv6-icmp', ethertype: 'IPv4' as const }])('invalid protocol $protocol', (fields) => {
    expect(ruleProtocol(rule(fields)).kind).toBe('invalid');
  });

  const cidrs: [string, 'IPv4' | 'IPv6', string | null][] = [
    ['10.0.0.0/8', 'IPv4', '10.0.0.0/8'],
    ['10.1.2.3/8', 'IPv4', '10.0.0.0/8'],
    ['192.168.1.7', 'IPv4', '192.168.1.7/32'],
    ['0.0.0.0/0', 'IPv4', '0.0.0.0/0'],
    ['2001:DB8::1/32', 'IPv6', '2001:db8::/32'],
    ['2001:db8:0:0:1:0:0:1/128', 'IPv6', '2001:db8::1:0:0:1/128'],
    ['::/0', 'IPv6', '::/0'],
    ['::ffff:10.0.0.1/128', 'IPv6', '::ffff:a00:1/128'],
    ['fe80::1%eth0/64', 'IPv6', null],
    ['10.0.0.0/33', 'IPv4', null],
    ['10.0.0.0/8', 'IPv6', null],
    ['2001:db8::/32', 'IPv4', null],
    ['300.1.1.1/32', 'IPv4', null],
  ];
  it.each(cidrs)('normalizeCidr(%s, %s) = %s', (prefix, ethertype, expected) => {
    const r = normalizeCidr(prefix, ethertype);
    if (expected === null) expect(r).toHaveProperty('error');
    else expect(r).toMatchObject({ cidr: expected });
  });

  // rulePeer normalizes each (prefix, family) once per process: a text seen before under the other family,
  // or in another rule, must get its own answer, never a cached one of another key.
  it("rulePeer: every rule of a prefix gets its own family's normalization, however often the text was seen", () => {
    const expectPeer = (prefix: string, ethertype: 'IPv4' | 'IPv6', expected: string | null) => {
      const peer = rulePeer(rule({ remoteIpPrefix: prefix, ethertype }));
      if (expected === null) expect(peer.kind, `${prefix} as ${ethertype}`).toBe('invalid');
      else if (expected.endsWith('/0')) expect(peer).toEqual({ kind: 'anyone', ipVersion: ethertype === 'IPv6' ? 6 : 4 });
      else expect(peer).toEqual({ kind: 'cidr', cidr: expected, ipVersion: ethertype === 'IPv6' ? 6 : 4 });
    };
    for (const [prefix, ethertype, expected] of [...cidrs, ...cidrs]) expectPeer(prefix, ethertype, expected);
    for (const [prefix, ethertype, expected] of cidrs) if (expected !== null) expectPeer(prefix, ethertype === 'IPv4' ? 'IPv6' : 'IPv4', null);
  });

  const ranges: [number | null, number | null, unknown][] = [
    [null, null, undefined],
    [80, 80, { min: 80, max: 80 }],
    [80, null, { min: 80, max: 80 }],
    [8000, 8080, { min: 8000, max: 8080 }],
    [1, 65535, undefined],
    [0, 65535, undefined],
    [0, 1024, { min: 1, max: 1024 }],
  ];
  it.each(ranges)('port range %s-%s', (min, max, expected) => {
    expect(rulePortRange(rule({ protocol: 'tcp', portRangeMin: min, portRangeMax: max }))).toEqual(expected);
  });
});

describe('networkPoliciesFor: one row per rule shape', () => {
  const rows: { name: string; rules: Partial<SecurityGroupRule>[]; ingress?: unknown[]; egress?: unknown[] }[] = [
    { name: 'no rules: deny both directions', rules: [], ingress: [], egress: [] },
    {
      name: 'tcp port',
      rules: [{ protocol: 'tcp', portRangeMin: 22, portRangeMax: 22 }],
      ingress: [{ ports: [{ protocol: 'TCP', port: 22 }], from: [{ ipBlock: { cidr: '0.0.0.0/0' } }] }],
    },
    {
      name: 'tcp range → endPort',
      rules: [{ protocol: 'tcp', portRangeMin: 8000, portRangeMax: 8080 }],
      ingress: [{ ports: [{ protocol: 'TCP', port: 8000, endPort: 8080 }], from: [{ ipBlock: { cidr: '0.0.0.0/0' } }] }],
    },
    { name: 'tcp all ports', rules: [{ protocol: 'tcp' }], ingress: [{ ports: [{ protocol: 'TCP' }], from: [{ ipBlock: { cidr: '0.0.0.0/0' } }] }] },
    {
      name: 'udp from prefix',
      rules: [{ protocol: 'udp', portRangeMin: 53, portRangeMax: 53, remoteIpPrefix: '192.168.1.0/24' }],
      ingress: [{ ports: [{ protocol: 'UDP', port: 53 }], from: [{ ipBlock: { cidr: '192.168.1.0/24' } }] }],
    },
    {
      name: 'sctp by number',
      rules: [{ protocol: '132', portRangeMin: 3868, portRangeMax: 3868 }],
      ingress: [{ ports: [{ protocol: 'SCTP', port: 3868 }], from: [{ ipBlock: { cidr: '0.0.0.0/0' } }] }],
    },
    {
      name: 'prefix with host bits is normalized',
      rules: [{ protocol: 'tcp', portRangeMin: 22, portRangeMax: 22, remoteIpPrefix: '10.1.2.3/8' }],
      ingress: [{ ports: [{ protocol: 'TCP', port: 22 }], from: [{ ipBlock: { cidr: '10.0.0.0/8' } }] }],
    },
    {
      name: 'IPv6 tcp',
      rules: [{ protocol: 'tcp', portRangeMin: 443, portRangeMax: 443, ethertype: 'IPv6' }],
      ingress: [{ ports: [{ protocol: 'TCP', port: 443 }], from: [{ ipBlock: { cidr: '::/0' } }] }],
    },
    {
      name: 'IPv4 + IPv6 on the same port merge into everyone',
      rules: [
        { protocol: 'tcp', portRangeMin: 443, portRangeMax: 443 },
        { protocol: 'tcp', portRangeMin: 443, portRangeMax: 443, ethertype: 'IPv6' },
      ],
      ingress: [{ ports: [{ protocol: 'TCP', port: 443 }] }],
    },
    { name: 'any protocol from prefix → no ports', rules: [{ remoteIpPrefix: '10.0.0.0/8' }], ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/8' } }] }] },
    {
      name: 'two prefixes on the same port share a rule',
      rules: [
        { protocol: 'tcp', portRangeMin: 22, portRangeMax: 22, remoteIpPrefix: '10.0.0.0/8' },
        { protocol: 'tcp', portRangeMin: 22, portRangeMax: 22, remoteIpPrefix: '172.16.0.0/12' },
      ],
      ingress: [{ ports: [{ protocol: 'TCP', port: 22 }], from: [{ ipBlock: { cidr: '10.0.0.0/8' } }, { ipBlock: { cidr: '172.16.0.0/12' } }] }],
    },
    {
      name: 'remote group (own) → podSelector',
      rules: [{ protocol: 'tcp', portRangeMin: 5432, portRangeMax: 5432, remoteGroupId: 'sg-1111aaaa' }],
      ingress: [{ ports: [{ protocol: 'TCP', port: 5432 }], from: [{ podSelector: { matchLabels: { [webKey]: 'member' } } }] }],
    },
    {
      name: 'Neutron default egress (IPv4 + IPv6 any) → allow all egress',
      rules: [{ direction: 'egress' }, { direction: 'egress', ethertype: 'IPv6' }],
      ingress: [],
      egress: [{}],
    },
    {
      name: 'egress tcp to prefix',
      rules: [{ direction: 'egress', protocol: 'tcp', portRangeMin: 443, portRangeMax: 443, remoteIpPrefix: '203.0.113.0/24' }],
      ingress: [],
      egress: [{ ports: [{ protocol: 'TCP', port: 443 }], to: [{ ipBlock: { cidr: '203.0.113.0/24' } }] }],
    },
    { name: 'icmp only → NetworkPolicy isolates, Calico allows', rules: [{ protocol: 'icmp' }], ingress: [], egress: [] },
    { name: 'address group → not carried', rules: [{ protocol: 'tcp', portRangeMin: 22, portRangeMax: 22, remoteAddressGroupId: 'ag-1' }], ingress: [] },
    { name: 'bad prefix family → not carried', rules: [{ protocol: 'tcp', portRangeMin: 22, portRangeMax: 22, remoteIpPrefix: '2001:db8::/32' }], ingress: [] },
  ];
  it.each(rows)('$name', ({ rules, ingress, egress }) => {
    const { inv } = single(rules.map((r) => rule(r)));
    const result = networkPoliciesFor(contextFor(inv));
    const np = result.objects.find((o) => o.metadata.name === 'sg-web-sg1111aa')!;
    expect(np.metadata.namespace).toBe(NS);
    const spec = (np as KubeObject).spec as Record<string, unknown>;
    expect(spec.podSelector).toEqual({ matchLabels: { [webKey]: SECURITY_GROUP_LABEL_VALUE } });
    expect(spec.policyTypes).toEqual(['Ingress', 'Egress']);
    if (ingress) expect(spec.ingress).toEqual(ingress);
    if (egress) expect(spec.egress).toEqual(egress);
    expect(validateObjects(result.objects)).toEqual([]);
  });
});

describe('networkPoliciesFor: findings', () => {
  const rows: { name: string; rules: Partial<SecurityGroupRule>[]; extra?: Partial<SecurityGroup>; attribute: string; outcome: string }[] = [
    { name: 'stateless group', rules: [], extra: { stateful: false }, attribute: 'stateful', outcome: 'approximate' },
    { name: 'remote address group', rules: [{ id: 'r-ag', remoteAddressGroupId: 'ag-1' }], attribute: 'rule/r-ag', outcome: 'lost' },
    { name: 'prefix of the wrong family', rules: [{ id: 'r-fam', remoteIpPrefix: '::/0' }], attribute: 'rule/r-fam', outcome: 'lost' },
    { name: 'unknown protocol', rules: [{ id: 'r-proto', protocol: 'bogus' }], attribute: 'rule/r-proto', outcome: 'lost' },
    { name: 'IPv4-only remote-group rule', rules: [{ id: 'r-rg', remoteGroupId: 'sg-1111aaaa' }], attribute: 'rule/r-rg', outcome: 'approximate' },
    { name: 'remote group not in the inventory', rules: [{ id: 'r-miss', remoteGroupId: 'sg-missing' }], attribute: 'rule/r-miss', outcome: 'approximate' },
  ];
  it.each(rows)('$name → $outcome on $attribute', ({ rules, extra, attribute, outcome }) => {
    const { inv } = single(
      rules.map((r) => rule(r)),
      extra,
    );
    const { findings } = networkPoliciesFor(contextFor(inv));
    expect(findings).toContainEqual(expect.objectContaining({ source: 'securityGroup/sg-1111aaaa', attribute, outcome }));
  });

  it('reports nothing for a remote-group rule present for both families', () => {
    const { inv } = single([rule({ remoteGroupId: 'sg-1111aaaa' }), rule({ remoteGroupId: 'sg-1111aaaa', ethertype: 'IPv6' })]);
    expect(networkPoliciesFor(contextFor(inv)).findings).toEqual([]);
  });
});

describe('networkPoliciesFor: label collisions', () => {
  it('blocks when two used groups get the same membership label', () => {
    const a = securityGroup('abcdef12-0000-0000-0000-000000000001', 'default', 'p1', []);
    const b = securityGroup('abcdef12-0000-0000-0000-000000000002', 'default', 'p2', []);
    const inv = inventoryWith({
      domains: [{ id: 'd1', name: 'd' }],
      projects: [project('p1', 'one', 'd1'), project('p2', 'two', 'd1')],
      securityGroups: [a, b],
      servers: [server('v1', 'p1', [a.id]), server('v2', 'p2', [b.id])],
    });
    const blockers = networkPoliciesFor(contextFor(inv)).findings.filter((f) => f.severity === 'blocker');
    expect(blockers.map((f) => f.source)).toEqual([`securityGroup/${a.id}`, `securityGroup/${b.id}`]);
  });
});

describe('networkPoliciesFor: servers', () => {
  it('closes a VM whose port has port security and no group (Neutron drops everything)', () => {
    const vm = server('vm-none', 'p1', []);
    const inv = inventoryWith({ domains: [{ id: 'd1', name: 'default' }], projects: [project('p1', 'p1', 'd1')], servers: [vm], ports: portsOf(vm) });
    const { objects } = networkPoliciesFor(contextFor(inv));
    expect(objects).toHaveLength(1);
    expect((objects[0] as KubeObject).spec).toEqual({
      podSelector: { matchLabels: { [LABELS.serverId]: 'vm-none' } },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [],
      egress: [],
    });
    expect(validateObjects(objects)).toEqual([]);
  });

  it('leaves a VM open when port security is disabled', () => {
    const vm = server('vm-open', 'p1', []);
    const ports = portsOf(vm).map((p) => ({ ...p, portSecurityEnabled: false }));
    const inv = inventoryWith({ domains: [{ id: 'd1', name: 'default' }], projects: [project('p1', 'p1', 'd1')], servers: [vm], ports });
    expect(networkPoliciesFor(contextFor(inv)).objects).toEqual([]);
  });

  it("labels the pod for the pod-network port only; the other port's groups go to MultiNetworkPolicies (issue 9 item 1)", () => {
    const g1 = securityGroup('sg-a', 'a', 'p1', []);
    const g2 = securityGroup('sg-b', 'b', 'p1', []);
    const vm = server('vm2', 'p1', ['sg-a', 'sg-b'], ['net-1', 'net-2']);
    const ports = portsOf(vm);
    at(ports, 0, 'port').securityGroupIds = ['sg-a'];
    at(ports, 1, 'port').securityGroupIds = ['sg-b'];
    const inv = inventoryWith({
      domains: [{ id: 'd1', name: 'default' }],
      projects: [project('p1', 'p1', 'd1')],
      servers: [vm],
      ports,
      securityGroups: [g1, g2],
    });
    const ctx = contextFor(inv);
    expect(podNetworkInterfaceIndex(ctx, vm)).toBe(0);
    const { labels } = templateSecurityLabels(ctx, vm);
    expect(labels[securityGroupLabelKey(g1)]).toBe('member');
    expect(labels).not.toHaveProperty(securityGroupLabelKey(g2));
    const nadKey = must(at(nicSecurityOf(ctx, vm), 1, 'NIC').nadKey, 'the NAD key of NIC 1');
    expect(labels[secondaryGroupLabelKey(g2, nadKey)]).toBe('member');
    // The old report (groups of other NICs "now also open the pod NIC") is gone with the cause.
    expect(networkPoliciesFor(ctx).findings).not.toContainEqual(expect.objectContaining({ serverId: 'vm2', attribute: 'securityGroups' }));
    // Default NADs are Linux bridges, which nothing known filters: reported lost per NIC.
    expect(multiNetworkPoliciesFor(ctx).findings).toContainEqual(
      expect.objectContaining({ serverId: 'vm2', attribute: 'interfaces[1].securityGroups', outcome: 'lost' }),
    );
    // With the network map sending net-2 to the pod network, the pod NIC is the second one.
    expect(podNetworkInterfaceIndex(contextFor(inv, { networkMap: { 'net-2': { type: 'pod' }, 'net-1': { type: 'multus', networkName: 'n1' } } }), vm)).toBe(1);
  });

  // memberAddresses gathers both families of a group's members in one pass: each rule must get its own.
  it("MultiNetworkPolicy remote-group peers: an IPv4 rule gets the members' IPv4 addresses, an IPv6 rule their IPv6 ones", () => {
    const g = securityGroup('sg-a', 'a', 'p1', [
      rule({ protocol: 'tcp', portRangeMin: 22, portRangeMax: 22, remoteGroupId: 'sg-a' }),
      rule({ protocol: 'tcp', portRangeMin: 23, portRangeMax: 23, remoteGroupId: 'sg-a', ethertype: 'IPv6' }),
    ]);
    const a = server('vm-a', 'p1', ['sg-a'], ['net-1', 'net-2']);
    const b = server('vm-b', 'p1', ['sg-a'], ['net-1', 'net-2']);
    at(a.interfaces, 1, 'NIC').fixedIps = [{ ipAddress: '10.9.0.1' }, { ipAddress: '2001:db8::a' }];
    at(b.interfaces, 1, 'NIC').fixedIps = [{ ipAddress: '2001:db8::b' }];
    const ports = [...portsOf(a), ...portsOf(b)];
    at(ports, 3, 'port').allowedAddressPairs = [{ ipAddress: '10.9.9.0/24', macAddress: 'fa:16:3e:00:00:09' }];
    const inv = inventoryWith({ domains: [{ id: 'd1', name: 'default' }], projects: [project('p1', 'p1', 'd1')], servers: [a, b], ports, securityGroups: [g] });
    const mnp = must(
      multiNetworkPoliciesFor(contextFor(inv)).objects.find((o) => o.kind === 'MultiNetworkPolicy' && o.metadata.name.startsWith('sg-a')),
      'the MultiNetworkPolicy of sg-a',
    );
    const cidrs = (cidr: string[]) => cidr.map((c) => ({ ipBlock: { cidr: c } }));
    expect((mnp as { spec?: { ingress?: unknown } }).spec?.ingress).toEqual([
      { ports: [{ protocol: 'TCP', port: 22 }], from: cidrs(['10.9.0.1/32', '10.9.9.0/24']) },
      { ports: [{ protocol: 'TCP', port: 23 }], from: cidrs(['2001:db8::a/128', '2001:db8::b/128']) },
    ]);
  });

  it('closes the pod NIC when only another port has groups (Neutron: a port with port security and no group drops all)', () => {
    const g2 = securityGroup('sg-b', 'b', 'p1', []);
    const vm = server('vm3', 'p1', ['sg-b'], ['net-1', 'net-2']);
    const ports = portsOf(vm);
    at(ports, 0, 'port').securityGroupIds = [];
    const inv = inventoryWith({ domains: [{ id: 'd1', name: 'default' }], projects: [project('p1', 'p1', 'd1')], servers: [vm], ports, securityGroups: [g2] });
    const closed = networkPoliciesFor(contextFor(inv)).objects.filter((o) => o.metadata.name.startsWith('no-security-group-'));
    expect(closed).toHaveLength(1);
  });

  // prefix-labels.ts parses each rule prefix text once and keeps one mask and map per prefix length: two
  // prefixes of one length, and a text repeated under the other family, must each keep their own meaning.
  it('prefix labels: each VM is labelled for exactly the rule prefixes that hold its address', () => {
    const rules = [
      rule({ remoteIpPrefix: '10.1.0.0/16' }),
      rule({ remoteIpPrefix: '10.2.0.0/16' }),
      rule({ remoteIpPrefix: '10.1.0.0/16' }),
      rule({ remoteIpPrefix: '10.2.7.0/24' }),
      rule({ remoteIpPrefix: '10.2.7.0/24', ethertype: 'IPv6' }), // not an IPv6 prefix: no label
      rule({ remoteIpPrefix: '2001:db8::/32', ethertype: 'IPv6' }),
      // Addresses above 2^31 (IPv4 is masked as unsigned 32-bit numbers), a one-bit and a host prefix.
      rule({ remoteIpPrefix: '192.168.0.0/16' }),
      rule({ remoteIpPrefix: '200.1.2.3/1' }),
      rule({ remoteIpPrefix: '192.168.5.5/32' }),
    ];
    const g = securityGroup('sg-a', 'a', 'p1', rules);
    const at1 = server('vm-1', 'p1', ['sg-a'], ['net-1'], {});
    const at2 = server('vm-2', 'p1', ['sg-a'], ['net-1'], {});
    const at3 = server('vm-3', 'p1', ['sg-a'], ['net-1'], {});
    at(at1.interfaces, 0, 'NIC').fixedIps = [{ ipAddress: '10.1.3.4' }];
    at(at2.interfaces, 0, 'NIC').fixedIps = [{ ipAddress: '10.2.7.9' }];
    at(at3.interfaces, 0, 'NIC').fixedIps = [{ ipAddress: '10.3.0.1' }, { ipAddress: '2001:db8::5' }];
    const at4 = server('vm-4', 'p1', ['sg-a'], ['net-1'], {});
    at(at4.interfaces, 0, 'NIC').fixedIps = [{ ipAddress: '192.168.5.5' }];
    const servers = [at1, at2, at3, at4];
    const inv = inventoryWith({ domains: [{ id: 'd1', name: 'default' }], projects: [project('p1', 'p1', 'd1')], servers, securityGroups: [g] });
    const ctx = contextFor(inv);
    const prefixLabels = (vm: Server) => Object.keys(templateSecurityLabels(ctx, vm).labels).filter((k) => k.startsWith('prefix.'));
    expect(servers.map(prefixLabels)).toEqual([
      ['prefix.openstack-migrate.io/10.1.0.0_16'],
      ['prefix.openstack-migrate.io/10.2.0.0_16', 'prefix.openstack-migrate.io/10.2.7.0_24'],
      [`prefix.openstack-migrate.io/v6-${'20010db8'.padEnd(32, '0')}_32`],
      ['prefix.openstack-migrate.io/192.168.0.0_16', 'prefix.openstack-migrate.io/128.0.0.0_1', 'prefix.openstack-migrate.io/192.168.5.5_32'],
    ]);
  });

  it('port security off on the pod port: no group label, no policy, reported approximate (issue 9 item 3)', () => {
    const g1 = securityGroup('sg-a', 'a', 'p1', [rule({ protocol: 'tcp', portRangeMin: 22, portRangeMax: 22 })]);
    const vm = server('vm4', 'p1', [], ['net-1']);
    const other = server('vm5', 'p1', ['sg-a'], ['net-1']);
    const ports = [...portsOf(vm).map((p) => ({ ...p, portSecurityEnabled: false })), ...portsOf(other)];
    const inv = inventoryWith({
      domains: [{ id: 'd1', name: 'default' }],
      projects: [project('p1', 'p1', 'd1')],
      servers: [vm, other],
      ports,
      securityGroups: [g1],
    });
    const ctx = contextFor(inv);
    const { labels } = templateSecurityLabels(ctx, vm);
    expect(Object.keys(labels).filter((k) => k.startsWith('sg.'))).toEqual([]);
    expect(networkPoliciesFor(ctx).objects.filter((o) => o.metadata.name.startsWith('no-security-group-'))).toEqual([]);
    const findings = new ServerFindings(vm);
    securityLabelsWithFindings(ctx, vm, findings);
    expect(findings.items).toContainEqual(expect.objectContaining({ attribute: 'server.interfaces[0].port_security_enabled', outcome: 'approximate' }));
  });
});

// ---------------------------------------------------------------------------------------------------
// The strongest check: for a table of packets, the generated NetworkPolicies + Calico policies allow exactly
// what Neutron's rules allow.

function unionCloud(): Inventory {
  const web = securityGroup('sg-web00001', 'web', 'p1', [
    rule({ id: 'w01', protocol: 'tcp', portRangeMin: 80, portRangeMax: 80 }),
    rule({ id: 'w02', protocol: 'tcp', portRangeMin: 443, portRangeMax: 443 }),
    rule({ id: 'w03', protocol: 'tcp', portRangeMin: 443, portRangeMax: 443, ethertype: 'IPv6' }),
    rule({ id: 'w04', protocol: 'tcp', portRangeMin: 8000, portRangeMax: 8080, remoteIpPrefix: '10.0.0.0/8' }),
    rule({ id: 'w05', protocol: 'udp', portRangeMin: 53, portRangeMax: 53, remoteIpPrefix: '192.168.1.0/24' }),
    rule({ id: 'w06', protocol: 'icmp', portRangeMin: 8, portRangeMax: 0 }),
    rule({ id: 'w07', protocol: 'icmp', ethertype: 'IPv6' }),
    rule({ id: 'w08', remoteGroupId: 'sg-db000001' }),
    rule({ id: 'w09', protocol: 'vrrp', remoteGroupId: 'sg-web00001' }),
    rule({ id: 'w10', protocol: 'tcp', portRangeMin: 22, portRangeMax: 22, remoteGroupId: 'sg-adm00001' }),
    rule({ id: 'w11', protocol: 'icmp', remoteGroupId: 'sg-adm00001' }),
    rule({ id: 'w12', protocol: 'sctp', portRangeMin: 3868, portRangeMax: 3868, remoteIpPrefix: '10.0.0.0/8' }),
    rule({ id: 'w13', direction: 'egress', protocol: 'tcp', portRangeMin: 5432, portRangeMax: 5432, remoteGroupId: 'sg-db000001' }),
    rule({ id: 'w14', direction: 'egress', protocol: 'udp', portRangeMin: 123, portRangeMax: 123 }),
    rule({ id: 'w15', direction: 'egress', protocol: 'icmp', portRangeMin: 0, ethertype: 'IPv4', remoteIpPrefix: '10.0.0.0/8' }),
    rule({ id: 'w16', protocol: 'gre', remoteIpPrefix: '192.168.1.0/24' }),
  ]);
  const db = securityGroup('sg-db000001', 'db', 'p1', [
    rule({ id: 'd01', protocol: 'tcp', portRangeMin: 5432, portRangeMax: 5432, remoteGroupId: 'sg-web00001' }),
  ]);
  const dflt = securityGroup('sg-def00001', 'default', 'p1', [
    rule({ id: 'f01', direction: 'egress' }),
    rule({ id: 'f02', direction: 'egress', ethertype: 'IPv6' }),
    rule({ id: 'f03', remoteGroupId: 'sg-def00001' }),
    rule({ id: 'f04', remoteGroupId: 'sg-def00001', ethertype: 'IPv6' }),
  ]);
  const adm = securityGroup('sg-adm00001', 'admin', 'p2', [
    rule({ id: 'a01', direction: 'egress' }),
    rule({ id: 'a02', direction: 'egress', ethertype: 'IPv6' }),
  ]);
  const servers: Server[] = [
    server('vm-web', 'p1', ['sg-web00001', 'sg-def00001']),
    server('vm-db', 'p1', ['sg-db000001']),
    server('vm-both', 'p1', ['sg-web00001', 'sg-db000001']),
    server('vm-plain', 'p1', ['sg-def00001']),
    server('vm-none', 'p1', []),
    server('vm-adm', 'p2', ['sg-adm00001']),
  ];
  return inventoryWith({
    domains: [{ id: 'd1', name: 'acme' }],
    projects: [project('p1', 'web', 'd1'), project('p2', 'ops', 'd1')],
    securityGroups: [web, db, dflt, adm],
    servers,
    ports: servers.flatMap((s) => portsOf(s)),
  });
}

describe('union semantics: generated policies ≡ Neutron rules, packet by packet', () => {
  const inv = unionCloud();
  const ctx = contextFor(inv);
  const np = networkPoliciesFor(ctx);
  const calico = calicoPoliciesFor(ctx);
  const objects: KubeObject[] = [...np.objects, ...calico.objects];

  const pods: Pod[] = inv.servers.map((s, i) => ({
    serverId: s.id,
    namespace: ctx.namespaceByProject.get(s.projectId)!,
    ip: `10.244.0.${10 + i}`,
    labels: {
      [LABELS.serverId]: toLabelValue(s.id),
      ...Object.fromEntries(s.securityGroupIds.map((g) => [securityGroupLabelKey(inv.securityGroups.find((x) => x.id === g)!), SECURITY_GROUP_LABEL_VALUE])),
    },
  }));

  const externals = ['10.1.2.3', '192.168.1.5', '8.8.8.8', '2001:db8::1', 'fd00::5'];
  const l4Ports = [22, 53, 80, 123, 443, 3868, 5432, 7999, 8000, 8080, 8081];
  const icmpCases = [
    [8, 0],
    [8, 1],
    [0, 0],
    [3, 4],
  ];
  const packets: Packet[] = [];
  for (const direction of ['ingress', 'egress'] as const) {
    const peers = [...externals.map((ip) => ({ ip })), ...pods.map((pod) => ({ pod }))];
    for (const peer of peers) {
      const versions: (4 | 6)[] = 'ip' in peer ? [peer.ip.includes(':') ? 6 : 4] : [4];
      for (const ipVersion of versions) {
        for (const protocol of [6, 17, 132]) for (const port of l4Ports) packets.push({ direction, ipVersion, protocol, port, peer });
        for (const [icmpType, icmpCode] of icmpCases) packets.push({ direction, ipVersion, protocol: ipVersion === 4 ? 1 : 58, icmpType, icmpCode, peer });
        for (const protocol of [112, 47, 50]) packets.push({ direction, ipVersion, protocol, peer });
      }
    }
  }

  it('has no lost rule in this cloud (so the comparison is about exact translations)', () => {
    expect([...np.findings, ...calico.findings].filter((f) => f.outcome === 'lost')).toEqual([]);
  });

  it.each(inv.servers.map((s) => ({ server: s.id })))('$server: every packet decided as Neutron decides it', ({ server: id }) => {
    const target = inv.servers.find((s) => s.id === id)!;
    const pod = pods.find((p) => p.serverId === id)!;
    const mismatches: string[] = [];
    let allowed = 0;
    for (const p of packets) {
      if ('pod' in p.peer && p.peer.pod.serverId === id) continue;
      const expected = neutronAllows(inv, target, p);
      const actual = clusterAllows(objects, pod, p);
      if (expected) allowed++;
      if (expected !== actual) {
        const peer = 'ip' in p.peer ? p.peer.ip : `pod ${p.peer.pod.serverId}`;
        mismatches.push(
          `${p.direction} v${p.ipVersion} proto ${p.protocol} port ${p.port ?? '-'} icmp ${p.icmpType ?? '-'}/${p.icmpCode ?? '-'} peer ${peer}: neutron ${expected}, cluster ${actual}`,
        );
      }
    }
    expect(mismatches).toEqual([]);
    // Guard against a vacuous pass: the table must exercise both outcomes (except for the closed VM).
    if (id === 'vm-none') expect(allowed).toBe(0);
    else expect(allowed).toBeGreaterThan(0);
  });

  it('detects a broken translation (the evaluator is not vacuous)', () => {
    // Drop the Calico policies: ICMP that Neutron allows must now be refused.
    const target = inv.servers.find((s) => s.id === 'vm-web')!;
    const pod = pods.find((p) => p.serverId === 'vm-web')!;
    const echo: Packet = { direction: 'ingress', ipVersion: 4, protocol: 1, icmpType: 8, icmpCode: 0, peer: { ip: '8.8.8.8' } };
    expect(neutronAllows(inv, target, echo)).toBe(true);
    expect(clusterAllows(objects, pod, echo)).toBe(true);
    expect(clusterAllows(np.objects, pod, echo)).toBe(false);
  });

  it('places the cross-project remote group with a namespace selector', () => {
    const web = np.objects.find((o) => o.metadata.name === 'sg-web-sgweb000')!;
    const ingress = ((web as KubeObject).spec as { ingress: { from?: unknown[] }[] }).ingress;
    expect(ingress).toContainEqual({
      ports: [{ protocol: 'TCP', port: 22 }],
      from: [
        {
          namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: ['acme-ops'] }] },
          podSelector: { matchLabels: { [securityGroupLabelKey({ id: 'sg-adm00001', name: 'admin' })]: 'member' } },
        },
      ],
    });
  });

  it('every object is valid against the upstream schemas', () => {
    expect(validateObjects(objects)).toEqual([]);
    // ...and the check is not vacuous: a misspelled field is caught.
    const broken = structuredClone(at(objects, 0, 'object'));
    (broken.spec as Record<string, unknown>).policytypes = ['Ingress'];
    expect(validateObjects([broken])).not.toEqual([]);
  });

  it('is deterministic and independent of the inventory order', () => {
    const shuffled = unionCloud();
    shuffled.servers.reverse();
    shuffled.securityGroups.reverse();
    for (const g of shuffled.securityGroups) g.rules.reverse();
    const ctx2 = contextFor(shuffled);
    const again = [...networkPoliciesFor(ctx2).objects, ...calicoPoliciesFor(ctx2).objects];
    expect(JSON.stringify(again)).toBe(JSON.stringify(objects));
  });

  it('names are DNS-1123 and stable', () => {
    for (const o of objects) expect(o.metadata.name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    expect(shortHash('x')).toHaveLength(5);
  });
});
