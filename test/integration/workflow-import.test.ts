// import against the real kube-apiserver, with test controllers playing CDI: parallelism, resume (no
// duplicate import), token expiry, failures, and no token anywhere but in the Secret.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DataVolume } from '../../src/kube-types/index.js';
import { ANNOTATIONS, LABELS } from '../../src/translate/naming.js';
import { importServer, importServers, StepAbort, tokenSecretName, type ImportDeps } from '../../src/workflow/import.js';
import type { Kube } from '../../src/workflow/kube-ops.js';
import { StateStore, updateRecord, type DiskCopy } from '../../src/workflow/ledger.js';
import type { SourceCloud } from '../../src/workflow/source.js';
import type { ServerWork } from '../../src/workflow/import.js';
import type { TestApiServer } from '../support/apiserver.js';
import { FakeControllers } from '../support/fake-controllers.js';
import { SimulatedCloud } from '../support/simulated-cloud.js';
import { ensureNamespace, readServerState, serverWork, startWorkflowApiServer } from '../support/workflow-fixtures.js';
import { at, must } from '../support/must.js';

const here = path.dirname(fileURLToPath(import.meta.url));
let api: TestApiServer;
let kube: Kube;

beforeAll(async () => {
  ({ api, kube } = await startWorkflowApiServer());
});
afterAll(async () => {
  await api?.stop();
});

function deps(cloud: SourceCloud, extra: Partial<ImportDeps> = {}): ImportDeps & { lines: string[] } {
  const lines: string[] = [];
  return { kube, cloud, log: (l) => lines.push(l), annotateEveryMs: 0, lines, ...extra };
}

/** Every annotation and label value of the objects the workflow touches, and every ConfigMap value. */
async function everythingVisible(ns: string): Promise<string> {
  const parts: string[] = [];
  for (const kind of ['DataVolume', 'ConfigMap', 'VirtualMachine', 'PersistentVolumeClaim', 'Secret'] as const) {
    for (const o of (await kube.list(kind, ns)).items) {
      parts.push(JSON.stringify(o.metadata.annotations ?? {}), JSON.stringify(o.metadata.labels ?? {}));
      if (kind === 'ConfigMap' || kind === 'DataVolume') parts.push(JSON.stringify((o as { data?: unknown }).data ?? {}), JSON.stringify(o.spec ?? {}));
    }
  }
  return parts.join('\n');
}

describe('import', () => {
  it("downloads each server's copies with a token of that server's own project (cloudFor)", async () => {
    const ns = 'imp-proj';
    await ensureNamespace(kube, ns);
    // One cloud, seen through two project-scoped views: the token each import gets must come from the
    // view of the project that owns the server.
    const cloud = new SimulatedCloud();
    const fake = new FakeControllers(kube, { steps: 2, stepMs: 20, tokenValid: (t) => cloud.tokenValid(t) }).start();
    try {
      const works = [11, 12].map((i) => serverWork(i, ns));
      for (const w of works) cloud.addServer(w.serverId, 'SHUTOFF');
      const copies = new Map(await Promise.all(works.map(async (w) => [w.serverId, await cloud.copyServer(w, true)] as const)));
      const tokensBy = new Map<string, number>();
      const viewOf = (work: ServerWork): SourceCloud => {
        const project = work === works[0] ? 'project-a' : 'project-b';
        return new Proxy(cloud, {
          get(target, prop, receiver) {
            if (prop === 'issueImportToken') {
              return (...a: unknown[]) => {
                tokensBy.set(project, (tokensBy.get(project) ?? 0) + 1);
                return (target.issueImportToken as (...x: unknown[]) => unknown).apply(target, a);
              };
            }
            const value = Reflect.get(target, prop, receiver);
            return typeof value === 'function' ? value.bind(target) : value;
          },
        }) as SourceCloud;
      };
      const failing = {
        ...cloud,
        issueImportToken: () => Promise.reject(new Error('the configured project cannot read these images')),
      } as unknown as SourceCloud;
      const results = await importServers({ ...deps(failing), cloudFor: async (w) => viewOf(w) }, works, 2, (w) => copies.get(w.serverId));
      expect(results.map((r) => r.ok)).toEqual([true, true]);
      expect([...tokensBy.entries()].sort()).toEqual([
        ['project-a', 1],
        ['project-b', 1],
      ]);
    } finally {
      await fake.shutdown();
    }
  });

  it('imports every disk of several servers, at most --parallel at once, and cleans up the token Secrets', async () => {
    const ns = 'imp-par';
    await ensureNamespace(kube, ns);
    const cloud = new SimulatedCloud();
    const fake = new FakeControllers(kube, { steps: 4, stepMs: 60, tokenValid: (t) => cloud.tokenValid(t) }).start();
    try {
      const works = [1, 2, 3].map((i) => serverWork(i, ns, { volumes: 1 }));
      for (const w of works) cloud.addServer(w.serverId, 'SHUTOFF');
      const copies = new Map(await Promise.all(works.map(async (w) => [w.serverId, await cloud.copyServer(w, true)] as const)));
      const d = deps(cloud);
      const results = await importServers(d, works, 2, (w) => copies.get(w.serverId));
      expect(results.map((r) => r.ok)).toEqual([true, true, true]);
      expect(fake.importsStarted).toHaveLength(6);
      expect(fake.maxInFlight).toBeLessThanOrEqual(2);
      expect(fake.maxInFlight).toBe(2);
      for (const w of works) {
        const state = await readServerState(kube, w);
        expect(state?.state.phase).toBe('imported');
        expect(state?.disks.map((c) => c.dataVolume).sort()).toEqual([`${w.vmName}-root`, `${w.vmName}-vol-0`]);
        const root = await kube.get('DataVolume', ns, `${w.vmName}-root`);
        expect(root?.metadata.annotations?.[ANNOTATIONS.phase]).toBe('imported');
        expect(root?.metadata.annotations?.[ANNOTATIONS.progress]).toBe('100.0');
        expect(root?.metadata.annotations?.[ANNOTATIONS.backupImageId]).toBe(at(must(copies.get(w.serverId), 'the copies of the server'), 0, 'copy').imageId);
        expect((root as DataVolume | undefined)?.spec.source?.http?.url).toBe(
          cloud.imageFileUrl(at(must(copies.get(w.serverId), 'the copies of the server'), 0, 'copy').imageId),
        );
        expect((root as DataVolume | undefined)?.spec.source?.http?.secretExtraHeaders).toEqual([tokenSecretName(`${w.vmName}-root`)]);
        expect(await kube.get('Secret', ns, tokenSecretName(`${w.vmName}-root`))).toBeUndefined();
      }
      // No token anywhere but in the (now deleted) Secrets: not in annotations, data, specs or log lines.
      const visible = (await everythingVisible(ns)) + d.lines.join('\n');
      for (const token of cloud.tokens.keys()) expect(visible).not.toContain(token);
      expect(visible).not.toMatch(/gAAAAA[0-9a-f]{8}/);

      // A second run changes nothing and starts no import.
      const again = await importServers(deps(cloud), works, 2, (w) => copies.get(w.serverId));
      expect(again.flatMap((r) => r.disks.map((x) => x.outcome))).toEqual(Array(6).fill('already-imported'));
      expect(fake.importsStarted).toHaveLength(6);
      expect(fake.errors).toEqual([]);
    } finally {
      await fake.shutdown();
    }
  });

  it('resumes a run killed right after the DataVolume was created, without a second import', async () => {
    const ns = 'imp-kill';
    await ensureNamespace(kube, ns);
    const cloud = new SimulatedCloud();
    const fake = new FakeControllers(kube, { steps: 6, stepMs: 80 }).start();
    try {
      const w = serverWork(10, ns);
      cloud.addServer(w.serverId, 'SHUTOFF');
      const copies = await cloud.copyServer(w, true);
      await expect(
        importServer(
          deps(cloud, {
            afterStep: (s) => {
              if (s === 'dv-created') throw new StepAbort(s);
            },
          }),
          w,
          copies,
        ),
      ).rejects.toThrow(StepAbort);
      const d = deps(cloud);
      const res = await importServer(d, w, copies);
      expect(res.ok).toBe(true);
      expect(d.lines.some((l) => l.includes('adopting'))).toBe(true);
      expect(fake.importsStarted.filter((s) => s.key === `${ns}/${w.vmName}-root`)).toHaveLength(1);
    } finally {
      await fake.shutdown();
    }
  });

  it('re-issues the token and recreates the import when the token would expire before the end', async () => {
    const ns = 'imp-token';
    await ensureNamespace(kube, ns);
    const cloud = new SimulatedCloud();
    // The first token is one with little time left; the re-issued one lasts.
    cloud.nextTokenLifetimesMs = [900];
    cloud.tokenLifetimeMs = 30_000;
    const fake = new FakeControllers(kube, { steps: 6, stepMs: 200, tokenValid: (t) => cloud.tokenValid(t) }).start();
    try {
      const w = serverWork(20, ns);
      cloud.addServer(w.serverId, 'SHUTOFF');
      const copies = await cloud.copyServer(w, true);
      const res = await importServer(deps(cloud, { tokenMarginMs: 300 }), w, copies);
      expect(res.ok).toBe(true);
      expect(at(res.disks, 0, 'disk').reissued).toBeGreaterThanOrEqual(1);
      expect(cloud.tokens.size).toBeGreaterThanOrEqual(2);
      expect(fake.importsStarted.filter((s) => s.key === `${ns}/${w.vmName}-root`).length).toBe(at(res.disks, 0, 'disk').reissued + 1);
    } finally {
      await fake.shutdown();
    }
  });

  it('imports copies on an NFS share from their URL: no Glance call, no token Secret; a killed run adopts the import', async () => {
    const ns = 'imp-nfs';
    await ensureNamespace(kube, ns);
    const fake = new FakeControllers(kube, { steps: 6, stepMs: 60 }).start();
    // Any call to the source cloud fails the test: NFS copies must not need it.
    const calls: string[] = [];
    const noCloud = new Proxy(
      {},
      {
        get: (_t, name) => () => {
          calls.push(String(name));
          throw new Error(`source cloud called: ${String(name)}`);
        },
      },
    ) as SourceCloud;
    try {
      const w = serverWork(50, ns, { volumes: 1 });
      const url = (f: string) => `http://osm-file-server.osm-files.svc/backups/p1/${w.serverId}/${f}.qcow2`;
      const copies: DiskCopy[] = [
        {
          disk: 'root',
          diskRole: 'root',
          dataVolume: `${w.vmName}-root`,
          imageId: '',
          diskFormat: 'qcow2',
          virtualSize: 2 ** 29,
          path: `/backups/p1/${w.serverId}/root.qcow2`,
          url: url('root'),
        },
        {
          disk: 'vol-0',
          diskRole: 'volume',
          dataVolume: `${w.vmName}-vol-0`,
          volumeId: 'v0',
          imageId: '',
          diskFormat: 'qcow2',
          virtualSize: 2 ** 29,
          path: `/backups/p1/${w.serverId}/v0.qcow2`,
          url: url('v0'),
        },
      ];
      // What backup --method nfs records.
      await updateRecord(new StateStore(kube), w, (r) => {
        r.disks = copies;
        r.state = { ...r.state, phase: 'backed-up' };
      });
      await expect(
        importServer(
          deps(noCloud, {
            afterStep: (step) => {
              if (step === 'dv-created') throw new StepAbort(step);
            },
          }),
          w,
        ),
      ).rejects.toThrow(StepAbort);
      const d = deps(noCloud);
      const res = await importServer(d, w);
      expect(res.ok, res.error).toBe(true);
      expect(calls).toEqual([]);
      expect(d.lines.some((l) => l.includes('adopting'))).toBe(true);
      for (const c of copies) {
        const dv = await kube.get('DataVolume', ns, c.dataVolume);
        expect((dv as DataVolume | undefined)?.spec.source).toEqual({ http: { url: c.url } });
        expect(dv?.metadata.annotations?.[ANNOTATIONS.phase]).toBe('imported');
        expect(dv?.metadata.annotations?.[ANNOTATIONS.backupImageId]).toBeUndefined();
        expect(fake.importsStarted.filter((x) => x.key === `${ns}/${c.dataVolume}`).map((x) => x.url)).toEqual([c.url]);
      }
      expect((await kube.list('Secret', ns)).items.filter((x) => x.metadata.name.endsWith('osm-token'))).toEqual([]);
      const state = await readServerState(kube, w);
      expect(state?.state.phase).toBe('imported');
      expect(state?.disks).toEqual(copies);
      const again = await importServer(deps(noCloud), w);
      expect(again.disks.map((x) => x.outcome)).toEqual(['already-imported', 'already-imported']);
      expect(fake.importsStarted).toHaveLength(2);
    } finally {
      await fake.shutdown();
    }
  });

  it("records a failed import with CDI's message", async () => {
    const ns = 'imp-fail';
    await ensureNamespace(kube, ns);
    const cloud = new SimulatedCloud();
    const fake = new FakeControllers(kube, { steps: 4, stepMs: 30, failImport: () => 'Unable to process data: qemu-img: Could not open image' }).start();
    try {
      const w = serverWork(30, ns);
      cloud.addServer(w.serverId, 'SHUTOFF');
      const res = await importServer(deps(cloud), w, await cloud.copyServer(w, true));
      expect(res.ok).toBe(false);
      expect(res.error).toContain('qemu-img: Could not open image');
      const state = await readServerState(kube, w);
      expect(state?.state.phase).toBe('failed');
      expect(state?.state.lastError).toContain('qemu-img');
    } finally {
      await fake.shutdown();
    }
  });

  it('survives a kill -9 of the process running it: the next run adopts the import', async () => {
    const ns = 'imp-kill9';
    await ensureNamespace(kube, ns);
    const fake = new FakeControllers(kube, { steps: 10, stepMs: 300 }).start();
    try {
      const w = serverWork(40, ns);
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, '..', 'support', 'import-child.ts'), api.kubeconfigPath, ns, '40'], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let err = '';
      child.stderr.on('data', (c) => (err += c));
      // Kill it once the import runs (CDI reports progress).
      await kube.waitFor(
        'DataVolume',
        ns,
        `${w.vmName}-root`,
        (dv) => ((dv?.status as { phase?: string } | undefined)?.phase === 'ImportInProgress' ? true : undefined),
        AbortSignal.timeout(60_000),
      );
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      expect(child.signalCode, err).toBe('SIGKILL');
      const state = await readServerState(kube, w);
      expect(state?.state.phase).toBe('importing');
      const cloud = new SimulatedCloud();
      cloud.addServer(w.serverId, 'SHUTOFF');
      cloud.images.set('img-kill9', { id: 'img-kill9', status: 'active', virtualSize: 2 ** 30, diskFormat: 'qcow2' });
      const d = deps(cloud);
      const res = await importServer(d, w, state!.disks);
      expect(res.ok).toBe(true);
      expect(fake.importsStarted.filter((s) => s.key === `${ns}/${w.vmName}-root`)).toHaveLength(1);
      expect((await kube.list('DataVolume', ns, `${LABELS.serverId}=${w.serverId}`)).items).toHaveLength(1);
    } finally {
      await fake.shutdown();
    }
  });
});
