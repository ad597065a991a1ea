// Address rules (remote_ip_prefix) on the pod network. In OpenStack a prefix such as 10.0.0.0/8 often means
// "the VMs on our subnets"; after the move those VMs have pod addresses, so an ipBlock of the old prefix
// no longer admits them, and if the cluster's pod CIDR lies inside the prefix it admits every pod instead.
// Resolution of one prefix:
// - migrated VMs whose pod-network port had an address inside it are selected by labels
//   (security-labels.ts): by Neutron subnet when the whole subnet lies inside the prefix, else by server id;
// - the ipBlock stays, for addresses outside the cloud, with the cluster's pod/service CIDRs inside it
//   excluded (`except`); a prefix that lies inside one of them is dropped (it could only match pods).
// Secondary networks keep the Neutron addresses, so their MultiNetworkPolicies keep the prefix as it is.
import type { Server } from '../inventory/types.js';
import type { PlanContext } from './context.js';
import { LABELS, toLabelValue } from './naming.js';
import { POD_SUBNET_LABELS, podNic, templateSecurityLabels } from './security-labels.js';

/** A parsed CIDR: network value, prefix length, family. */
export interface ParsedCidr { net: bigint; bits: number; family: 4 | 6; text: string }

function parseAddress(text: string): { value: bigint; family: 4 | 6 } | undefined {
  if (text.includes(':')) {
    const halves = text.split('::');
    if (halves.length > 2) return undefined;
    const words = (s: string) => (s === '' ? [] : s.split(':'));
    const left = words(halves[0]);
    const right = halves.length === 2 ? words(halves[1]) : [];
    let tail: number[] = [];
    const last = (right.length ? right : left).at(-1);
    if (last?.includes('.')) {
      const v4 = parseAddress(last);
      if (!v4 || v4.family !== 4) return undefined;
      tail = [Number(v4.value >> 16n), Number(v4.value & 0xffffn)];
      (right.length ? right : left).pop();
    }
    const given = left.length + right.length + tail.length;
    if ([...left, ...right].some((w) => !/^[0-9a-f]{1,4}$/i.test(w)) || (halves.length === 1 ? given !== 8 : given > 7)) return undefined;
    const all = [...left.map((w) => parseInt(w, 16)), ...Array(8 - given).fill(0), ...right.map((w) => parseInt(w, 16)), ...tail];
    return { value: all.reduce((acc: bigint, w: number) => (acc << 16n) | BigInt(w), 0n), family: 6 };
  }
  const parts = text.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) return undefined;
  return { value: parts.reduce((acc, p) => (acc << 8n) | BigInt(Number(p)), 0n), family: 4 };
}

export function parseCidr(text: string): ParsedCidr | undefined {
  const [address, bitsText] = text.trim().split('/');
  const parsed = parseAddress(address);
  if (!parsed) return undefined;
  const width = parsed.family === 4 ? 32 : 128;
  const bits = bitsText === undefined ? width : Number(bitsText);
  if (!Number.isInteger(bits) || bits < 0 || bits > width) return undefined;
  return { net: parsed.value & mask(bits, width), bits, family: parsed.family, text };
}

function mask(bits: number, width: number): bigint {
  return bits === 0 ? 0n : ((1n << BigInt(bits)) - 1n) << BigInt(width - bits);
}

/** Whether `inner` lies inside `outer` (same family). */
export function cidrContains(outer: ParsedCidr, inner: ParsedCidr): boolean {
  const width = outer.family === 4 ? 32 : 128;
  return outer.family === inner.family && inner.bits >= outer.bits && (inner.net & mask(outer.bits, width)) === outer.net;
}

interface PodAddress { server: Server; namespace: string; subnetId?: string; value: bigint; family: 4 | 6; labelled: boolean }
interface PodSubnet { id: string; cidr: ParsedCidr; addresses: PodAddress[] }

interface AddressIndex {
  subnets: PodSubnet[];
  /** Addresses not matched by their server's subnet label (second address of a family, unknown subnet). */
  unlabelled: PodAddress[];
  podCidrs: ParsedCidr[];
  serviceCidrs: ParsedCidr[];
  resolved: Map<string, CidrResolution>;
}

const indexCache = new WeakMap<PlanContext, AddressIndex>();

function addressIndex(ctx: PlanContext): AddressIndex {
  let index = indexCache.get(ctx);
  if (index) return index;
  const subnets = new Map<string, PodSubnet>();
  const unlabelled: PodAddress[] = [];
  for (const server of ctx.inventory.servers) {
    const namespace = ctx.namespaceByProject.get(server.projectId);
    const nic = podNic(ctx, server);
    if (!namespace || !nic) continue;
    const labels = templateSecurityLabels(ctx, server).labels;
    for (const ip of nic.port?.fixedIps ?? server.interfaces[nic.index].fixedIps) {
      const parsed = parseAddress(ip.ipAddress);
      if (!parsed) continue;
      const subnet = ip.subnetId ? ctx.index.subnets.get(ip.subnetId) : undefined;
      const labelled = !!subnet && labels[POD_SUBNET_LABELS[parsed.family]] === toLabelValue(subnet.id);
      const address: PodAddress = { server, namespace, value: parsed.value, family: parsed.family, labelled };
      const cidr = subnet && parseCidr(subnet.cidr);
      if (subnet && cidr && labelled) {
        address.subnetId = subnet.id;
        let entry = subnets.get(subnet.id);
        if (!entry) { entry = { id: subnet.id, cidr, addresses: [] }; subnets.set(subnet.id, entry); }
        entry.addresses.push(address);
      } else {
        unlabelled.push(address);
      }
    }
  }
  const cidrs = (list: string[]) => list.map(parseCidr).filter((c): c is ParsedCidr => !!c);
  index = {
    subnets: [...subnets.values()].sort((a, b) => (a.id < b.id ? -1 : 1)),
    unlabelled,
    podCidrs: cidrs(ctx.config.podCidrs),
    serviceCidrs: cidrs(ctx.config.serviceCidrs),
    resolved: new Map(),
  };
  indexCache.set(ctx, index);
  return index;
}

/** What a prefix becomes on the pod network. */
export interface CidrResolution {
  /** Neutron subnets (ids) wholly inside the prefix that have migrated pod-network ports. */
  subnetIds: string[];
  /** Servers with a pod-network address inside the prefix that their subnet label does not cover. */
  serverIds: string[];
  /** Namespaces of the selected VMs. */
  namespaces: string[];
  family: 4 | 6;
  /** undefined: the prefix lies inside a pod/service CIDR and is dropped. */
  ipBlock?: { cidr: string; except?: string[] };
  /** Pod/service CIDRs excluded from the ipBlock, or the one that swallowed it. */
  excluded: string[];
  swallowedBy?: string;
}

/** Resolve a normalized prefix (as rulePeer gives it); cached per plan. */
export function resolveCidr(ctx: PlanContext, cidrText: string): CidrResolution {
  const index = addressIndex(ctx);
  const cached = index.resolved.get(cidrText);
  if (cached) return cached;
  const cidr = parseCidr(cidrText)!;
  const width = cidr.family === 4 ? 32 : 128;
  const subnetIds: string[] = [];
  const servers = new Map<string, Server>();
  const namespaces = new Set<string>();
  const inside = (a: PodAddress) => a.family === cidr.family && (a.value & mask(cidr.bits, width)) === cidr.net;
  for (const subnet of index.subnets) {
    if (cidrContains(cidr, subnet.cidr)) {
      subnetIds.push(subnet.id);
      for (const a of subnet.addresses) namespaces.add(a.namespace);
    } else if (cidrContains(subnet.cidr, cidr)) {
      for (const a of subnet.addresses) if (inside(a)) { servers.set(a.server.id, a.server); namespaces.add(a.namespace); }
    }
  }
  for (const a of index.unlabelled) if (inside(a)) { servers.set(a.server.id, a.server); namespaces.add(a.namespace); }
  const cluster = [...index.podCidrs, ...index.serviceCidrs].filter((c) => c.family === cidr.family);
  const swallowedBy = cluster.find((c) => cidrContains(c, cidr));
  const excluded = swallowedBy ? [swallowedBy.text] : cluster.filter((c) => cidrContains(cidr, c)).map((c) => c.text);
  const result: CidrResolution = {
    subnetIds,
    serverIds: [...servers.keys()].sort().map(toLabelValue),
    namespaces: [...namespaces].sort(),
    family: cidr.family,
    excluded,
  };
  if (swallowedBy) result.swallowedBy = swallowedBy.text;
  else result.ipBlock = excluded.length > 0 ? { cidr: cidrText, except: excluded } : { cidr: cidrText };
  index.resolved.set(cidrText, result);
  return result;
}

/** Label selectors (NetworkPolicy form) of the migrated VMs a resolution selects. */
export function resolutionSelectors(r: CidrResolution): { key: string; values: string[] }[] {
  const out: { key: string; values: string[] }[] = [];
  if (r.subnetIds.length > 0) out.push({ key: POD_SUBNET_LABELS[r.family], values: r.subnetIds.map(toLabelValue) });
  if (r.serverIds.length > 0) out.push({ key: LABELS.serverId, values: r.serverIds });
  return out;
}

/** How a resolution differs from a plain ipBlock, for the rule's finding; undefined when it does not. */
export function describeResolution(ctx: PlanContext, cidr: string, r: CidrResolution): { severity: 'info' | 'warning'; reason: string } | undefined {
  const parts: string[] = [];
  const selected = r.subnetIds.length + r.serverIds.length > 0;
  if (selected && r.family === 6) {
    parts.push(`${cidr} held migrated VMs, which now have pod addresses: Calico rules (which carry the IP family) select them by label; a NetworkPolicy pod selector would also open their IPv4 traffic, so NetworkPolicy rules keep only the ipBlock and those VMs' IPv6 pod addresses (dual-stack clusters) are not admitted by them`);
  } else if (selected) {
    parts.push(`${cidr} held migrated VMs (${r.subnetIds.length ? `subnets ${r.subnetIds.join(', ')}` : ''}${r.subnetIds.length && r.serverIds.length ? '; ' : ''}${r.serverIds.length ? `servers ${r.serverIds.join(', ')}` : ''}), which now have pod addresses: they are selected by labels`);
  }
  if (r.swallowedBy) {
    parts.push(`${cidr} lies inside the cluster's pod/service CIDR ${r.swallowedBy}: as an ipBlock it would admit whichever pods get those addresses, so it is dropped (outside addresses in it are not routable from the cluster anyway)`);
    return { severity: 'warning', reason: parts.join('; ') };
  }
  if (r.excluded.length > 0) parts.push(`the cluster's pod/service CIDR ${r.excluded.join(', ')} inside ${cidr} is excluded (ipBlock except), or the rule would admit every pod of every tenant`);
  else if (selected) {
    parts.push(ctx.config.podCidrs.length === 0
      ? `the ipBlock stays for addresses outside the cloud; the cluster's pod CIDR is not known (--pod-cidr): if it overlaps ${cidr}, the ipBlock also admits those pods`
      : 'the ipBlock stays for addresses outside the cloud');
  }
  if (parts.length === 0) return undefined;
  return { severity: r.excluded.length > 0 ? 'warning' : 'info', reason: parts.join('; ') };
}
