// The bundled example cloud and the synthetic generator are inputs every other test and the benchmark rely
// on. These tests check that (1) the example loads through the real loader, (2) it still contains every
// case the plan must handle (one row per case, so deleting a server or a property fails a named row), and
// (3) the example and generated inventories are internally consistent the way a real cloud is (ports agree
// with servers, attachments agree with block devices, addresses lie in their subnets) and hold no secret.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadInventoryFile, parseInventory } from '../../src/inventory/load.js';
import { indexInventory, keypairOfServer, type InventoryIndex } from '../../src/inventory/index.js';
import { InventorySchema } from '../../src/inventory/schema.js';
import { INVENTORY_API_VERSION, INVENTORY_KIND, INVENTORY_SCHEMA_VERSION } from '../../src/inventory/types.js';
import type { Flavor, Image, Inventory, SecurityGroup, SecurityGroupRule, Server } from '../../src/inventory/types.js';
import { isDnsLabel, toDnsLabel } from '../../src/translate/naming.js';
import { emptyInventory, generateInventory } from '../../scripts/generate-inventory.mjs';

const EXAMPLE = fileURLToPath(new URL('../../examples/cloud.yaml', import.meta.url));

const inv = await loadInventoryFile(EXAMPLE);
const idx = indexInventory(inv);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const KEYSTONE_ID = /^[0-9a-f]{32}$/;

function flavorOf(i: InventoryIndex, s: Server): Flavor {
  return i.flavors.get(s.flavorId)!;
}
/** The image a server runs: its own, else the image properties Cinder copied onto its boot volume. */
function imagePropsOf(i: InventoryIndex, s: Server): Record<string, string> {
  if (s.imageId) return (i.images.get(s.imageId) as Image).properties;
  const boot = s.blockDevices.find((b) => b.bootIndex === 0);
  return (boot && i.volumes.get(boot.volumeId)?.volumeImageMetadata) ?? {};
}
const servers = (pred: (s: Server) => boolean) => inv.servers.filter(pred);
const withImageProp = (key: string, value?: string) =>
  servers((s) => (value === undefined ? key in imagePropsOf(idx, s) : imagePropsOf(idx, s)[key] === value));
const withExtraSpec = (key: string, value?: string) =>
  servers((s) => (value === undefined ? key in flavorOf(idx, s).extraSpecs : flavorOf(idx, s).extraSpecs[key] === value));
const rules = (pred: (r: SecurityGroupRule, g: SecurityGroup) => boolean) => inv.securityGroups.flatMap((g) => g.rules.filter((r) => pred(r, g)));
const usedGroups = new Set(inv.servers.flatMap((s) => s.securityGroupIds));
const isDefaultNeutronGroup = (g: SecurityGroup) =>
  g.name === 'default' &&
  g.rules.length === 4 &&
  ['IPv4', 'IPv6'].every(
    (et) =>
      g.rules.some((r) => r.direction === 'ingress' && r.ethertype === et && r.remoteGroupId === g.id && !r.protocol && !r.remoteIpPrefix) &&
      g.rules.some((r) => r.direction === 'egress' && r.ethertype === et && !r.protocol && !r.remoteIpPrefix && !r.remoteGroupId),
  );
const namespaceOf = (projectId: string) => {
  const p = idx.projects.get(projectId)!;
  return toDnsLabel(`${idx.domains.get(p.domainId)!.name}-${p.name}`);
};
const decode = (b64: string) => Buffer.from(b64, 'base64').toString('utf8');

// One row per case the issue and the mapping reference ask the example to cover: [case, how many found].
const coverage: [string, () => number][] = [
  ['2+ domains besides Default', () => (inv.domains.filter((d) => d.id !== 'default').length >= 2 ? 1 : 0)],
  ['3+ projects with servers', () => (new Set(inv.servers.map((s) => s.projectId)).size >= 3 ? 1 : 0)],
  [
    'two projects whose <domain>-<project> namespaces collide after sanitizing',
    () => {
      const seen = new Map<string, number>();
      for (const p of inv.projects) seen.set(namespaceOf(p.id), (seen.get(namespaceOf(p.id)) ?? 0) + 1);
      return [...seen.values()].filter((n) => n > 1).length;
    },
  ],
  [
    'project names that are not DNS-safe (upper case, underscore, dot, space, unicode)',
    () =>
      ['_', '.', ' ', 'é'].filter((c) => inv.projects.some((p) => p.name.includes(c))).length === 4 && inv.projects.some((p) => /[A-Z]/.test(p.name)) ? 1 : 0,
  ],
  ['server names that are not DNS labels', () => (servers((s) => !isDnsLabel(s.name)).length >= 4 ? 1 : 0)],
  ['a unicode server name', () => servers((s) => /[^\x00-\x7f]/.test(s.name)).length],
  ['a disabled user', () => inv.users.filter((u) => u.enabled === false).length],
  ['the same user name in two domains', () => inv.users.filter((u) => inv.users.some((o) => o !== u && o.name === u.name && o.domainId !== u.domainId)).length],
  ['groups with members', () => inv.groups.filter((g) => g.members.length >= 2).length],
  ['role assignment user → project', () => inv.roleAssignments.filter((a) => a.userId && a.projectId).length],
  ['role assignment group → project', () => inv.roleAssignments.filter((a) => a.groupId && a.projectId).length],
  ['role assignment group → domain, inherited', () => inv.roleAssignments.filter((a) => a.groupId && a.domainId && a.inherited).length],
  ['role assignment user → domain', () => inv.roleAssignments.filter((a) => a.userId && a.domainId).length],
  ['custom role auditor assigned', () => inv.roleAssignments.filter((a) => idx.roles.get(a.roleId)?.name === 'auditor').length],
  ['a disabled user with a role', () => inv.roleAssignments.filter((a) => a.userId && idx.users.get(a.userId)?.enabled === false).length],
  ['12+ servers', () => (inv.servers.length >= 12 ? 1 : 0)],
  ['image-booted server', () => servers((s) => !!s.imageId).length],
  [
    'volume-booted server (no image, boot volume with image metadata)',
    () =>
      servers(
        (s) =>
          !s.imageId &&
          s.blockDevices.some((b) => b.bootIndex === 0 && idx.volumes.get(b.volumeId)?.bootable && !!idx.volumes.get(b.volumeId)?.volumeImageMetadata),
      ).length,
  ],
  [
    'extra volumes on /dev/vdb and /dev/vdc',
    () => servers((s) => ['/dev/vdb', '/dev/vdc'].every((d) => s.blockDevices.some((b) => b.device === d && b.bootIndex === undefined))).length,
  ],
  ['flavor with ephemeral and swap', () => servers((s) => flavorOf(idx, s).ephemeral > 0 && flavorOf(idx, s).swap > 0).length],
  ['CPU topology flavor', () => servers((s) => ['hw:cpu_sockets', 'hw:cpu_cores', 'hw:cpu_threads'].every((k) => k in flavorOf(idx, s).extraSpecs)).length],
  [
    'image CPU topology overriding the flavor',
    () => servers((s) => 'hw:cpu_sockets' in flavorOf(idx, s).extraSpecs && 'hw_cpu_cores' in imagePropsOf(idx, s)).length,
  ],
  [
    'dedicated CPUs with NUMA and huge pages',
    () =>
      servers((s) => {
        const x = flavorOf(idx, s).extraSpecs;
        return x['hw:cpu_policy'] === 'dedicated' && !!x['hw:numa_nodes'] && x['hw:mem_page_size'] === 'large';
      }).length,
  ],
  ['UEFI image', () => withImageProp('hw_firmware_type', 'uefi').length],
  [
    'UEFI + secure boot + q35 image',
    () =>
      servers((s) => {
        const p = imagePropsOf(idx, s);
        return p.hw_firmware_type === 'uefi' && p.os_secure_boot === 'required' && p.hw_machine_type === 'q35';
      }).length,
  ],
  [
    'Windows (os_type, sata, e1000) with a TPM 2.0 flavor',
    () =>
      servers((s) => {
        const p = imagePropsOf(idx, s);
        return p.os_type === 'windows' && p.hw_disk_bus === 'sata' && p.hw_vif_model === 'e1000' && flavorOf(idx, s).extraSpecs['hw:tpm_version'] === '2.0';
      }).length,
  ],
  ['ide disk bus', () => withImageProp('hw_disk_bus', 'ide').length],
  [
    'scsi disk bus with virtio-scsi',
    () => servers((s) => imagePropsOf(idx, s).hw_disk_bus === 'scsi' && imagePropsOf(idx, s).hw_scsi_model === 'virtio-scsi').length,
  ],
  ['vmxnet3 NIC', () => withImageProp('hw_vif_model', 'vmxnet3').length],
  ['rtl8139 NIC', () => withImageProp('hw_vif_model', 'rtl8139').length],
  ['an i440fx machine type KubeVirt rejects', () => servers((s) => /i440fx/.test(imagePropsOf(idx, s).hw_machine_type ?? '')).length],
  ['hw_qemu_guest_agent=yes', () => withImageProp('hw_qemu_guest_agent', 'yes').length],
  ['image hw_watchdog_action', () => withImageProp('hw_watchdog_action').length],
  ['flavor hw:watchdog_action', () => withExtraSpec('hw:watchdog_action').length],
  ['hw_rng_model=virtio', () => withImageProp('hw_rng_model', 'virtio').length],
  ['hw_video_model=qxl', () => withImageProp('hw_video_model', 'qxl').length],
  ['PCI passthrough alias (blocker)', () => withExtraSpec('pci_passthrough:alias').length],
  ['SHUTOFF server (power state 4)', () => servers((s) => s.status === 'SHUTOFF' && s.powerState === 4).length],
  ['ERROR server (blocker)', () => servers((s) => s.status === 'ERROR').length],
  ['server with two NICs on two networks', () => servers((s) => new Set(s.interfaces.map((n) => n.networkId)).size >= 2).length],
  ['server with a config drive', () => servers((s) => s.configDrive === true).length],
  ['#cloud-config user data', () => servers((s) => !!s.userData && decode(s.userData).startsWith('#cloud-config')).length],
  ['key pairs of 2+ users used by servers', () => (new Set(inv.servers.map((s) => keypairOfServer(idx, s)?.userId).filter(Boolean)).size >= 2 ? 1 : 0)],
  ['a key pair name owned by two users', () => inv.keypairs.filter((k) => inv.keypairs.some((o) => o !== k && o.name === k.name)).length],
  ['server metadata', () => servers((s) => Object.keys(s.metadata).length > 0).length],
  ['anti-affinity group with 2 members', () => inv.serverGroups.filter((g) => g.policy === 'anti-affinity' && g.members.length >= 2).length],
  ['affinity group', () => inv.serverGroups.filter((g) => g.policy === 'affinity' && g.members.length >= 2).length],
  ['2+ availability zones', () => (new Set(inv.servers.map((s) => s.availabilityZone)).size >= 2 ? 1 : 0)],
  ['rule with a remote group (another group)', () => rules((r, g) => !!r.remoteGroupId && r.remoteGroupId !== g.id && usedGroups.has(g.id)).length],
  ['rule with a remote group (itself) beyond default', () => rules((r, g) => r.remoteGroupId === g.id && !!r.protocol).length],
  ['IPv4 CIDR rule', () => rules((r) => r.ethertype === 'IPv4' && !!r.remoteIpPrefix && r.direction === 'ingress').length],
  ['IPv6 CIDR rule', () => rules((r) => r.ethertype === 'IPv6' && !!r.remoteIpPrefix?.includes(':')).length],
  ['port range 8000-8080', () => rules((r) => r.protocol === 'tcp' && r.portRangeMin === 8000 && r.portRangeMax === 8080).length],
  ['ICMP with type and code', () => rules((r) => r.protocol === 'icmp' && r.portRangeMin != null && r.portRangeMax != null).length],
  ['ICMPv6 rule', () => rules((r) => r.protocol === 'ipv6-icmp').length],
  ['UDP 53', () => rules((r) => r.protocol === 'udp' && r.portRangeMin === 53).length],
  ['SCTP rule', () => rules((r) => r.protocol === 'sctp').length],
  ['protocol number 112', () => rules((r) => r.protocol === '112').length],
  ['any-protocol rule from a CIDR', () => rules((r) => !r.protocol && !!r.remoteIpPrefix && r.direction === 'ingress').length],
  [
    'egress-restricted group (no allow-all egress)',
    () =>
      inv.securityGroups.filter(
        (g) =>
          usedGroups.has(g.id) &&
          g.rules.some((r) => r.direction === 'egress') &&
          !g.rules.some((r) => r.direction === 'egress' && !r.protocol && !r.remoteIpPrefix && !r.remoteGroupId),
      ).length,
  ],
  ['stateless group', () => inv.securityGroups.filter((g) => g.stateful === false).length],
  ['default group as Neutron creates it, on a server', () => inv.securityGroups.filter((g) => isDefaultNeutronGroup(g) && usedGroups.has(g.id)).length],
  [
    'floating IP associated to a server port',
    () => inv.floatingIps.filter((f) => f.portId && idx.ports.get(f.portId)?.deviceId && idx.servers.has(idx.ports.get(f.portId)!.deviceId!)).length,
  ],
  ['unassociated floating IP', () => inv.floatingIps.filter((f) => !f.portId).length],
  ['multi-attach volume on two servers (blocker)', () => inv.volumes.filter((v) => v.multiattach && v.attachments.length >= 2).length],
  [
    'network with IPv4 and IPv6 subnets',
    () =>
      inv.networks.filter((n) => {
        const v = inv.subnets.filter((s) => s.networkId === n.id).map((s) => s.ipVersion);
        return v.includes(4) && v.includes(6);
      }).length,
  ],
  ['external network', () => inv.networks.filter((n) => n.external).length],
  [
    'subnet without DHCP carrying a server NIC (static IP)',
    () => servers((s) => s.interfaces.some((n) => n.fixedIps.some((ip) => ip.subnetId && idx.subnets.get(ip.subnetId)?.enableDhcp === false))).length,
  ],
];

describe('examples/cloud.yaml', () => {
  it('loads through the inventory loader', () => {
    expect(inv.servers.length).toBeGreaterThanOrEqual(12);
  });

  it.each(coverage)('covers: %s', (_name, count) => {
    expect(count()).toBeGreaterThan(0);
  });

  it('is internally consistent like a real cloud', () => {
    expect(consistencyProblems(inv)).toEqual([]);
  });

  it('uses the id shapes of the real services', () => {
    for (const x of [...inv.projects, ...inv.users, ...inv.groups, ...inv.roles, ...inv.domains.filter((d) => d.id !== 'default')]) {
      expect(x.id, x.name).toMatch(KEYSTONE_ID);
    }
    for (const x of [
      ...inv.servers,
      ...inv.images,
      ...inv.volumes,
      ...inv.networks,
      ...inv.subnets,
      ...inv.ports,
      ...inv.securityGroups,
      ...inv.securityGroups.flatMap((g) => g.rules),
      ...inv.floatingIps,
      ...inv.serverGroups,
      ...inv.volumeTypes,
    ]) {
      expect(x.id).toMatch(UUID);
    }
    for (const k of inv.keypairs) expect(k.publicKey).toMatch(/^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp256) AAAA[0-9A-Za-z+/]+=* \S+$/);
  });

  it('holds no secret', () => {
    const text = readFileSync(EXAMPLE, 'utf8');
    const userData = inv.servers.flatMap((s) => (s.userData ? [decode(s.userData)] : [])).join('\n');
    for (const haystack of [text, userData]) {
      expect(haystack).not.toMatch(/PRIVATE KEY/);
      expect(haystack).not.toMatch(/passw(or)?d\s*[:=]|password|token|secret_key|application_credential/i);
    }
  });
});

describe('scripts/generate-inventory.mjs', () => {
  const small = generateInventory({ servers: 1500, securityGroups: 300, seed: 7 });

  it('produces an inventory the loader accepts, with the requested counts', () => {
    const loaded = parseInventory(JSON.parse(JSON.stringify(small)), 'generated');
    expect(loaded.servers).toHaveLength(1500);
    expect(loaded.securityGroups).toHaveLength(300);
    expect(loaded.projects.length).toBeGreaterThanOrEqual(25);
  });

  it('is deterministic for a seed and varies with it', () => {
    const again = generateInventory({ servers: 1500, securityGroups: 300, seed: 7 });
    expect(JSON.stringify(again)).toBe(JSON.stringify(small));
    expect(JSON.stringify(generateInventory({ servers: 1500, securityGroups: 300, seed: 8 }))).not.toBe(JSON.stringify(small));
  });

  it('is internally consistent like a real cloud', () => {
    expect(consistencyProblems(small)).toEqual([]);
  });

  it('has the realistic mix the benchmark needs', () => {
    const i = indexInventory(small);
    const all = small.securityGroups.flatMap((g) => g.rules);
    const nics = small.servers.map((s) => s.interfaces.length);
    expect(small.servers.filter((s) => !s.imageId).length).toBeGreaterThan(50); // boot from volume
    expect(nics.filter((n) => n >= 2).length).toBeGreaterThan(200);
    expect(small.volumes.filter((v) => !v.bootable).length).toBeGreaterThan(500);
    expect(small.flavors.filter((f) => Object.keys(f.extraSpecs).length > 0).length).toBeGreaterThan(10);
    expect(small.images.filter((m) => Object.keys(m.properties).length >= 5).length).toBeGreaterThan(5);
    expect(all.filter((r) => r.remoteGroupId).length).toBeGreaterThan(300);
    expect(all.filter((r) => r.protocol === 'icmp').length).toBeGreaterThan(20);
    expect(all.filter((r) => r.ethertype === 'IPv6' && r.remoteIpPrefix).length).toBeGreaterThan(20);
    expect(small.floatingIps.filter((f) => f.portId).length).toBeGreaterThan(100);
    expect(small.floatingIps.filter((f) => !f.portId).length).toBeGreaterThan(0);
    expect(small.serverGroups.length).toBeGreaterThan(10);
    expect(small.servers.filter((s) => s.status !== 'ACTIVE').length).toBeGreaterThan(20);
    expect(small.servers.filter((s) => keypairOfServer(i, s)).length).toBeGreaterThan(1000);
    const namespaces = small.projects.map((p) => toDnsLabel(`${i.domains.get(p.domainId)!.name}-${p.name}`));
    expect(new Set(namespaces).size).toBeLessThan(namespaces.length); // a colliding pair, as in real clouds
  });

  it('starts from a skeleton with the envelope of src/inventory/types.ts and every collection of the schema, in its order', () => {
    const skeleton = emptyInventory({ cloud: 'skeleton' });
    expect(skeleton).toMatchObject({ apiVersion: INVENTORY_API_VERSION, kind: INVENTORY_KIND, schemaVersion: INVENTORY_SCHEMA_VERSION });
    expect(Object.keys(skeleton)).toEqual(Object.keys(InventorySchema.properties));
    expect(parseInventory(JSON.parse(JSON.stringify(skeleton)), 'skeleton')).toEqual(skeleton);
  });

  it('refuses impossible sizes', () => {
    expect(() => generateInventory({ servers: -1, securityGroups: 1, seed: 1 })).toThrow(/servers/);
    expect(() => generateInventory({ servers: 10, securityGroups: 0, seed: 1 })).toThrow(/securityGroups/);
  });
});

// ------------------------------------------------------------------ consistency rules
function ipv4ToInt(ip: string): number {
  return ip.split('.').reduce((n, part) => n * 256 + Number(part), 0);
}
function inCidr(ip: string, cidr: string): boolean {
  const [net = '', bitsText] = cidr.split('/'); // split returns at least one element
  const bits = Number(bitsText);
  if (ip.includes(':') !== net.includes(':')) return false;
  if (!ip.includes(':')) {
    const size = 2 ** (32 - bits);
    return Math.floor(ipv4ToInt(ip) / size) === Math.floor(ipv4ToInt(net) / size);
  }
  // The example and generator use /64 and shorter prefixes on group boundaries: compare whole groups.
  const expand = (a: string) => {
    const [head, tail = ''] = a.split('::');
    const h = head ? head.split(':') : [];
    const t = tail ? tail.split(':') : [];
    return [...h, ...Array(8 - h.length - t.length).fill('0'), ...t].map((g) => parseInt(g, 16));
  };
  const groups = Math.floor(bits / 16);
  const a = expand(ip);
  const b = expand(net);
  return a.slice(0, groups).every((g, k) => g === b[k]);
}

/** Everything a real cloud guarantees between its objects, which the loader need not check. */
function consistencyProblems(i: Inventory): string[] {
  const ix = indexInventory(i);
  const problems: string[] = [];
  const macs = new Set<string>();
  for (const p of i.ports) {
    if (!/^fa:16:3e(:[0-9a-f]{2}){3}$/.test(p.macAddress)) problems.push(`port ${p.id}: MAC ${p.macAddress} is not a Neutron MAC`);
    if (macs.has(p.macAddress)) problems.push(`port ${p.id}: duplicate MAC ${p.macAddress}`);
    macs.add(p.macAddress);
    for (const ip of p.fixedIps) {
      const sub = ip.subnetId ? ix.subnets.get(ip.subnetId) : undefined;
      if (!sub || sub.networkId !== p.networkId) problems.push(`port ${p.id}: fixed IP ${ip.ipAddress} not on a subnet of its network`);
      else if (!inCidr(ip.ipAddress, sub.cidr)) problems.push(`port ${p.id}: ${ip.ipAddress} outside ${sub.cidr}`);
    }
    for (const g of p.securityGroupIds) {
      if (ix.securityGroups.get(g)?.projectId !== p.projectId) problems.push(`port ${p.id}: security group ${g} of another project`);
    }
    if (p.deviceOwner?.startsWith('compute:')) {
      const s = p.deviceId ? ix.servers.get(p.deviceId) : undefined;
      if (!s || !s.interfaces.some((n) => n.portId === p.id)) problems.push(`port ${p.id}: compute port not among its server's interfaces`);
    }
  }
  for (const s of i.servers) {
    const portGroups = new Set<string>();
    for (const nic of s.interfaces) {
      const p = nic.portId ? ix.ports.get(nic.portId) : undefined;
      if (!p) {
        problems.push(`server ${s.name}: interface without a port`);
        continue;
      }
      if (p.deviceId !== s.id) problems.push(`server ${s.name}: port ${p.id} belongs to ${p.deviceId}`);
      if (p.macAddress !== nic.macAddress || p.networkId !== nic.networkId || JSON.stringify(p.fixedIps) !== JSON.stringify(nic.fixedIps)) {
        problems.push(`server ${s.name}: interface differs from port ${p.id}`);
      }
      p.securityGroupIds.forEach((g) => portGroups.add(g));
    }
    if ([...portGroups].sort().join() !== [...s.securityGroupIds].sort().join()) problems.push(`server ${s.name}: securityGroupIds differ from its ports'`);
    for (const b of s.blockDevices) {
      const v = ix.volumes.get(b.volumeId);
      if (!v?.attachments.some((a) => a.serverId === s.id && a.device === b.device))
        problems.push(`server ${s.name}: volume ${b.volumeId} has no matching attachment`);
    }
    if (s.serverGroupId && !ix.serverGroups.get(s.serverGroupId)?.members.includes(s.id)) problems.push(`server ${s.name}: not a member of its server group`);
    if (s.keyName && !keypairOfServer(ix, s)) problems.push(`server ${s.name}: key pair ${s.keyName} not found`);
    if (s.keyName && s.userId && keypairOfServer(ix, s)?.userId !== s.userId) problems.push(`server ${s.name}: key pair ${s.keyName} of another user`);
    const flavor = ix.flavors.get(s.flavorId)!;
    if (flavor.isPublic === false && !flavor.projectIds?.includes(s.projectId)) problems.push(`server ${s.name}: private flavor ${flavor.name} without access`);
    if (s.userData && !/^[A-Za-z0-9+/]+=*$/.test(s.userData)) problems.push(`server ${s.name}: userData is not base64`);
  }
  for (const v of i.volumes) {
    for (const a of v.attachments) {
      if (!ix.servers.get(a.serverId)?.blockDevices.some((b) => b.volumeId === v.id))
        problems.push(`volume ${v.id}: attachment to ${a.serverId} not among its block devices`);
    }
    if (v.attachments.length > 1 && !v.multiattach) problems.push(`volume ${v.id}: attached twice without multiattach`);
    if ((v.status === 'in-use') !== v.attachments.length > 0) problems.push(`volume ${v.id}: status ${v.status} with ${v.attachments.length} attachments`);
  }
  for (const g of i.serverGroups) {
    for (const m of g.members) {
      const s = ix.servers.get(m);
      if (s?.serverGroupId !== g.id) problems.push(`server group ${g.name}: member ${m} does not point back`);
      if (s && s.projectId !== g.projectId) problems.push(`server group ${g.name}: member ${m} of another project`);
    }
  }
  for (const f of i.floatingIps) {
    if (!ix.networks.get(f.floatingNetworkId)?.external) problems.push(`floating IP ${f.floatingIpAddress}: not on an external network`);
    if (f.portId) {
      const p = ix.ports.get(f.portId)!;
      if (!p.fixedIps.some((ip) => ip.ipAddress === f.fixedIpAddress)) problems.push(`floating IP ${f.floatingIpAddress}: fixed IP not on its port`);
    }
  }
  const fipAddresses = i.floatingIps.map((f) => f.floatingIpAddress);
  if (new Set(fipAddresses).size !== fipAddresses.length) problems.push('duplicate floating IP addresses');
  for (const g of i.securityGroups) {
    for (const r of g.rules) {
      if (r.remoteGroupId && ix.securityGroups.get(r.remoteGroupId)?.projectId !== g.projectId)
        problems.push(`security group ${g.name}: remote group of another project`);
      if (r.remoteIpPrefix && r.remoteIpPrefix.includes(':') !== (r.ethertype === 'IPv6'))
        problems.push(`security group ${g.name}: prefix ${r.remoteIpPrefix} vs ${r.ethertype}`);
    }
  }
  for (const n of i.networks) {
    for (const sid of n.subnetIds ?? []) if (ix.subnets.get(sid)?.networkId !== n.id) problems.push(`network ${n.name}: subnet ${sid} not on it`);
  }
  return problems;
}
