// Two small, independent packet evaluators, for tests that compare them packet by packet:
// - neutronAllows: Neutron's security-group semantics, straight from the inventory (union of the rules of
//   the port's groups; no group and port security → nothing passes);
// - clusterAllows: Kubernetes NetworkPolicy semantics as Calico enforces them, plus Calico NetworkPolicies
//   (all in the default tier; first Allow wins; an endpoint a policy selects for a direction is denied at
//   the end of the tier when nothing matched; an endpoint nothing selects is open).
// Neither uses the translation code: protocol names, CIDR matching (node:net BlockList) and Calico
// selectors are implemented here on their own.
import { BlockList, isIPv6 } from 'node:net';
import type { Inventory, SecurityGroupRule, Server } from '../../src/inventory/types.js';
import type { KubeObject } from '../../src/translate/model.js';
import { must } from './must.js';

export interface Pod {
  serverId: string;
  namespace: string;
  labels: Record<string, string>;
  /** IPv4 address of the pod (the only family pods have in these tests). */
  ip: string;
}

export type Peer = { pod: Pod } | { ip: string };

export interface Packet {
  /** Seen from the target VM: ingress = the peer sends to it; egress = it sends to the peer. */
  direction: 'ingress' | 'egress';
  ipVersion: 4 | 6;
  /** IANA protocol number. */
  protocol: number;
  port?: number;
  icmpType?: number;
  icmpCode?: number;
  peer: Peer;
}

const NAMES: Record<string, number> = { tcp: 6, udp: 17, sctp: 132, icmp: 1, 'ipv6-icmp': 58, icmpv6: 58, vrrp: 112, gre: 47, udplite: 136, dccp: 33, esp: 50 };
const PORTED = new Set([6, 17, 132, 136, 33]);

function peerIp(p: Packet): string | undefined {
  if ('ip' in p.peer) return p.peer.ip;
  return p.ipVersion === 4 ? p.peer.pod.ip : undefined;
}

function inCidr(ip: string | undefined, cidr: string): boolean {
  if (!ip) return false;
  const [net = '', bits] = cidr.split('/'); // split returns at least one element
  const family = isIPv6(net) ? 'ipv6' : 'ipv4';
  if ((family === 'ipv6') !== isIPv6(ip)) return false;
  const list = new BlockList();
  list.addSubnet(net, Number(bits ?? (family === 'ipv6' ? 128 : 32)), family);
  return list.check(ip, family);
}

// ------------------------------------------------------------------------------------ Neutron

function neutronRuleMatches(inv: Inventory, rule: SecurityGroupRule, p: Packet): boolean {
  if (rule.direction !== p.direction) return false;
  if ((rule.ethertype === 'IPv6' ? 6 : 4) !== p.ipVersion) return false;
  const raw = rule.protocol == null ? 'any' : String(rule.protocol).toLowerCase();
  if (raw !== 'any' && raw !== '0') {
    let proto = /^\d+$/.test(raw) ? Number(raw) : NAMES[raw];
    if (proto === 1 && rule.ethertype === 'IPv6') proto = 58;
    if (proto !== p.protocol) return false;
    if (PORTED.has(proto) && rule.portRangeMin != null) {
      if (p.port === undefined || p.port < rule.portRangeMin || p.port > (rule.portRangeMax ?? rule.portRangeMin)) return false;
    }
    if (proto === 1 || proto === 58) {
      if (rule.portRangeMin != null && p.icmpType !== rule.portRangeMin) return false;
      if (rule.portRangeMax != null && p.icmpCode !== rule.portRangeMax) return false;
    }
  }
  if (rule.remoteIpPrefix) return inCidr(peerIp(p), rule.remoteIpPrefix);
  if (rule.remoteGroupId) {
    if (!('pod' in p.peer) || peerIp(p) === undefined) return false;
    const member = inv.servers.find((s) => s.id === (p.peer as { pod: Pod }).pod.serverId);
    return !!member && member.securityGroupIds.includes(rule.remoteGroupId);
  }
  if (rule.remoteAddressGroupId) throw new Error('address groups are not evaluated');
  return true;
}

export function neutronAllows(inv: Inventory, target: Server, p: Packet): boolean {
  for (const gid of target.securityGroupIds) {
    const group = inv.securityGroups.find((g) => g.id === gid);
    if (group?.rules.some((r) => neutronRuleMatches(inv, r, p))) return true;
  }
  return false;
}

// ------------------------------------------------------------------------------------ Cluster

interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

function selects(sel: LabelSelector | undefined, labels: Record<string, string>): boolean {
  if (!sel) return true;
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of sel.matchExpressions ?? []) {
    const value = Object.hasOwn(labels, e.key) ? labels[e.key] : undefined;
    const has = value !== undefined;
    if (e.operator === 'In' && !(has && e.values!.includes(value))) return false;
    if (e.operator === 'NotIn' && has && e.values!.includes(value)) return false;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

function namespaceLabels(ns: string): Record<string, string> {
  return { 'kubernetes.io/metadata.name': ns };
}

/** Calico selector subset: `k == 'v'`, `k != 'v'`, `has(k)`, `!has(k)`, `k in { 'a', 'b' }`, `all()`, joined by &&. */
export function calicoSelectorMatches(selector: string, labels: Record<string, string>): boolean {
  const terms = selector
    .split('&&')
    .map((t) => t.trim())
    .filter(Boolean);
  return terms.every((term) => {
    let m: RegExpExecArray | null;
    // Every group of the patterns below takes part in a match.
    const group = (i: number) => must(m?.[i], `group ${i} of selector term ${term}`);
    if (term === 'all()') return true;
    if ((m = /^has\(([^)]+)\)$/.exec(term))) return Object.hasOwn(labels, group(1).trim());
    if ((m = /^!has\(([^)]+)\)$/.exec(term))) return !Object.hasOwn(labels, group(1).trim());
    if ((m = /^(\S+)\s*==\s*'([^']*)'$/.exec(term))) return labels[group(1)] === group(2);
    if ((m = /^(\S+)\s*!=\s*'([^']*)'$/.exec(term))) return labels[group(1)] !== group(2);
    if ((m = /^(\S+)\s+in\s+\{([^}]*)\}$/.exec(term))) {
      const values = group(2)
        .split(',')
        .map((v) => v.trim().replace(/^'|'$/g, ''));
      const value = Object.hasOwn(labels, group(1)) ? labels[group(1)] : undefined;
      return value !== undefined && values.includes(value);
    }
    throw new Error(`selector term not understood: ${term}`);
  });
}

const K8S_PROTOCOLS: Record<string, number> = { TCP: 6, UDP: 17, SCTP: 132 };
const CALICO_PROTOCOLS: Record<string, number> = { TCP: 6, UDP: 17, SCTP: 132, ICMP: 1, ICMPv6: 58, UDPLite: 136 };

type NpPeer = { ipBlock?: { cidr: string; except?: string[] }; podSelector?: LabelSelector; namespaceSelector?: LabelSelector };
type NpRule = { ports?: { protocol?: string; port?: number; endPort?: number }[]; from?: NpPeer[]; to?: NpPeer[] };

function npPeerMatches(peer: NpPeer, policyNs: string, p: Packet): boolean {
  if (peer.ipBlock) {
    // Calico applies ipBlock to every address, pods included.
    const ip = peerIp(p);
    return inCidr(ip, peer.ipBlock.cidr) && !(peer.ipBlock.except ?? []).some((c) => inCidr(ip, c));
  }
  if (!('pod' in p.peer)) return false;
  const pod = p.peer.pod;
  if (p.ipVersion !== 4) return false; // pods have IPv4 only here
  if (peer.namespaceSelector) return selects(peer.namespaceSelector, namespaceLabels(pod.namespace)) && selects(peer.podSelector, pod.labels);
  return pod.namespace === policyNs && selects(peer.podSelector, pod.labels);
}

function npRuleMatches(rule: NpRule, policyNs: string, p: Packet): boolean {
  if (rule.ports && rule.ports.length > 0) {
    const ok = rule.ports.some(
      (port) =>
        K8S_PROTOCOLS[port.protocol ?? 'TCP'] === p.protocol &&
        (port.port === undefined || (p.port !== undefined && p.port >= port.port && p.port <= (port.endPort ?? port.port))),
    );
    if (!ok) return false;
  }
  const peers = p.direction === 'ingress' ? rule.from : rule.to;
  if (!peers || peers.length === 0) return true;
  return peers.some((peer) => npPeerMatches(peer, policyNs, p));
}

type CalicoEntity = { nets?: string[]; selector?: string; namespaceSelector?: string; ports?: unknown[] };
type CalicoRule = {
  action: string;
  protocol?: string | number;
  ipVersion?: number;
  icmp?: { type?: number; code?: number };
  source?: CalicoEntity;
  destination?: CalicoEntity;
};

function calicoEntityMatches(e: CalicoEntity | undefined, policyNs: string, p: Packet): boolean {
  if (!e) return true;
  if (e.ports) throw new Error('ports are not evaluated');
  if (e.nets && !e.nets.some((n) => inCidr(peerIp(p), n))) return false;
  if (e.selector || e.namespaceSelector) {
    if (!('pod' in p.peer) || peerIp(p) === undefined) return false;
    const pod = p.peer.pod;
    if (e.namespaceSelector) {
      if (!calicoSelectorMatches(e.namespaceSelector, namespaceLabels(pod.namespace))) return false;
    } else if (pod.namespace !== policyNs) return false;
    if (e.selector && !calicoSelectorMatches(e.selector, pod.labels)) return false;
  }
  return true;
}

function calicoRuleMatches(rule: CalicoRule, policyNs: string, p: Packet): boolean {
  if (rule.ipVersion !== undefined && rule.ipVersion !== p.ipVersion) return false;
  if (rule.protocol !== undefined) {
    const proto = typeof rule.protocol === 'number' ? rule.protocol : CALICO_PROTOCOLS[rule.protocol];
    if (proto !== p.protocol) return false;
  }
  if (rule.icmp) {
    if (rule.icmp.type !== undefined && rule.icmp.type !== p.icmpType) return false;
    if (rule.icmp.code !== undefined && rule.icmp.code !== p.icmpCode) return false;
  }
  const peerEntity = p.direction === 'ingress' ? rule.source : rule.destination;
  return calicoEntityMatches(peerEntity, policyNs, p);
}

/** Whether the policies let the packet reach (ingress) or leave (egress) the target pod. */
export function clusterAllows(objects: KubeObject[], target: Pod, p: Packet): boolean {
  const dirType = p.direction === 'ingress' ? 'Ingress' : 'Egress';
  let isolated = false;
  let allowed = false;
  for (const o of objects) {
    if (o.metadata.namespace !== target.namespace) continue;
    const spec = o.spec as Record<string, unknown>;
    if (o.apiVersion === 'networking.k8s.io/v1' && o.kind === 'NetworkPolicy') {
      if (!selects(spec.podSelector as LabelSelector, target.labels)) continue;
      if (!(spec.policyTypes as string[]).includes(dirType)) continue;
      isolated = true;
      const rules = (spec[p.direction] as NpRule[] | undefined) ?? [];
      if (rules.some((r) => npRuleMatches(r, target.namespace, p))) allowed = true;
    } else if (o.kind === 'NetworkPolicy' && o.apiVersion.includes('projectcalico.org')) {
      if (!calicoSelectorMatches(spec.selector as string, target.labels)) continue;
      if (!(spec.types as string[]).includes(dirType)) continue;
      isolated = true;
      const rules = (spec[p.direction] as CalicoRule[] | undefined) ?? [];
      for (const r of rules) {
        if (r.action !== 'Allow') throw new Error(`only Allow rules are evaluated, got ${r.action}`);
        if (calicoRuleMatches(r, target.namespace, p)) allowed = true;
      }
    }
  }
  return !isolated || allowed;
}

// ==================================================================================================
// Per-port semantics (issue 9). Neutron filters each port with that port's groups; the cluster filters the
// pod-network interface with NetworkPolicies (+ Calico) and each secondary interface with the
// MultiNetworkPolicies whose k8s.v1.cni.cncf.io/policy-for names its NAD. An endpoint is one NIC of one
// server, on one cluster network ('pod' or "<namespace>/<nad>"), with the address the peer sees there:
// the pod address on the pod network, the kept Neutron address on a secondary network. Labels and
// networks are read from the generated VirtualMachines, never recomputed.

export interface Endpoint {
  serverId: string;
  nicIndex: number;
  /** 'pod' or the NAD as "<namespace>/<name>". */
  network: string;
  namespace: string;
  /** Labels of the virt-launcher pod (the VM template's). */
  labels: Record<string, string>;
  /** Address the cluster sees per family (pod network: IPv4 pod address only). */
  clusterIps: { 4?: string; 6?: string };
  /** The Neutron port behind the NIC. */
  portId: string;
}

export type PortPeer = { endpoint: Endpoint } | { ip: string };
export interface PortPacket extends Omit<Packet, 'peer'> {
  peer: PortPeer;
}

/** Endpoints of every NIC of every VM of a plan; pod addresses from podCidr (a /16) in plan order. */
export function endpointsOf(inv: Inventory, objects: KubeObject[], podCidrBase = '10.244'): Endpoint[] {
  const endpoints: Endpoint[] = [];
  let n = 0;
  for (const vm of objects.filter((o) => o.kind === 'VirtualMachine')) {
    const template = (
      vm.spec as {
        template: { metadata: { labels: Record<string, string> }; spec: { networks: { name: string; pod?: object; multus?: { networkName: string } }[] } };
      }
    ).template;
    const serverId = must(vm.metadata.annotations?.['openstack-migrate.io/source-id'], `the source-id annotation of VM ${vm.metadata.name}`);
    const server = inv.servers.find((s) => s.id === serverId)!;
    const namespace = vm.metadata.namespace!;
    template.spec.networks.forEach((net, nicIndex) => {
      const iface = must(server.interfaces[nicIndex], `interface ${nicIndex} of server ${serverId}`);
      const port = inv.ports.find((p) => p.id === iface.portId)!;
      const network = net.pod ? 'pod' : net.multus!.networkName.includes('/') ? net.multus!.networkName : `${namespace}/${net.multus!.networkName}`;
      const clusterIps: Endpoint['clusterIps'] = {};
      if (network === 'pod') {
        n++;
        clusterIps[4] = `${podCidrBase}.${Math.floor(n / 250)}.${(n % 250) + 1}`;
      } else {
        for (const ip of port.fixedIps) clusterIps[isIPv6(ip.ipAddress) ? 6 : 4] ??= ip.ipAddress;
      }
      endpoints.push({ serverId, nicIndex, network, namespace, labels: template.metadata.labels, clusterIps, portId: port.id });
    });
  }
  return endpoints;
}

function portOf(inv: Inventory, portId: string) {
  return inv.ports.find((p) => p.id === portId)!;
}

/** The address a peer sends from in OpenStack: its port's fixed IP of the family, or the outside address. */
function neutronPeerIp(inv: Inventory, peer: PortPeer, ipVersion: 4 | 6): string | undefined {
  if ('ip' in peer) return (isIPv6(peer.ip) ? 6 : 4) === ipVersion ? peer.ip : undefined;
  return portOf(inv, peer.endpoint.portId)
    .fixedIps.map((f) => f.ipAddress)
    .find((a) => (isIPv6(a) ? 6 : 4) === ipVersion);
}

/** Every address Neutron puts in a remote group's set: fixed IPs and allowed address pairs of member ports. */
function groupAddresses(inv: Inventory, groupId: string): string[] {
  return inv.ports
    .filter((p) => p.securityGroupIds.includes(groupId) && p.portSecurityEnabled !== false)
    .flatMap((p) => [...p.fixedIps.map((f) => f.ipAddress), ...(p.allowedAddressPairs ?? []).map((a) => a.ipAddress)]);
}

function neutronPortRuleMatches(inv: Inventory, rule: SecurityGroupRule, p: PortPacket): boolean {
  const ip = neutronPeerIp(inv, p.peer, p.ipVersion);
  if (ip === undefined) return false;
  // The protocol/port part is the same as the per-VM evaluator's; only who the peer is differs.
  const shape: Packet = { ...p, peer: { ip } };
  if (rule.remoteGroupId) {
    if (!neutronRuleMatches(inv, { ...rule, remoteGroupId: null }, shape)) return false;
    return groupAddresses(inv, rule.remoteGroupId).some((a) => a.split('/')[0] === ip);
  }
  return neutronRuleMatches(inv, rule, shape);
}

/** OpenStack's verdict for a packet at one port: its groups' rules; port security off lets everything pass. */
export function neutronPortAllows(inv: Inventory, target: Endpoint, p: PortPacket): boolean {
  const port = portOf(inv, target.portId);
  if (port.portSecurityEnabled === false) return true;
  for (const gid of port.securityGroupIds) {
    const group = inv.securityGroups.find((g) => g.id === gid);
    if (group?.rules.some((r) => neutronPortRuleMatches(inv, r, p))) return true;
  }
  return false;
}

/** The address the cluster sees for a peer on the target's network. */
function clusterPeerIp(peer: PortPeer, ipVersion: 4 | 6): string | undefined {
  if ('ip' in peer) return (isIPv6(peer.ip) ? 6 : 4) === ipVersion ? peer.ip : undefined;
  return peer.endpoint.clusterIps[ipVersion];
}

/** Whether a MultiNetworkPolicy applies to a NAD: its policy-for list, bare names in its own namespace. */
function policyFor(o: KubeObject): string[] {
  const raw = o.metadata.annotations?.['k8s.v1.cni.cncf.io/policy-for'];
  if (!raw) return [];
  return raw
    .split(',')
    .map((s) => s.replace(/\s/g, ''))
    .filter(Boolean)
    .map((s) => (s.includes('/') ? s : `${o.metadata.namespace}/${s}`));
}

function mnpAllows(objects: KubeObject[], target: Endpoint, p: PortPacket): boolean {
  const dirType = p.direction === 'ingress' ? 'Ingress' : 'Egress';
  const ip = clusterPeerIp(p.peer, p.ipVersion);
  let isolated = false;
  let allowed = false;
  for (const o of objects) {
    if (o.kind !== 'MultiNetworkPolicy' || o.metadata.namespace !== target.namespace) continue;
    if (!policyFor(o).includes(target.network)) continue;
    const spec = o.spec as Record<string, unknown>;
    if (!selects(spec.podSelector as LabelSelector, target.labels)) continue;
    if (!(spec.policyTypes as string[]).includes(dirType)) continue;
    isolated = true;
    for (const rule of (spec[p.direction] as NpRule[] | undefined) ?? []) {
      if (
        rule.ports &&
        rule.ports.length > 0 &&
        !rule.ports.some(
          (port) =>
            K8S_PROTOCOLS[port.protocol ?? 'TCP'] === p.protocol &&
            (port.port === undefined || (p.port !== undefined && p.port >= port.port && p.port <= (port.endPort ?? port.port))),
        )
      )
        continue;
      const peers = p.direction === 'ingress' ? rule.from : rule.to;
      if (!peers || peers.length === 0) {
        allowed = true;
        continue;
      }
      for (const peer of peers) {
        // The plan writes ipBlock peers only on secondary networks (their NADs have no IPAM).
        if (!peer.ipBlock) throw new Error('only ipBlock peers are evaluated on secondary networks');
        if (inCidr(ip, peer.ipBlock.cidr) && !(peer.ipBlock.except ?? []).some((c) => inCidr(ip, c))) allowed = true;
      }
    }
  }
  return !isolated || allowed;
}

/** The cluster's verdict at one endpoint (assuming MultiNetworkPolicies are enforced on its NAD). */
export function clusterPortAllows(objects: KubeObject[], target: Endpoint, p: PortPacket): boolean {
  if (target.network !== 'pod') return mnpAllows(objects, target, p);
  const ip = clusterPeerIp(p.peer, p.ipVersion);
  if (ip === undefined) return false; // nothing to send from on this network
  const pod: Pod = { serverId: target.serverId, namespace: target.namespace, labels: target.labels, ip: target.clusterIps[4] ?? '' };
  const peer: Peer =
    'ip' in p.peer
      ? { ip: p.peer.ip }
      : {
          pod: { serverId: p.peer.endpoint.serverId, namespace: p.peer.endpoint.namespace, labels: p.peer.endpoint.labels, ip },
        };
  return clusterAllows(objects, pod, { ...p, peer });
}

export interface Comparison {
  packets: number;
  allowed: number;
  mismatches: string[];
}

/** Compare the two verdicts over every ordered pair of endpoints on a common cluster network, and outside peers. */
export function compareAllPairs(
  inv: Inventory,
  objects: KubeObject[],
  endpoints: Endpoint[],
  options: {
    externals?: string[];
    l4Ports?: number[];
    icmp?: [number, number][];
    otherProtocols?: number[];
    /** Mismatches the plan reports (e.g. ICMP on a secondary network): return true to not count them. */
    explained?: (target: Endpoint, p: PortPacket, neutron: boolean) => boolean;
  } = {},
): Comparison {
  const externals = options.externals ?? ['8.8.8.8', '10.1.2.3', '192.168.1.5', '172.16.5.5', '203.0.113.9', '2001:db8::1', 'fd00::5'];
  const l4Ports = options.l4Ports ?? [22, 53, 80, 123, 443, 1433, 3389, 3868, 5060, 5432, 8000, 8080, 8443, 9100, 30000];
  const icmp = options.icmp ?? [
    [8, 0],
    [0, 0],
    [3, 4],
    [128, 0],
  ];
  const other = options.otherProtocols ?? [112, 47];
  const result: Comparison = { packets: 0, allowed: 0, mismatches: [] };
  for (const target of endpoints) {
    const peers: PortPeer[] = [
      ...externals.map((ip) => ({ ip })),
      ...endpoints.filter((e) => e.serverId !== target.serverId && e.network === target.network).map((endpoint) => ({ endpoint })),
    ];
    for (const peer of peers) {
      for (const ipVersion of [4, 6] as const) {
        if (clusterPeerIp(peer, ipVersion) === undefined || neutronPeerIp(inv, peer, ipVersion) === undefined) continue;
        if (target.network === 'pod' && ipVersion === 6) continue; // pods are single-stack IPv4 here
        if (target.clusterIps[ipVersion] === undefined && target.network !== 'pod') continue;
        for (const direction of ['ingress', 'egress'] as const) {
          const packets: PortPacket[] = [];
          for (const protocol of [6, 17, 132]) for (const port of l4Ports) packets.push({ direction, ipVersion, protocol, port, peer });
          for (const [icmpType, icmpCode] of icmp) packets.push({ direction, ipVersion, protocol: ipVersion === 4 ? 1 : 58, icmpType, icmpCode, peer });
          for (const protocol of other) packets.push({ direction, ipVersion, protocol, peer });
          for (const p of packets) {
            const neutron = neutronPortAllows(inv, target, p);
            const cluster = clusterPortAllows(objects, target, p);
            result.packets++;
            if (neutron) result.allowed++;
            if (neutron === cluster || options.explained?.(target, p, neutron)) continue;
            const who = 'ip' in peer ? peer.ip : `${peer.endpoint.serverId}#${peer.endpoint.nicIndex}`;
            result.mismatches.push(
              `${target.serverId}#${target.nicIndex} (${target.network}) ${direction} v${ipVersion} proto ${p.protocol} port ${p.port ?? '-'} icmp ${p.icmpType ?? '-'}/${p.icmpCode ?? '-'} peer ${who}: openstack ${neutron}, cluster ${cluster}`,
            );
          }
        }
      }
    }
  }
  return result;
}
