// The collector over real HTTP against the local OpenStack API server (recorded Zed shapes).
import { mkdtempSync, readFileSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { collectInventory, type CollectOptions } from '../../src/openstack/collect.js';
import { loadCloudConfig, type CloudConfig } from '../../src/openstack/config.js';
import { OpenStackError } from '../../src/openstack/errors.js';
import { runInventory } from '../../src/cli/inventory.js';
import { parseInventory } from '../../src/inventory/load.js';
import {
  FIXTURE_IDS,
  TEST_PASSWORD,
  adminEnv,
  fixtureCloud,
  startOpenStackServer,
  type OpenStackTestServer,
  type ServerOptions,
} from '../support/openstack-server/index.js';
import { at } from '../support/must.js';

/** Everything any test printed, wrote or threw: scanned for secrets at the end. */
const outputs: string[] = [];
const issuedTokens: string[] = [];
const servers: OpenStackTestServer[] = [];

async function start(options: ServerOptions = {}, edit?: (c: ReturnType<typeof fixtureCloud>) => void): Promise<OpenStackTestServer> {
  const cloud = fixtureCloud();
  edit?.(cloud);
  const s = await startOpenStackServer(cloud, options);
  servers.push(s);
  return s;
}

function envConfig(s: OpenStackTestServer, extra: Record<string, string> = {}): CloudConfig {
  return loadCloudConfig({ env: adminEnv(s, extra) });
}

async function collect(config: CloudConfig, options: CollectOptions = {}) {
  const warnings: string[] = [];
  try {
    const result = await collectInventory(config, { retry: { baseDelayMs: 5, maxDelayMs: 20 }, onWarning: (w) => warnings.push(w), ...options });
    outputs.push(JSON.stringify(result.inventory), ...warnings);
    return { ...result, warnings };
  } catch (err) {
    outputs.push(String(err), (err as Error).message);
    throw err;
  }
}

async function expectError(promise: Promise<unknown>, kind: string, pattern: RegExp): Promise<OpenStackError> {
  const err = await promise.then(
    () => undefined,
    (e) => e,
  );
  expect(err).toBeInstanceOf(OpenStackError);
  expect((err as OpenStackError).kind).toBe(kind);
  expect((err as Error).message).toMatch(pattern);
  expect((err as Error).message).not.toContain('\n');
  return err as OpenStackError;
}

afterEach(() => {
  for (const s of servers) issuedTokens.push(...s.issuedTokens);
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

describe('admin inventory of the recorded cloud, 2 objects per page', () => {
  let s: OpenStackTestServer;
  let result: Awaited<ReturnType<typeof collect>>;
  const fx = fixtureCloud();
  beforeAll(async () => {
    s = await start();
    const dir = mkdtempSync(join(tmpdir(), 'osinv-'));
    // clouds.yaml without the password, secure.yaml with it: merged as the OpenStack CLI merges them.
    writeFileSync(
      join(dir, 'clouds.yaml'),
      `clouds:\n  test:\n    auth:\n      auth_url: ${s.authUrl}\n      username: admin\n      project_name: admin\n      user_domain_name: Default\n      project_domain_name: Default\n    region_name: RegionOne\n`,
    );
    writeFileSync(join(dir, 'secure.yaml'), `clouds:\n  test:\n    auth:\n      password: ${TEST_PASSWORD}\n`);
    const config = loadCloudConfig({ cloud: 'test', env: {}, cwd: dir, home: dir, etcDir: dir });
    result = await collect(config, { pageSize: 2 });
  });

  it('reads every object of every collection', () => {
    const inv = result.inventory;
    expect(result.view).toBe('admin');
    expect(inv.servers.map((x) => x.id).sort()).toEqual(fx.servers.map((x) => x.id).sort());
    expect(inv.flavors).toHaveLength(fx.flavors.length);
    expect(inv.images).toHaveLength(fx.images.length);
    expect(inv.volumes).toHaveLength(fx.volumes.length);
    expect(inv.networks).toHaveLength(fx.networks.length);
    expect(inv.subnets).toHaveLength(fx.subnets.length);
    expect(inv.securityGroups).toHaveLength(fx.securityGroups.length);
    expect(inv.securityGroups.flatMap((g) => g.rules)).toHaveLength(fx.securityGroups.flatMap((g) => g.security_group_rules).length);
    expect(inv.floatingIps).toHaveLength(fx.floatingIps.length);
    expect(inv.projects).toHaveLength(fx.projects.length);
    expect(inv.users).toHaveLength(fx.users.length);
    expect(inv.serverGroups.map((g) => g.members.length)).toEqual([2, 2]);
    // The ports of Neutron's own devices (router, DHCP) are left out, every compute/VIP port is kept.
    expect(inv.ports.length).toBe(fx.ports.filter((p) => !String(p.device_owner).startsWith('network:')).length);
    expect(() => parseInventory(JSON.parse(JSON.stringify(inv)), 'test')).not.toThrow();
  });

  it('pages through every marker-paged collection', () => {
    const pagedPaths = [
      '/servers/detail',
      '/flavors/detail',
      '/v2/images',
      '/v2.0/networks',
      '/v2.0/subnets',
      '/v2.0/ports',
      '/v2.0/security-groups',
      '/v2.0/floatingips',
      '/volumes/detail',
    ];
    for (const path of pagedPaths) {
      const reqs = s.requests.filter((r) => r.path.endsWith(path));
      expect(reqs.length, path).toBeGreaterThan(2);
      expect(
        reqs.every((r) => r.query.limit === '2'),
        path,
      ).toBe(true);
      expect(reqs.filter((r) => r.query.marker).length, path).toBe(reqs.length - 1);
    }
    expect(s.requests.filter((r) => r.path.endsWith('/os-server-groups')).map((r) => r.query.offset)).toEqual(['0', '2']);
  });

  it('sends compute microversion 2.79 and the admin listing flags', () => {
    const compute = s.requests.filter((r) => r.service === 'compute' && r.path.match(/servers|flavors|keypairs|server-groups/));
    expect(compute.every((r) => r.microversion === 'compute 2.79')).toBe(true);
    expect(s.requests.filter((r) => r.path.endsWith('/servers/detail')).every((r) => r.query.all_tenants === '1')).toBe(true);
    expect(s.requests.filter((r) => r.path.endsWith('/volumes/detail')).every((r) => r.query.all_tenants === '1')).toBe(true);
    expect(s.requests.find((r) => r.path.endsWith('/os-keypairs') && r.query.user_id === FIXTURE_IDS.alice)).toBeDefined();
  });

  it('maps servers: flavor, boot volume, NIC order, security groups, keypair, user data', () => {
    const inv = result.inventory;
    const byName = (n: string) => inv.servers.find((x) => x.name === n)!;
    const flavorName = (id: string) => inv.flavors.find((f) => f.id === id)?.name;
    expect(flavorName(byName('web-1').flavorId)).toBe('m1.small');
    expect(flavorName(byName('dev-1').flavorId)).toBe('acme.private');
    const bfv = byName('bfv-1');
    expect(bfv.imageId).toBeUndefined();
    expect(bfv.blockDevices).toEqual([{ volumeId: '9ab67a68-f81f-4424-b184-9ddf8d059593', device: '/dev/sda', bootIndex: 0, deleteOnTermination: false }]);
    const db = byName('db-1');
    // Nova lists prod-db-net first: the pre-made port was plugged first.
    expect(db.interfaces.map((i) => inv.networks.find((n) => n.id === i.networkId)?.name)).toEqual(['prod-db-net', 'prod-net']);
    expect(at(at(db.interfaces, 0, 'interface').fixedIps, 0, 'fixed IP').ipAddress).toBe('10.11.0.20');
    expect(at(db.blockDevices, 0, 'block device').device).toBe('/dev/sdd');
    const sgNames = (ids: string[]) => ids.map((id) => inv.securityGroups.find((g) => g.id === id)?.name).sort();
    expect(sgNames(db.securityGroupIds)).toEqual(['db', 'default', 'ssh-bastion']);
    const web1 = byName('web-1');
    expect(web1.userData).toBe('I2Nsb3VkLWNvbmZpZwpwYWNrYWdlczogW25naW54XQo=');
    expect(web1.tags).toEqual(['prod', 'web']);
    expect(web1.serverGroupId).toBe(inv.serverGroups.find((g) => g.name === 'web-ha')?.id);
    expect(byName('topo-1').configDrive).toBe(true);
    expect(byName('app-2').status).toBe('SHUTOFF');
    expect(inv.keypairs.map((k) => `${k.userId}/${k.name}`)).toContain(`${FIXTURE_IDS.alice}/alice-key`);
    expect(inv.keypairs.find((k) => k.name === 'alice-key')?.publicKey).toMatch(/^ssh-ed25519 /);
    expect(inv.flavors.find((f) => f.name === 'acme.private')?.projectIds).toHaveLength(2);
    expect(inv.flavors.find((f) => f.name === 'c2.topology')?.extraSpecs['hw:cpu_sockets']).toBe('2');
    expect(inv.images.find((i) => i.name === 'ubuntu-22.04')?.properties.hw_disk_bus).toBe('scsi');
    expect(inv.networks.find((n) => n.name === 'public')?.external).toBe(true);
    expect(inv.floatingIps.find((f) => f.description === 'web-1 public')?.portId).toBe(at(web1.interfaces, 0, 'interface').portId);
    expect(inv.roleAssignments.some((a) => a.groupId && a.domainId)).toBe(true);
  });
});

describe('failures and recoveries', () => {
  it('retries a 500, a 429 and a connection reset, then succeeds', async () => {
    const s = await start();
    s.inject({ service: 'compute', pathIncludes: '/servers/detail', status: 500, times: 2 });
    s.inject({ service: 'network', pathIncludes: '/ports', status: 429, times: 1, headers: { 'Retry-After': '0' } });
    s.inject({ service: 'image', reset: true, times: 1 });
    const r = await collect(envConfig(s));
    expect(r.inventory.servers).toHaveLength(8);
    expect(r.stats.retries).toBeGreaterThanOrEqual(4);
  });

  it('gives up on a persistent 503 after the retry bound', async () => {
    const s = await start();
    s.inject({ service: 'volume', pathIncludes: '/volumes/detail', status: 503, times: 100 });
    await expectError(collect(envConfig(s), { retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 2 } }), 'api', /HTTP 503/);
    expect(s.requests.filter((r) => r.service === 'volume' && r.path.endsWith('/volumes/detail'))).toHaveLength(3);
  });

  it('re-issues the token when it is revoked mid-run', async () => {
    const s = await start();
    s.inject({ service: 'network', pathIncludes: '/v2.0/ports', revokeTokens: true, times: 1 });
    const r = await collect(envConfig(s));
    expect(r.stats.authentications).toBe(2);
    expect(r.inventory.ports.length).toBeGreaterThan(0);
  });

  it('re-issues a token that is about to expire before using it', async () => {
    const s = await start({ tokenTtlMs: 400 });
    const config = envConfig(s);
    const { OpenStackClient } = await import('../../src/openstack/client.js');
    const client = await OpenStackClient.connect(config);
    await new Promise((r) => setTimeout(r, 350));
    await client.get(`${client.endpoint(['network'])}/v2.0/networks`);
    expect(client.stats.authentications).toBe(2);
    expect(s.requests.filter((r) => r.service === 'network').every((r) => s.tokens.has(r.token!))).toBe(true);
  });

  it('stops with a clear message on a wrong password (401)', async () => {
    const s = await start();
    const err = await expectError(
      collect(envConfig(s, { OS_PASSWORD: 'wrong-password' })),
      'auth',
      /rejected the credentials .*check the user name, password and user domain/,
    );
    expect(err.message).not.toContain('wrong-password');
  });

  it('stops with a clear message when the auth URL is unreachable', async () => {
    const config = loadCloudConfig({ env: { OS_AUTH_URL: 'http://127.0.0.1:9/v3', OS_USERNAME: 'admin', OS_PASSWORD: TEST_PASSWORD } });
    await expectError(
      collect(config, { retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 1 } }),
      'unreachable',
      /Keystone at http:\/\/127\.0\.0\.1:9\/v3\/auth\/tokens is unreachable \(ECONNREFUSED/,
    );
  });

  it('names a service missing from the catalog', async () => {
    const s = await start({ omitServices: ['network'] });
    await expectError(collect(envConfig(s)), 'catalog', /service network is not in the service catalog/);
  });

  it('refuses an unsupported microversion cap gracefully (cloud max 2.40: flavor by link)', async () => {
    const s = await start({ maxMicroversion: '2.40' });
    const r = await collect(envConfig(s));
    expect(r.warnings.join('\n')).toMatch(/microversions up to 2\.40/);
    expect(s.requests.filter((x) => x.path.endsWith('/servers/detail')).every((x) => x.microversion === 'compute 2.40')).toBe(true);
    const web1 = r.inventory.servers.find((x) => x.name === 'web-1')!;
    expect(r.inventory.flavors.find((f) => f.id === web1.flavorId)?.name).toBe('m1.small');
    // Below 2.61 the flavor list has no extra specs: they are read per flavor.
    expect(r.inventory.flavors.find((f) => f.name === 'm1.small')?.extraSpecs['hw:watchdog_action']).toBe('reset');
  });

  it('warns when Keystone truncates a list at list_limit', async () => {
    const s = await start({ keystoneListLimit: 3 });
    const r = await collect(envConfig(s));
    expect(r.inventory.users).toHaveLength(3);
    expect(r.warnings.join('\n')).toMatch(/Keystone truncated the users list/);
  });
});

describe('catalog selection', () => {
  it('uses the region and interface asked for', async () => {
    const s = await start({ regions: ['RegionOne', 'RegionTwo'] });
    await collect(envConfig(s, { OS_REGION_NAME: 'RegionTwo', OS_INTERFACE: 'internal' }));
    const serviceRequests = s.requests.filter((r) => r.service !== 'identity');
    expect(serviceRequests.length).toBeGreaterThan(10);
    expect(serviceRequests.every((r) => r.region === 'RegionTwo' && r.iface === 'internal')).toBe(true);
  });

  it('says which endpoints exist when the region is wrong', async () => {
    const s = await start({ regions: ['RegionOne', 'RegionTwo'] });
    await expectError(collect(envConfig(s, { OS_REGION_NAME: 'RegionX' })), 'catalog', /has no public endpoint in region RegionX \(it has .*public@RegionTwo/);
  });

  it('honours an endpoint override', async () => {
    const s = await start({ regions: ['RegionOne', 'RegionTwo'] });
    await collect(envConfig(s, { OS_COMPUTE_ENDPOINT_OVERRIDE: `${s.url}/RegionTwo/admin/compute/v2.1` }));
    const compute = s.requests.filter((r) => r.service === 'compute');
    expect(compute.every((r) => r.region === 'RegionTwo' && r.iface === 'admin')).toBe(true);
    expect(s.requests.filter((r) => r.service === 'network').every((r) => r.region === 'RegionOne' && r.iface === 'public')).toBe(true);
  });
});

describe('member view and filters', () => {
  it("reads a project member's view with warnings naming what is missing", async () => {
    const s = await start();
    const r = await collect(envConfig(s, { OS_USERNAME: 'alice', OS_USER_DOMAIN_NAME: 'acme', OS_PROJECT_NAME: 'acme-prod', OS_PROJECT_DOMAIN_NAME: 'acme' }));
    expect(r.view).toBe('member');
    expect(new Set(r.inventory.servers.map((x) => x.projectId))).toEqual(new Set([FIXTURE_IDS.acmeProd]));
    expect(r.inventory.servers).toHaveLength(5);
    expect(s.requests.some((x) => x.query.all_tenants)).toBe(false);
    expect(r.warnings.join('\n')).toMatch(/users: 403 Forbidden.*only the authenticated user/);
    expect(r.warnings.join('\n')).toMatch(/role assignments: 403/);
    expect(r.inventory.metadata.warnings?.length).toBeGreaterThan(3);
    expect(r.inventory.volumes.every((v) => v.projectId === FIXTURE_IDS.acmeProd)).toBe(true);
    expect(r.inventory.keypairs.map((k) => k.name)).toContain('alice-key');
    expect(() => parseInventory(JSON.parse(JSON.stringify(r.inventory)), 'member')).not.toThrow();
  });

  it('--project keeps one project and everything it uses', async () => {
    const s = await start();
    const r = await collect(envConfig(s), { projects: ['globex-web'] });
    expect(r.inventory.servers.map((x) => x.name).sort()).toEqual(['app-1', 'app-2']);
    expect(r.inventory.projects.map((p) => p.name)).toEqual(['globex-web']);
    expect(r.inventory.networks.map((n) => n.name).sort()).toContain('web-net');
    expect(r.inventory.flavors.map((f) => f.name).sort()).toEqual(['m1.medium', 'm1.tiny']);
    expect(() => parseInventory(JSON.parse(JSON.stringify(r.inventory)), 'slice')).not.toThrow();
  });

  it('--server keeps one server, its ports, volumes, floating IP, keypair and groups', async () => {
    const s = await start();
    const r = await collect(envConfig(s), { servers: ['web-1'] });
    const inv = r.inventory;
    expect(inv.servers.map((x) => x.name)).toEqual(['web-1']);
    const server = at(inv.servers, 0, 'server');
    expect(inv.ports.map((p) => p.id)).toEqual([at(server.interfaces, 0, 'interface').portId]);
    expect(inv.floatingIps.map((f) => f.description)).toEqual(['web-1 public']);
    expect(inv.keypairs.map((k) => k.name)).toEqual(['alice-key']);
    expect(at(inv.serverGroups, 0, 'server group').members).toEqual([server.id]);
    expect(() => parseInventory(JSON.parse(JSON.stringify(inv)), 'slice')).not.toThrow();
  });

  it('an unknown --project is an error naming it', async () => {
    const s = await start();
    await expectError(collect(envConfig(s), { projects: ['nope'] }), 'config', /no project, domain or server named "nope"/);
  });
});

describe('the inventory command', () => {
  it('writes YAML or JSON by extension, atomically, from clouds.yaml', async () => {
    const s = await start();
    const dir = mkdtempSync(join(tmpdir(), 'osinv-cli-'));
    writeFileSync(
      join(dir, 'clouds.yaml'),
      `clouds:\n  t:\n    auth:\n      auth_url: ${s.authUrl}\n      username: admin\n      password: ${TEST_PASSWORD}\n      project_name: admin\n      user_domain_name: Default\n      project_domain_name: Default\n`,
    );
    const old = process.env.OS_CLIENT_CONFIG_FILE;
    process.env.OS_CLIENT_CONFIG_FILE = join(dir, 'clouds.yaml');
    const stderr: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string) => (stderr.push(String(chunk)), true)) as typeof process.stderr.write;
    try {
      expect(await runInventory({ osCloud: 't', output: join(dir, 'inv.json'), pageSize: 3, concurrency: 2, insecure: false })).toBe(0);
      expect(await runInventory({ osCloud: 't', output: join(dir, 'inv.yaml'), pageSize: 1000, concurrency: 4, insecure: false, instance: ['db-1'] })).toBe(0);
    } finally {
      process.stderr.write = write;
      if (old === undefined) delete process.env.OS_CLIENT_CONFIG_FILE;
      else process.env.OS_CLIENT_CONFIG_FILE = old;
    }
    const json = JSON.parse(readFileSync(join(dir, 'inv.json'), 'utf8'));
    expect(json.servers).toHaveLength(8);
    const yamlText = readFileSync(join(dir, 'inv.yaml'), 'utf8');
    expect(yamlText).toMatch(/^apiVersion: openstack-migrate.io\/v1alpha1/);
    expect(yamlText).toContain('name: db-1');
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(stderr.join('')).toMatch(/inventory of cloud "t" \(admin view\): 8 servers/);
    outputs.push(readFileSync(join(dir, 'inv.json'), 'utf8'), yamlText, ...stderr);
    expect(existsSync(join(dir, 'inv.yaml'))).toBe(true);
  });
});

describe('secrets', () => {
  it('no output, warning, error or file holds the password or a token', () => {
    // Runs last in this file: every test above pushed what it printed, wrote or threw.
    for (const s of servers) issuedTokens.push(...s.issuedTokens);
    expect(issuedTokens.length).toBeGreaterThan(10);
    const all = outputs.join('\n');
    expect(all.length).toBeGreaterThan(10_000);
    expect(all).not.toContain(TEST_PASSWORD);
    for (const token of new Set(issuedTokens)) expect(all.includes(token)).toBe(false);
  });
});
