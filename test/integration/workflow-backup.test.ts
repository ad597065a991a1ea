// backup with its state in a real kube-apiserver (StateStore, server-side apply) and the local OpenStack
// API server: killed at every checkpoint and resumed; a real kill -9 of the CLI; failure cleanup.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeClient } from '../../src/kube/client.js';
import { collectInventory } from '../../src/openstack/collect.js';
import { loadCloudConfig } from '../../src/openstack/config.js';
import { buildPlan } from '../../src/plan/build.js';
import { SimulatedKill, backupServer, type BackupDeps } from '../../src/workflow/backup.js';
import { StateStore, stateConfigMapName, type StateConfigMap } from '../../src/workflow/ledger.js';
import { BUILD_TIMEOUT_MS, startTestApiServer, type TestApiServer } from '../support/apiserver.js';
import { FAST_WAIT, startBackupCloud, type BackupCloud } from '../support/backup-harness.js';
import { at } from '../support/must.js';

const repo = resolve(import.meta.dirname, '../..');
let api: TestApiServer;
let kube: KubeClient;

async function ensureNamespace(name: string) {
  const res = await kube.request('POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name } } });
  if (res.status !== 201 && res.status !== 409) throw new Error(`namespace ${name}: ${res.status}`);
}

beforeAll(async () => {
  api = await startTestApiServer({ crds: [] });
  kube = api.client();
  await ensureNamespace('acme-prod');
}, BUILD_TIMEOUT_MS);
afterAll(async () => api?.stop());

const osm = (bc: BackupCloud) => bc.actions.live('osm-');

describe('backup state in the cluster', () => {
  it('killed at each checkpoint of a boot-from-volume server with --stop, then re-run: same end state, nothing twice', async () => {
    const store = new StateStore(kube);
    const summary: string[] = [];
    let n = 1;
    for (; n < 80; n++) {
      const bc = await startBackupCloud();
      try {
        const deps: BackupDeps = { clientFor: async () => bc.client, store };
        const target = { ...bc.target('bfv-1'), vmName: `bfv-1-k${n}` };
        let killed: SimulatedKill | undefined;
        try {
          await backupServer(deps, target, { wait: FAST_WAIT, stop: true, killAtCheckpoint: n });
        } catch (err) {
          if (!(err instanceof SimulatedKill)) throw err;
          killed = err;
        }
        const r = await backupServer(deps, target, { wait: FAST_WAIT, stop: true });
        expect(r.outcome, `kill at ${n} (${killed?.label}): ${r.error}`).toMatch(/^(backed-up|already-backed-up)$/);
        const live = osm(bc);
        expect([live.images.length, live.snapshots.length, live.volumes.length], `kill at ${n} (${killed?.label})`).toEqual([1, 0, 0]);
        expect(
          [bc.actions.created.image.length, bc.actions.created.snapshot.length, bc.actions.created.volume.length],
          `created, kill at ${n} (${killed?.label})`,
        ).toEqual([1, 1, 1]);
        expect(bc.cloud.servers.find((s) => s.name === 'bfv-1')!.status).toBe('ACTIVE');
        const stored = await store.load('acme-prod', target.vmName);
        expect(stored?.state.phase).toBe('backed-up');
        expect(stored?.disks.map((d) => d.imageId)).toEqual([at(live.images, 0, 'image').id]);
        summary.push(`${n}:${killed?.label ?? 'completed'}`);
        if (!killed) break;
      } finally {
        await bc.close();
      }
    }
    expect(n).toBeGreaterThan(10);
    // every kind of step was interrupted at least once
    for (const step of [
      'stopping',
      'created snapshot',
      'recorded snapshot',
      'created volume',
      'created image',
      'deleted volume',
      'deleted snapshot',
      'started',
    ]) {
      expect(
        summary.some((s) => s.includes(step)),
        step,
      ).toBe(true);
    }
  }, 300_000);

  it('a failed backup leaves no plugin-created resource and records the failure in the ConfigMap', async () => {
    const bc = await startBackupCloud({ imagesFail: true });
    try {
      const store = new StateStore(kube);
      const r = await backupServer({ clientFor: async () => bc.client, store }, { ...bc.target('db-1'), vmName: 'db-1-fail' }, { wait: FAST_WAIT, stop: true });
      expect(r.outcome).toBe('failed');
      expect(osm(bc)).toEqual({ images: [], snapshots: [], volumes: [] });
      expect(bc.cloud.servers.find((s) => s.name === 'db-1')!.status).toBe('ACTIVE');
      const cm = await kube.request('GET', `/api/v1/namespaces/acme-prod/configmaps/${stateConfigMapName('db-1-fail')}`);
      const body = cm.body as StateConfigMap;
      const annotations = body.metadata.annotations ?? {};
      expect(annotations['openstack-migrate.io/phase']).toBe('failed');
      expect(annotations['openstack-migrate.io/last-error']).toMatch(/status killed/);
      expect(JSON.parse(body.data['ledger.json'] ?? '').every((e: { deleted?: boolean }) => e.deleted)).toBe(true);
    } finally {
      await bc.close();
    }
  });

  it('kill -9 of the backup CLI mid-copy, then a re-run and --cleanup', async () => {
    const bc = await startBackupCloud({ ticks: 3 });
    const dir = mkdtempSync(join(tmpdir(), 'osm-bk-cli-'));
    try {
      const config = loadCloudConfig({ env: bc.env, cwd: dir, home: dir, etcDir: dir });
      const { inventory } = await collectInventory(config);
      const invFile = join(dir, 'inventory.json');
      writeFileSync(invFile, JSON.stringify(inventory));
      const planned = buildPlan(inventory).servers.find((s) => s.name === 'bfv-1')!;
      await ensureNamespace(planned.namespace);
      const env = { ...process.env, ...bc.env, OS_CLOUD: '', OS_CLIENT_CONFIG_FILE: join(dir, 'none.yaml') };
      const cli = (...args: string[]) =>
        spawn(
          process.execPath,
          [
            '--import',
            'tsx',
            join(repo, 'test/support/backup-cli-entry.ts'),
            'backup',
            '-i',
            invFile,
            '--kubeconfig',
            api.kubeconfigPath,
            '--poll-interval',
            '20',
            ...args,
          ],
          { cwd: repo, env, stdio: ['ignore', 'pipe', 'pipe'] },
        );
      const finish = (child: ReturnType<typeof cli>) =>
        new Promise<{ code: number | null; signal: string | null; out: string }>((done) => {
          let out = '';
          child.stdout!.on('data', (c) => (out += c));
          child.stderr!.on('data', (c) => (out += c));
          child.on('close', (code, signal) => done({ code, signal, out }));
        });

      const dry = await finish(cli('bfv-1', 'web-1', '--stop', '--dry-run'));
      expect(dry.code, dry.out).toBe(0);
      expect(dry.out).toContain(
        'root: snapshot volume 9ab67a68-f81f-4424-b184-9ddf8d059593 → temporary volume → upload-to-image osm-411a035c-c090-4210-97ba-ba4a5ebce31b-root',
      );
      expect(dry.out).toContain('root: createImage osm-6097a3b1-4278-475a-a102-8163efba52b2-root');
      expect(bc.actions.calls).toEqual({});

      const first = cli('bfv-1', '--stop');
      const firstDone = finish(first);
      // kill -9 once the temporary volume exists (snapshot recorded, volume maybe not yet)
      const deadline = Date.now() + 60_000;
      while (!((bc.actions.calls.volume ?? 0) >= 1) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      expect(bc.actions.calls.volume).toBe(1);
      first.kill('SIGKILL');
      const killed = await firstDone;
      expect(killed.signal).toBe('SIGKILL');
      expect(bc.cloud.servers.find((s) => s.name === 'bfv-1')!.status).not.toBe('ACTIVE');

      const again = await finish(cli('bfv-1', '--stop'));
      expect(again.code, again.out).toBe(0);
      expect(again.out).toMatch(/bfv-1: backed-up root→[0-9a-f-]{36}/);
      expect([bc.actions.created.image.length, bc.actions.created.snapshot.length, bc.actions.created.volume.length]).toEqual([1, 1, 1]);
      expect(osm(bc).snapshots).toEqual([]);
      expect(osm(bc).volumes).toEqual([]);
      expect(osm(bc).images).toHaveLength(1);
      expect(bc.cloud.servers.find((s) => s.name === 'bfv-1')!.status).toBe('ACTIVE');
      // no secret in what the CLI printed
      for (const token of bc.server.issuedTokens) expect(again.out + killed.out).not.toContain(token);
      expect(again.out).not.toContain(bc.env.OS_PASSWORD);

      const clean = await finish(cli('bfv-1', '--cleanup'));
      expect(clean.code, clean.out).toBe(0);
      expect(clean.out).toContain('removed 1 resource(s)');
      expect(osm(bc)).toEqual({ images: [], snapshots: [], volumes: [] });
      const stored = await new StateStore(kube).load(planned.namespace, planned.vmName);
      expect(stored?.state.phase).toBe('planned');
    } finally {
      await bc.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});

describe('backup --method nfs into the cluster', () => {
  it('applies the file server, the share PV/PVC and one flatten Job per chain, and records each disk URL', async () => {
    const { execFileSync } = await import('node:child_process');
    const { mkdirSync } = await import('node:fs');
    const { runNfsBackup } = await import('../../src/workflow/backup-nfs.js');
    const dir = mkdtempSync(join(tmpdir(), 'osm-nfs-int-'));
    try {
      mkdirSync(join(dir, 'p1', 's1'), { recursive: true });
      const img = (...a: string[]) => execFileSync('qemu-img', a, { stdio: 'ignore' });
      img('create', '-f', 'qcow2', join(dir, 'p1/s1/base.qcow2'), '8M');
      img('create', '-f', 'qcow2', '-b', join(dir, 'p1/s1/base.qcow2'), '-F', 'qcow2', join(dir, 'p1/s1/root.qcow2'));
      img('rebase', '-u', '-b', '/backups/p1/s1/base.qcow2', '-F', 'qcow2', join(dir, 'p1/s1/root.qcow2'));
      img('create', '-f', 'qcow2', join(dir, 'p1/s1/v1.qcow2'), '8M');
      const store = new StateStore(kube);
      const target = {
        serverId: 's1',
        serverName: 'nfs-vm',
        projectId: 'p1',
        namespace: 'acme-prod',
        vmName: 'nfs-vm',
        disks: [
          { disk: 'root', diskRole: 'root' as const, dataVolume: 'nfs-vm-root' },
          { disk: 'vol-v1', diskRole: 'volume' as const, dataVolume: 'nfs-vm-vol-v1', volumeId: 'v1' },
        ],
      };
      const code = await runNfsBackup(
        [target],
        {
          nfsServer: '10.0.0.5',
          nfsExport: '/trilio',
          nfsPathTemplate: '/backups/{project_id}/{server_id}/{volume_id|disk_role}.qcow2',
          nfsMountPath: '/backups',
          nfsLocalMount: dir,
          fileServerNamespace: 'osm-files',
          fileServerImage: 'docker.io/library/nginx:1.27-alpine',
          flattenImage: 'quay.io/kubevirt/cdi-importer:v1.61.0',
          flattenSize: '10Gi',
          dryRun: false,
        },
        store,
        kube,
      );
      expect(code).toBe(0);
      for (const path of [
        '/api/v1/persistentvolumes/osm-nfs-share-osm-files',
        '/api/v1/namespaces/osm-files/persistentvolumeclaims/osm-nfs-share',
        '/api/v1/namespaces/osm-files/services/osm-file-server',
        '/apis/apps/v1/namespaces/osm-files/deployments/osm-file-server',
        '/apis/batch/v1/namespaces/osm-files/jobs/osm-flatten-osm-s1-root',
      ]) {
        expect((await kube.request('GET', path)).status, path).toBe(200);
      }
      expect((await kube.request('GET', '/apis/batch/v1/namespaces/osm-files/jobs/osm-flatten-osm-s1-vol-v1')).status).toBe(404);
      const stored = await store.load('acme-prod', 'nfs-vm');
      expect(stored?.state.phase).toBe('backed-up');
      expect(stored?.disks.map((d) => d.url)).toEqual([
        'http://osm-file-server.osm-files.svc/flattened/osm-s1-root.qcow2',
        'http://osm-file-server.osm-files.svc/backups/p1/s1/v1.qcow2',
      ]);
      // a second run is a no-op for the Job (immutable template) and keeps the same records
      expect(
        await runNfsBackup(
          [target],
          {
            nfsServer: '10.0.0.5',
            nfsExport: '/trilio',
            nfsPathTemplate: '/backups/{project_id}/{server_id}/{volume_id|disk_role}.qcow2',
            nfsMountPath: '/backups',
            nfsLocalMount: dir,
            fileServerNamespace: 'osm-files',
            fileServerImage: 'docker.io/library/nginx:1.27-alpine',
            flattenImage: 'x',
            flattenSize: '10Gi',
          },
          store,
          kube,
        ),
      ).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
