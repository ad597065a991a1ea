// backup's state machine against the in-memory source cloud (test/support/memory-source.ts): the same
// SourceActions interface the OpenStack adapter implements (test/integration/workflow-backup-cloud.test.ts
// runs these paths over real HTTP). Pure: no servers, no processes.
import { describe, expect, it } from 'vitest';
import { backupServer, cleanupServer, resourceName, SimulatedKill, type BackupTarget } from '../../../src/workflow/backup.js';
import { MemoryStateStore } from '../../../src/workflow/ledger.js';
import { startServerWhenIdle, stopServerOrFindItStopping } from '../../../src/workflow/source.js';
import { memoryCloud } from '../../support/memory-source.js';

const PROJECT = 'p-1';
const IMAGE_BOOTED = {
  id: '11111111-0000-0000-0000-000000000001',
  name: 'web',
  status: 'ACTIVE' as const,
  imageId: 'img-base',
  volumes: [{ id: '22222222-0000-0000-0000-000000000002', size: 2 }],
};
const target: BackupTarget = {
  serverId: IMAGE_BOOTED.id,
  serverName: 'web',
  projectId: PROJECT,
  namespace: 'ns',
  vmName: 'web',
  disks: [
    { disk: 'root', diskRole: 'root', dataVolume: 'web-root' },
    { disk: 'vol-22222222', diskRole: 'volume', dataVolume: 'web-vol-22222222', volumeId: IMAGE_BOOTED.volumes[0]!.id },
  ],
};
const WAIT = { intervalMs: 0, maxIntervalMs: 0, timeoutMs: 5_000 };

function setup() {
  const cloud = memoryCloud({ projectId: PROJECT, servers: [IMAGE_BOOTED] });
  const store = new MemoryStateStore();
  return { cloud, store, deps: { actionsFor: async () => cloud.actions, store } };
}

describe('backup against the in-memory source cloud', () => {
  it('copies the root disk (createImage) and a volume (snapshot → volume → upload), removes the temporaries, records it', async () => {
    const { cloud, store, deps } = setup();
    const r = await backupServer(deps, target, { wait: WAIT, stop: true });
    expect(r.outcome, r.error).toBe('backed-up');
    expect(r.disks.map((d) => d.disk).sort()).toEqual(['root', 'vol-22222222']);
    const live = cloud.live('osm-');
    expect(live.images.map((i) => i.name).sort()).toEqual([resourceName(target.serverId, 'root', 1), resourceName(target.serverId, 'vol-22222222', 1)].sort());
    expect(live.images.every((i) => i.status === 'active' && i.tags.includes('openstack-migrate'))).toBe(true);
    expect(live.snapshots).toEqual([]);
    expect(live.volumes).toEqual([]);
    expect(cloud.servers.get(target.serverId)!.view.status).toBe('ACTIVE');
    expect((await store.load('ns', 'web'))!.state.phase).toBe('backed-up');
    // A second run creates nothing.
    expect((await backupServer(deps, target, { wait: WAIT })).outcome).toMatch(/backed-up/);
    expect(cloud.created.image).toHaveLength(2);
  });

  it('killed at every checkpoint and run again: one copy per disk, nothing created twice, the server running', async () => {
    let finishedAt = 0;
    for (let n = 1; n < 80; n++) {
      const { cloud, deps } = setup();
      let killed = false;
      try {
        await backupServer(deps, target, { wait: WAIT, stop: true, killAtCheckpoint: n });
      } catch (err) {
        expect(err).toBeInstanceOf(SimulatedKill);
        killed = true;
      }
      const r = await backupServer(deps, target, { wait: WAIT, stop: true });
      expect(r.outcome, `kill at ${n}: ${r.error}`).toMatch(/backed-up/);
      expect(cloud.live('osm-').images, `kill at ${n}`).toHaveLength(2);
      expect(cloud.live('osm-').snapshots, `kill at ${n}`).toEqual([]);
      expect(cloud.live('osm-').volumes, `kill at ${n}`).toEqual([]);
      expect(cloud.created.image, `kill at ${n}`).toHaveLength(2);
      expect(cloud.created.snapshot, `kill at ${n}`).toHaveLength(1);
      expect(cloud.servers.get(target.serverId)!.view.status, `kill at ${n}`).toBe('ACTIVE');
      if (!killed) {
        finishedAt = n;
        break;
      }
    }
    expect(finishedAt).toBeGreaterThan(5);
  });

  it('--cleanup removes every copy and leaves the source server and its volume', async () => {
    const { cloud, deps } = setup();
    await backupServer(deps, target, { wait: WAIT });
    const c = await cleanupServer(deps, target, { wait: WAIT });
    expect(c.error).toBeUndefined();
    expect(c.removed).toBe(2);
    expect(cloud.live('osm-').images).toEqual([]);
    expect(cloud.volumes.has(IMAGE_BOOTED.volumes[0]!.id)).toBe(true);
    expect(cloud.servers.has(target.serverId)).toBe(true);
  });
});

describe('os-start after a snapshot (startServerWhenIdle), against the in-memory Nova', () => {
  const stopped = () => {
    const cloud = memoryCloud({ projectId: PROJECT, servers: [{ ...IMAGE_BOOTED, status: 'SHUTOFF' }] });
    const server = cloud.servers.get(IMAGE_BOOTED.id);
    if (!server) throw new Error('the memory cloud lost its server');
    return { cloud, server };
  };

  it('a 409 while the snapshot is uploaded: waits for the task to end, then starts the server', async () => {
    const { cloud, server } = stopped();
    server.view.taskState = 'image_uploading';
    server.next.push({ taskState: 'image_uploading' }, { taskState: null });
    await startServerWhenIdle(cloud.actions, IMAGE_BOOTED.id, WAIT);
    expect((await cloud.actions.waitForServerStatus(IMAGE_BOOTED.id, 'ACTIVE', WAIT)).status).toBe('ACTIVE');
  });

  it('a 409 whose task has ended by the time the server is read back: starts it (the minicloud race)', async () => {
    const { cloud, server } = stopped();
    server.view.taskState = 'image_uploading';
    server.next.push({ taskState: null });
    await startServerWhenIdle(cloud.actions, IMAGE_BOOTED.id, WAIT);
    expect((await cloud.actions.waitForServerStatus(IMAGE_BOOTED.id, 'ACTIVE', WAIT)).status).toBe('ACTIVE');
  });

  it('a 409 for any other task is an error naming the state', async () => {
    const { cloud, server } = stopped();
    server.view.taskState = 'rebuilding';
    await expect(startServerWhenIdle(cloud.actions, IMAGE_BOOTED.id, WAIT)).rejects.toThrow(/os-start refused \(409\) while it is SHUTOFF \(rebuilding\)/);
  });
});

describe("cutover's os-stop (stopServerOrFindItStopping), against the in-memory Nova", () => {
  const withServer = (status: 'ACTIVE' | 'SHUTOFF', taskState: string | null = null) => {
    const cloud = memoryCloud({ projectId: PROJECT, servers: [{ ...IMAGE_BOOTED, status }] });
    const server = cloud.servers.get(IMAGE_BOOTED.id);
    if (!server) throw new Error('the memory cloud lost its server');
    server.view.taskState = taskState;
    return cloud;
  };

  it('an ACTIVE server is stopped', async () => {
    const cloud = withServer('ACTIVE');
    await stopServerOrFindItStopping(cloud.actions, IMAGE_BOOTED.id);
    expect((await cloud.actions.waitForServerStatus(IMAGE_BOOTED.id, 'SHUTOFF', WAIT)).status).toBe('SHUTOFF');
  });

  it.each<[string, 'ACTIVE' | 'SHUTOFF', string | null]>([
    ['already SHUTOFF', 'SHUTOFF', null],
    ['already powering off', 'ACTIVE', 'powering-off'],
  ])('a 409 for a server %s is fine', async (_name, status, taskState) => {
    const cloud = withServer(status, taskState);
    expect(await cloud.actions.stopServer(IMAGE_BOOTED.id)).toBe(false); // Nova's 409
    await expect(stopServerOrFindItStopping(cloud.actions, IMAGE_BOOTED.id)).resolves.toBeUndefined();
  });

  it('a 409 for any other task is an error naming the state', async () => {
    const cloud = withServer('ACTIVE', 'image_snapshot');
    await expect(stopServerOrFindItStopping(cloud.actions, IMAGE_BOOTED.id)).rejects.toThrow(/os-stop refused \(409\) while it is ACTIVE \(image_snapshot\)/);
  });
});
