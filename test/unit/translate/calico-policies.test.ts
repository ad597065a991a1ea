import { describe, expect, it } from 'vitest';
import { calicoPoliciesFor } from '../../../src/translate/calico-policies.js';
import { networkPoliciesFor } from '../../../src/translate/security-groups.js';
import { securityGroupLabelKey } from '../../../src/translate/naming.js';
import type { Inventory, SecurityGroupRule } from '../../../src/inventory/types.js';
import { contextFor, inventoryWith, portsOf, project, rule, securityGroup, server } from '../../support/inventory-fixtures.js';
import { validateObjects } from '../../support/schema-validate.js';
import { calicoSelectorMatches } from '../../support/policy-evaluator.js';
import type { KubeObject } from '../../../src/translate/model.js';
import { at } from '../../support/must.js';

const webKey = securityGroupLabelKey({ id: 'sg-1111aaaa', name: 'web' });
const admKey = securityGroupLabelKey({ id: 'sg-2222bbbb', name: 'admin' });

function cloud(rules: SecurityGroupRule[]): Inventory {
  const web = securityGroup('sg-1111aaaa', 'web', 'p1', rules);
  const adm = securityGroup('sg-2222bbbb', 'admin', 'p2', []);
  const servers = [server('vm1', 'p1', [web.id]), server('vm2', 'p2', [adm.id])];
  return inventoryWith({
    domains: [{ id: 'd1', name: 'acme' }],
    projects: [project('p1', 'web', 'd1'), project('p2', 'ops', 'd1')],
    securityGroups: [web, adm],
    servers,
    ports: servers.flatMap((s) => portsOf(s)),
  });
}

describe('calicoPoliciesFor: one row per rule shape', () => {
  const rows: { name: string; rule: Partial<SecurityGroupRule>; ingress?: unknown[]; egress?: unknown[] }[] = [
    { name: 'icmp any', rule: { protocol: 'icmp' }, ingress: [{ action: 'Allow', protocol: 'ICMP', ipVersion: 4 }] },
    {
      name: 'icmp echo request (type 8, any code)',
      rule: { protocol: 'icmp', portRangeMin: 8 },
      ingress: [{ action: 'Allow', protocol: 'ICMP', ipVersion: 4, icmp: { type: 8 } }],
    },
    {
      name: 'icmp type 3 code 4',
      rule: { protocol: 'icmp', portRangeMin: 3, portRangeMax: 4 },
      ingress: [{ action: 'Allow', protocol: 'ICMP', ipVersion: 4, icmp: { type: 3, code: 4 } }],
    },
    {
      // Both VMs had 10.0.0.10 (fixtures), inside the prefix: they now have pod addresses and are selected by label.
      name: 'icmp from prefix',
      rule: { protocol: 'icmp', remoteIpPrefix: '10.0.0.0/8' },
      ingress: [
        { action: 'Allow', protocol: 'ICMP', ipVersion: 4, source: { nets: ['10.0.0.0/8'] } },
        {
          action: 'Allow',
          protocol: 'ICMP',
          ipVersion: 4,
          source: { selector: "prefix.openstack-migrate.io/10.0.0.0_8 == 'member'", namespaceSelector: 'all()' },
        },
      ],
    },
    {
      name: 'ipv6-icmp',
      rule: { protocol: 'ipv6-icmp', ethertype: 'IPv6', portRangeMin: 128 },
      ingress: [{ action: 'Allow', protocol: 'ICMPv6', ipVersion: 6, icmp: { type: 128 } }],
    },
    { name: 'legacy icmp on IPv6 → ICMPv6', rule: { protocol: 'icmp', ethertype: 'IPv6' }, ingress: [{ action: 'Allow', protocol: 'ICMPv6', ipVersion: 6 }] },
    {
      name: 'IPv6 icmp from prefix',
      rule: { protocol: 'ipv6-icmp', ethertype: 'IPv6', remoteIpPrefix: '2001:db8::/32' },
      ingress: [{ action: 'Allow', protocol: 'ICMPv6', ipVersion: 6, source: { nets: ['2001:db8::/32'] } }],
    },
    {
      name: 'vrrp from own group',
      rule: { protocol: 'vrrp', remoteGroupId: 'sg-1111aaaa' },
      ingress: [{ action: 'Allow', protocol: 112, ipVersion: 4, source: { selector: `${webKey} == 'member'` } }],
    },
    { name: 'gre by number', rule: { protocol: '47' }, ingress: [{ action: 'Allow', protocol: 47, ipVersion: 4 }] },
    { name: 'udplite without ports', rule: { protocol: 'udplite' }, ingress: [{ action: 'Allow', protocol: 136, ipVersion: 4 }] },
    {
      name: 'icmp from a group of another project',
      rule: { protocol: 'icmp', remoteGroupId: 'sg-2222bbbb' },
      ingress: [
        {
          action: 'Allow',
          protocol: 'ICMP',
          ipVersion: 4,
          source: { selector: `${admKey} == 'member'`, namespaceSelector: "kubernetes.io/metadata.name in { 'acme-ops' }" },
        },
      ],
    },
    {
      name: 'egress icmp to prefix',
      rule: { direction: 'egress', protocol: 'icmp', remoteIpPrefix: '192.168.0.0/16' },
      egress: [{ action: 'Allow', protocol: 'ICMP', ipVersion: 4, destination: { nets: ['192.168.0.0/16'] } }],
    },
  ];
  it.each(rows)('$name', ({ rule: fields, ingress, egress }) => {
    const result = calicoPoliciesFor(contextFor(cloud([rule(fields)])));
    expect(result.objects).toHaveLength(1);
    const policy = result.objects[0];
    expect(policy).toMatchObject({
      apiVersion: 'projectcalico.org/v3',
      kind: 'NetworkPolicy',
      metadata: { name: 'sg-web-sg1111aa-calico', namespace: 'acme-web' },
    });
    const spec = (policy as KubeObject).spec as Record<string, unknown>;
    expect(spec.selector).toBe(`${webKey} == 'member'`);
    expect(spec.types).toEqual(['Ingress', 'Egress']);
    expect(spec.ingress).toEqual(ingress);
    expect(spec.egress).toEqual(egress);
    expect(validateObjects(result.objects)).toEqual([]);
    expect(result.findings).toContainEqual(expect.objectContaining({ source: 'securityGroup/sg-1111aaaa', severity: 'info' }));
  });

  it('selects exactly the members of the group (selector syntax)', () => {
    const policy = calicoPoliciesFor(contextFor(cloud([rule({ protocol: 'icmp' })]))).objects[0];
    const selector = ((policy as KubeObject).spec as { selector: string }).selector;
    expect(calicoSelectorMatches(selector, { [webKey]: 'member' })).toBe(true);
    expect(calicoSelectorMatches(selector, { [admKey]: 'member' })).toBe(false);
  });
});

describe('calicoPoliciesFor: rules that cannot be carried', () => {
  const rows: { name: string; rule: Partial<SecurityGroupRule> }[] = [
    { name: 'icmp type 255', rule: { id: 'r-x', protocol: 'icmp', portRangeMin: 255 } },
    { name: 'icmp code without type', rule: { id: 'r-x', protocol: 'icmp', portRangeMax: 3 } },
    { name: 'udplite with ports', rule: { id: 'r-x', protocol: 'udplite', portRangeMin: 5000, portRangeMax: 5001 } },
    { name: 'dccp with ports', rule: { id: 'r-x', protocol: 'dccp', portRangeMin: 5000, portRangeMax: 5000 } },
  ];
  it.each(rows)('$name → lost, no policy (never widened)', ({ rule: fields }) => {
    const result = calicoPoliciesFor(contextFor(cloud([rule(fields)])));
    expect(result.objects).toEqual([]);
    expect(result.findings).toEqual([expect.objectContaining({ source: 'securityGroup/sg-1111aaaa', attribute: 'rule/r-x', outcome: 'lost' })]);
  });

  it('leaves TCP/UDP/SCTP and any-protocol rules to the NetworkPolicy', () => {
    const rules = [rule({ protocol: 'tcp', portRangeMin: 22, portRangeMax: 22 }), rule({}), rule({ protocol: 'sctp' })];
    expect(calicoPoliciesFor(contextFor(cloud(rules)))).toEqual({ objects: [], findings: [] });
  });

  it('reports each lost rule once even when the group is used in several namespaces', () => {
    const inv = cloud([rule({ id: 'r-x', protocol: 'icmp', portRangeMin: 255 })]);
    const extra = server('vm3', 'p2', ['sg-1111aaaa']);
    inv.servers.push(extra);
    inv.ports.push(...portsOf(extra));
    expect(calicoPoliciesFor(contextFor(inv)).findings).toHaveLength(1);
    // ...and the NetworkPolicy module does not report it a second time.
    expect(networkPoliciesFor(contextFor(inv)).findings.filter((f) => f.attribute === 'rule/r-x')).toEqual([]);
  });

  it('writes the configured Calico API version', () => {
    const result = calicoPoliciesFor(contextFor(cloud([rule({ protocol: 'icmp' })]), { calicoApiVersion: 'crd.projectcalico.org/v1' }));
    expect(at(result.objects, 0, 'policy').apiVersion).toBe('crd.projectcalico.org/v1');
    expect(validateObjects(result.objects)).toEqual([]);
  });
});
