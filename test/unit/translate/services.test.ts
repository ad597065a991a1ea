import { describe, expect, it } from 'vitest';
import { MAX_EXPANDED_RANGE, METALLB_IPS_ANNOTATION, floatingIpServiceName, servicesFor } from '../../../src/translate/services.js';
import { ANNOTATIONS, LABELS } from '../../../src/translate/naming.js';
import type { Inventory, SecurityGroupRule } from '../../../src/inventory/types.js';
import type { KubeObject, PlanConfig as Config } from '../../../src/translate/model.js';
import { contextFor, floatingIp, inventoryWith, portsOf, project, rule, securityGroup, server } from '../../support/inventory-fixtures.js';
import { validateObjects } from '../../support/schema-validate.js';
import { at } from '../../support/must.js';

type Rules = Partial<SecurityGroupRule>[];

/** One server "web-1" with two NICs (net-1 → pod network, net-2 → Multus), its group, and a floating IP on NIC 0. */
function cloud(rules: Rules, fipPort = 'web-1-p0'): Inventory {
  const group = securityGroup(
    'sg-1',
    'web',
    'p1',
    rules.map((r) => rule(r)),
  );
  const vm = server('web-1', 'p1', ['sg-1'], ['net-1', 'net-2']);
  return inventoryWith({
    domains: [{ id: 'd1', name: 'acme' }],
    projects: [project('p1', 'shop', 'd1')],
    securityGroups: [group],
    servers: [vm],
    ports: portsOf(vm),
    floatingIps: [floatingIp('fip-1', '203.0.113.10', 'p1', fipPort, '10.0.0.10')],
  });
}

function run(inv: Inventory, config: Partial<Config> = {}) {
  return servicesFor(contextFor(inv, config));
}

function portList(objects: KubeObject[]): string[] {
  const spec = objects[0]?.spec as { ports?: { protocol: string; port: number }[] } | undefined;
  return (spec?.ports ?? []).map((p) => `${p.protocol}/${p.port}`);
}

describe('servicesFor: ports from the ingress rules, one row per rule shape', () => {
  const rows: { name: string; rules: Rules; ports: string[]; finding?: { outcome: string; attribute?: string } }[] = [
    { name: 'tcp port from anywhere', rules: [{ protocol: 'tcp', portRangeMin: 80, portRangeMax: 80 }], ports: ['TCP/80'] },
    { name: 'tcp from a prefix', rules: [{ protocol: 'tcp', portRangeMin: 22, portRangeMax: 22, remoteIpPrefix: '198.51.100.0/24' }], ports: ['TCP/22'] },
    {
      name: 'udp and sctp',
      rules: [
        { protocol: 'udp', portRangeMin: 53, portRangeMax: 53 },
        { protocol: 'sctp', portRangeMin: 3868, portRangeMax: 3868 },
      ],
      ports: ['UDP/53', 'SCTP/3868'],
    },
    {
      name: 'same port tcp and udp',
      rules: [
        { protocol: 'udp', portRangeMin: 53, portRangeMax: 53 },
        { protocol: 'tcp', portRangeMin: 53, portRangeMax: 53 },
      ],
      ports: ['TCP/53', 'UDP/53'],
    },
    {
      name: 'small range is expanded',
      rules: [{ protocol: 'tcp', portRangeMin: 8000, portRangeMax: 8003 }],
      ports: ['TCP/8000', 'TCP/8001', 'TCP/8002', 'TCP/8003'],
      finding: { outcome: 'exact' },
    },
    {
      name: 'large range is not forwarded',
      rules: [
        { protocol: 'tcp', portRangeMin: 443, portRangeMax: 443 },
        { protocol: 'udp', portRangeMin: 10000, portRangeMax: 20000 },
      ],
      ports: ['TCP/443'],
      finding: { outcome: 'lost' },
    },
    {
      name: 'any protocol → explicit + well-known ports',
      rules: [{}, { protocol: 'tcp', portRangeMin: 8443, portRangeMax: 8443 }],
      ports: ['TCP/22', 'TCP/80', 'TCP/443', 'TCP/3389', 'TCP/8443'],
      finding: { outcome: 'approximate', attribute: 'ports' },
    },
    {
      name: 'tcp all ports → well-known ports',
      rules: [{ protocol: 'tcp' }],
      ports: ['TCP/22', 'TCP/80', 'TCP/443', 'TCP/3389'],
      finding: { outcome: 'approximate', attribute: 'ports' },
    },
    {
      name: 'icmp is reported, not forwarded',
      rules: [{ protocol: 'icmp' }, { protocol: 'tcp', portRangeMin: 80, portRangeMax: 80 }],
      ports: ['TCP/80'],
      finding: { outcome: 'lost', attribute: 'ports' },
    },
    {
      name: 'remote-group rules do not open the floating IP',
      rules: [
        { protocol: 'tcp', portRangeMin: 5432, portRangeMax: 5432, remoteGroupId: 'sg-1' },
        { protocol: 'tcp', portRangeMin: 80, portRangeMax: 80 },
      ],
      ports: ['TCP/80'],
    },
    {
      name: 'IPv6 rules do not open an IPv4 floating IP',
      rules: [
        { protocol: 'tcp', portRangeMin: 443, portRangeMax: 443, ethertype: 'IPv6' },
        { protocol: 'tcp', portRangeMin: 80, portRangeMax: 80 },
      ],
      ports: ['TCP/80'],
    },
    {
      name: 'egress rules do not count',
      rules: [
        { direction: 'egress', protocol: 'tcp', portRangeMin: 25, portRangeMax: 25 },
        { protocol: 'tcp', portRangeMin: 80, portRangeMax: 80 },
      ],
      ports: ['TCP/80'],
    },
    { name: 'no port open → no Service', rules: [{ protocol: 'icmp' }], ports: [], finding: { outcome: 'lost', attribute: 'ports' } },
  ];
  it.each(rows)('$name', ({ rules, ports, finding }) => {
    const result = run(cloud(rules));
    expect(portList(result.objects)).toEqual(ports);
    expect(validateObjects(result.objects)).toEqual([]);
    if (finding) expect(result.findings).toContainEqual(expect.objectContaining({ source: 'floatingIp/fip-1', serverId: 'web-1', ...finding }));
    else expect(result.findings.filter((f) => f.attribute !== 'outbound source address')).toEqual([]);
  });

  it(`expands a range of exactly ${MAX_EXPANDED_RANGE} ports and refuses ${MAX_EXPANDED_RANGE + 1}`, () => {
    expect(portList(run(cloud([{ protocol: 'tcp', portRangeMin: 1000, portRangeMax: 999 + MAX_EXPANDED_RANGE }])).objects)).toHaveLength(MAX_EXPANDED_RANGE);
    expect(run(cloud([{ protocol: 'tcp', portRangeMin: 1000, portRangeMax: 1000 + MAX_EXPANDED_RANGE }])).objects).toEqual([]);
  });
});

describe('servicesFor: the Service', () => {
  const web: Rules = [
    { protocol: 'tcp', portRangeMin: 80, portRangeMax: 80 },
    { protocol: 'tcp', portRangeMin: 443, portRangeMax: 443 },
  ];

  it('selects the VM by server id and carries the source', () => {
    const [svc] = run(cloud(web)).objects;
    expect(svc).toMatchObject({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web-1-fip-203-0-113-10', namespace: 'acme-shop', annotations: { [ANNOTATIONS.sourceId]: 'fip-1', [ANNOTATIONS.serverId]: 'web-1' } },
      spec: {
        type: 'LoadBalancer',
        selector: { [LABELS.serverId]: 'web-1' },
        externalTrafficPolicy: 'Local',
        ports: [
          { name: 'tcp-80', protocol: 'TCP', port: 80, targetPort: 80 },
          { name: 'tcp-443', protocol: 'TCP', port: 443, targetPort: 443 },
        ],
      },
    });
  });

  const modes: { mode: Config['loadBalancer']['mode']; annotation?: string; loadBalancerIP?: string; nodePorts?: boolean; outcome?: string }[] = [
    { mode: 'metallb', annotation: '203.0.113.10', nodePorts: false },
    { mode: 'spec', loadBalancerIP: '203.0.113.10', outcome: 'exact' },
    { mode: 'none', outcome: 'lost' },
  ];
  it.each(modes)('load balancer mode $mode', ({ mode, annotation, loadBalancerIP, nodePorts, outcome }) => {
    const result = run(cloud(web), { loadBalancer: { mode, externalTrafficPolicy: 'Local' } });
    const svc = at(result.objects, 0, 'Service');
    const spec = (svc as KubeObject).spec as Record<string, unknown>;
    expect(svc.metadata.annotations![METALLB_IPS_ANNOTATION]).toBe(annotation);
    expect(spec.loadBalancerIP).toBe(loadBalancerIP);
    expect(spec.allocateLoadBalancerNodePorts).toBe(nodePorts);
    // MetalLB rejects the annotation together with spec.loadBalancerIP.
    expect(annotation !== undefined && loadBalancerIP !== undefined).toBe(false);
    if (outcome) expect(result.findings).toContainEqual(expect.objectContaining({ attribute: 'floating_ip_address', outcome }));
    expect(validateObjects(result.objects)).toEqual([]);
  });

  it('warns when externalTrafficPolicy Cluster hides the client address from prefix rules', () => {
    const rules: Rules = [{ protocol: 'tcp', portRangeMin: 22, portRangeMax: 22, remoteIpPrefix: '198.51.100.0/24' }];
    const result = run(cloud(rules), { loadBalancer: { mode: 'metallb', externalTrafficPolicy: 'Cluster' } });
    expect(((result.objects[0] as KubeObject).spec as { externalTrafficPolicy: string }).externalTrafficPolicy).toBe('Cluster');
    expect(result.findings).toContainEqual(expect.objectContaining({ attribute: 'remote_ip_prefix', outcome: 'approximate' }));
  });

  it('makes DNS-1035 names (starting with a letter, ≤ 63)', () => {
    expect(floatingIpServiceName('42-app', '198.51.100.7')).toBe('vm-42-app-fip-198-51-100-7');
    const long = floatingIpServiceName('a'.repeat(100), '198.51.100.7');
    expect(long.length).toBeLessThanOrEqual(63);
    expect(long).toMatch(/^[a-z]([-a-z0-9]*[a-z0-9])?$/);
    expect(long.endsWith('-fip-198-51-100-7')).toBe(true);
  });
});

describe('servicesFor: floating IPs that cannot become a Service as they are', () => {
  const web: Rules = [{ protocol: 'tcp', portRangeMin: 80, portRangeMax: 80 }];

  it('unassociated → info finding, no Service', () => {
    const inv = cloud(web);
    inv.floatingIps = [floatingIp('fip-free', '203.0.113.99', 'p1', null)];
    const result = run(inv);
    expect(result.objects).toEqual([]);
    expect(result.findings).toEqual([expect.objectContaining({ source: 'floatingIp/fip-free', outcome: 'lost', severity: 'info' })]);
    expect(at(result.findings, 0, 'finding').reason).toContain('shop');
  });

  it('on a port that is not a server NIC (VIP) → finding, no Service', () => {
    const inv = cloud(web);
    inv.ports.push({
      id: 'vip-port',
      networkId: 'net-1',
      macAddress: 'fa:16:3e:ff:ff:ff',
      fixedIps: [{ ipAddress: '10.0.0.100' }],
      deviceOwner: 'neutron:LOADBALANCERV2',
      securityGroupIds: [],
    });
    inv.floatingIps = [floatingIp('fip-vip', '203.0.113.20', 'p1', 'vip-port')];
    const result = run(inv);
    expect(result.objects).toEqual([]);
    expect(result.findings).toEqual([expect.objectContaining({ source: 'floatingIp/fip-vip', outcome: 'lost', severity: 'warning' })]);
    expect(at(result.findings, 0, 'finding').reason).toContain('neutron:LOADBALANCERV2');
  });

  it('on the second NIC (not the pod network) → Service on the pod NIC + finding', () => {
    const result = run(cloud(web, 'web-1-p1'));
    expect(result.objects).toHaveLength(1);
    expect(result.findings).toContainEqual(expect.objectContaining({ source: 'floatingIp/fip-1', attribute: 'port_id', outcome: 'approximate' }));
  });

  it('on the second NIC when the network map sends that network to the pod network → no finding', () => {
    const config: Partial<Config> = { networkMap: { 'net-1': { type: 'multus', networkName: 'n1' }, 'net-2': { type: 'pod' } } };
    const result = run(cloud(web, 'web-1-p1'), config);
    expect(result.findings.filter((f) => f.attribute !== 'outbound source address')).toEqual([]);
  });

  it('finds the server through the port device id when the interface list lacks the port id', () => {
    const inv = cloud(web);
    at(at(inv.servers, 0, 'server').interfaces, 0, 'interface').portId = undefined;
    const result = run(inv);
    expect(result.objects).toHaveLength(1);
  });

  it('port security off → every port was open: well-known ports + finding', () => {
    const inv = cloud([]);
    at(inv.ports, 0, 'port').portSecurityEnabled = false;
    const result = run(inv);
    expect(portList(result.objects)).toEqual(['TCP/22', 'TCP/80', 'TCP/443', 'TCP/3389']);
    expect(result.findings).toContainEqual(expect.objectContaining({ attribute: 'ports', outcome: 'approximate' }));
  });

  it('is deterministic whatever the order of floating IPs', () => {
    const inv = cloud(web);
    const vm2 = server('web-2', 'p1', ['sg-1']);
    inv.servers.push(vm2);
    inv.ports.push(...portsOf(vm2));
    inv.floatingIps.push(floatingIp('fip-0', '203.0.113.11', 'p1', 'web-2-p0'));
    const one = run(inv);
    inv.floatingIps.reverse();
    expect(JSON.stringify(run(inv))).toBe(JSON.stringify(one));
    expect(one.objects.map((o) => o.metadata.name)).toEqual(['web-2-fip-203-0-113-11', 'web-1-fip-203-0-113-10']);
  });
});

describe('floating IPs: outbound identity and VIPs (issue 9 items 6, 8)', () => {
  it('reports that outbound traffic no longer leaves with the floating IP (SNAT)', () => {
    const result = run(cloud([{ protocol: 'tcp', portRangeMin: 22, portRangeMax: 22 }]));
    expect(result.findings).toContainEqual(
      expect.objectContaining({ source: 'floatingIp/fip-1', serverId: 'web-1', attribute: 'outbound source address', outcome: 'lost' }),
    );
  });

  it('names the VIP holders when a floating IP points at a keepalived VIP (allowed_address_pairs)', () => {
    const inv = cloud([{ protocol: 'tcp', portRangeMin: 80, portRangeMax: 80 }]);
    at(inv.ports, 0, 'port').allowedAddressPairs = [{ ipAddress: '10.0.0.100' }];
    inv.ports.push({
      id: 'vip-port',
      networkId: 'net-1',
      macAddress: 'fa:16:3e:ff:ff:fe',
      fixedIps: [{ ipAddress: '10.0.0.100' }],
      deviceOwner: '',
      securityGroupIds: [],
    });
    inv.floatingIps = [floatingIp('fip-vip', '203.0.113.20', 'p1', 'vip-port')];
    const result = run(inv);
    expect(result.objects).toEqual([]);
    expect(result.findings).toEqual([expect.objectContaining({ source: 'floatingIp/fip-vip', outcome: 'lost' })]);
    expect(at(result.findings, 0, 'finding').reason).toMatch(/VIP 10\.0\.0\.100.*web-1.*allowed_address_pairs/);
  });
});
