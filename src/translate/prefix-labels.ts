// Labels that say "this VM's pod-network port had an address inside prefix P", one per address prefix
// used by a security-group rule (prefix.openstack-migrate.io/<network>_<length> = member). Address rules
// then select the migrated VMs inside a prefix with one label (address-peers.ts), however many subnets,
// servers and namespaces that covers, instead of listing them in every policy.
import type { PlanContext } from './context.js';
import { PREFIX } from './naming.js';

/** A parsed CIDR: network value (host bits cleared), prefix length, family. */
export interface ParsedCidr {
  net: bigint;
  bits: number;
  family: 4 | 6;
}

export function parseAddress(text: string): { value: bigint; family: 4 | 6 } | undefined {
  if (text.includes(':')) {
    const halves = text.split('::');
    if (halves.length > 2) return undefined;
    const words = (s: string) => (s === '' ? [] : s.split(':'));
    const [leftText = '', rightText] = halves; // split yields at least one part; a second one only after "::"
    const left = words(leftText);
    const right = rightText === undefined ? [] : words(rightText);
    let tail: number[] = [];
    const last = right.length ? right : left;
    if (last.at(-1)?.includes('.')) {
      const v4 = parseAddress(last.pop()!);
      if (v4?.family !== 4) return undefined;
      tail = [Number(v4.value >> 16n), Number(v4.value & 0xffffn)];
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

export function mask(bits: number, family: 4 | 6): bigint {
  const width = family === 4 ? 32 : 128;
  return bits === 0 ? 0n : ((1n << BigInt(bits)) - 1n) << BigInt(width - bits);
}

export function parseCidr(text: string): ParsedCidr | undefined {
  const [address = '', bitsText, extra] = text.trim().split('/');
  if (extra !== undefined) return undefined;
  const parsed = parseAddress(address);
  if (!parsed) return undefined;
  const width = parsed.family === 4 ? 32 : 128;
  const bits = bitsText === undefined ? width : /^\d+$/.test(bitsText) ? Number(bitsText) : NaN;
  if (!(bits >= 0 && bits <= width)) return undefined;
  return { net: parsed.value & mask(bits, parsed.family), bits, family: parsed.family };
}

/** Whether `inner` lies inside `outer` (same family). */
export function cidrContains(outer: ParsedCidr, inner: ParsedCidr): boolean {
  return outer.family === inner.family && inner.bits >= outer.bits && (inner.net & mask(outer.bits, outer.family)) === outer.net;
}

/** The label key of a prefix, from its value (so every spelling of the same prefix gives the same key). */
export function prefixLabelKey(cidr: ParsedCidr): string {
  const net = cidr.family === 4 ? [24n, 16n, 8n, 0n].map((s) => String((cidr.net >> s) & 0xffn)).join('.') : `v6-${cidr.net.toString(16).padStart(32, '0')}`;
  return `prefix.${PREFIX}/${net}_${cidr.bits}`;
}

interface PrefixIndex {
  /** family/bits → network value → label key. */
  byLength: Map<string, Map<bigint, string>>;
  /** The same, in first-seen order, each with its mask: what keysOf walks for every address. */
  lengths: { family: 4 | 6; mask: bigint; byNet: Map<bigint, string> }[];
  /** Label keys per address, computed once (the VM's labels and address-peers.ts both ask). */
  byAddress: Map<string, string[]>;
}

const indexCache = new WeakMap<PlanContext, PrefixIndex>();

/** Every prefix of an address rule (remote_ip_prefix of a usable family, not /0), grouped by length. */
function prefixIndex(ctx: PlanContext): PrefixIndex {
  let index = indexCache.get(ctx);
  if (index) return index;
  index = { byLength: new Map(), lengths: [], byAddress: new Map() };
  // Rules repeat a few prefixes (10,710 address rules, 10 distinct, in the 10,000-server benchmark): each
  // text is parsed once.
  const parsed = new Map<string, ParsedCidr | undefined>();
  for (const group of ctx.inventory.securityGroups) {
    for (const rule of group.rules) {
      if (!rule.remoteIpPrefix || rule.remoteGroupId || rule.remoteAddressGroupId) continue;
      let cidr = parsed.get(rule.remoteIpPrefix);
      if (cidr === undefined && !parsed.has(rule.remoteIpPrefix)) parsed.set(rule.remoteIpPrefix, (cidr = parseCidr(rule.remoteIpPrefix)));
      if (!cidr || cidr.bits === 0 || (cidr.family === 6) !== (rule.ethertype === 'IPv6')) continue;
      const key = `${cidr.family}/${cidr.bits}`;
      let byNet = index.byLength.get(key);
      if (!byNet) {
        byNet = new Map();
        index.byLength.set(key, byNet);
        index.lengths.push({ family: cidr.family, mask: mask(cidr.bits, cidr.family), byNet });
      }
      if (!byNet.has(cidr.net)) byNet.set(cidr.net, prefixLabelKey(cidr));
    }
  }
  indexCache.set(ctx, index);
  return index;
}

/** Label keys of the rule prefixes that contain any of the addresses: one lookup per prefix length. */
export function coveringPrefixLabels(ctx: PlanContext, addresses: string[]): string[] {
  const index = prefixIndex(ctx);
  if (index.lengths.length === 0) return [];
  const [only] = addresses;
  if (addresses.length === 1 && only !== undefined) return keysOf(index, only);
  const keys = new Set<string>();
  for (const text of addresses) for (const key of keysOf(index, text)) keys.add(key);
  return [...keys];
}

function keysOf(index: PrefixIndex, text: string): string[] {
  let keys = index.byAddress.get(text);
  if (keys) return keys;
  keys = [];
  const address = parseAddress(text);
  if (address) {
    // Mask and map at hand: a key string and a BigInt mask made per address and length were most of this.
    for (const { family, mask: netMask, byNet } of index.lengths) {
      if (family !== address.family) continue;
      const key = byNet.get(address.value & netMask);
      if (key) keys.push(key);
    }
  }
  index.byAddress.set(text, keys);
  return keys;
}
