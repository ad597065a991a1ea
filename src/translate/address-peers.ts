// Address rules (remote_ip_prefix) on the pod network. In OpenStack a prefix such as 10.0.0.0/8 often means
// "the VMs on our subnets"; after the move those VMs have pod addresses, so an ipBlock of the old prefix
// no longer admits them, and if the cluster's pod CIDR lies inside the prefix it admits every pod instead.
// Resolution of one prefix:
// - migrated VMs whose pod-network port had an address inside it carry its prefix label
//   (prefix-labels.ts) and are selected by it, in every namespace;
// - the ipBlock stays, for addresses outside the cloud, with the cluster's pod/service CIDRs inside it
//   excluded (`except`); a prefix that lies inside one of them is dropped (it could only match pods).
// Secondary networks keep the Neutron addresses, so their MultiNetworkPolicies keep the prefix as it is.
import type { PlanContext } from './context.js';
import { type ParsedCidr, cidrContains, coveringPrefixLabels, parseCidr, prefixLabelKey } from './prefix-labels.js';
import { podNic } from './security-labels.js';

interface AddressIndex {
  /** Prefix label key → how many migrated VMs carry it. */
  members: Map<string, number>;
  podCidrs: { cidr: ParsedCidr; text: string }[];
  serviceCidrs: { cidr: ParsedCidr; text: string }[];
  resolved: Map<string, CidrResolution>;
}

const indexCache = new WeakMap<PlanContext, AddressIndex>();

function addressIndex(ctx: PlanContext): AddressIndex {
  let index = indexCache.get(ctx);
  if (index) return index;
  const members = new Map<string, number>();
  for (const server of ctx.inventory.servers) {
    if (!ctx.namespaceByProject.has(server.projectId)) continue;
    const nic = podNic(ctx, server);
    if (!nic) continue;
    // nic.index numbers one of the server's interfaces (nicSecurityOf).
    const addresses = (nic.port?.fixedIps ?? server.interfaces[nic.index]!.fixedIps).map((ip) => ip.ipAddress);
    for (const key of coveringPrefixLabels(ctx, addresses)) members.set(key, (members.get(key) ?? 0) + 1);
  }
  const cidrs = (list: string[]) =>
    list.flatMap((text) => {
      const cidr = parseCidr(text);
      return cidr ? [{ cidr, text }] : [];
    });
  index = { members, podCidrs: cidrs(ctx.config.podCidrs), serviceCidrs: cidrs(ctx.config.serviceCidrs), resolved: new Map() };
  indexCache.set(ctx, index);
  return index;
}

/** What a prefix becomes on the pod network. */
export interface CidrResolution {
  family: 4 | 6;
  /** The prefix label that selects the migrated VMs inside the prefix; absent when there are none. */
  labelKey?: string;
  /** How many migrated VMs carry it. */
  members: number;
  /** undefined: the prefix lies inside a pod/service CIDR and is dropped. */
  ipBlock?: { cidr: string; except?: string[] };
  /** Pod/service CIDRs excluded from the ipBlock. */
  excluded: string[];
  /** The pod/service CIDR the prefix lies inside. */
  swallowedBy?: string;
}

/** Resolve a normalized prefix (as rulePeer gives it); cached per plan. */
export function resolveCidr(ctx: PlanContext, cidrText: string): CidrResolution {
  const index = addressIndex(ctx);
  const cached = index.resolved.get(cidrText);
  if (cached) return cached;
  const cidr = parseCidr(cidrText)!;
  const key = prefixLabelKey(cidr);
  const members = index.members.get(key) ?? 0;
  const cluster = [...index.podCidrs, ...index.serviceCidrs].filter((c) => c.cidr.family === cidr.family);
  const swallowedBy = cluster.find((c) => cidrContains(c.cidr, cidr))?.text;
  const excluded = swallowedBy ? [] : cluster.filter((c) => cidrContains(cidr, c.cidr)).map((c) => c.text);
  const result: CidrResolution = { family: cidr.family, members, excluded };
  if (members > 0) result.labelKey = key;
  if (swallowedBy) result.swallowedBy = swallowedBy;
  else result.ipBlock = excluded.length > 0 ? { cidr: cidrText, except: excluded } : { cidr: cidrText };
  index.resolved.set(cidrText, result);
  return result;
}

/** How a resolution differs from a plain ipBlock, for the rule's finding; undefined when it does not. */
export function describeResolution(ctx: PlanContext, cidr: string, r: CidrResolution): { severity: 'info' | 'warning'; reason: string } | undefined {
  const parts: string[] = [];
  if (r.labelKey && r.family === 6) {
    parts.push(
      `${cidr} held ${r.members} migrated VM(s), which now have pod addresses: Calico rules (which carry the IP family) select them by the label ${r.labelKey}; a NetworkPolicy pod selector would also open their IPv4 traffic, so NetworkPolicy rules keep only the ipBlock and their IPv6 pod addresses (dual-stack clusters) are not admitted by them`,
    );
  } else if (r.labelKey) {
    parts.push(`${cidr} held ${r.members} migrated VM(s), which now have pod addresses: they are selected by the label ${r.labelKey}`);
  }
  if (r.swallowedBy) {
    parts.push(
      `${cidr} lies inside the cluster's pod/service CIDR ${r.swallowedBy}: as an ipBlock it would admit whichever pods get those addresses, so it is dropped (outside addresses in it are not routable from the cluster anyway)`,
    );
    return { severity: 'warning', reason: parts.join('; ') };
  }
  if (r.excluded.length > 0) {
    parts.push(
      `the cluster's pod/service CIDR ${r.excluded.join(', ')} inside ${cidr} is excluded (ipBlock except), or the rule would admit every pod of every tenant`,
    );
  } else if (r.labelKey) {
    parts.push(
      ctx.config.podCidrs.length === 0
        ? `the ipBlock stays for addresses outside the cloud; the cluster's pod CIDR is not known (--pod-cidr): if it overlaps ${cidr}, the ipBlock also admits those pods`
        : 'the ipBlock stays for addresses outside the cloud',
    );
  }
  if (parts.length === 0) return undefined;
  return { severity: r.excluded.length > 0 ? 'warning' : 'info', reason: parts.join('; ') };
}
