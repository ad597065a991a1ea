// The loader must refuse every malformed inventory with a message that names the file, the path and the
// problem, and accept a well-formed one unchanged.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidInputError, MigrateError } from '../../../src/errors.js';
import { formatInventory, loadInventoryFile, parseInventory, parseInventoryText } from '../../../src/inventory/load.js';
import type { Inventory } from '../../../src/inventory/types.js';

function minimal(): Inventory {
  return {
    apiVersion: 'openstack-migrate.io/v1alpha1',
    kind: 'Inventory',
    schemaVersion: 1,
    metadata: { cloud: 'test' },
    domains: [{ id: 'default', name: 'Default' }],
    projects: [{ id: 'p1', name: 'prod', domainId: 'default' }],
    users: [],
    groups: [],
    roles: [{ id: 'r1', name: 'member' }],
    roleAssignments: [],
    flavors: [{ id: 'f1', name: 'm1.small', vcpus: 1, ram: 2048, disk: 20, ephemeral: 0, swap: 0, extraSpecs: {} }],
    images: [{ id: 'i1', name: 'cirros', properties: {} }],
    keypairs: [{ name: 'k', userId: 'u1', publicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGk test' }],
    serverGroups: [],
    servers: [
      {
        id: 's1',
        name: 'web-1',
        projectId: 'p1',
        status: 'ACTIVE',
        flavorId: 'f1',
        imageId: 'i1',
        blockDevices: [],
        interfaces: [{ networkId: 'n1', macAddress: 'fa:16:3e:00:00:01', fixedIps: [{ ipAddress: '10.0.0.5', subnetId: 'sn1' }] }],
        securityGroupIds: ['sg1'],
        keyName: 'k',
        metadata: {},
      },
    ],
    volumeTypes: [],
    volumes: [],
    networks: [{ id: 'n1', name: 'net', projectId: 'p1' }],
    subnets: [{ id: 'sn1', name: 'sub', networkId: 'n1', ipVersion: 4, cidr: '10.0.0.0/24', enableDhcp: true }],
    ports: [],
    securityGroups: [{ id: 'sg1', name: 'default', projectId: 'p1', rules: [] }],
    floatingIps: [],
  };
}

/** Breaks an inventory in a way its type may forbid (the loader's input is unknown data). */
type Mutation = (inv: unknown) => void;
/** Sets the field at a dotted path (array indexes as numbers); with no value, deletes it. */
const set =
  (path: string, ...value: [unknown?]): Mutation =>
  (inv) => {
    const keys = path.split('.');
    const last = keys.pop() ?? '';
    let node = inv as Record<string, unknown>;
    for (const key of keys) node = node[key] as Record<string, unknown>;
    if (value.length) node[last] = value[0];
    else delete node[last];
  };
const cases: [string, Mutation, string][] = [
  ['unknown apiVersion', set('apiVersion', 'v2'), 'expected apiVersion openstack-migrate.io/v1alpha1'],
  ['newer schemaVersion', set('schemaVersion', 2), 'schemaVersion 2 is not supported'],
  ['missing server field', set('servers.0.flavorId'), 'servers[0]: missing required field "flavorId"'],
  ['unknown field (typo)', set('servers.0.flavorID', 'f1'), 'servers[0]: unknown field "flavorID"'],
  ['0 vCPU', set('flavors.0.vcpus', 0), 'flavors[0].vcpus: must be >= 1'],
  ['negative disk', set('flavors.0.disk', -1), 'flavors[0].disk: must be >= 0'],
  [
    'negative volume size',
    set('volumes', [{ id: 'v', name: 'v', projectId: 'p1', size: -5, bootable: false, attachments: [] }]),
    'volumes[0].size: must be >= 1',
  ],
  ['missing flavor', set('servers.0.flavorId', 'nope'), 'servers[0] (web-1).flavorId: refers to flavor "nope", which is not in the inventory'],
  ['missing image', set('servers.0.imageId', 'nope'), 'servers[0] (web-1).imageId: refers to image "nope"'],
  [
    'missing volume',
    set('servers.0.blockDevices', [{ volumeId: 'v9', device: '/dev/vdb' }]),
    'servers[0] (web-1).blockDevices[0].volumeId: refers to volume "v9"',
  ],
  ['missing network', set('servers.0.interfaces.0.networkId', 'n9'), 'servers[0] (web-1).interfaces[0].networkId: refers to network "n9"'],
  ['missing security group', set('servers.0.securityGroupIds', ['sg9']), 'securityGroupIds[0]: refers to security group "sg9"'],
  ['missing keypair', set('servers.0.keyName', 'other'), 'keyName: refers to keypair "other"'],
  ['no root disk', set('servers.0.imageId'), 'has no image and no block device with bootIndex 0'],
  ['duplicate id', set('flavors.1', minimal().flavors[0]), 'flavors[1].id: duplicate id "f1"'],
  ['bad MAC', set('servers.0.interfaces.0.macAddress', 'fa:16:3e'), 'servers[0].interfaces[0].macAddress: must match pattern'],
  [
    'bad rule direction',
    set('securityGroups.0.rules', [{ id: 'r', direction: 'in', ethertype: 'IPv4' }]),
    'securityGroups[0].rules[0].direction: must be one of "ingress", "egress"',
  ],
  [
    'port range reversed',
    set('securityGroups.0.rules', [{ id: 'r', direction: 'ingress', ethertype: 'IPv4', protocol: 'tcp', portRangeMin: 90, portRangeMax: 80 }]),
    'portRangeMin: is greater than portRangeMax (90 > 80)',
  ],
  ['assignment to nobody', set('roleAssignments', [{ roleId: 'r1', projectId: 'p1' }]), 'roleAssignments[0]: needs exactly one of userId or groupId'],
  ['bad user data', set('servers.0.userData', 'not base64!'), 'servers[0].userData: must match pattern'],
];

describe('inventory validation', () => {
  it('accepts a well-formed inventory', () => {
    expect(parseInventory(minimal(), 'inv.yaml').servers[0]?.name).toBe('web-1');
  });

  it.each(cases)('rejects %s, naming file, path and problem', (_name, mutate, expected) => {
    const inv = minimal();
    mutate(inv);
    let error: unknown;
    try {
      parseInventory(inv, 'cloud.yaml');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidInputError);
    const err = error as InvalidInputError;
    expect(err.exitCode).toBe(1);
    expect(err.message).toContain('cloud.yaml');
    expect(err.message).toContain(expected);
  });

  it('fills omitted collections with empty lists', () => {
    const inv: Partial<Inventory> = minimal();
    delete inv.floatingIps;
    expect(parseInventory(inv, 'x').floatingIps).toEqual([]);
  });

  it('reports YAML syntax errors with the file name', () => {
    expect(() => parseInventoryText('a: [1, 2', 'broken.yaml')).toThrow(/broken.yaml.*not valid YAML/s);
  });

  it('reports a missing file with exit code 1', async () => {
    await expect(loadInventoryFile('/nonexistent/inv.yaml')).rejects.toMatchObject({ exitCode: 1, message: expect.stringContaining('no such file') });
    await expect(loadInventoryFile('/nonexistent/inv.yaml')).rejects.toBeInstanceOf(MigrateError);
  });

  it('reads the same values from YAML whose long strings it copies out of the file text', async () => {
    const { readFileSync } = await import('node:fs');
    const yaml = (await import('js-yaml')).default;
    const text = readFileSync(join(import.meta.dirname, '../../../examples/cloud.yaml'), 'utf8');
    const copied = parseInventoryText(text, 'cloud.yaml');
    expect(copied).toEqual(parseInventory(yaml.load(text), 'cloud.yaml'));
    expect(JSON.stringify(copied)).toBe(JSON.stringify(parseInventory(yaml.load(text), 'cloud.yaml')));
  });

  it('reads an unquoted date in a metadata value as the string it is in Nova, and keeps merge keys and !!timestamp', () => {
    // A hand-edited inventory: date-like metadata values left unquoted (js-yaml's default schema made them
    // Dates, which the schema check refused with "must be string"), and a merge key.
    const text = formatInventory(minimal(), 'yaml')
      .replace('    properties: {}\n', '    properties: &props\n      os_distro: cirros\n')
      .replace('    metadata: {}\n', '    metadata:\n      <<: *props\n      built: 2024-01-01\n      at: 2024-01-01T10:00:00Z\n');
    expect(parseInventoryText(text, 'edited.yaml').servers[0]?.metadata).toEqual({ os_distro: 'cirros', built: '2024-01-01', at: '2024-01-01T10:00:00Z' });
    // An explicit tag is still what it says: a timestamp, which a metadata value cannot be.
    expect(() => parseInventoryText(text.replace('built: 2024-01-01', 'built: !!timestamp 2024-01-01'), 'tagged.yaml')).toThrow(
      /servers\[0\]\.metadata\.built: must be string/,
    );
  });

  it('round-trips through YAML and JSON byte-identically', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'inv-'));
    for (const format of ['yaml', 'json'] as const) {
      const text = formatInventory(minimal(), format);
      const file = join(dir, `inv.${format}`);
      writeFileSync(file, text);
      const loaded = await loadInventoryFile(file);
      expect(formatInventory(loaded, format)).toBe(text);
    }
  });
});
