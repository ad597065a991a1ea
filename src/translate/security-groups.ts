// Neutron security groups → networking.k8s.io/v1 NetworkPolicies (the rules plain NetworkPolicy can say:
// any protocol, TCP/UDP/SCTP with port ranges). ICMP and other protocols go to Calico (calico-policies.ts),
// which reuses the rule analysis of this file.
//
// Semantics carried over:
// - A security group is an allow-list for both directions; the groups of a port add up (union).
// - One NetworkPolicy per (group, namespace where a server uses it). It selects the group's membership label
//   (securityGroupLabelKey, set on the VM template) and lists both policyTypes, so a selected VM is isolated
//   in both directions even when the group has no rule for one of them; ingress/egress list what the group
//   allows. NetworkPolicies also add up, so a VM with several groups gets the union, as in Neutron.
// - Both are stateful: replies to allowed connections pass.
import type { SecurityGroup, SecurityGroupRule, Server } from '../inventory/types.js';
import type { PlanContext } from './context.js';
import type { NetworkPolicyEgressRule, NetworkPolicyIngressRule } from '../kube-types/index.js';
import type { Finding, PlanObject, Translation } from './model.js';
import { podNic } from './security-labels.js';
import { describeResolution, resolveCidr } from './address-peers.js';
import { LABELS, SECURITY_GROUP_LABEL_VALUE, securityGroupLabelKey, toDnsLabel, toLabelValue } from './naming.js';
import { planLabels, sourceAnnotations } from './tenancy.js';

// ---------------------------------------------------------------------------------------------------
// Rule analysis (shared with calico-policies.ts)

/** Neutron protocol names (neutron-lib constants IP_PROTOCOL_MAP) → IANA numbers. */
const PROTOCOL_NUMBERS: Record<string, number> = {
  ah: 51,
  dccp: 33,
  egp: 8,
  esp: 50,
  gre: 47,
  hopopt: 0,
  icmp: 1,
  igmp: 2,
  ipip: 4,
  'ipv6-encap': 41,
  'ipv6-frag': 44,
  'ipv6-icmp': 58,
  icmpv6: 58,
  'ipv6-nonxt': 59,
  'ipv6-opts': 60,
  'ipv6-route': 43,
  ospf: 89,
  pgm: 113,
  rsvp: 46,
  sctp: 132,
  tcp: 6,
  udp: 17,
  udplite: 136,
  vrrp: 112,
};

export type RuleProtocol =
  | { kind: 'any' }
  | { kind: 'l4'; name: 'TCP' | 'UDP' | 'SCTP' }
  | { kind: 'icmp'; ipVersion: 4 | 6 }
  | { kind: 'other'; number: number; label: string }
  | { kind: 'invalid'; reason: string };

/** What a rule's protocol means, as Neutron's firewall drivers apply it. */
const protocolCache = new WeakMap<SecurityGroupRule, RuleProtocol>();

export function ruleProtocol(rule: SecurityGroupRule): RuleProtocol {
  // Rules are looked at by several modules and once per namespace of their group: analyse each once.
  let cached = protocolCache.get(rule);
  if (!cached) {
    cached = analyseProtocol(rule);
    protocolCache.set(rule, cached);
  }
  return cached;
}

function analyseProtocol(rule: SecurityGroupRule): RuleProtocol {
  const raw = rule.protocol == null ? '' : String(rule.protocol).trim().toLowerCase();
  if (raw === '' || raw === 'any') return { kind: 'any' };
  const number = /^\d+$/.test(raw) ? Number(raw) : PROTOCOL_NUMBERS[raw];
  if (number === undefined || number > 255) return { kind: 'invalid', reason: `unknown protocol "${rule.protocol}"` };
  // Protocol 0 (hopopt) is how Neutron spells "any" in iptables/OVS flows.
  if (number === 0) return { kind: 'any' };
  if (number === 6) return { kind: 'l4', name: 'TCP' };
  if (number === 17) return { kind: 'l4', name: 'UDP' };
  if (number === 132) return { kind: 'l4', name: 'SCTP' };
  if (number === 58) {
    if (rule.ethertype === 'IPv4') return { kind: 'invalid', reason: `protocol ${rule.protocol} is IPv6-only but the rule is IPv4` };
    return { kind: 'icmp', ipVersion: 6 };
  }
  // Legacy: Neutron accepts "icmp" on an IPv6 rule and applies it as ICMPv6.
  if (number === 1) return { kind: 'icmp', ipVersion: rule.ethertype === 'IPv6' ? 6 : 4 };
  return { kind: 'other', number, label: raw };
}

/** Inclusive destination port range of a TCP/UDP/SCTP rule; undefined means every port. */
export function rulePortRange(rule: SecurityGroupRule): { min: number; max: number } | undefined {
  if (rule.portRangeMin == null && rule.portRangeMax == null) return undefined;
  // Port 0 is not a usable TCP/UDP port; Neutron's 0 lower bound means "from the first port".
  const min = Math.max(1, rule.portRangeMin ?? rule.portRangeMax ?? 1);
  const max = Math.min(65535, rule.portRangeMax ?? min);
  if (min === 1 && max === 65535) return undefined;
  return { min, max };
}

/** A TCP/UDP/SCTP rule's ports as NetworkPolicy and MultiNetworkPolicy say them (no port: every port). */
export function rulePorts(rule: SecurityGroupRule, protocol: 'TCP' | 'UDP' | 'SCTP'): NpPort {
  const range = rulePortRange(rule);
  if (range === undefined) return { protocol };
  return range.max > range.min ? { protocol, port: range.min, endPort: range.max } : { protocol, port: range.min };
}

function parseIPv4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    value = (value << 8n) | BigInt(Number(p));
  }
  return value;
}

function parseIPv6(text: string): bigint | undefined {
  let head = text;
  let tailWords: number[] = [];
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(head)?.[1];
  if (v4 !== undefined) {
    const n = parseIPv4(v4);
    if (n === undefined) return undefined;
    tailWords = [Number(n >> 16n), Number(n & 0xffffn)];
    head = head.slice(0, -v4.length);
    if (head.endsWith(':') && !head.endsWith('::')) head = head.slice(0, -1);
  }
  const halves = head.split('::');
  if (halves.length > 2) return undefined;
  const words = (s: string) => (s === '' ? [] : s.split(':'));
  const [leftText = '', rightText] = halves; // split yields at least one part; a second one only after "::"
  const left = words(leftText);
  const right = rightText === undefined ? [] : words(rightText);
  if ([...left, ...right].some((w) => !/^[0-9a-f]{1,4}$/i.test(w))) return undefined;
  const given = left.length + right.length + tailWords.length;
  if (halves.length === 1 ? given !== 8 : given > 7) return undefined;
  const all = [...left.map((w) => parseInt(w, 16)), ...Array(8 - given).fill(0), ...right.map((w) => parseInt(w, 16)), ...tailWords];
  return all.reduce((acc: bigint, w: number) => (acc << 16n) | BigInt(w), 0n);
}

function formatIPv6(value: bigint): string {
  const words = Array.from({ length: 8 }, (_, i) => Number((value >> BigInt(112 - 16 * i)) & 0xffffn));
  // RFC 5952: compress the longest run (≥2) of zero words, the first one on a tie.
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = words.map((w) => w.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

/**
 * The canonical network of a prefix (host bits cleared, as Neutron stores it and as the API server
 * requires for ipBlock), or an error when it is not an address of the rule's family.
 */
export function normalizeCidr(prefix: string, ethertype: 'IPv4' | 'IPv6'): { cidr: string; bits: number } | { error: string } {
  const [address = '', lengthText, extra] = prefix.trim().split('/');
  if (extra !== undefined) return { error: `"${prefix}" is not a CIDR` };
  const v6 = address.includes(':');
  if (v6 !== (ethertype === 'IPv6')) return { error: `"${prefix}" is not an ${ethertype} prefix` };
  const width = v6 ? 128 : 32;
  const bits = lengthText === undefined ? width : /^\d+$/.test(lengthText) ? Number(lengthText) : NaN;
  if (!(bits >= 0 && bits <= width)) return { error: `"${prefix}" has an invalid prefix length` };
  const value = v6 ? parseIPv6(address) : parseIPv4(address);
  if (value === undefined) return { error: `"${prefix}" is not a valid ${ethertype} address` };
  const mask = bits === 0 ? 0n : ((1n << BigInt(bits)) - 1n) << BigInt(width - bits);
  const network = value & mask;
  const text = v6 ? formatIPv6(network) : [24n, 16n, 8n, 0n].map((s) => String((network >> s) & 0xffn)).join('.');
  return { cidr: `${text}/${bits}`, bits };
}

/**
 * Rules repeat the same few prefixes (the 10,000-server benchmark inventory: 10,710 address rules, 10
 * distinct prefixes), and normalizing one (BigInt arithmetic) showed in a large plan's profile: each
 * (prefix, family) is normalized once per process. The results are frozen, as every caller shares them.
 */
const normalizedPrefixes = new Map<string, ReturnType<typeof normalizeCidr>>();

function normalizedPrefix(prefix: string, ethertype: 'IPv4' | 'IPv6'): ReturnType<typeof normalizeCidr> {
  const key = `${ethertype} ${prefix}`;
  let normalized = normalizedPrefixes.get(key);
  if (normalized === undefined) {
    normalized = Object.freeze(normalizeCidr(prefix, ethertype));
    if (normalizedPrefixes.size >= 10_000) normalizedPrefixes.clear();
    normalizedPrefixes.set(key, normalized);
  }
  return normalized;
}

/** Who a rule allows, family included. */
export type RulePeer =
  | { kind: 'anyone'; ipVersion: 4 | 6 }
  | { kind: 'cidr'; cidr: string; ipVersion: 4 | 6 }
  | { kind: 'group'; groupId: string; ipVersion: 4 | 6 }
  | { kind: 'invalid'; reason: string };

const peerCache = new WeakMap<SecurityGroupRule, RulePeer>();

export function rulePeer(rule: SecurityGroupRule): RulePeer {
  let cached = peerCache.get(rule);
  if (!cached) {
    cached = analysePeer(rule);
    peerCache.set(rule, cached);
  }
  return cached;
}

function analysePeer(rule: SecurityGroupRule): RulePeer {
  const ipVersion = rule.ethertype === 'IPv6' ? 6 : 4;
  if (rule.remoteAddressGroupId) {
    return { kind: 'invalid', reason: `remote address group ${rule.remoteAddressGroupId} is not in the inventory (its CIDRs cannot be resolved offline)` };
  }
  if (rule.remoteGroupId) return { kind: 'group', groupId: rule.remoteGroupId, ipVersion };
  if (rule.remoteIpPrefix) {
    const n = normalizedPrefix(rule.remoteIpPrefix, rule.ethertype);
    if ('error' in n) return { kind: 'invalid', reason: n.error };
    return n.bits === 0 ? { kind: 'anyone', ipVersion } : { kind: 'cidr', cidr: n.cidr, ipVersion };
  }
  return { kind: 'anyone', ipVersion };
}

/** Rules in a stable order (by id), so output never depends on the order the API listed them. */
const sortedCache = new WeakMap<SecurityGroupRule[], SecurityGroupRule[]>();

export function sortedRules(group: SecurityGroup): SecurityGroupRule[] {
  let cached = sortedCache.get(group.rules);
  if (!cached || cached.length !== group.rules.length) {
    cached = [...group.rules].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    sortedCache.set(group.rules, cached);
  }
  return cached;
}

const labelKeyCache = new WeakMap<SecurityGroup, string>();

/** securityGroupLabelKey, computed once per group object (it normalizes Unicode, which is not free). */
export function labelKeyOf(group: SecurityGroup): string {
  let key = labelKeyCache.get(group);
  if (key === undefined) {
    key = securityGroupLabelKey(group);
    labelKeyCache.set(group, key);
  }
  return key;
}

// ---------------------------------------------------------------------------------------------------
// Placement: which groups go to which namespaces

export interface GroupPlacement {
  group: SecurityGroup;
  namespace: string;
  projectId: string;
  /** Servers of this namespace that carry the group, by id. */
  servers: Server[];
}

/** Each security group used by a server, once per namespace of its servers; sorted by group id, namespace. */
export function groupPlacements(ctx: PlanContext): GroupPlacement[] {
  const placements: GroupPlacement[] = [];
  const groupIds = [...ctx.index.serversBySecurityGroup.keys()].sort();
  for (const groupId of groupIds) {
    const group = ctx.index.securityGroups.get(groupId);
    if (!group) continue;
    const byNamespace = new Map<string, GroupPlacement>();
    for (const srv of ctx.index.serversBySecurityGroup.get(groupId) ?? []) {
      const namespace = ctx.namespaceByProject.get(srv.projectId);
      if (!namespace) continue;
      let p = byNamespace.get(namespace);
      if (!p) {
        p = { group, namespace, projectId: srv.projectId, servers: [] };
        byNamespace.set(namespace, p);
      }
      p.servers.push(srv);
    }
    for (const ns of [...byNamespace.keys()].sort()) {
      const p = byNamespace.get(ns)!;
      p.servers.sort((a, b) => (a.id < b.id ? -1 : 1));
      placements.push(p);
    }
  }
  return placements;
}

/** Namespaces where members of a group live (plus the group owner's), sorted: where remote-group peers are. */
const memberNamespaceCache = new WeakMap<PlanContext, Map<string, string[]>>();

export function memberNamespaces(ctx: PlanContext, groupId: string): string[] {
  // Remote-group rules ask for the same groups over and over (every group's `default` rules do): cache
  // per plan context, or a cloud with one large group costs rules × members.
  let cache = memberNamespaceCache.get(ctx);
  if (!cache) {
    cache = new Map();
    memberNamespaceCache.set(ctx, cache);
  }
  const cached = cache.get(groupId);
  if (cached) return cached;
  const result = computeMemberNamespaces(ctx, groupId);
  cache.set(groupId, result);
  return result;
}

function computeMemberNamespaces(ctx: PlanContext, groupId: string): string[] {
  const set = new Set<string>();
  for (const srv of ctx.index.serversBySecurityGroup.get(groupId) ?? []) {
    const ns = ctx.namespaceByProject.get(srv.projectId);
    if (ns) set.add(ns);
  }
  const owner = ctx.index.securityGroups.get(groupId);
  const ownerNs = owner && ctx.namespaceByProject.get(owner.projectId);
  if (ownerNs) set.add(ownerNs);
  return [...set].sort();
}

/** The label a VM of the group carries; remote-group rules select it. */
export function groupLabelKey(ctx: PlanContext, groupId: string): string {
  const group = ctx.index.securityGroups.get(groupId);
  return group ? labelKeyOf(group) : securityGroupLabelKey({ id: groupId, name: '' });
}

/** Name of the policies of a group: sg-<name>-<id8>, the same stem as its label key. */
export function securityGroupPolicyName(group: SecurityGroup): string {
  return `sg-${labelKeyOf(group).split('/')[1]}`;
}

/** Label Kubernetes sets on every namespace (since 1.22): lets a peer name namespaces without our labels. */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

/** Index of the server's NIC that lands on the pod network, or -1 (security-labels.ts decides it). */
export function podNetworkInterfaceIndex(ctx: PlanContext, srv: Server): number {
  return podNic(ctx, srv)?.index ?? -1;
}

// ---------------------------------------------------------------------------------------------------
// NetworkPolicy

export interface NpPort {
  protocol: 'TCP' | 'UDP' | 'SCTP';
  port?: number;
  endPort?: number;
}
interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values: string[] }[];
}
interface NpPeer {
  ipBlock?: { cidr: string; except?: string[] };
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
}
interface NpRule {
  ports?: NpPort[];
  peers?: NpPeer[];
}

const ANY_V4 = '0.0.0.0/0';
const ANY_V6 = '::/0';

const groupPeerCache = new WeakMap<PlanContext, Map<string, { peer: NpPeer; key: string }[]>>();

/** Peers for a remote group seen from a namespace, with their dedup keys; cached per plan context. */
function groupPeers(ctx: PlanContext, remoteGroupId: string, policyNamespace: string): { peer: NpPeer; key: string }[] {
  let cache = groupPeerCache.get(ctx);
  if (!cache) {
    cache = new Map();
    groupPeerCache.set(ctx, cache);
  }
  const cacheKey = `${remoteGroupId}\n${policyNamespace}`;
  let peers = cache.get(cacheKey);
  if (!peers) {
    peers = buildGroupPeers(ctx, remoteGroupId, policyNamespace).map((peer) => ({ peer, key: JSON.stringify(peer) }));
    cache.set(cacheKey, peers);
  }
  return peers;
}

function buildGroupPeers(ctx: PlanContext, remoteGroupId: string, policyNamespace: string): NpPeer[] {
  const podSelector = { matchLabels: { [groupLabelKey(ctx, remoteGroupId)]: SECURITY_GROUP_LABEL_VALUE } };
  const namespaces = memberNamespaces(ctx, remoteGroupId);
  const peers: NpPeer[] = [];
  // A podSelector alone means "in the policy's namespace".
  if (namespaces.includes(policyNamespace)) peers.push({ podSelector });
  const others = namespaces.filter((ns) => ns !== policyNamespace);
  if (others.length > 0) {
    peers.push({ namespaceSelector: { matchExpressions: [{ key: NAMESPACE_NAME_LABEL, operator: 'In', values: others }] }, podSelector });
  }
  return peers;
}

function ipBlockPeer(cidr: string): { peer: NpPeer; key: string } {
  return { peer: { ipBlock: { cidr } }, key: `{"ipBlock":{"cidr":"${cidr}"}}` };
}

const cidrPeerCache = new WeakMap<PlanContext, Map<string, { peer: NpPeer; key: string }[]>>();

/** Peers of an address rule on the pod network, seen from a namespace (address-peers.ts); cached per plan. */
function cidrPeers(ctx: PlanContext, cidr: string, policyNamespace: string): { peer: NpPeer; key: string }[] {
  let cache = cidrPeerCache.get(ctx);
  if (!cache) {
    cache = new Map();
    cidrPeerCache.set(ctx, cache);
  }
  const cacheKey = `${cidr}\n${policyNamespace}`;
  let peers = cache.get(cacheKey);
  if (peers) return peers;
  const r = resolveCidr(ctx, cidr);
  peers = [];
  // A pod selector admits every address of the pod. The pods are reached on IPv4 (single-stack clusters),
  // so an IPv6 rule's selector would open them on IPv4, which the rule never allowed: IPv6 prefixes keep
  // the ipBlock only (Calico rules can say the family and do select them).
  if (r.ipBlock) peers.push(r.ipBlock.except ? { peer: { ipBlock: r.ipBlock }, key: JSON.stringify({ ipBlock: r.ipBlock }) } : ipBlockPeer(cidr));
  if (r.labelKey && r.family === 4) {
    // Any namespace: only migrated VMs carry the label, and only those whose address was in the prefix.
    const peer: NpPeer = { namespaceSelector: {}, podSelector: { matchLabels: { [r.labelKey]: SECURITY_GROUP_LABEL_VALUE } } };
    peers.push({ peer, key: JSON.stringify(peer) });
  }
  cache.set(cacheKey, peers);
  return peers;
}

/**
 * A copy of plain JSON data (objects, arrays, scalars). structuredClone did the same for the peers, but
 * through its serializer: the 15,000 copies of a 10,000-server plan took ~70 ms, ~13 ms this way.
 */
function copyJson<T>(value: T): T {
  if (Array.isArray(value)) return value.map(copyJson) as T;
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) out[key] = copyJson((value as Record<string, unknown>)[key]);
  return out as T;
}

/** The NetworkPolicy rules of one direction of a group, merged per port set, in a stable order. */
function networkPolicyRules(ctx: PlanContext, group: SecurityGroup, direction: 'ingress' | 'egress', namespace: string): NpRule[] {
  const merged = new Map<string, { ports?: NpPort[]; peers: Map<string, NpPeer> }>();
  for (const rule of sortedRules(group)) {
    if (rule.direction !== direction) continue;
    const protocol = ruleProtocol(rule);
    const peer = rulePeer(rule);
    if (peer.kind === 'invalid' || (protocol.kind !== 'any' && protocol.kind !== 'l4')) continue;
    let ports: NpPort[] | undefined;
    if (protocol.kind === 'l4') {
      ports = [rulePorts(rule, protocol.name)];
    }
    const peers: { peer: NpPeer; key: string }[] =
      peer.kind === 'group'
        ? groupPeers(ctx, peer.groupId, namespace)
        : peer.kind === 'cidr'
          ? cidrPeers(ctx, peer.cidr, namespace)
          : [ipBlockPeer(peer.ipVersion === 4 ? ANY_V4 : ANY_V6)];
    // No peer left (a prefix inside the pod CIDR that held no VM): the rule admits nobody. An empty peer
    // list would mean "everyone", so the rule is left out.
    if (peers.length === 0) continue;
    const [port] = ports ?? []; // ports, when set, holds exactly one entry
    const key = port ? `${port.protocol}/${port.port ?? ''}/${port.endPort ?? ''}` : '';
    let entry = merged.get(key);
    if (!entry) {
      entry = { ports, peers: new Map() };
      merged.set(key, entry);
    }
    // Copies: cached peers must not be shared between objects (YAML writers turn shared objects into
    // anchors and aliases).
    for (const p of peers) if (!entry.peers.has(p.key)) entry.peers.set(p.key, copyJson(p.peer));
  }
  const rules: NpRule[] = [];
  for (const { ports, peers } of merged.values()) {
    const anyV4 = peers.has(ipBlockPeer(ANY_V4).key);
    const anyV6 = peers.has(ipBlockPeer(ANY_V6).key);
    // IPv4-anyone plus IPv6-anyone is everyone: written as "no peer list", which also covers pods whatever
    // the CNI does with ipBlock for pod addresses (ipBlock is meant for cluster-external addresses).
    const list = anyV4 && anyV6 ? undefined : [...peers.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, p]) => p);
    rules.push({ ports, peers: list });
  }
  return rules;
}

function analysisFindings(ctx: PlanContext, group: SecurityGroup): Finding[] {
  const findings: Finding[] = [];
  const source = `securityGroup/${group.id}`;
  if (group.stateful === false) {
    findings.push({
      source,
      sourceName: group.name,
      attribute: 'stateful',
      outcome: 'approximate',
      severity: 'warning',
      target: 'NetworkPolicy',
      reason: 'the group is stateless (replies need their own rules); NetworkPolicy is always stateful, so replies to allowed traffic pass without a rule',
    });
  }
  // Remote-group rules match the members' addresses of the rule's family only; a podSelector matches all.
  const families = new Map<string, Set<string>>();
  for (const rule of group.rules) {
    if (!rule.remoteGroupId) continue;
    const key = JSON.stringify([rule.direction, ruleProtocol(rule), rule.portRangeMin ?? null, rule.portRangeMax ?? null, rule.remoteGroupId]);
    const set = families.get(key) ?? new Set<string>();
    set.add(rule.ethertype);
    families.set(key, set);
  }
  for (const rule of sortedRules(group)) {
    const attribute = `rule/${rule.id}`;
    const protocol = ruleProtocol(rule);
    const peer = rulePeer(rule);
    const lost = (reason: string) =>
      findings.push({
        source,
        sourceName: group.name,
        attribute,
        outcome: 'lost',
        severity: 'warning',
        reason: `${describeRule(rule)}: ${reason}; not carried over (denied)`,
      });
    if (protocol.kind === 'invalid') {
      lost(protocol.reason);
      continue;
    }
    if (peer.kind === 'invalid') {
      lost(peer.reason);
      continue;
    }
    if (peer.kind === 'cidr') {
      const described = describeResolution(ctx, peer.cidr, resolveCidr(ctx, peer.cidr));
      if (described) {
        findings.push({
          source,
          sourceName: group.name,
          attribute,
          outcome: 'approximate',
          severity: described.severity,
          target: 'NetworkPolicy / Calico peers on the pod network',
          reason: `${describeRule(rule)}: ${described.reason}`,
        });
      }
    }
    if (peer.kind === 'group') {
      if (!ctx.index.securityGroups.has(peer.groupId)) {
        findings.push({
          source,
          sourceName: group.name,
          attribute,
          outcome: 'approximate',
          severity: 'warning',
          reason: `${describeRule(rule)}: remote group ${peer.groupId} is not in the inventory; the rule selects its label, which no migrated VM carries`,
        });
      }
      const key = JSON.stringify([rule.direction, protocol, rule.portRangeMin ?? null, rule.portRangeMax ?? null, rule.remoteGroupId]);
      if (families.get(key)!.size === 1 && (protocol.kind === 'any' || protocol.kind === 'l4')) {
        findings.push({
          source,
          sourceName: group.name,
          attribute,
          outcome: 'approximate',
          severity: 'info',
          target: 'NetworkPolicy podSelector',
          reason: `${describeRule(rule)}: the rule admits the members' ${rule.ethertype} addresses only; a pod selector admits all of their addresses (differs on dual-stack clusters)`,
        });
      }
    }
  }
  return findings;
}

/** "ingress IPv4 tcp 80-443 from 10.0.0.0/8" — how a finding names a rule. */
export function describeRule(rule: SecurityGroupRule): string {
  const proto = rule.protocol == null || rule.protocol === '' ? 'any protocol' : String(rule.protocol);
  const ports =
    rule.portRangeMin == null && rule.portRangeMax == null
      ? ''
      : ` ${rule.portRangeMin ?? ''}${rule.portRangeMax != null && rule.portRangeMax !== rule.portRangeMin ? `-${rule.portRangeMax}` : ''}`;
  const remote = rule.remoteGroupId
    ? `group ${rule.remoteGroupId}`
    : rule.remoteAddressGroupId
      ? `address group ${rule.remoteAddressGroupId}`
      : (rule.remoteIpPrefix ?? 'anywhere');
  return `${rule.direction} ${rule.ethertype} ${proto}${ports} ${rule.direction === 'ingress' ? 'from' : 'to'} ${remote}`;
}

function toSpecRules(rules: NpRule[], peerField: 'from' | 'to'): (NetworkPolicyIngressRule & NetworkPolicyEgressRule)[] {
  return rules.map((r) => {
    const out: NetworkPolicyIngressRule & NetworkPolicyEgressRule = {};
    if (r.ports) out.ports = r.ports;
    if (r.peers) out[peerField] = r.peers;
    return out;
  });
}

/**
 * VMs whose pod-network port has port security and no group: Neutron drops everything on such a port, while
 * a pod no policy selects is open. A policy with both types and no rule keeps it closed. (Groups of other
 * ports are MultiNetworkPolicies' business: multi-network-policies.ts.)
 */
function serverFindingsAndPolicies(ctx: PlanContext): Translation {
  const objects: PlanObject[] = [];
  const servers = [...ctx.inventory.servers].sort((a, b) => (a.id < b.id ? -1 : 1));
  for (const srv of servers) {
    const namespace = ctx.namespaceByProject.get(srv.projectId);
    if (!namespace) continue;
    const nic = podNic(ctx, srv);
    if (!nic?.port || !nic.portSecurity || nic.groupIds.length > 0) continue;
    const vmName = ctx.vmNameByServer.get(srv.id) || toDnsLabel(srv.name) || 'vm';
    objects.push({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: {
        name: `no-security-group-${toDnsLabel(vmName, 40) || 'vm'}-${toLabelValue(srv.id)
          .replace(/[^a-z0-9]/gi, '')
          .slice(0, 8)
          .toLowerCase()}`,
        namespace,
        labels: planLabels(ctx.planId, srv.projectId),
        annotations: sourceAnnotations('server', srv.id, srv.name),
      },
      spec: { podSelector: { matchLabels: { [LABELS.serverId]: toLabelValue(srv.id) } }, policyTypes: ['Ingress', 'Egress'], ingress: [], egress: [] },
    });
  }
  return { objects, findings: [] };
}

export function networkPoliciesFor(ctx: PlanContext): Translation {
  const objects: PlanObject[] = [];
  const findings: Finding[] = [];
  const analysed = new Set<string>();
  for (const { group, namespace, projectId } of groupPlacements(ctx)) {
    if (!analysed.has(group.id)) {
      analysed.add(group.id);
      findings.push(...analysisFindings(ctx, group));
    }
    objects.push({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: {
        name: securityGroupPolicyName(group),
        namespace,
        labels: planLabels(ctx.planId, projectId),
        annotations: sourceAnnotations('securityGroup', group.id, group.name),
      },
      spec: {
        podSelector: { matchLabels: { [labelKeyOf(group)]: SECURITY_GROUP_LABEL_VALUE } },
        policyTypes: ['Ingress', 'Egress'],
        ingress: toSpecRules(networkPolicyRules(ctx, group, 'ingress', namespace), 'from'),
        egress: toSpecRules(networkPolicyRules(ctx, group, 'egress', namespace), 'to'),
      },
    });
  }
  // The label key keeps 8 characters of the id: two groups with the same name (every project has a
  // "default") whose ids share them would select each other's VMs. Rare, but never silent.
  const keyOwners = new Map<string, SecurityGroup[]>();
  for (const groupId of [...ctx.index.serversBySecurityGroup.keys()].sort()) {
    const group = ctx.index.securityGroups.get(groupId);
    if (!group) continue;
    const owners = keyOwners.get(labelKeyOf(group)) ?? [];
    owners.push(group);
    keyOwners.set(labelKeyOf(group), owners);
  }
  for (const [key, owners] of keyOwners) {
    if (owners.length < 2) continue;
    for (const group of owners) {
      findings.push({
        source: `securityGroup/${group.id}`,
        sourceName: group.name,
        attribute: 'id',
        outcome: 'lost',
        severity: 'blocker',
        target: key,
        reason: `groups ${owners.map((g) => g.id).join(', ')} get the same membership label ${key}; their policies would select each other's VMs`,
      });
    }
  }
  const perServer = serverFindingsAndPolicies(ctx);
  objects.push(...perServer.objects);
  findings.push(...perServer.findings);
  return { objects, findings };
}
