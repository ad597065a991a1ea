// The per-port comparison of issue 9 as one call: plan an inventory with a known pod/service CIDR, read the
// endpoints from the generated VMs, and compare OpenStack's verdict with the cluster's for every pair.
import type { Inventory, Network, Port, Server, Subnet } from '../../src/inventory/types.js';
import { inventoryWith, project, rule, securityGroup } from './inventory-fixtures.js';
import { buildPlan, type Plan } from '../../src/plan/build.js';
import { defaultPlanConfig } from '../../src/translate/defaults.js';
import type { PlanConfig } from '../../src/translate/model.js';
import { compareAllPairs, endpointsOf, type Endpoint, type PortPacket } from './policy-evaluator.js';

export const CLUSTER: Partial<PlanConfig> = { podCidrs: ['10.244.0.0/16'], serviceCidrs: ['10.96.0.0/12'] };

/**
 * A mismatch the plan reports: a non-TCP/UDP/SCTP packet OpenStack allowed on a secondary NIC, where one of
 * the port's groups has a rule reported lost for MultiNetworkPolicy (ICMP, VRRP, GRE... cannot be said there).
 */
export function explainedBy(plan: Plan, inv: Inventory) {
  const lostGroups = new Set(
    plan.findings
      .filter((f) => f.outcome === 'lost' && f.target === 'MultiNetworkPolicy' && f.source.startsWith('securityGroup/'))
      .map((f) => f.source.slice('securityGroup/'.length)),
  );
  return (target: Endpoint, p: PortPacket, neutron: boolean) =>
    neutron &&
    target.network !== 'pod' &&
    ![6, 17, 132].includes(p.protocol) &&
    (inv.ports.find((port) => port.id === target.portId)?.securityGroupIds ?? []).some((g) => lostGroups.has(g));
}

export function checkCloud(inv: Inventory, config: Partial<PlanConfig> = {}) {
  const plan = buildPlan(inv, { ...defaultPlanConfig(), ...CLUSTER, ...config });
  const endpoints = endpointsOf(inv, plan.objects);
  return { plan, endpoints, comparison: compareAllPairs(inv, plan.objects, endpoints, { explained: explainedBy(plan, inv) }) };
}

/**
 * A cloud with the cases of issue 9: multi-port servers with different groups per port, port security off
 * on a pod port and on a secondary port, a secondary port without group, VIPs (allowed address pairs),
 * overlay and VLAN networks, a network that is the pod network for one server and a NAD for others,
 * address rules covering migrated ports, and one lying inside the pod CIDR.
 */
export function multiPortCloud(): Inventory {
  const networks: Network[] = [
    { id: 'net-a', name: 'net-a', projectId: 'p1', providerNetworkType: 'vxlan', providerSegmentationId: 11, mtu: 1450, subnetIds: ['sub-a'] },
    { id: 'net-b', name: 'net-b', projectId: 'p1', shared: true, providerNetworkType: 'geneve', providerSegmentationId: 12, mtu: 1442, subnetIds: ['sub-b'] },
    { id: 'net-v', name: 'net-v', projectId: 'p2', providerNetworkType: 'vlan', providerSegmentationId: 100, mtu: 1500, subnetIds: ['sub-v'] },
  ];
  const subnets: Subnet[] = [
    { id: 'sub-a', name: 'a', networkId: 'net-a', ipVersion: 4, cidr: '10.0.1.0/24', gatewayIp: '10.0.1.1', enableDhcp: true },
    { id: 'sub-b', name: 'b', networkId: 'net-b', ipVersion: 4, cidr: '10.0.2.0/24', gatewayIp: null, enableDhcp: false },
    { id: 'sub-v', name: 'v', networkId: 'net-v', ipVersion: 4, cidr: '192.168.10.0/24', gatewayIp: '192.168.10.1', enableDhcp: true },
  ];
  const groups = [
    securityGroup('sg-web00001', 'web', 'p1', [
      rule({ id: 'w1', protocol: 'tcp', portRangeMin: 80, portRangeMax: 80 }),
      rule({ id: 'w2', protocol: 'tcp', portRangeMin: 8000, portRangeMax: 8080, remoteIpPrefix: '10.0.0.0/8' }),
      rule({ id: 'w3', protocol: 'icmp' }),
      rule({ id: 'w4', direction: 'egress' }),
      rule({ id: 'w5', direction: 'egress', ethertype: 'IPv6' }),
    ]),
    securityGroup('sg-db000001', 'db', 'p1', [
      rule({ id: 'd1', protocol: 'tcp', portRangeMin: 5432, portRangeMax: 5432, remoteGroupId: 'sg-web00001' }),
      rule({ id: 'd2', direction: 'egress', protocol: 'tcp', portRangeMin: 53, portRangeMax: 53, remoteIpPrefix: '10.0.2.0/24' }),
    ]),
    securityGroup('sg-sto00001', 'storage', 'p1', [
      rule({ id: 's1', protocol: 'tcp', portRangeMin: 2049, portRangeMax: 2049, remoteGroupId: 'sg-sto00001' }),
      rule({ id: 's2', protocol: 'udp', portRangeMin: 111, portRangeMax: 111, remoteIpPrefix: '10.0.2.0/24' }),
      rule({ id: 's3', protocol: 'vrrp', remoteGroupId: 'sg-sto00001' }),
      rule({ id: 's4', direction: 'egress' }),
    ]),
    securityGroup('sg-adm00001', 'admin', 'p2', [
      rule({ id: 'a1', protocol: 'tcp', portRangeMin: 22, portRangeMax: 22, remoteIpPrefix: '10.0.1.5/32' }),
      rule({ id: 'a2', protocol: 'tcp', portRangeMin: 9000, portRangeMax: 9000, remoteIpPrefix: '10.244.1.0/24' }),
      rule({ id: 'a3', direction: 'egress' }),
    ]),
  ];
  const ports: Port[] = [];
  const servers: Server[] = [];
  let mac = 0;
  const add = (id: string, projectId: string, nics: { net: string; sub: string; ip: string; groups: string[]; off?: boolean; pairs?: string[] }[]) => {
    const interfaces = nics.map((n, i) => {
      const port: Port = {
        id: `${id}-p${i}`,
        networkId: n.net,
        projectId,
        macAddress: `fa:16:3e:00:01:${(mac++).toString(16).padStart(2, '0')}`,
        fixedIps: [{ ipAddress: n.ip, subnetId: n.sub }],
        deviceId: id,
        deviceOwner: 'compute:nova',
        securityGroupIds: n.off ? [] : n.groups,
        portSecurityEnabled: !n.off,
        allowedAddressPairs: (n.pairs ?? []).map((ipAddress) => ({ ipAddress })),
      };
      ports.push(port);
      return { portId: port.id, networkId: n.net, macAddress: port.macAddress, fixedIps: port.fixedIps };
    });
    servers.push({
      id,
      name: id,
      projectId,
      status: 'ACTIVE',
      powerState: 1,
      flavorId: 'f1',
      imageId: 'img1',
      blockDevices: [],
      interfaces,
      securityGroupIds: [...new Set(ports.filter((p) => p.deviceId === id).flatMap((p) => p.securityGroupIds))],
      metadata: {},
    });
  };
  add('s1', 'p1', [
    { net: 'net-a', sub: 'sub-a', ip: '10.0.1.5', groups: ['sg-web00001'] },
    { net: 'net-b', sub: 'sub-b', ip: '10.0.2.5', groups: ['sg-sto00001'], pairs: ['10.0.2.100'] },
  ]);
  add('s2', 'p1', [
    { net: 'net-a', sub: 'sub-a', ip: '10.0.1.6', groups: ['sg-db000001'] },
    { net: 'net-b', sub: 'sub-b', ip: '10.0.2.6', groups: ['sg-sto00001'], pairs: ['10.0.2.100'] },
  ]);
  add('s3', 'p1', [
    { net: 'net-a', sub: 'sub-a', ip: '10.0.1.7', groups: [], off: true },
    { net: 'net-b', sub: 'sub-b', ip: '10.0.2.7', groups: [] },
  ]);
  add('s4', 'p2', [
    { net: 'net-a', sub: 'sub-a', ip: '10.0.1.8', groups: ['sg-adm00001'] },
    { net: 'net-v', sub: 'sub-v', ip: '192.168.10.8', groups: [], off: true },
  ]);
  add('s5', 'p2', [{ net: 'net-b', sub: 'sub-b', ip: '10.0.2.9', groups: ['sg-adm00001'] }]);
  add('s6', 'p1', [
    { net: 'net-a', sub: 'sub-a', ip: '10.0.1.10', groups: ['sg-sto00001', 'sg-web00001'] },
    { net: 'net-b', sub: 'sub-b', ip: '10.0.2.10', groups: ['sg-db000001'] },
  ]);
  return inventoryWith({
    domains: [{ id: 'd1', name: 'acme' }],
    projects: [project('p1', 'web', 'd1'), project('p2', 'ops', 'd1')],
    networks,
    subnets,
    securityGroups: groups,
    servers,
    ports,
    flavors: [{ id: 'f1', name: 'm1.small', vcpus: 1, ram: 1024, disk: 10, ephemeral: 0, swap: 0, isPublic: true, extraSpecs: {} }],
    images: [
      {
        id: 'img1',
        name: 'cirros',
        status: 'active',
        visibility: 'public',
        diskFormat: 'qcow2',
        containerFormat: 'bare',
        size: 1,
        virtualSize: 1,
        minDisk: 0,
        minRam: 0,
        properties: {},
      },
    ],
  });
}
