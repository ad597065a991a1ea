#!/usr/bin/env node
// Synthetic inventories for the benchmark and for scale tests: a cloud of any size with the shapes and
// the mix of a real one (many projects, flavors with extra specs, images with properties, several NICs per
// server, volumes, security groups with remote-group rules, floating IPs, server groups).
//
//   node scripts/generate-inventory.mjs --servers 10000 --security-groups 2000 [--seed 1] -o /tmp/inv.yaml
//
// Deterministic: the same options give byte-identical output (a seeded PRNG, no clock, no Math.random), so
// benchmark runs compare like with like. Plain ESM JavaScript so that `node` runs it without a build step.
// The output loads with src/inventory/load.ts: every reference resolves, and server.interfaces and
// server.securityGroupIds agree with the ports, as the `inventory` command would write them.
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { dump } from 'js-yaml';

// ------------------------------------------------------------------ deterministic randomness
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
/** sfc32, seeded through splitmix32: fast, good enough for synthetic data, identical on every platform. */
function createRandom(seed) {
  let s = seed >>> 0;
  const splitmix = () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = splitmix(),
    b = splitmix(),
    c = splitmix(),
    d = splitmix();
  const next = () => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) >>> 0;
    return t;
  };
  for (let i = 0; i < 12; i++) next();
  const float = () => next() / 4294967296;
  const int = (min, max) => min + Math.floor(float() * (max - min + 1));
  const pick = (list) => list[Math.floor(float() * list.length)];
  const chance = (p) => float() < p;
  /** A picker over [[weight, value], ...]: cumulative weights once, then a binary search per pick. */
  const weightedPicker = (table) => {
    const cumulative = [];
    let total = 0;
    for (const [w] of table) cumulative.push((total += w));
    return () => {
      const x = float() * total;
      let lo = 0,
        hi = cumulative.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (cumulative[mid] > x) hi = mid;
        else lo = mid + 1;
      }
      return table[lo][1];
    };
  };
  const weighted = (table) => weightedPicker(table)();
  const hex = (n) => {
    let out = '';
    while (out.length < n) {
      const v = next();
      out += HEX[v >>> 24] + HEX[(v >>> 16) & 255] + HEX[(v >>> 8) & 255] + HEX[v & 255];
    }
    return out.length === n ? out : out.slice(0, n);
  };
  /** A version-4 UUID, the shape Nova, Neutron, Cinder and Glance use. */
  const uuid = () => {
    const x = hex(32);
    return `${x.slice(0, 8)}-${x.slice(8, 12)}-4${x.slice(13, 16)}-${'89ab'[next() & 3]}${x.slice(17, 20)}-${x.slice(20, 32)}`;
  };
  const bytes = (n) => {
    const out = Buffer.alloc(n);
    for (let i = 0; i < n; i += 4) out.writeUInt32LE(next(), Math.min(i, n - 4));
    return out;
  };
  return { next, float, int, pick, chance, weighted, weightedPicker, hex, uuid, bytes };
}

// ------------------------------------------------------------------ catalogues (real names and values)
const ROLE_NAMES = ['admin', 'member', 'reader', 'auditor', 'load-balancer_member'];
const DOMAIN_WORDS = ['acme', 'globex', 'initech', 'umbrella', 'hooli', 'stark', 'wayne', 'cyberdyne', 'tyrell', 'soylent', 'wonka', 'aperture'];
const TEAM_WORDS = ['web', 'api', 'billing', 'search', 'data', 'ml', 'ci', 'payments', 'mobile', 'iot', 'crm', 'erp', 'media', 'auth', 'logistics'];
const ENVS = ['prod', 'staging', 'dev', 'qa'];
const FIRST = [
  'alice',
  'bob',
  'carol',
  'dave',
  'erin',
  'frank',
  'grace',
  'heidi',
  'ivan',
  'judy',
  'mallory',
  'niaj',
  'olivia',
  'peggy',
  'rupert',
  'sybil',
  'trent',
  'victor',
  'walter',
  'zoë',
];
const LAST = ['smith', 'müller', 'dubois', 'rossi', 'garcía', 'kowalski', 'nguyen', 'tanaka', 'okafor', 'silva'];
const SERVER_ROLES = ['web', 'app', 'db', 'cache', 'worker', 'lb', 'queue', 'search', 'batch', 'jump'];

/** [name, vcpus, ram MiB, disk GiB, ephemeral GiB, swap MiB, extra specs, weight] */
const FLAVORS = [
  ['m1.tiny', 1, 512, 1, 0, 0, {}, 3],
  ['m1.small', 1, 2048, 20, 0, 0, { 'hw:watchdog_action': 'reset', 'quota:disk_read_iops_sec': '500' }, 20],
  ['m1.medium', 2, 4096, 40, 0, 0, { 'hw_rng:allowed': 'True' }, 25],
  ['m1.large', 4, 8192, 80, 0, 0, { 'hw:vif_multiqueue_enabled': 'true' }, 15],
  ['m1.xlarge', 8, 16384, 160, 0, 0, { 'hw:vif_multiqueue_enabled': 'true' }, 6],
  ['e2.medium', 2, 4096, 20, 10, 2048, { 'hw:mem_page_size': 'small' }, 4],
  ['e2.large', 4, 8192, 40, 20, 4096, {}, 2],
  ['c2.topology', 4, 4096, 20, 0, 0, { 'hw:cpu_sockets': '2', 'hw:cpu_cores': '2', 'hw:cpu_threads': '1', 'hw:cpu_max_sockets': '2' }, 4],
  ['c4.topology', 8, 16384, 40, 0, 0, { 'hw:cpu_sockets': '2', 'hw:cpu_cores': '2', 'hw:cpu_threads': '2' }, 2],
  ['d4.dedicated', 4, 8192, 40, 0, 0, { 'hw:cpu_policy': 'dedicated', 'hw:cpu_thread_policy': 'prefer', 'hw:numa_nodes': '1', 'hw:mem_page_size': 'large' }, 3],
  [
    'd8.dedicated',
    8,
    32768,
    80,
    0,
    0,
    { 'hw:cpu_policy': 'dedicated', 'hw:emulator_threads_policy': 'isolate', 'hw:numa_nodes': '1', 'hw:mem_page_size': '1GB' },
    1,
  ],
  ['w4.windows', 4, 8192, 60, 0, 0, { 'hw:tpm_version': '2.0', 'hw:tpm_model': 'tpm-crb', 'hw:cpu_sockets': '1' }, 3],
  ['b2.volume', 2, 4096, 0, 0, 0, { 'hw:boot_menu': 'true' }, 6],
  ['b4.volume', 4, 8192, 0, 0, 0, {}, 4],
  ['s2.ssd', 2, 4096, 40, 0, 0, { 'aggregate_instance_extra_specs:ssd': 'true', 'quota:disk_total_iops_sec': '2000' }, 3],
  ['r8.memory', 8, 65536, 80, 0, 0, { 'hw:mem_page_size': 'large', 'trait:CUSTOM_HIGHMEM': 'required' }, 1],
  ['g8.a100', 8, 32768, 100, 0, 0, { 'pci_passthrough:alias': 'a100:1', 'hw:cpu_policy': 'dedicated', 'hw:numa_nodes': '1' }, 0.2],
];

/** [name, disk format, min disk GiB, properties, weight] */
const IMAGES = [
  ['cirros-0.6.2-x86_64', 'qcow2', 1, { hw_disk_bus: 'virtio', hw_vif_model: 'virtio', hw_rng_model: 'virtio', os_distro: 'cirros', os_type: 'linux' }, 2],
  [
    'ubuntu-22.04-server-cloudimg-amd64',
    'qcow2',
    3,
    {
      hw_disk_bus: 'scsi',
      hw_scsi_model: 'virtio-scsi',
      hw_firmware_type: 'uefi',
      hw_machine_type: 'q35',
      hw_qemu_guest_agent: 'yes',
      os_distro: 'ubuntu',
      os_version: '22.04',
      os_type: 'linux',
    },
    25,
  ],
  [
    'ubuntu-24.04-server-cloudimg-amd64',
    'qcow2',
    4,
    {
      hw_disk_bus: 'virtio',
      hw_vif_model: 'virtio',
      hw_firmware_type: 'uefi',
      hw_qemu_guest_agent: 'yes',
      hw_vif_multiqueue_enabled: 'true',
      os_distro: 'ubuntu',
      os_version: '24.04',
      os_type: 'linux',
    },
    20,
  ],
  [
    'debian-12-genericcloud-amd64',
    'qcow2',
    2,
    {
      hw_disk_bus: 'virtio',
      hw_vif_model: 'virtio',
      hw_firmware_type: 'bios',
      hw_rng_model: 'virtio',
      os_distro: 'debian',
      os_version: '12',
      os_type: 'linux',
    },
    15,
  ],
  [
    'debian-12-secureboot',
    'qcow2',
    2,
    {
      hw_firmware_type: 'uefi',
      os_secure_boot: 'required',
      hw_machine_type: 'q35',
      hw_qemu_guest_agent: 'yes',
      hw_watchdog_action: 'poweroff',
      os_distro: 'debian',
      os_type: 'linux',
    },
    5,
  ],
  [
    'Rocky-9-GenericCloud-Base',
    'qcow2',
    10,
    {
      hw_disk_bus: 'virtio',
      hw_vif_model: 'virtio',
      hw_firmware_type: 'uefi',
      hw_video_model: 'virtio',
      os_distro: 'rocky',
      os_version: '9',
      os_type: 'linux',
    },
    10,
  ],
  [
    'CentOS-7-x86_64-GenericCloud-2009',
    'qcow2',
    8,
    {
      hw_disk_bus: 'ide',
      hw_vif_model: 'rtl8139',
      hw_machine_type: 'pc-i440fx-rhel7.6.0',
      hw_video_model: 'cirrus',
      hw_watchdog_action: 'pause',
      os_distro: 'centos',
      os_type: 'linux',
    },
    3,
  ],
  [
    'rhel-8.9-vmware-import',
    'vmdk',
    40,
    {
      hw_disk_bus: 'scsi',
      hw_scsi_model: 'virtio-scsi',
      hw_vif_model: 'vmxnet3',
      hw_video_model: 'vmvga',
      vmware_ostype: 'rhel8_64Guest',
      os_distro: 'rhel',
      os_type: 'linux',
    },
    4,
  ],
  [
    'Windows Server 2022 Datacenter',
    'raw',
    40,
    {
      hw_disk_bus: 'sata',
      hw_cdrom_bus: 'sata',
      hw_vif_model: 'e1000',
      hw_firmware_type: 'uefi',
      hw_machine_type: 'q35',
      os_secure_boot: 'required',
      hw_video_model: 'qxl',
      os_type: 'windows',
      os_distro: 'windows',
    },
    6,
  ],
  [
    'Windows Server 2019 Standard',
    'qcow2',
    40,
    {
      hw_disk_bus: 'virtio',
      hw_vif_model: 'virtio',
      hw_firmware_type: 'bios',
      hw_qemu_guest_agent: 'yes',
      hw_pointer_model: 'usbtablet',
      os_type: 'windows',
      os_distro: 'windows',
    },
    3,
  ],
  [
    'fedora-coreos-40',
    'qcow2',
    10,
    { hw_firmware_type: 'uefi', hw_machine_type: 'q35', img_config_drive: 'mandatory', os_distro: 'fedora', os_type: 'linux' },
    2,
  ],
];

const CLOUD_CONFIGS = [
  '#cloud-config\npackage_update: true\npackages: [nginx]\nruncmd:\n  - [systemctl, enable, --now, nginx]\n',
  '#cloud-config\ntimezone: Europe/Paris\nntp:\n  servers: [ntp.example.com]\n',
  '#cloud-config\nwrite_files:\n  - path: /etc/motd\n    content: |\n      Managed by the platform team.\n',
  '#!/bin/bash\nset -eu\napt-get update && apt-get install -y prometheus-node-exporter\n',
  '#ps1_sysnative\nSet-TimeZone -Id "UTC"\nInstall-WindowsFeature -Name Web-Server\n',
].map((text) => Buffer.from(text, 'utf8').toString('base64'));

// ------------------------------------------------------------------ helpers
/** The i-th Neutron MAC (fa:16:3e + 24 bits): an odd multiplier permutes 0..2^24-1, so MACs never repeat. */
function macOf(i) {
  const v = Math.imul(i + 1, 0x9e3779b1) & 0xffffff;
  return `fa:16:3e:${((v >>> 16) & 255).toString(16).padStart(2, '0')}:${((v >>> 8) & 255).toString(16).padStart(2, '0')}:${(v & 255).toString(16).padStart(2, '0')}`;
}
/** SLAAC address (modified EUI-64) on a /64, as Neutron computes it. */
function slaac(prefix, mac) {
  const b = mac.split(':').map((s) => parseInt(s, 16));
  b[0] ^= 2;
  const words = [(b[0] << 8) | b[1], (b[2] << 8) | 0xff, 0xfe00 | b[3], (b[4] << 8) | b[5]];
  return `${prefix}${words.map((w) => w.toString(16)).join(':')}`;
}
/** An ssh-ed25519 public key in OpenSSH wire format, with the MD5 fingerprint Nova reports. */
function ed25519Key(rand, comment) {
  const type = Buffer.from('ssh-ed25519');
  const blob = Buffer.alloc(4 + type.length + 4 + 32);
  blob.writeUInt32BE(type.length, 0);
  type.copy(blob, 4);
  blob.writeUInt32BE(32, 4 + type.length);
  rand.bytes(32).copy(blob, 8 + type.length);
  const fingerprint = createHash('md5').update(blob).digest('hex').match(/../g).join(':');
  return { publicKey: `ssh-ed25519 ${blob.toString('base64')} ${comment}`, fingerprint };
}
/** Dotted quad of a 32-bit number. */
function ipv4(n) {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}
/** The index-th host address of a network starting at base (a 32-bit number), after network, gateway and DNS. */
function ipv4In(base, index) {
  return ipv4((base + index + 10) >>> 0);
}
const quad = (a, b, c, d = 0) => ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;

// ------------------------------------------------------------------ the skeleton
/**
 * An inventory with the given metadata and every collection empty, in the order the `inventory` command
 * writes them. The one skeleton the generator and the test builders (test/support/inventory-builder.ts,
 * inventory-fixtures.ts) start from; its envelope must match INVENTORY_API_VERSION, INVENTORY_KIND and
 * INVENTORY_SCHEMA_VERSION of src/inventory/types.ts (test/unit/examples.test.ts checks it against the schema).
 * @param {import('../src/inventory/types.js').InventoryMetadata} metadata
 * @returns {import('../src/inventory/types.js').Inventory}
 */
export function emptyInventory(metadata) {
  return {
    apiVersion: 'openstack-migrate.io/v1alpha1',
    kind: 'Inventory',
    schemaVersion: 1,
    metadata,
    domains: [],
    projects: [],
    users: [],
    groups: [],
    roles: [],
    roleAssignments: [],
    flavors: [],
    images: [],
    keypairs: [],
    serverGroups: [],
    servers: [],
    volumeTypes: [],
    volumes: [],
    networks: [],
    subnets: [],
    ports: [],
    securityGroups: [],
    floatingIps: [],
  };
}

// ------------------------------------------------------------------ the generator
/**
 * Build a synthetic inventory.
 * @param {{servers?: number, securityGroups?: number, seed?: number}} [options]
 * @returns {import('../src/inventory/types.js').Inventory}
 */
export function generateInventory({ servers: serverCount = 1000, securityGroups: sgCount, seed = 1 } = {}) {
  if (!Number.isInteger(serverCount) || serverCount < 0) throw new Error(`servers must be a non-negative integer, got ${serverCount}`);
  sgCount ??= Math.max(1, Math.round(serverCount / 5));
  if (!Number.isInteger(sgCount) || sgCount < 1) throw new Error(`securityGroups must be a positive integer, got ${sgCount}`);
  const rand = createRandom(seed);

  // About 50 servers per project, and every project needs its `default` security group.
  const projectCount = Math.max(1, Math.min(Math.max(3, Math.round(serverCount / 50)), sgCount));
  const domainCount = Math.max(2, Math.ceil(projectCount / 12));

  const inv = emptyInventory({
    cloud: `synthetic-${serverCount}-${sgCount}-s${seed}`,
    region: 'RegionOne',
    collectedAt: '2026-01-01T00:00:00Z',
    warnings: [],
  });

  // ---- identity
  const roles = Object.fromEntries(ROLE_NAMES.map((name) => [name, { id: rand.hex(32), name }]));
  inv.roles = Object.values(roles);
  const adminDomain = { id: 'default', name: 'Default', enabled: true, description: 'The default domain' };
  const adminProject = {
    id: rand.hex(32),
    name: 'admin',
    domainId: 'default',
    enabled: true,
    description: 'Bootstrap project for initializing the cloud.',
    tags: [],
  };
  const adminUser = { id: rand.hex(32), name: 'admin', domainId: 'default', enabled: true };
  inv.domains.push(adminDomain);
  inv.projects.push(adminProject);
  inv.users.push(adminUser);
  inv.roleAssignments.push({ roleId: roles.admin.id, userId: adminUser.id, projectId: adminProject.id });

  const domains = [];
  for (let d = 0; d < domainCount; d++) {
    const word = DOMAIN_WORDS[d % DOMAIN_WORDS.length];
    const name = d < DOMAIN_WORDS.length ? word : `${word}-${Math.floor(d / DOMAIN_WORDS.length) + 1}`;
    const domain = { id: rand.hex(32), name, enabled: true, description: `${name} tenant domain` };
    inv.domains.push(domain);
    domains.push({ domain, projects: [], users: [], groups: [] });
  }

  const tenants = [];
  for (let p = 0; p < projectCount; p++) {
    const dom = domains[p % domainCount];
    const team = TEAM_WORDS[Math.floor(p / domainCount) % TEAM_WORDS.length];
    const env = ENVS[p % ENVS.length];
    let name = `${team}-${env}-${p}`;
    // Every 25th project is the un-sanitized twin of its predecessor in the same domain ("Web_Prod_3" vs
    // "web-prod-3"): both are legal Keystone names, both sanitize to the same namespace.
    // The predecessor in the domain is project p - domainCount; it keeps its plain name so the pair collides.
    const twin = p % 25 === 24 && p >= domainCount ? dom.projects[dom.projects.length - 1] : undefined;
    const isTwinned = (p + domainCount) % 25 === 24;
    if (twin) name = twin.name.replace(/-/g, '_').replace(/(^|_)([a-z])/g, (_, sep, c) => sep + c.toUpperCase());
    else if (!isTwinned && rand.chance(0.08)) name = name.replace(/-/g, rand.pick(['_', '.', ' ']));
    const project = { id: rand.hex(32), name, domainId: dom.domain.id, enabled: !rand.chance(0.01), description: `${team} ${env}`, tags: [`env-${env}`] };
    inv.projects.push(project);
    dom.projects.push(project);
    const users = [];
    for (let u = 0, n = rand.int(2, 4); u < n; u++) {
      const user = { id: rand.hex(32), name: `${rand.pick(FIRST)}.${rand.pick(LAST)}${p}${u}`, domainId: dom.domain.id, enabled: !rand.chance(0.03) };
      inv.users.push(user);
      dom.users.push(user);
      users.push(user);
      const role =
        u === 0
          ? roles.admin
          : rand.weighted([
              [6, roles.member],
              [2, roles.reader],
              [1, roles.auditor],
              [1, roles['load-balancer_member']],
            ]);
      inv.roleAssignments.push({ roleId: role.id, userId: user.id, projectId: project.id });
    }
    tenants.push({ project, domain: dom, users, networks: [], securityGroups: [], images: [], servers: [], keypairs: [] });
  }
  for (const dom of domains) {
    for (const [suffix, role, inherited] of [
      ['developers', roles.member, false],
      ['operators', roles.reader, true],
    ]) {
      const members = dom.users.filter(() => rand.chance(0.3)).map((u) => u.id);
      const group = { id: rand.hex(32), name: `${dom.domain.name}-${suffix}`, domainId: dom.domain.id, members };
      inv.groups.push(group);
      dom.groups.push(group);
      if (inherited) inv.roleAssignments.push({ roleId: role.id, groupId: group.id, domainId: dom.domain.id, inherited: true });
      else for (const project of dom.projects) if (rand.chance(0.5)) inv.roleAssignments.push({ roleId: role.id, groupId: group.id, projectId: project.id });
    }
    if (dom.users.length) inv.roleAssignments.push({ roleId: roles.admin.id, userId: dom.users[0].id, domainId: dom.domain.id });
  }

  // ---- flavors and images
  const flavorTable = [];
  for (const [name, vcpus, ram, disk, ephemeral, swap, extraSpecs, weight] of FLAVORS) {
    const flavor = { id: rand.uuid(), name, vcpus, ram, disk, ephemeral, swap, isPublic: true, extraSpecs: { ...extraSpecs } };
    inv.flavors.push(flavor);
    flavorTable.push([weight, flavor]);
  }
  for (let t = 0; t < tenants.length; t += 20) {
    const owners = tenants.slice(t, t + 3).map((x) => x.project.id);
    const flavor = {
      id: rand.uuid(),
      name: `private.${t / 20}`,
      vcpus: 2,
      ram: 3072,
      disk: 30,
      ephemeral: 0,
      swap: 0,
      isPublic: false,
      extraSpecs: { 'aggregate_instance_extra_specs:tenant': `t${t / 20}` },
      projectIds: owners,
    };
    inv.flavors.push(flavor);
    flavorTable.push([1, flavor]);
  }
  const imageTable = [];
  const newImage = (name, diskFormat, minDisk, properties, owner, visibility) => {
    const virtualSize = minDisk * 1024 ** 3;
    const image = {
      id: rand.uuid(),
      name,
      status: 'active',
      ownerProjectId: owner,
      visibility,
      diskFormat,
      containerFormat: 'bare',
      size: diskFormat === 'raw' ? virtualSize : Math.floor(virtualSize * (0.1 + rand.float() * 0.3)),
      virtualSize,
      minDisk,
      minRam: 0,
      checksum: rand.hex(32),
      osHashAlgo: 'sha512',
      osHashValue: rand.hex(128),
      tags: [],
      properties,
    };
    inv.images.push(image);
    return image;
  };
  for (const [name, format, minDisk, properties, weight] of IMAGES) {
    imageTable.push([weight, newImage(name, format, minDisk, { ...properties }, adminProject.id, 'public')]);
  }
  for (const tenant of tenants) {
    if (!rand.chance(0.2)) continue;
    const base = rand.weighted(imageTable);
    tenant.images.push(
      newImage(
        `${tenant.project.name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-snapshot`,
        'qcow2',
        Math.max(base.minDisk, 20),
        {
          ...base.properties,
          image_type: 'snapshot',
          base_image_ref: base.id,
          owner_project_name: tenant.project.name,
        },
        tenant.project.id,
        'private',
      ),
    );
  }

  // ---- volume types
  const volumeTypes = ['__DEFAULT__', 'ssd', 'hdd', 'multiattach'].map((name) => ({
    id: rand.uuid(),
    name,
    extraSpecs: name === 'multiattach' ? { multiattach: '<is> True' } : name === '__DEFAULT__' ? {} : { volume_backend_name: `ceph-${name}` },
  }));
  inv.volumeTypes = volumeTypes;

  // ---- networks
  let segment = 1000;
  const network = (projectId, name, options = {}) => {
    const net = {
      id: rand.uuid(),
      name,
      projectId,
      shared: options.shared ?? false,
      external: options.external ?? false,
      mtu: options.mtu ?? 1450,
      providerNetworkType: options.type ?? 'vxlan',
      providerSegmentationId: segment++,
      subnetIds: [],
    };
    inv.networks.push(net);
    return { net, v4: undefined, v6: undefined, base: options.base, next: 0 };
  };
  const subnet = (holder, ipVersion, cidr, extra = {}) => {
    const sub = {
      id: rand.uuid(),
      name: `${holder.net.name}-v${ipVersion}`,
      networkId: holder.net.id,
      projectId: holder.net.projectId,
      ipVersion,
      cidr,
      gatewayIp: extra.gatewayIp ?? null,
      enableDhcp: extra.enableDhcp ?? true,
      dnsNameservers: extra.dns ?? [],
      hostRoutes: [],
      ipv6AddressMode: ipVersion === 6 ? 'slaac' : null,
      ipv6RaMode: ipVersion === 6 ? 'slaac' : null,
    };
    holder.net.subnetIds.push(sub.id);
    inv.subnets.push(sub);
    holder[`v${ipVersion}`] = sub;
    return sub;
  };
  const publicBase = quad(198, 18, 0);
  const publicNet = network(adminProject.id, 'public', { external: true, type: 'flat', mtu: 1500 });
  subnet(publicNet, 4, '198.18.0.0/15', { gatewayIp: '198.18.0.1', enableDhcp: false });
  // Shared provider network: large enough for every server to have a NIC on it.
  const sharedNet = network(adminProject.id, 'shared-services', { shared: true, type: 'vlan', mtu: 1500, base: quad(100, 64, 0) });
  subnet(sharedNet, 4, '100.64.0.0/10', { gatewayIp: '100.64.0.1', dns: ['100.64.0.2'] });
  tenants.forEach((tenant, t) => {
    const count = rand.weighted([
      [6, 1],
      [3, 2],
      [1, 3],
    ]);
    for (let n = 0; n < count; n++) {
      // 10.<a>.<b>.0/20: 4,000 hosts; overlapping ranges between projects are normal in Neutron.
      const base = quad(10, (t * 3 + n) % 250, n * 16);
      const holder = network(tenant.project.id, n === 0 ? `${tenant.project.name}-net` : `${tenant.project.name}-net-${n}`, { base });
      subnet(holder, 4, `${ipv4(base)}/20`, { gatewayIp: ipv4(base + 1), dns: [ipv4(base + 2)] });
      if (rand.chance(0.4)) {
        const prefix = `fd${rand.hex(2)}:${rand.hex(4)}:${(t & 0xffff).toString(16)}:${n}::`;
        subnet(holder, 6, `${prefix}/64`, { gatewayIp: `${prefix}1` });
      }
      tenant.networks.push(holder);
    }
  });

  // ---- security groups
  const addRule = (group, rule) =>
    group.rules.push({
      id: rand.uuid(),
      direction: rule.direction ?? 'ingress',
      ethertype: rule.ethertype ?? 'IPv4',
      protocol: rule.protocol ?? null,
      portRangeMin: rule.min ?? null,
      portRangeMax: rule.max ?? rule.min ?? null,
      remoteIpPrefix: rule.prefix ?? null,
      remoteGroupId: rule.group ?? null,
      remoteAddressGroupId: null,
    });
  const newGroup = (tenant, name, description, { egress = true, stateful = true } = {}) => {
    const group = { id: rand.uuid(), name, projectId: tenant.project.id, description, stateful, rules: [] };
    if (egress) {
      addRule(group, { direction: 'egress', ethertype: 'IPv4' });
      addRule(group, { direction: 'egress', ethertype: 'IPv6' });
    }
    inv.securityGroups.push(group);
    tenant.securityGroups.push(group);
    return group;
  };
  for (const tenant of tenants) {
    const group = newGroup(tenant, 'default', 'Default security group');
    addRule(group, { ethertype: 'IPv4', group: group.id });
    addRule(group, { ethertype: 'IPv6', group: group.id });
  }
  const cidrs4 = ['0.0.0.0/0', '10.0.0.0/8', '192.168.0.0/16', '198.51.100.0/24', '203.0.113.7/32', '172.16.0.0/12'];
  const cidrs6 = ['::/0', '2001:db8::/32', 'fd00::/8'];
  const ruleMakers = [
    [30, () => ({ protocol: 'tcp', min: rand.pick([22, 80, 443, 3306, 5432, 6379, 8080, 9090, 9100]), prefix: rand.pick(cidrs4) })],
    [
      8,
      () => {
        const min = rand.pick([8000, 30000, 5000, 10000]);
        return { protocol: 'tcp', min, max: min + rand.int(1, 80) * 10, prefix: rand.pick(cidrs4) };
      },
    ],
    [10, () => ({ protocol: 'tcp', min: rand.pick([443, 22, 8443]), ethertype: 'IPv6', prefix: rand.pick(cidrs6) })],
    [15, (group, peers) => ({ protocol: 'tcp', min: rand.pick([5432, 6379, 9200, 2379, 11211]), group: rand.chance(0.3) ? group.id : rand.pick(peers).id })],
    [6, () => ({ protocol: 'udp', min: 53, prefix: rand.pick(cidrs4) })],
    [3, () => ({ protocol: 'udp', min: 123, direction: 'egress', prefix: '0.0.0.0/0' })],
    [6, () => ({ protocol: 'icmp', prefix: rand.pick(cidrs4) })],
    [4, () => ({ protocol: 'icmp', min: rand.pick([8, 0, 3]), max: rand.pick([0, 4]), prefix: rand.pick(cidrs4) })],
    [3, () => ({ protocol: 'ipv6-icmp', ethertype: 'IPv6', prefix: rand.pick(cidrs6) })],
    [2, (group) => ({ protocol: '112', group: group.id })],
    [1, () => ({ protocol: 'sctp', min: 3868, prefix: '10.0.0.0/8' })],
    [3, () => ({ prefix: rand.pick(['10.0.0.0/8', '192.168.0.0/16']) })],
    [4, () => ({ protocol: 'tcp', min: 443, direction: 'egress', prefix: rand.pick(cidrs4) })],
  ];
  const pickRule = rand.weightedPicker(ruleMakers);
  const extraGroups = sgCount - tenants.length;
  for (let g = 0; g < extraGroups; g++) {
    const tenant = tenants[Math.floor(rand.float() * tenants.length)];
    const restricted = rand.chance(0.15);
    const group = newGroup(tenant, `${rand.pick(SERVER_ROLES)}-${g}`, 'generated', { egress: !restricted, stateful: !rand.chance(0.05) });
    const count = rand.int(2, 12);
    for (let r = 0; r < count; r++) addRule(group, pickRule()(group, tenant.securityGroups));
    if (restricted) addRule(group, { protocol: 'udp', min: 53, direction: 'egress', prefix: '10.0.0.2/32' });
  }

  // ---- keypairs: one per user, a second for some; names repeat across users (the real shape).
  for (const tenant of tenants) {
    for (const user of tenant.users) {
      for (const name of rand.chance(0.2) ? ['id_ed25519', 'deploy'] : [rand.pick(['id_ed25519', 'laptop', `${user.name.split('.')[0]}-key`])]) {
        const key = ed25519Key(rand, `${user.name}@workstation`);
        const keypair = { name, userId: user.id, type: 'ssh', ...key };
        inv.keypairs.push(keypair);
        tenant.keypairs.push(keypair);
      }
    }
  }

  // ---- servers, ports, volumes, floating IPs
  // Projects are not equal: a skewed weight gives a few big projects and a long tail, as in real clouds.
  const pickTenant = rand.weightedPicker(tenants.map((tenant, t) => [1 / (1 + (t % 17) * 0.25), tenant]));
  const pickStatus = rand.weightedPicker([
    [930, ['ACTIVE', 1]],
    [50, ['SHUTOFF', 4]],
    [8, ['ERROR', 0]],
    [4, ['PAUSED', 3]],
    [4, ['SUSPENDED', 7]],
    [4, ['SHELVED_OFFLOADED', 4]],
  ]);
  const pickPublicImage = rand.weightedPicker(imageTable);
  const pickExtraVolumes = rand.weightedPicker([
    [50, 0],
    [30, 1],
    [15, 2],
    [5, 3],
  ]);
  const pickNicCount = rand.weightedPicker([
    [70, 1],
    [25, 2],
    [5, 3],
  ]);
  const pickGroupCount = rand.weightedPicker([
    [3, 0],
    [4, 1],
    [2, 2],
    [1, 3],
  ]);
  const publicFlavors = flavorTable.filter(([, f]) => f.isPublic);
  const pickPublicFlavor = rand.weightedPicker(publicFlavors);
  // Tenants with access to a private flavor get their own picker (public + theirs).
  const flavorPickers = new Map();
  for (const [weight, flavor] of flavorTable) {
    for (const projectId of flavor.projectIds ?? []) {
      const list = flavorPickers.get(projectId) ?? [...publicFlavors];
      list.push([weight, flavor]);
      flavorPickers.set(projectId, list);
    }
  }
  for (const [projectId, list] of flavorPickers) flavorPickers.set(projectId, rand.weightedPicker(list));
  const zones = ['nova', 'az-1', 'az-2', 'az-3'];
  let nicCount = 0;
  let fip = 0;
  const newVolume = (tenant, name, size, typeIndex, bootable, zone) => {
    const volume = {
      id: rand.uuid(),
      name,
      projectId: tenant.project.id,
      size,
      volumeType: volumeTypes[typeIndex].name,
      status: 'in-use',
      bootable,
      multiattach: false,
      encrypted: false,
      availabilityZone: zone,
      attachments: [],
    };
    inv.volumes.push(volume);
    return volume;
  };
  for (let i = 0; i < serverCount; i++) {
    const tenant = pickTenant();
    const flavor = (flavorPickers.get(tenant.project.id) ?? pickPublicFlavor)();
    const image = tenant.images.length && rand.chance(0.3) ? rand.pick(tenant.images) : pickPublicImage();
    const [status, powerState] = pickStatus();
    const user = rand.pick(tenant.users);
    const role = rand.pick(SERVER_ROLES);
    const zone = rand.pick(zones);
    const name = rand.chance(0.05) ? `${role.toUpperCase()}_${i}.${rand.pick(['prod', 'Int', 'lab'])}` : `${role}-${i}`;
    const server = { id: rand.uuid(), name, projectId: tenant.project.id, userId: user.id, status, powerState, flavorId: flavor.id };
    const bootFromVolume = flavor.disk === 0 || rand.chance(0.1);
    if (!bootFromVolume) server.imageId = image.id;
    server.blockDevices = [];
    server.interfaces = [];
    server.securityGroupIds = [];
    const keypairs = tenant.keypairs.filter((k) => k.userId === user.id);
    if (keypairs.length && rand.chance(0.85)) server.keyName = rand.pick(keypairs).name;
    server.metadata = rand.chance(0.6) ? { role, env: tenant.project.tags[0].slice(4) } : {};
    if (rand.chance(0.1)) server.metadata['Owner Team'] = rand.pick(TEAM_WORDS);
    server.tags = rand.chance(0.3) ? [role] : [];
    if (rand.chance(0.4)) server.userData = image.properties.os_type === 'windows' ? CLOUD_CONFIGS[4] : rand.pick(CLOUD_CONFIGS.slice(0, 4));
    server.configDrive = rand.chance(0.1) || image.properties.img_config_drive === 'mandatory';
    server.availabilityZone = zone;
    server.hostname = name.toLowerCase().replace(/[^a-z0-9-]+/g, '-');
    inv.servers.push(server);
    tenant.servers.push(server);

    const bus = image.properties.hw_disk_bus === 'sata' || image.properties.hw_disk_bus === 'scsi' || image.properties.hw_disk_bus === 'ide' ? 'sd' : 'vd';
    if (bootFromVolume) {
      const size = Math.max(flavor.disk, image.minDisk, rand.pick([20, 40, 80]));
      const volume = newVolume(tenant, '', size, rand.int(0, 2), true, zone);
      volume.volumeImageMetadata = {
        ...image.properties,
        image_id: image.id,
        image_name: image.name,
        checksum: image.checksum,
        container_format: 'bare',
        disk_format: image.diskFormat,
        min_disk: String(image.minDisk),
        min_ram: '0',
        size: String(image.size),
      };
      server.blockDevices.push({ volumeId: volume.id, device: `/dev/${bus}a`, bootIndex: 0, deleteOnTermination: rand.chance(0.5) });
      volume.attachments.push({ serverId: server.id, device: `/dev/${bus}a`, attachmentId: rand.uuid() });
    }
    const extra = pickExtraVolumes();
    for (let v = 0; v < extra; v++) {
      const device = `/dev/${bus}${'bcd'[v]}`;
      const volume = newVolume(tenant, `${name}-data-${v}`, rand.pick([10, 50, 100, 200, 500]), rand.int(0, 2), false, zone);
      server.blockDevices.push({ volumeId: volume.id, device, deleteOnTermination: false });
      volume.attachments.push({ serverId: server.id, device, attachmentId: rand.uuid() });
    }

    const nics = pickNicCount();
    const candidates = [...tenant.networks, sharedNet];
    for (let n = 0; n < nics; n++) {
      const holder = n < candidates.length ? candidates[n] : sharedNet;
      const mac = macOf(nicCount++);
      const fixedIps = [{ ipAddress: ipv4In(holder.base, holder.next++), subnetId: holder.v4.id }];
      if (holder.v6) fixedIps.push({ ipAddress: slaac(holder.v6.cidr.replace('/64', ''), mac), subnetId: holder.v6.id });
      const groups = [tenant.securityGroups[0]];
      for (let g = pickGroupCount(); g > 0; g--) {
        const group = rand.pick(tenant.securityGroups);
        if (!groups.includes(group)) groups.push(group);
      }
      const port = {
        id: rand.uuid(),
        name: '',
        networkId: holder.net.id,
        projectId: tenant.project.id,
        macAddress: mac,
        fixedIps,
        deviceId: server.id,
        deviceOwner: `compute:${zone}`,
        securityGroupIds: groups.map((g) => g.id),
        portSecurityEnabled: true,
        allowedAddressPairs: [],
      };
      inv.ports.push(port);
      server.interfaces.push({ portId: port.id, networkId: holder.net.id, macAddress: mac, fixedIps });
      for (const group of groups) if (!server.securityGroupIds.includes(group.id)) server.securityGroupIds.push(group.id);
      if (n === 0 && rand.chance(0.15)) {
        inv.floatingIps.push({
          id: rand.uuid(),
          floatingIpAddress: ipv4In(publicBase, fip++),
          floatingNetworkId: publicNet.net.id,
          projectId: tenant.project.id,
          portId: port.id,
          fixedIpAddress: fixedIps[0].ipAddress,
          status: 'ACTIVE',
          description: '',
        });
      }
    }
  }
  // Unassociated floating IPs: allocated, never released.
  for (let u = 0, n = Math.ceil(serverCount / 50); u < n; u++) {
    inv.floatingIps.push({
      id: rand.uuid(),
      floatingIpAddress: ipv4In(publicBase, fip++),
      floatingNetworkId: publicNet.net.id,
      projectId: rand.pick(tenants).project.id,
      portId: null,
      fixedIpAddress: null,
      status: 'DOWN',
      description: 'spare',
    });
  }

  // ---- multi-attach volumes (rare: a migration blocker) and server groups
  for (const tenant of tenants) {
    const list = tenant.servers;
    if (list.length >= 2 && rand.chance(0.05)) {
      const volume = newVolume(tenant, 'quorum', 1, 3, false, 'nova');
      volume.multiattach = true;
      for (const server of list.slice(0, 2)) {
        const device = `/dev/vd${'efg'[server.blockDevices.length % 3]}`;
        server.blockDevices.push({ volumeId: volume.id, device, deleteOnTermination: false });
        volume.attachments.push({ serverId: server.id, device, attachmentId: rand.uuid() });
      }
    }
    for (let s = 0; s + 1 < list.length; s += rand.int(8, 20)) {
      const size = Math.min(list.length - s, rand.int(2, 4));
      const members = list.slice(s, s + size);
      if (members.some((m) => m.serverGroupId)) continue;
      const policy = rand.weighted([
        [5, 'anti-affinity'],
        [2, 'affinity'],
        [4, 'soft-anti-affinity'],
        [1, 'soft-affinity'],
      ]);
      const group = { id: rand.uuid(), name: `${tenant.project.name}-${policy}-${s}`, projectId: tenant.project.id, policy, members: members.map((m) => m.id) };
      if (policy === 'anti-affinity' && rand.chance(0.3)) group.rules = { maxServerPerHost: 2 };
      inv.serverGroups.push(group);
      for (const member of members) member.serverGroupId = group.id;
    }
  }
  for (const volume of inv.volumes) if (!volume.attachments.length) volume.status = 'available';
  return inv;
}

// ------------------------------------------------------------------ CLI
function parseArgs(argv) {
  const options = { servers: 1000, securityGroups: undefined, seed: 1, out: '-', format: undefined };
  const number = (flag, value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new Error(`${flag} needs a non-negative integer, got ${JSON.stringify(value)}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const value = () => inline ?? argv[++i];
    switch (flag) {
      case '--servers':
        options.servers = number(flag, value());
        break;
      case '--security-groups':
        options.securityGroups = number(flag, value());
        break;
      case '--seed':
        options.seed = number(flag, value());
        break;
      case '-o':
      case '--out':
        options.out = value();
        break;
      case '--format':
        options.format = value();
        break;
      case '-h':
      case '--help':
        return { help: true };
      default:
        throw new Error(`unknown option ${flag}`);
    }
  }
  options.format ??= /\.json$/i.test(options.out) ? 'json' : 'yaml';
  if (!['json', 'yaml'].includes(options.format)) throw new Error(`--format must be json or yaml, got ${options.format}`);
  return options;
}

const USAGE = `usage: node scripts/generate-inventory.mjs [--servers N] [--security-groups N] [--seed N] [-o FILE|-] [--format yaml|json]
  Writes a synthetic, deterministic inventory (YAML unless FILE ends in .json or --format json).
  Defaults: --servers 1000, --security-groups servers/5, --seed 1, -o - (stdout).`;

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    const options = parseArgs(process.argv.slice(2));
    if (options.help) {
      process.stdout.write(`${USAGE}\n`);
    } else {
      const inventory = generateInventory(options);
      const text = options.format === 'json' ? `${JSON.stringify(inventory)}\n` : dump(inventory, { noRefs: true, lineWidth: -1 });
      if (options.out === '-') process.stdout.write(text);
      else writeFileSync(options.out, text);
      process.stderr.write(
        `generated ${inventory.servers.length} servers, ${inventory.securityGroups.length} security groups, ${inventory.projects.length} projects, ${inventory.ports.length} ports, ${inventory.volumes.length} volumes${options.out === '-' ? '' : ` → ${options.out}`}\n`,
      );
    }
  } catch (e) {
    process.stderr.write(`generate-inventory: ${e.message}\n${USAGE}\n`);
    process.exit(1);
  }
}
