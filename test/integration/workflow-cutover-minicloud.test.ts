// cutover with its OpenStack side against the real cloud of ../shared/minicloud (Nova os-stop/os-start,
// createImage, Glance image data, Neutron floating IPs), and its cluster side against the test
// kube-apiserver with the fake CDI (which downloads the real Glance image with the token from the Secret)
// and KubeVirt controllers. The servers are only stopped and started again; nothing of the source is
// deleted; the images the plugin made are removed at the end. Runs only when OSM_MINICLOUD is set:
//   OSM_MINICLOUD=1 npx vitest run test/integration/workflow-cutover-minicloud.test.ts
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpenStackClient } from '../../src/openstack/client.js';
import { collectInventory } from '../../src/openstack/collect.js';
import { loadCloudConfig } from '../../src/openstack/config.js';
import { findImages, getFloatingIp, getServer, getVolume, startServer, waitForServerStatus } from '../../src/openstack/actions.js';
import { buildPlan } from '../../src/plan/build.js';
import { BACKUP_TAG, SERVER_ID_KEY, cleanupServer, finalCopyVia, type BackupDeps } from '../../src/workflow/backup.js';
import { cutoverServer, type CutoverDeps } from '../../src/workflow/cutover.js';
import type { ServerWork } from '../../src/workflow/import.js';
import type { Kube } from '../../src/workflow/kube-ops.js';
import { StateStore } from '../../src/workflow/ledger.js';
import { serverWorks } from '../../src/workflow/plan-work.js';
import { openStackSource } from '../../src/workflow/source.js';
import type { TestApiServer } from '../support/apiserver.js';
import { FakeControllers } from '../support/fake-controllers.js';
import { ensureNamespace, startWorkflowApiServer } from '../support/workflow-fixtures.js';

const enabled = Boolean(process.env.OSM_MINICLOUD);
const CLOUDS = process.env.OS_CLIENT_CONFIG_FILE ?? '/tmp/minicloud/clouds.yaml';

describe.skipIf(!enabled)('cutover against the minicloud (rollback paths)', () => {
  let client: OpenStackClient;
  let api: TestApiServer;
  let kube: Kube;
  let store: StateStore;
  let work: ServerWork;
  let projectId: string;
  let fipId: string;
  let portId: string;
  let fixedIp: string;
  let volumesBefore: { id: string; status: string }[] = [];
  /** The VM the fake KubeVirt fails (the forced failure). */
  let failVm: string | undefined;
  let fake: FakeControllers;
  const wait = { intervalMs: 500, maxIntervalMs: 2_000, timeoutMs: 180_000 };
  const dir = mkdtempSync(join(tmpdir(), 'osm-mc-cut-'));

  beforeAll(async () => {
    const config = loadCloudConfig({ cloud: 'minicloud', env: { ...process.env, OS_CLIENT_CONFIG_FILE: CLOUDS } });
    client = await OpenStackClient.connect(config);
    const { inventory } = await collectInventory(config);
    const web1 = inventory.servers.find((s) => s.name === 'web-1');
    expect(web1, 'web-1 in the minicloud').toBeDefined();
    projectId = web1!.projectId;
    work = serverWorks(buildPlan(inventory), inventory).find((w) => w.serverId === web1!.id)!;
    const live = (await getServer(client, work.serverId))!;
    // A previous run that died may have left it stopped: the test starts from the usual ACTIVE.
    if (live.status === 'SHUTOFF' && (await startServer(client, work.serverId))) await waitForServerStatus(client, work.serverId, 'ACTIVE', wait);
    for (const v of live.volumesAttached) volumesBefore.push({ id: v, status: (await getVolume(client, v))!.status });
    const cloud = openStackSource(client);
    const fips = await cloud.floatingIpsOf(work.serverId);
    expect(fips.length, 'web-1 has a floating IP').toBeGreaterThan(0);
    ({ floatingIpId: fipId, portId, fixedIp } = fips[0] as { floatingIpId: string; portId: string; fixedIp: string });
    ({ api, kube } = await startWorkflowApiServer());
    store = new StateStore(kube);
    await ensureNamespace(kube, work.namespace, work.policies);
    fake = new FakeControllers(kube, {
      steps: 3,
      stepMs: 50,
      download: true,
      failVm: (vm) => (vm.metadata.name === failVm ? 'ErrorUnschedulable: 0/3 nodes are available' : undefined),
    }).start();
  }, 300_000);

  afterAll(async () => {
    await fake?.shutdown();
    // Whatever happened above: the images the plugin made for web-1 go; the server runs with its floating IP.
    if (client && work) {
      const deps: BackupDeps = { clientFor: async () => client, store: store ?? new (await import('../../src/workflow/ledger.js')).MemoryStateStore() };
      const target = {
        serverId: work.serverId,
        serverName: work.serverName,
        projectId,
        namespace: work.namespace,
        vmName: work.vmName,
        disks: [{ disk: 'root', diskRole: 'root' as const, dataVolume: `${work.vmName}-root` }],
      };
      await cleanupServer(deps, target, { wait });
      const s = await getServer(client, work.serverId);
      if (s?.status === 'SHUTOFF' && (await startServer(client, work.serverId))) await waitForServerStatus(client, work.serverId, 'ACTIVE', wait);
      const f = fipId ? await getFloatingIp(client, fipId) : undefined;
      if (f && f.portId !== portId)
        await openStackSource(client).associateFloatingIp({ floatingIpId: fipId, floatingIpAddress: f.floatingIpAddress, portId, fixedIp });
    }
    await api?.stop();
    rmSync(dir, { recursive: true, force: true });
  }, 300_000);

  function deps(extra: Partial<CutoverDeps> = {}): CutoverDeps & { lines: string[] } {
    const lines: string[] = [];
    return {
      kube,
      store,
      cloud: openStackSource(client),
      pollMs: 500,
      releaseFloatingIp: true,
      finalCopy: finalCopyVia({ clientFor: async () => client, store }, () => projectId, { wait }),
      log: (l) => lines.push(l),
      lines,
      ...extra,
    };
  }

  async function expectSourceRestored() {
    const s = (await getServer(client, work.serverId))!;
    expect([s.status, s.taskState ?? null]).toEqual(['ACTIVE', null]);
    const f = (await getFloatingIp(client, fipId))!;
    expect([f.portId, f.fixedIpAddress]).toEqual([portId, fixedIp]);
    for (const v of volumesBefore) expect((await getVolume(client, v.id))?.status).toBe(v.status);
    expect(await kube.get('VirtualMachine', work.namespace, work.vmName)).toBeUndefined();
    expect((await store.load(work.namespace, work.vmName))?.state.phase).toBe('rolled-back');
  }

  it('a VM that fails to start: stop → SHUTOFF, real createImage copy downloaded by CDI, rollback → ACTIVE with its floating IP', async () => {
    failVm = work.vmName;
    const stops: string[] = [];
    const d = deps({
      afterStep: async (step) => {
        if (step === 'stopped') stops.push((await getServer(client, work.serverId))!.status);
      },
    });
    const res = await cutoverServer(d, work);
    failVm = undefined;
    expect(res.outcome, d.lines.join('\n')).toBe('rolled-back');
    expect(res.error).toMatch(/VirtualMachineInstance .* is Failed/);
    expect(res.rollbackErrors).toBeUndefined();
    expect(stops).toEqual(['SHUTOFF']);
    // The final copy is a real, tagged Glance image, and CDI read it from Glance with the token (200).
    const rec = (await store.load(work.namespace, work.vmName))!;
    const imageId = rec.source?.finalCopy?.disks[0]?.imageId;
    expect(imageId).toBeTruthy();
    const images = (await findImages(client, { tag: BACKUP_TAG })).filter((i) => i.properties[SERVER_ID_KEY] === work.serverId);
    expect(images.map((i) => [i.id, i.status])).toEqual([[imageId, 'active']]);
    expect(fake.downloads.filter((x) => x.key === `${work.namespace}/${work.vmName}-root`).map((x) => x.status)).toEqual([200, 200, 200]);
    await expectSourceRestored();
  }, 300_000);

  it('a failure after the floating IP was released: the rollback re-associates it on the real Neutron', async () => {
    const released: (string | null)[] = [];
    const d = deps({
      afterStep: async (step) => {
        if (step === 'floating-ip') {
          released.push((await getFloatingIp(client, fipId))!.portId);
          throw new Error('forced failure after the floating IP was released');
        }
      },
    });
    const res = await cutoverServer(d, work);
    expect(res.outcome, d.lines.join('\n')).toBe('rolled-back');
    expect(res.rollbackErrors).toBeUndefined();
    expect(released).toEqual([null]);
    await expectSourceRestored();
  }, 300_000);

  it('cleanup removes the images the plugin made for web-1; the source image and server stay', async () => {
    const target = {
      serverId: work.serverId,
      serverName: work.serverName,
      projectId,
      namespace: work.namespace,
      vmName: work.vmName,
      disks: [{ disk: 'root', diskRole: 'root' as const, dataVolume: `${work.vmName}-root` }],
    };
    const r = await cleanupServer({ clientFor: async () => client, store }, target, { wait });
    expect(r.error).toBeUndefined();
    expect(r.removed).toBeGreaterThan(0);
    expect((await findImages(client, { tag: BACKUP_TAG })).filter((i) => i.properties[SERVER_ID_KEY] === work.serverId)).toEqual([]);
    expect((await getServer(client, work.serverId))?.status).toBe('ACTIVE');
  }, 300_000);
});
