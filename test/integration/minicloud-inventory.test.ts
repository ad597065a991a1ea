// End to end against the real OpenStack Zed of ../shared/minicloud (seeded by seed.py).
// Skipped only when OSM_MINICLOUD is unset (scripts/test.sh starts the cloud and sets it); when it is set,
// an unreachable cloud fails the suite.
import { existsSync, readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { collectInventory, type CollectResult } from '../../src/openstack/collect.js';
import { loadCloudConfig } from '../../src/openstack/config.js';
import { parseInventory } from '../../src/inventory/load.js';
import type { Inventory } from '../../src/inventory/types.js';
import { at } from '../support/must.js';

const enabled = Boolean(process.env.OSM_MINICLOUD);
const cloudsFile = process.env.OS_CLIENT_CONFIG_FILE ?? '/tmp/minicloud/clouds.yaml';
const password = process.env.MINICLOUD_PASSWORD ?? 'minicloud';

async function inventoryOf(cloud: string, projects?: string[]): Promise<CollectResult & { warnings: string[] }> {
  const config = loadCloudConfig({ cloud, env: { OS_CLIENT_CONFIG_FILE: cloudsFile } });
  const warnings: string[] = [];
  const result = await collectInventory(config, { projects, pageSize: 3, onWarning: (w) => warnings.push(w) });
  return { ...result, warnings };
}

const byName = <T extends { name: string }>(list: T[], name: string): T => {
  const found = list.find((x) => x.name === name);
  if (!found) throw new Error(`${name} not in the inventory (have: ${list.map((x) => x.name).join(', ')})`);
  return found;
};

describe.skipIf(!enabled)('inventory of the minicloud (real OpenStack Zed)', () => {
  let admin: CollectResult & { warnings: string[] };
  let alice: CollectResult & { warnings: string[] };
  let prod: CollectResult & { warnings: string[] };
  let inv: Inventory;

  beforeAll(async () => {
    expect(existsSync(cloudsFile), `${cloudsFile} (written by minicloud/up.sh)`).toBe(true);
    [admin, alice, prod] = await Promise.all([inventoryOf('minicloud'), inventoryOf('minicloud-alice'), inventoryOf('minicloud', ['acme-prod'])]);
    inv = admin.inventory;
  }, 300_000);

  it('admin: every seeded server, with its flavor, image or boot volume, NICs and security groups', () => {
    expect(admin.view).toBe('admin');
    expect(inv.servers.map((s) => s.name).sort()).toEqual(['app-1', 'app-2', 'bfv-1', 'db-1', 'dev-1', 'topo-1', 'web-1', 'web-2']);
    const flavorOf = (name: string) => inv.flavors.find((f) => f.id === byName(inv.servers, name).flavorId)?.name;
    expect(Object.fromEntries(inv.servers.map((s) => [s.name, flavorOf(s.name)]))).toEqual({
      'web-1': 'm1.small',
      'web-2': 'm1.small',
      'db-1': 'e2.ephemeral',
      'topo-1': 'c2.topology',
      'dev-1': 'acme.private',
      'app-1': 'm1.medium',
      'app-2': 'm1.tiny',
      'bfv-1': 'm1.small',
    });
    const imageOf = (name: string) => inv.images.find((i) => i.id === byName(inv.servers, name).imageId)?.name;
    expect(imageOf('web-1')).toBe('ubuntu-22.04');
    expect(imageOf('app-1')).toBe('windows-server-2022');
    expect(imageOf('topo-1')).toBe('acme-golden-2024');
    expect(imageOf('app-2')).toBe('acme-shared-base');
    expect(byName(inv.servers, 'app-2').status).toBe('SHUTOFF');
    expect(byName(inv.servers, 'topo-1').configDrive).toBe(true);
    expect(byName(inv.servers, 'web-1').userData).toBe('I2Nsb3VkLWNvbmZpZwpwYWNrYWdlczogW25naW54XQo=');
    expect(byName(inv.servers, 'web-1').metadata).toEqual({ role: 'web', env: 'prod' });
    expect(byName(inv.servers, 'web-1').tags?.sort()).toEqual(['prod', 'web']);
    const netNames = (name: string) => byName(inv.servers, name).interfaces.map((i) => inv.networks.find((n) => n.id === i.networkId)?.name);
    expect(netNames('db-1')).toEqual(['prod-db-net', 'prod-net']);
    expect(at(byName(inv.servers, 'db-1').interfaces, 0, 'interface').fixedIps.map((ip) => ip.ipAddress)).toEqual(['10.11.0.20']);
    const web1Port = inv.ports.find((p) => p.id === at(byName(inv.servers, 'web-1').interfaces, 0, 'interface').portId)!;
    expect(web1Port.allowedAddressPairs).toEqual([{ ipAddress: '10.10.0.10', macAddress: web1Port.macAddress }]);
    const sgNames = (name: string) =>
      byName(inv.servers, name)
        .securityGroupIds.map((id) => inv.securityGroups.find((g) => g.id === id)?.name)
        .sort();
    expect(sgNames('web-1')).toEqual(['ssh-bastion', 'web']);
    expect(sgNames('db-1')).toEqual(['db', 'default', 'ssh-bastion']);
    expect(sgNames('app-1')).toEqual(['app']);
  });

  it('admin: volume attachments with device names, and the boot volume of bfv-1', () => {
    const attached = (server: string) =>
      byName(inv.servers, server).blockDevices.map((b) => ({ ...b, name: inv.volumes.find((v) => v.id === b.volumeId)?.name }));
    expect(attached('db-1')).toEqual([expect.objectContaining({ name: 'db-data', device: expect.stringMatching(/^\/dev\//) })]);
    expect(attached('app-1')).toEqual([expect.objectContaining({ name: 'globex-data', device: expect.stringMatching(/^\/dev\//) })]);
    const bfv = byName(inv.servers, 'bfv-1');
    expect(bfv.imageId).toBeUndefined();
    expect(bfv.blockDevices).toHaveLength(1);
    expect(at(bfv.blockDevices, 0, 'block device').bootIndex).toBe(0);
    expect(inv.volumes.find((v) => v.id === at(bfv.blockDevices, 0, 'block device').volumeId)?.bootable).toBe(true);
    expect(inv.volumes.map((v) => v.name).sort()).toEqual(['', 'cirros-root', 'db-data', 'globex-data', 'scratch']);
    expect(byName(inv.volumes, 'db-data').volumeType).toBe('ssd');
    expect(byName(inv.volumes, 'cirros-root').volumeImageMetadata?.hw_disk_bus).toBe('virtio');
    expect(inv.volumeTypes.map((t) => t.name)).toEqual(expect.arrayContaining(['standard', 'ssd', 'archive']));
    expect(byName(inv.volumeTypes, 'ssd').extraSpecs).toMatchObject({ 'minicloud:tier': 'gold' });
  });

  it('admin: flavors with extra specs and access, images with properties', () => {
    expect(inv.flavors.map((f) => f.name).sort()).toEqual(['acme.private', 'c2.topology', 'e2.ephemeral', 'm1.medium', 'm1.small', 'm1.tiny', 'p2.pinned']);
    expect(byName(inv.flavors, 'c2.topology').extraSpecs).toEqual({
      'hw:cpu_sockets': '2',
      'hw:cpu_cores': '2',
      'hw:cpu_threads': '1',
      'hw:cpu_policy': 'shared',
      'hw:cpu_max_sockets': '2',
    });
    expect(byName(inv.flavors, 'p2.pinned').extraSpecs).toMatchObject({ 'hw:cpu_policy': 'dedicated', 'hw:numa_nodes': '1' });
    expect(byName(inv.flavors, 'e2.ephemeral')).toMatchObject({ ephemeral: 5, swap: 1024 });
    const priv = byName(inv.flavors, 'acme.private');
    expect(priv.isPublic).toBe(false);
    expect(priv.projectIds?.map((id) => inv.projects.find((p) => p.id === id)?.name).sort()).toEqual(['acme-dev', 'acme-prod']);
    expect(inv.images.map((i) => i.name).sort()).toEqual([
      'acme-golden-2024',
      'acme-shared-base',
      'cirros-0.6.2',
      'tools-community',
      'ubuntu-22.04',
      'web-2-snapshot',
      'windows-server-2022',
    ]);
    expect(byName(inv.images, 'windows-server-2022').properties).toMatchObject({
      hw_disk_bus: 'sata',
      hw_vif_model: 'e1000',
      hw_firmware_type: 'uefi',
      hw_machine_type: 'q35',
      os_secure_boot: 'required',
    });
    expect(byName(inv.images, 'ubuntu-22.04').properties).toMatchObject({ hw_scsi_model: 'virtio-scsi', os_distro: 'ubuntu' });
    expect(byName(inv.images, 'acme-golden-2024').properties.acme_build).toBe('2024.11.1');
    expect(byName(inv.images, 'tools-community').visibility).toBe('community');
    expect(byName(inv.images, 'cirros-0.6.2').tags).toEqual(['tiny']);
  });

  it('admin: security group rules, floating IPs, networks', () => {
    expect(inv.securityGroups.flatMap((g) => g.rules)).toHaveLength(50);
    const db = inv.securityGroups.find((g) => g.name === 'db')!;
    expect(db.rules.some((r) => r.protocol === '112' && r.remoteGroupId === db.id)).toBe(true);
    expect(
      db.rules
        .filter((r) => r.direction === 'egress')
        .map((r) => r.portRangeMin)
        .sort(),
    ).toEqual([123, 443, 53, 53]);
    const web = inv.securityGroups.find((g) => g.name === 'web')!;
    expect(web.rules).toContainEqual(expect.objectContaining({ protocol: 'icmp', portRangeMin: 8, portRangeMax: 0, remoteIpPrefix: '10.10.0.0/24' }));
    expect(web.rules).toContainEqual(expect.objectContaining({ protocol: 'tcp', portRangeMin: 8000, portRangeMax: 8080 }));
    expect(inv.securityGroups.find((g) => g.name === 'stateless-lb')?.stateful).toBe(false);
    expect(inv.floatingIps).toHaveLength(4);
    const web1 = byName(inv.servers, 'web-1');
    expect(inv.floatingIps.find((f) => f.description === 'web-1 public')?.portId).toBe(at(web1.interfaces, 0, 'interface').portId);
    expect(inv.floatingIps.find((f) => f.description === 'vip')?.fixedIpAddress).toBe('10.10.0.10');
    expect(inv.floatingIps.filter((f) => !f.portId)).toHaveLength(2);
    expect(byName(inv.networks, 'public').external).toBe(true);
    expect(byName(inv.networks, 'shared-services')).toMatchObject({ shared: true, providerNetworkType: 'vlan', providerSegmentationId: 100 });
    expect(byName(inv.subnets, 'prod-v4').hostRoutes).toEqual([{ destination: '10.99.0.0/16', nexthop: '10.10.0.254' }]);
    expect(byName(inv.subnets, 'prod-v6')).toMatchObject({ ipVersion: 6, ipv6AddressMode: 'slaac', ipv6RaMode: 'slaac' });
  });

  it('admin: identity, role assignments of every kind, keypairs, server groups', () => {
    expect(inv.domains.map((d) => d.name).sort()).toEqual(['Default', 'acme', 'globex']);
    const id = (list: { id: string; name: string }[], name: string) => byName(list, name).id;
    const has = (a: object) => expect(inv.roleAssignments).toContainEqual(expect.objectContaining(a));
    const user = (name: string, domain: string) => inv.users.find((u) => u.name === name && u.domainId === id(inv.domains, domain))!.id;
    has({ userId: user('alice', 'acme'), projectId: id(inv.projects, 'acme-prod'), roleId: id(inv.roles, 'member') });
    has({ groupId: id(inv.groups, 'acme-developers'), projectId: id(inv.projects, 'acme-dev'), roleId: id(inv.roles, 'member') });
    has({ groupId: id(inv.groups, 'acme-operators'), domainId: id(inv.domains, 'acme'), roleId: id(inv.roles, 'reader') });
    has({ userId: user('dave', 'globex'), domainId: id(inv.domains, 'globex'), roleId: id(inv.roles, 'admin') });
    has({ userId: user('dave', 'globex'), projectId: id(inv.projects, 'globex-web'), roleId: id(inv.roles, 'auditor') });
    expect(byName(inv.groups, 'acme-operators').members.sort()).toEqual([user('alice', 'acme'), user('erin', 'acme')].sort());
    expect(inv.users.find((u) => u.name === 'erin')?.enabled).toBe(false);
    expect(byName(inv.projects, 'acme-prod').tags?.sort()).toEqual(['cost-center-42', 'env-prod']);
    expect(inv.keypairs.map((k) => k.name).sort()).toEqual(['alice-key', 'carol-key']);
    expect(byName(inv.keypairs, 'alice-key').publicKey).toMatch(/^ssh-ed25519 \S+ alice-key@minicloud$/);
    expect(byName(inv.keypairs, 'carol-key').publicKey).toMatch(/^ssh-rsa /);
    expect(byName(inv.serverGroups, 'web-ha')).toMatchObject({ policy: 'soft-anti-affinity' });
    expect(
      byName(inv.serverGroups, 'web-ha')
        .members.map((m) => inv.servers.find((s) => s.id === m)?.name)
        .sort(),
    ).toEqual(['web-1', 'web-2']);
    expect(byName(inv.serverGroups, 'app-affinity').policy).toBe('affinity');
    expect(byName(inv.servers, 'app-1').serverGroupId).toBe(byName(inv.serverGroups, 'app-affinity').id);
    expect(admin.warnings).toEqual([]);
    expect(() => parseInventory(JSON.parse(JSON.stringify(inv)), 'minicloud admin')).not.toThrow();
  });

  it('alice (member of acme-prod and acme-dev): her projects, project by project, with warnings', () => {
    expect(alice.view).toBe('member');
    expect(alice.inventory.servers.map((s) => s.name).sort()).toEqual(['bfv-1', 'db-1', 'dev-1', 'topo-1', 'web-1', 'web-2']);
    expect(alice.inventory.projects.map((p) => p.name).sort()).toEqual(['acme-dev', 'acme-prod']);
    expect(alice.warnings.join('\n')).toMatch(/users: 403 Forbidden/);
    expect(alice.inventory.metadata.warnings).toEqual(alice.warnings);
    expect(byName(alice.inventory.servers, 'db-1').interfaces).toHaveLength(2);
    expect(byName(alice.inventory.servers, 'web-1').keyName).toBe('alice-key');
    expect(alice.inventory.volumes.map((v) => v.name).sort()).toEqual(['', 'cirros-root', 'db-data', 'scratch']);
    expect(() => parseInventory(JSON.parse(JSON.stringify(alice.inventory)), 'minicloud alice')).not.toThrow();
  });

  it('--project acme-prod: that project and what it uses', () => {
    const p = prod.inventory;
    expect(p.projects.map((x) => x.name)).toEqual(['acme-prod']);
    expect(p.servers.map((s) => s.name).sort()).toEqual(['bfv-1', 'db-1', 'topo-1', 'web-1', 'web-2']);
    expect(p.floatingIps.map((f) => f.description).sort()).toEqual(['spare-acme', 'vip', 'web-1 public']);
    expect(p.networks.map((n) => n.name)).toContain('public');
    expect(() => parseInventory(JSON.parse(JSON.stringify(p)), 'minicloud acme-prod')).not.toThrow();
  });

  it('no password or token in any inventory or warning', () => {
    // The minicloud's password is also the name of a cloud and a word in key comments: look for it as a
    // whole value (the cloud name aside), and for anything shaped like a Keystone fernet token.
    const leaves: string[] = [];
    const walk = (v: unknown, path: string): void => {
      if (typeof v === 'string') {
        if (path !== '.metadata.cloud') leaves.push(v);
      } else if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${path}[${i}]`));
      else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, `${path}.${k}`);
    };
    for (const r of [admin, alice, prod]) walk(r.inventory, '');
    leaves.push(...admin.warnings, ...alice.warnings, ...prod.warnings);
    expect(readFileSync(cloudsFile, 'utf8')).toContain(`password: ${password}`);
    expect(leaves.filter((v) => v === password || v.includes(`password: ${password}`) || v.includes(`:${password}@`))).toEqual([]);
    expect(leaves.filter((v) => /gAAAAA[\w-]{20,}/.test(v))).toEqual([]);
  });

  it('plans the admin inventory with zero schema errors', async (ctx) => {
    // The plan builder and the schema validator are the lead's; skip (visibly) only while they do not load.
    let buildPlan: ((inv: Inventory) => { objects: Record<string, unknown>[] }) | undefined;
    let validateObjects: ((objects: Record<string, unknown>[]) => string[]) | undefined;
    try {
      ({ buildPlan } = (await import('../../src/plan/build.js')) as never);
      ({ validateObjects } = (await import('../support/schema-validate.js')) as never);
    } catch (err) {
      ctx.skip(`PLAN NOT AVAILABLE YET: ${(err as Error).message.split('\n')[0]}`);
      return;
    }
    const plan = buildPlan!(inv);
    expect(plan.objects.length).toBeGreaterThan(20);
    expect(validateObjects!(plan.objects)).toEqual([]);
  });
});
