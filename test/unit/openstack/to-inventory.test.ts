// The pure mapping, on the recorded Zed responses.
import { describe, expect, it } from 'vitest';
import type { NeutronPort, NovaServer, RawCloud } from '../../../src/openstack/api-types.js';
import { orderServerPorts, sliceInventory, toInventory } from '../../../src/openstack/to-inventory.js';
import { parseInventory } from '../../../src/inventory/load.js';
import { fixtureCloud } from '../../support/openstack-server/data.js';

function rawFromFixtures(): RawCloud {
  const c = fixtureCloud();
  return {
    cloud: 'fixture',
    scopeProjectIds: [],
    warnings: [],
    domains: c.domains as never,
    projects: c.projects as never,
    users: c.users as never,
    groups: c.groups as never,
    groupMembers: Object.fromEntries(Object.entries(c.groupUsers).map(([g, us]) => [g, us.map((u) => u.id)])),
    roles: c.roles as never,
    roleAssignments: c.roleAssignments as never,
    flavors: c.flavors as never,
    flavorAccess: c.flavorAccess,
    keypairs: Object.entries(c.keypairs).flatMap(([userId, ks]) => ks.map((k) => ({ ...k, user_id: userId }))) as never,
    serverGroups: c.serverGroups as never,
    servers: c.servers as never,
    images: c.images as never,
    networks: c.networks as never,
    subnets: c.subnets as never,
    ports: c.ports as never,
    securityGroups: c.securityGroups as never,
    floatingIps: c.floatingIps as never,
    volumeTypes: c.volumeTypes as never,
    volumes: c.volumes as never,
  };
}

describe('toInventory', () => {
  it('maps the recorded cloud to a valid inventory, deterministically', () => {
    const a = toInventory(rawFromFixtures(), '2026-01-01T00:00:00Z');
    const b = toInventory(rawFromFixtures(), '2026-01-01T00:00:00Z');
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(() => parseInventory(JSON.parse(JSON.stringify(a)), 'fixture')).not.toThrow();
  });

  it('synthesizes a flavor from the embedded copy when the flavor is gone or was edited', () => {
    const raw = rawFromFixtures();
    raw.flavors = raw.flavors.filter((f) => f.name !== 'm1.tiny');
    const medium = raw.flavors.find((f) => f.name === 'm1.medium')!;
    medium.extra_specs = { ...medium.extra_specs, 'hw:changed': 'after-boot' };
    const inv = toInventory(raw);
    const app2 = inv.servers.find((s) => s.name === 'app-2')!;
    const app1 = inv.servers.find((s) => s.name === 'app-1')!;
    expect(app2.flavorId).toBe(`embedded:${app2.id}`);
    expect(app1.flavorId).toBe(`embedded:${app1.id}`);
    expect(inv.flavors.find((f) => f.id === app2.flavorId)).toMatchObject({ name: 'm1.tiny', vcpus: 1, ram: 512, disk: 1, isPublic: false });
    expect(inv.flavors.find((f) => f.id === app1.flavorId)?.extraSpecs).not.toHaveProperty('hw:changed');
    expect(inv.servers.find((s) => s.name === 'web-1')!.flavorId).toBe(raw.flavors.find((f) => f.name === 'm1.small')!.id);
  });

  it('image properties are every non-core field, as strings; core fields are typed', () => {
    const inv = toInventory(rawFromFixtures());
    const cirros = inv.images.find((i) => i.name === 'cirros-0.6.2')!;
    expect(cirros).toMatchObject({ diskFormat: 'qcow2', minDisk: 1, minRam: 64, visibility: 'public', tags: ['tiny'] });
    expect(cirros.properties).toMatchObject({ hw_disk_bus: 'virtio', os_distro: 'cirros', 'owner_specified.openstack.object': 'images/cirros-0.6.2' });
    expect(cirros.properties).not.toHaveProperty('min_disk');
    expect(cirros.properties).not.toHaveProperty('os_hash_value');
  });

  it('drops a keyName whose keypair could not be read', () => {
    const raw = rawFromFixtures();
    raw.keypairs = [];
    const inv = toInventory(raw);
    expect(inv.servers.every((s) => s.keyName === undefined)).toBe(true);
  });

  it('boot-from-volume: the root-device volume gets bootIndex 0 and comes first', () => {
    const raw = rawFromFixtures();
    const bfv = raw.servers.find((s) => s.name === 'bfv-1')!;
    const data = raw.volumes.find((v) => v.name === 'scratch')!;
    bfv['os-extended-volumes:volumes_attached'] = [{ id: data.id }, ...bfv['os-extended-volumes:volumes_attached']!];
    data.attachments = [{ server_id: bfv.id, device: '/dev/sdb', attachment_id: 'a1' }];
    const inv = toInventory(raw);
    const s = inv.servers.find((x) => x.name === 'bfv-1')!;
    expect(s.blockDevices.map((b) => [b.device, b.bootIndex])).toEqual([
      ['/dev/sda', 0],
      ['/dev/sdb', undefined],
    ]);
  });
});

describe('orderServerPorts', () => {
  const port = (id: string, mac: string, created: string): NeutronPort => ({ id, mac_address: mac, network_id: 'n', fixed_ips: [], created_at: created });
  it.each([
    [
      'by the MAC order of addresses',
      {
        a: [{ version: 4, addr: '1', 'OS-EXT-IPS-MAC:mac_addr': 'fa:00:00:00:00:02' }],
        b: [{ version: 4, addr: '2', 'OS-EXT-IPS-MAC:mac_addr': 'FA:00:00:00:00:01' }],
      },
      ['p2', 'p1', 'p3'],
    ],
    ['unknown MACs last, by creation time', {}, ['p3', 'p1', 'p2']],
  ])('%s', (_name, addresses, expected) => {
    const server = { id: 's', addresses } as unknown as NovaServer;
    const ports = [port('p1', 'fa:00:00:00:00:01', '2024-01-02'), port('p2', 'fa:00:00:00:00:02', '2024-01-03'), port('p3', 'fa:00:00:00:00:03', '2024-01-01')];
    expect(orderServerPorts(server, ports).map((p) => p.id)).toEqual(expected);
  });
});

describe('sliceInventory', () => {
  const inv = toInventory(rawFromFixtures());
  it.each([
    [{ projects: ['acme-prod'] }, ['bfv-1', 'db-1', 'topo-1', 'web-1', 'web-2']],
    [{ domains: ['globex'] }, ['app-1', 'app-2']],
    [{ servers: ['db-1', 'app-2'] }, ['app-2', 'db-1']],
    [{ projects: ['acme-prod'], servers: ['app-1'] }, []],
  ])('%o keeps %o, and the slice is a valid inventory', (filter, names) => {
    const { inventory, unmatched } = sliceInventory(inv, filter);
    expect(unmatched).toEqual([]);
    expect(inventory.servers.map((s) => s.name).sort()).toEqual(names);
    expect(() => parseInventory(JSON.parse(JSON.stringify(inventory)), 'slice')).not.toThrow();
  });
  it('reports entries that match nothing', () => {
    expect(sliceInventory(inv, { projects: ['nope'], servers: ['web-1'] }).unmatched).toEqual(['nope']);
  });
});
