// backup end to end against the real OpenStack of ../shared/minicloud (createImage and upload-to-image
// work there; the images hold no guest data). Runs only when OSM_MINICLOUD is set (the cloud is up):
//   OSM_MINICLOUD=1 npx vitest run test/integration/workflow-backup-minicloud.test.ts
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpenStackClient } from '../../src/openstack/client.js';
import { loadCloudConfig } from '../../src/openstack/config.js';
import { findImages, findSnapshots, findVolumes, getFloatingIp, getServer, getVolume, setFloatingIpPort } from '../../src/openstack/actions.js';
import { BACKUP_TAG, SERVER_ID_KEY, backupServers, cleanupServers, diskKey, resourceName, type BackupTarget } from '../../src/workflow/backup.js';
import { MemoryStateStore } from '../../src/workflow/ledger.js';
import { at, must } from '../support/must.js';

/** The fields of Nova's and Neutron's answers this test reads (compute 2.79, networking v2.0). */
interface NovaServer {
  id: string;
  name: string;
  tenant_id: string;
  status: string;
  /** "" for a server booted from a volume. */
  image: { id?: string } | '';
  'os-extended-volumes:volumes_attached': { id: string }[];
}
interface NeutronPort {
  id: string;
  device_id: string;
}
interface NeutronFloatingIp {
  id: string;
  port_id: string | null;
  fixed_ip_address: string;
  floating_ip_address: string;
}

const enabled = Boolean(process.env.OSM_MINICLOUD);
const CLOUDS = process.env.OS_CLIENT_CONFIG_FILE ?? '/tmp/minicloud/clouds.yaml';

describe.skipIf(!enabled)('backup against the minicloud', () => {
  let client: OpenStackClient;
  let targets: BackupTarget[];
  const store = new MemoryStateStore();
  const wait = { intervalMs: 500, maxIntervalMs: 2_000, timeoutMs: 180_000 };
  const before = new Map<string, { status: string; volumes: { id: string; status: string; size: number }[] }>();

  beforeAll(async () => {
    client = await OpenStackClient.connect(loadCloudConfig({ cloud: 'minicloud', env: { ...process.env, OS_CLIENT_CONFIG_FILE: CLOUDS } }));
    const res = await client.request<{ servers: NovaServer[] }>('GET', `${client.endpoint(['compute'])}/servers/detail`, {
      params: { all_tenants: 1 },
      headers: { 'OpenStack-API-Version': 'compute 2.79' },
    });
    targets = [];
    for (const name of ['web-2', 'bfv-1']) {
      const s = must(
        res.data.servers.find((x) => x.name === name),
        `server ${name} in the minicloud`,
      );
      const vols = s['os-extended-volumes:volumes_attached'].map((v) => v.id);
      const bfv = typeof s.image === 'string' || !s.image.id;
      const disks: BackupTarget['disks'] = [
        bfv
          ? { disk: 'root', diskRole: 'root', dataVolume: `${name}-root`, volumeId: vols[0] }
          : { disk: 'root', diskRole: 'root', dataVolume: `${name}-root` },
      ];
      for (const v of bfv ? vols.slice(1) : vols)
        disks.push({ disk: diskKey('volume', v), diskRole: 'volume', dataVolume: `${name}-${diskKey('volume', v)}`, volumeId: v });
      targets.push({ serverId: s.id, serverName: name, projectId: s.tenant_id, namespace: 'minicloud', vmName: name, disks });
      const volumes = [];
      for (const v of vols) {
        const vol = (await getVolume(client, v))!;
        volumes.push({ id: v, status: vol.status, size: vol.size });
      }
      before.set(name, { status: s.status, volumes });
    }
  }, 60_000);

  afterAll(async () => {
    // whatever happened above, leave nothing behind
    if (client && targets) await cleanupServers({ clientFor: async () => client, store }, targets, { wait });
  }, 300_000);

  it('copies an image-booted and a volume-booted server with --stop; images are active and tagged; servers ACTIVE again', async () => {
    const results = await backupServers({ clientFor: async () => client, store }, targets, { stop: true, uploadDiskFormat: 'raw', wait, parallel: 2 });
    for (const r of results) expect(r.outcome, `${r.serverName}: ${r.error}`).toBe('backed-up');
    for (const t of targets) {
      const r = results.find((x) => x.serverId === t.serverId)!;
      expect(r.disks.map((d) => d.disk)).toEqual(t.disks.map((d) => d.disk));
      for (const d of r.disks) {
        const image = at(await findImages(client, { name: resourceName(t.serverId, d.disk, 1) }), 0, 'backup image');
        expect(image.id).toBe(d.imageId);
        expect(image.status).toBe('active');
        expect(image.tags).toContain(BACKUP_TAG);
        expect(image.properties[SERVER_ID_KEY]).toBe(t.serverId);
      }
      // temporaries are gone
      for (const d of t.disks.filter((x) => x.volumeId)) {
        expect(await findSnapshots(client, { name: resourceName(t.serverId, d.disk, 1) })).toEqual([]);
        expect(await findVolumes(client, { name: resourceName(t.serverId, d.disk, 1) })).toEqual([]);
      }
      expect((await getServer(client, t.serverId))?.status).toBe(before.get(t.serverName)!.status);
    }
    // a second run creates nothing
    const again = await backupServers({ clientFor: async () => client, store }, targets, { stop: true, wait });
    expect(again.map((r) => r.outcome)).toEqual(['already-backed-up', 'already-backed-up']);
  }, 300_000);

  it('--cleanup removes everything the plugin made; the source servers and volumes are untouched', async () => {
    const results = await cleanupServers({ clientFor: async () => client, store }, targets, { wait });
    for (const r of results) expect(r.error).toBeUndefined();
    expect(results.reduce((n, r) => n + r.removed, 0)).toBe(targets.reduce((n, t) => n + t.disks.length, 0));
    for (const t of targets) {
      for (const d of t.disks) {
        const name = resourceName(t.serverId, d.disk, 1);
        expect(await findImages(client, { name })).toEqual([]);
        expect(await findSnapshots(client, { name })).toEqual([]);
        expect(await findVolumes(client, { name })).toEqual([]);
      }
      const server = await getServer(client, t.serverId);
      expect(server?.status).toBe(before.get(t.serverName)!.status);
      for (const v of before.get(t.serverName)!.volumes) {
        const now = await getVolume(client, v.id);
        expect({ id: now?.id, status: now?.status, size: now?.size }).toEqual(v);
      }
    }
  }, 300_000);

  it('floating IP of web-1: disassociate and restore (the cutover/rollback calls)', async () => {
    const res = await client.request<{ floatingips: NeutronFloatingIp[] }>('GET', `${client.endpoint(['network'])}/v2.0/floatingips`);
    const ports = await client.request<{ ports: NeutronPort[] }>('GET', `${client.endpoint(['network'])}/v2.0/ports`, {
      params: { device_owner: 'compute:nova' },
    });
    const servers = await client.request<{ servers: NovaServer[] }>('GET', `${client.endpoint(['compute'])}/servers`, {
      params: { all_tenants: 1, name: '^web-1$' },
    });
    const web1 = at(servers.data.servers, 0, 'server web-1');
    const port = must(
      ports.data.ports.find((p) => p.device_id === web1.id),
      'the port of web-1',
    );
    const fip = must(
      res.data.floatingips.find((f) => f.port_id === port.id),
      'the floating IP of web-1 in the minicloud',
    );
    try {
      const off = await setFloatingIpPort(client, fip.id, null);
      expect(off.portId).toBeNull();
      expect((await getFloatingIp(client, fip.id))?.portId).toBeNull();
    } finally {
      const on = await setFloatingIpPort(client, fip.id, port.id, fip.fixed_ip_address);
      expect(on).toMatchObject({ portId: port.id, fixedIpAddress: fip.fixed_ip_address, floatingIpAddress: fip.floating_ip_address });
    }
  }, 60_000);
});
