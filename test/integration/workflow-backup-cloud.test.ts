// (An integration test: it runs the local OpenStack API server over HTTP / the real qemu-img, which the
// unit project must not.)
// backup against the local OpenStack API server over real HTTP (recorded shapes + the write actions).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  BACKUP_TAG,
  SERVER_ID_KEY,
  SimulatedKill,
  backupServer,
  backupServers,
  backupTargetsFromPlan,
  cleanupServer,
  finalCopyVia,
  resourceName,
  type BackupDeps,
} from '../../src/workflow/backup.js';
import { MemoryStateStore } from '../../src/workflow/ledger.js';
import { FAST_WAIT, startBackupCloud, type BackupCloud } from '../support/backup-harness.js';
import { syntheticCloud } from '../support/openstack-server/synthetic.js';
import { at } from '../support/must.js';

let bc: BackupCloud;
let store: MemoryStateStore;
let deps: BackupDeps;

beforeEach(async () => {
  bc = await startBackupCloud();
  store = new MemoryStateStore();
  deps = { clientFor: async () => bc.client, store };
});
afterEach(async () => bc.close());

const osm = () => bc.actions.live('osm-');
const serverStatus = (name: string) => bc.cloud.servers.find((s) => s.name === name)!.status;

describe('backup (snapshot method)', () => {
  it('copies an image-booted root disk with createImage: active, tagged, marked, recorded; the server is untouched', async () => {
    const target = bc.target('web-2');
    const r = await backupServer(deps, target, { wait: FAST_WAIT });
    expect(r.outcome).toBe('backed-up');
    expect(r.disks).toHaveLength(1);
    const image = bc.cloud.images.find((i) => i.id === at(r.disks, 0, 'disk').imageId)!;
    expect(image).toMatchObject({ name: resourceName(target.serverId, 'root', 1), status: 'active', disk_format: 'qcow2', [SERVER_ID_KEY]: target.serverId });
    expect(image.tags).toContain(BACKUP_TAG);
    expect(r.disks[0]).toMatchObject({ disk: 'root', diskRole: 'root', dataVolume: 'web-2-root', diskFormat: 'qcow2', virtualSize: 20 * 1024 ** 3 });
    const rec = (await store.load('acme-prod', 'web-2'))!;
    expect(rec.state.phase).toBe('backed-up');
    expect(rec.state.progress).toBe(100);
    expect(rec.ledger).toEqual([expect.objectContaining({ type: 'image', id: image.id, purpose: 'copy' })]);
    expect(bc.actions.calls['os-stop']).toBeUndefined();
    expect(serverStatus('web-2')).toBe('ACTIVE');
  });

  it('copies a boot volume through snapshot → temporary volume → upload-to-image and removes the temporaries', async () => {
    const target = bc.target('bfv-1');
    expect(target.disks).toEqual([expect.objectContaining({ disk: 'root', volumeId: '9ab67a68-f81f-4424-b184-9ddf8d059593' })]);
    const r = await backupServer(deps, target, { wait: FAST_WAIT, uploadDiskFormat: 'raw' });
    expect(r.outcome, r.error).toBe('backed-up');
    const live = osm();
    expect(live.images).toHaveLength(1);
    expect(live.images[0]).toMatchObject({ status: 'active', disk_format: 'raw', [SERVER_ID_KEY]: target.serverId, openstack_migrate_disk: 'root' });
    expect(at(live.images, 0, 'image').tags).toEqual([BACKUP_TAG]);
    expect(live.snapshots).toEqual([]);
    expect(live.volumes).toEqual([]);
    expect(bc.actions.created.snapshot).toHaveLength(1);
    expect(bc.actions.created.volume).toHaveLength(1);
    // the source volume is in-use: the snapshot needed force, and the source volume is still there, in use
    expect(bc.cloud.volumes.find((v) => v.id === '9ab67a68-f81f-4424-b184-9ddf8d059593')?.status).toBe('in-use');
    const rec = (await store.load('acme-prod', 'bfv-1'))!;
    expect(rec.ledger.map((e) => [e.type, e.purpose, Boolean(e.deleted)])).toEqual([
      ['snapshot', 'temporary', true],
      ['volume', 'temporary', true],
      ['image', 'copy', false],
    ]);
  });

  it('copies root and attached volume of db-1, and runs servers in parallel', async () => {
    const targets = [bc.target('db-1'), bc.target('web-1'), bc.target('topo-1')];
    const results = await backupServers(deps, targets, { wait: FAST_WAIT, parallel: 3 });
    expect(results.map((r) => r.outcome)).toEqual(['backed-up', 'backed-up', 'backed-up']);
    expect(
      at(results, 0, 'result')
        .disks.map((d) => d.disk)
        .sort(),
    ).toEqual(['root', 'vol-7f49552f']);
    expect(osm().images).toHaveLength(4);
    expect(osm().snapshots).toHaveLength(0);
  });

  it('--stop stops an ACTIVE server, copies, starts it again; a SHUTOFF server is left off', async () => {
    const r = await backupServer(deps, bc.target('web-2'), { wait: FAST_WAIT, stop: true });
    expect(r.outcome).toBe('backed-up');
    expect(bc.actions.calls['os-stop']).toBe(1);
    expect(bc.actions.calls['os-start']).toBe(1);
    expect(serverStatus('web-2')).toBe('ACTIVE');
    const off = await backupServer(deps, bc.target('app-2', 'globex-web'), { wait: FAST_WAIT, stop: true });
    expect(off.outcome).toBe('backed-up');
    expect(bc.actions.calls['os-stop']).toBe(1);
    expect(bc.actions.calls['os-start']).toBe(1);
    expect(serverStatus('app-2')).toBe('SHUTOFF');
  });

  it('a second run finds the copy and creates nothing; --retake makes a new generation and removes the old copy', async () => {
    const target = bc.target('bfv-1');
    const first = await backupServer(deps, target, { wait: FAST_WAIT });
    const again = await backupServer(deps, target, { wait: FAST_WAIT });
    expect(again.outcome).toBe('already-backed-up');
    expect(again.disks).toEqual(first.disks);
    expect(bc.actions.created.image).toHaveLength(1);
    const retake = await backupServer(deps, target, { wait: FAST_WAIT, retake: true });
    expect(retake.outcome).toBe('backed-up');
    expect(at(retake.disks, 0, 'disk').imageId).not.toBe(at(first.disks, 0, 'disk').imageId);
    expect(osm().images.map((i) => i.name)).toEqual([resourceName(target.serverId, 'root', 2)]);
  });

  it('a retake killed at any checkpoint resumes its generation and still removes the replaced copy', async () => {
    for (let n = 1; n < 40; n++) {
      await bc.close();
      bc = await startBackupCloud();
      store = new MemoryStateStore();
      deps = { clientFor: async () => bc.client, store };
      const target = bc.target('db-1');
      const first = await backupServer(deps, target, { wait: FAST_WAIT });
      let killed = false;
      try {
        await backupServer(deps, target, { wait: FAST_WAIT, retake: true, killAtCheckpoint: n });
      } catch (err) {
        expect(err).toBeInstanceOf(SimulatedKill);
        killed = true;
      }
      const afterKill = (await store.load('acme-prod', 'db-1'))!;
      const retakeHadFinished = afterKill.generation === 2 && !afterKill.backup.retaking;
      const r = await backupServer(deps, target, { wait: FAST_WAIT, retake: true });
      expect(r.outcome, `kill at ${n}: ${r.error}`).toBe('backed-up');
      // one copy per disk, of the generation recorded (2; 3 when the kill came after the retake had finished,
      // so that the re-run was a retake of its own); the older copies are gone
      const gen = (await store.load('acme-prod', 'db-1'))!.generation;
      expect(gen, `kill at ${n}`).toBe(retakeHadFinished ? 3 : 2);
      expect(
        osm()
          .images.map((i) => i.name)
          .sort(),
        `kill at ${n}`,
      ).toEqual([resourceName(target.serverId, 'root', gen), resourceName(target.serverId, 'vol-7f49552f', gen)]);
      expect(
        r.disks.map((d) => d.imageId).some((id) => first.disks.some((f) => f.imageId === id)),
        `kill at ${n}`,
      ).toBe(false);
      expect(osm().snapshots.length + osm().volumes.length, `kill at ${n}`).toBe(0);
      if (!killed) break;
    }
  }, 60_000);

  it('a failure keeps the finished copies of earlier runs (only what the failed run made goes)', async () => {
    const target = bc.target('db-1');
    const first = await backupServer(deps, target, { wait: FAST_WAIT });
    const volImage = first.disks.find((d) => d.disk === 'vol-7f49552f')!.imageId;
    bc.cloud.images.splice(
      bc.cloud.images.findIndex((i) => i.id === volImage),
      1,
    ); // removed by hand
    bc.actions.behaviour.imagesFail = true;
    const r = await backupServer(deps, target, { wait: FAST_WAIT });
    expect(r.outcome).toBe('failed');
    expect(osm().images.map((i) => i.id)).toEqual([first.disks.find((d) => d.disk === 'root')!.imageId]);
    expect(osm().snapshots.length + osm().volumes.length).toBe(0);
    expect((await store.load('acme-prod', 'db-1'))!.disks.map((d) => d.disk)).toEqual(['root']);
  });

  it('finalCopyVia (cutover): a new copy without touching the phase cutover owns', async () => {
    const target = bc.target('bfv-1');
    const first = await backupServer(deps, target, { wait: FAST_WAIT });
    const rec = (await store.load('acme-prod', 'bfv-1'))!;
    await store.save({ ...rec, state: { ...rec.state, phase: 'cutting-over' } });
    const dataVolumes = target.disks.map((d) => ({
      kind: 'DataVolume',
      metadata: {
        name: d.dataVolume,
        namespace: 'acme-prod',
        annotations: {
          'openstack-migrate.io/server-id': target.serverId,
          'openstack-migrate.io/disk-role': d.diskRole,
          ...(d.volumeId ? { 'openstack-migrate.io/volume-id': d.volumeId } : {}),
        },
      },
    }));
    const copy = finalCopyVia(deps, () => target.projectId, { wait: FAST_WAIT });
    const disks = await copy({ serverId: target.serverId, serverName: 'bfv-1', namespace: 'acme-prod', vmName: 'bfv-1', dataVolumes });
    expect(disks).toHaveLength(1);
    expect(at(disks, 0, 'disk').imageId).not.toBe(at(first.disks, 0, 'disk').imageId);
    expect(disks[0]).toMatchObject({ diskRole: 'root', dataVolume: 'bfv-1-root', volumeId: at(target.disks, 0, 'disk').volumeId, diskFormat: 'qcow2' });
    const after = (await store.load('acme-prod', 'bfv-1'))!;
    expect(after.state.phase).toBe('cutting-over');
    expect(after.generation).toBe(2);
    expect(osm().images.map((i) => i.id)).toEqual([at(disks, 0, 'disk').imageId]);
  });

  it("servers whose ids share their first 8 characters never adopt each other's copies", async () => {
    await bc.close();
    bc = await startBackupCloud({}, {}, syntheticCloud({ servers: 6, projects: 1 }));
    deps = { clientFor: async () => bc.client, store };
    const targets = bc.cloud.servers.map((s) => bc.target(s.name, 'bench'));
    expect(new Set(targets.map((t) => t.serverId.slice(0, 8))).size).toBe(1);
    const results = await backupServers(deps, targets, { wait: FAST_WAIT, parallel: 3 });
    const imageIds = results.flatMap((r) => r.disks.map((d) => d.imageId));
    const disks = targets.reduce((n, t) => n + t.disks.length, 0);
    expect(disks).toBeGreaterThan(targets.length);
    expect(new Set(imageIds).size).toBe(disks);
    expect(bc.actions.created.image).toHaveLength(disks);
  });

  it('falls back to the Location header of createImage below microversion 2.45', async () => {
    await bc.close();
    bc = await startBackupCloud({}, { maxMicroversion: '2.40' });
    deps = { clientFor: async () => bc.client, store };
    const r = await backupServer(deps, bc.target('web-2'), { wait: FAST_WAIT });
    expect(r.outcome, r.error).toBe('backed-up');
    expect(bc.cloud.images.some((i) => i.id === at(r.disks, 0, 'disk').imageId && i.status === 'active')).toBe(true);
  });

  it('a failed upload (image killed) removes everything this run created, restarts the server and records the error', async () => {
    bc.actions.behaviour.imagesFail = true;
    const target = bc.target('db-1');
    const r = await backupServer(deps, target, { wait: FAST_WAIT, stop: true });
    expect(r.outcome).toBe('failed');
    expect(r.error).toMatch(/image [0-9a-f-]+ \(waiting for active\): status killed/);
    expect(osm()).toEqual({ images: [], snapshots: [], volumes: [] });
    expect(serverStatus('db-1')).toBe('ACTIVE');
    const rec = (await store.load('acme-prod', 'db-1'))!;
    expect(rec.state.phase).toBe('failed');
    expect(rec.state.lastError).toContain('status killed');
    expect(rec.ledger.every((e) => e.deleted)).toBe(true);
    // the next run (the cloud healthy again) starts over and succeeds
    bc.actions.behaviour.imagesFail = false;
    const again = await backupServer(deps, target, { wait: FAST_WAIT });
    expect(again.outcome).toBe('backed-up');
  });

  it('a snapshot in error fails the disk and leaves nothing behind', async () => {
    bc.actions.behaviour.snapshotsFail = true;
    const r = await backupServer(deps, bc.target('bfv-1'), { wait: FAST_WAIT });
    expect(r.outcome).toBe('failed');
    expect(r.error).toMatch(/snapshot .*status error/);
    expect(osm()).toEqual({ images: [], snapshots: [], volumes: [] });
  });

  it('an HTTP error on the upload is reported with the service message and cleaned up', async () => {
    bc.server.inject({ service: 'volume', pathIncludes: '/action', method: 'POST', status: 413, times: 1 });
    const r = await backupServer(deps, bc.target('bfv-1'), { wait: FAST_WAIT });
    expect(r.outcome).toBe('failed');
    expect(r.error).toMatch(/os-volume_upload_image "osm-411a035c-c090-4210-97ba-ba4a5ebce31b-root": HTTP 413/);
    expect(osm()).toEqual({ images: [], snapshots: [], volumes: [] });
  });
});

describe('--pre-backup-hook', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'osm-hook-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('runs with the server identity in the environment before the copy', async () => {
    const out = join(dir, 'env');
    const target = bc.target('web-2');
    const r = await backupServer(deps, target, {
      wait: FAST_WAIT,
      preBackupHook: `printf '%s %s %s' "$OSM_SERVER_ID" "$OSM_SERVER_NAME" "$OSM_PROJECT_ID" > ${out}`,
    });
    expect(r.outcome).toBe('backed-up');
    expect(readFileSync(out, 'utf8')).toBe(`${target.serverId} web-2 ${target.projectId}`);
  });

  it('a non-zero exit aborts that server with the hook stderr, before anything is created', async () => {
    const r = await backupServer(deps, bc.target('web-2'), { wait: FAST_WAIT, preBackupHook: 'echo "fsfreeze failed on /data" >&2; exit 3' });
    expect(r.outcome).toBe('failed');
    expect(r.error).toContain('--pre-backup-hook exited 3: fsfreeze failed on /data');
    expect(bc.actions.created.image).toEqual([]);
  });
});

describe('resume after a kill at each checkpoint (memory store)', () => {
  for (const name of ['web-2', 'bfv-1', 'db-1']) {
    it(`${name}: killed at checkpoint N, re-run: one copy per disk, no temporaries, nothing created twice`, async () => {
      let completedAt = 0;
      for (let n = 1; n < 60; n++) {
        await bc.close();
        bc = await startBackupCloud();
        store = new MemoryStateStore();
        deps = { clientFor: async () => bc.client, store };
        const target = bc.target(name);
        let killed = false;
        try {
          await backupServer(deps, target, { wait: FAST_WAIT, stop: true, killAtCheckpoint: n });
        } catch (err) {
          expect(err).toBeInstanceOf(SimulatedKill);
          killed = true;
        }
        const r = await backupServer(deps, target, { wait: FAST_WAIT, stop: true });
        expect(r.outcome, `kill at ${n}: ${r.error}`).toMatch(/backed-up/);
        expect(osm().images, `kill at ${n}`).toHaveLength(target.disks.length);
        expect(osm().snapshots, `kill at ${n}`).toEqual([]);
        expect(osm().volumes, `kill at ${n}`).toEqual([]);
        expect(bc.actions.created.image, `kill at ${n}: images created`).toHaveLength(target.disks.length);
        expect(bc.actions.created.snapshot.length, `kill at ${n}: snapshots created`).toBe(target.disks.filter((d) => d.volumeId).length);
        expect(serverStatus(name), `kill at ${n}`).toBe('ACTIVE');
        if (!killed) {
          completedAt = n;
          break;
        }
      }
      expect(completedAt).toBeGreaterThan(3);
    }, 60_000);
  }
});

describe('backup --cleanup', () => {
  it('removes the copies and resets the phase; the source server and volumes stay', async () => {
    const target = bc.target('db-1');
    await backupServer(deps, target, { wait: FAST_WAIT });
    const volumesBefore = bc.cloud.volumes.length;
    const c = await cleanupServer(deps, target, { wait: FAST_WAIT });
    expect(c).toMatchObject({ removed: 2 });
    expect(osm()).toEqual({ images: [], snapshots: [], volumes: [] });
    expect(bc.cloud.volumes.length).toBe(volumesBefore);
    expect(bc.cloud.servers.find((s) => s.name === 'db-1')).toBeDefined();
    expect((await store.load('acme-prod', 'db-1'))!.state.phase).toBe('planned');
  });

  it('finds what a run killed between "create" and "record" left unrecorded, and restarts a server left stopped', async () => {
    const target = bc.target('bfv-1');
    // checkpoint 1 = stopping recorded, 2 = os-stop sent, 3 = saved, 4 = snapshot created (not yet recorded)
    await expect(backupServer(deps, target, { wait: FAST_WAIT, stop: true, killAtCheckpoint: 4 })).rejects.toBeInstanceOf(SimulatedKill);
    expect(osm().snapshots).toHaveLength(1);
    expect((await store.load('acme-prod', 'bfv-1'))!.ledger).toEqual([]);
    const c = await cleanupServer(deps, target, { wait: FAST_WAIT });
    expect(c.error).toBeUndefined();
    expect(osm()).toEqual({ images: [], snapshots: [], volumes: [] });
    // (the fake server reaches SHUTOFF only when polled; cleanup waits for ACTIVE after its os-start)
    expect(serverStatus('bfv-1')).toBe('ACTIVE');
  });
});

describe('backupTargetsFromPlan', () => {
  it('takes root and volume DataVolumes, not ephemeral or swap', () => {
    const dv = (name: string, role: string, extra: Record<string, string> = {}) => ({
      kind: 'DataVolume',
      metadata: { name, namespace: 'ns', annotations: { 'openstack-migrate.io/server-id': 's1', 'openstack-migrate.io/disk-role': role, ...extra } },
    });
    const plan = {
      objects: [
        dv('vm-root', 'root', { 'openstack-migrate.io/volume-id': 'ABCDEF12-3456' }),
        dv('vm-ephemeral0', 'ephemeral'),
        dv('vm-vol-99887766', 'volume', { 'openstack-migrate.io/volume-id': '99887766-aaaa' }),
        { kind: 'VirtualMachine', metadata: { name: 'vm' } },
      ],
      servers: [
        { id: 's1', name: 'vm', namespace: 'ns', vmName: 'vm' },
        { id: 's2', name: 'other', namespace: 'ns', vmName: 'other' },
      ],
    };
    expect(backupTargetsFromPlan(plan, () => 'p1')).toEqual([
      {
        serverId: 's1',
        serverName: 'vm',
        projectId: 'p1',
        namespace: 'ns',
        vmName: 'vm',
        disks: [
          { disk: 'root', diskRole: 'root', dataVolume: 'vm-root', volumeId: 'ABCDEF12-3456' },
          { disk: 'vol-99887766', diskRole: 'volume', dataVolume: 'vm-vol-99887766', volumeId: '99887766-aaaa' },
        ],
      },
    ]);
  });
});
