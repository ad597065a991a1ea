// import's state machine against the in-memory cluster (test/support/memory-cluster.ts): the same Cluster
// interface the real API server is reached through (test/integration/workflow-import.test.ts runs these
// paths against a real kube-apiserver). Pure: no servers, no processes.
import { describe, expect, it } from 'vitest';
import { Limiter } from '../../../src/concurrency.js';
import { ANNOTATIONS } from '../../../src/translate/naming.js';
import { importServer, StepAbort, tokenSecretName, type ImportDeps, type ServerWork } from '../../../src/workflow/import.js';
import type { DiskCopy } from '../../../src/workflow/ledger.js';
import { MemoryCluster, MemoryControllers, type MemoryControllerOptions } from '../../support/memory-cluster.js';
import { SimulatedCloud } from '../../support/simulated-cloud.js';
import { serverWork } from '../../support/workflow-fixtures.js';

const NS = 'imp';

async function setup(options: MemoryControllerOptions = {}) {
  const cluster = new MemoryCluster();
  await cluster.create('Namespace', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
  const cloud = new SimulatedCloud();
  cloud.transitionMs = 0;
  const controllers = new MemoryControllers(cluster, { tokenValid: (t) => cloud.tokenValid(t), ...options });
  const work = serverWork(7, NS, { volumes: 1 });
  cloud.addServer(work.serverId, 'ACTIVE');
  // plan --apply left the planned placeholders (upload source) that import replaces.
  const planned = await cluster.apply(work.dataVolumes);
  expect(planned.results.map((r) => r.status)).toEqual(['created', 'created', 'created']);
  const copies = await cloud.copyServer(work, false);
  const deps = (extra: Partial<ImportDeps> = {}): ImportDeps => ({ kube: cluster, cloud, annotateEveryMs: 0, limiter: new Limiter(1), ...extra });
  return { cluster, cloud, controllers, work, copies, deps };
}

function copiedNames(copies: DiskCopy[]): string[] {
  return copies.map((c) => c.dataVolume).sort();
}

/** Every copy imported once, nothing left behind: the end state of any run, killed or not. */
async function expectImported(cluster: MemoryCluster, controllers: MemoryControllers, work: ServerWork, copies: DiskCopy[]) {
  for (const copy of copies) {
    const dv = cluster.peek('DataVolume', NS, copy.dataVolume);
    expect(dv?.metadata.annotations?.[ANNOTATIONS.phase], copy.dataVolume).toBe('imported');
    expect(dv?.metadata.annotations?.[ANNOTATIONS.progress], copy.dataVolume).toBe('100.0');
    expect(dv?.metadata.annotations?.[ANNOTATIONS.backupImageId], copy.dataVolume).toBe(copy.imageId);
    expect(dv?.status?.phase, copy.dataVolume).toBe('Succeeded');
    // The token is not left in the cluster once the bytes are in.
    expect(cluster.peek('Secret', NS, tokenSecretName(copy.dataVolume)), copy.dataVolume).toBeUndefined();
  }
  // One import per copy: never a second download of the same bytes.
  expect(controllers.importsStarted.map((i) => i.key.split('/')[1]).sort()).toEqual(copiedNames(copies));
  expect((await cluster.store.load(NS, work.vmName))?.state.phase).toBe('imported');
  expect(controllers.errors).toEqual([]);
}

describe('import against the in-memory cluster', () => {
  it('replaces the planned placeholders by http imports with a token Secret, mirrors progress into annotations, records imported', async () => {
    const { cluster, cloud, controllers, work, copies, deps } = await setup();
    const r = await importServer(deps(), work, copies);
    expect(r.ok, r.error).toBe(true);
    expect(r.disks.map((d) => d.outcome)).toEqual(['imported', 'imported']);
    await expectImported(cluster, controllers, work, copies);
    for (const copy of copies) {
      const dv = cluster.peek('DataVolume', NS, copy.dataVolume);
      expect((dv?.spec as { source?: unknown } | undefined)?.source).toEqual({
        http: { url: cloud.imageFileUrl(copy.imageId), secretExtraHeaders: [tokenSecretName(copy.dataVolume)] },
      });
      // The placeholder was deleted and the import created in its place.
      const ofThis = cluster.writes.filter((w) => w.kind === 'DataVolume' && w.key === `${NS}/${copy.dataVolume}`);
      expect(ofThis.map((w) => w.verb).slice(0, 3)).toEqual(['apply', 'delete', 'create']);
      // CDI's 50% was written to the DataVolume's progress annotation while the import ran.
      const progress = ofThis.filter((w) => w.verb === 'patch').map((w) => JSON.stringify(w.body));
      expect(
        progress.some((p) => p.includes(`"${ANNOTATIONS.progress}":"50.0"`)),
        progress.join('\n'),
      ).toBe(true);
      // The token Secret was owned by the DataVolume (garbage collected with it).
      const secretPatch = cluster.writes.find((w) => w.kind === 'Secret' && w.verb === 'patch' && w.key === `${NS}/${tokenSecretName(copy.dataVolume)}`);
      expect(JSON.stringify(secretPatch?.body)).toContain(dv?.metadata.uid ?? 'no uid');
    }
    // The blank disk is not imported.
    expect(cluster.peek('DataVolume', NS, `${work.vmName}-ephemeral0`)?.metadata.annotations?.[ANNOTATIONS.phase]).toBe('planned');
  });

  it('a second run imports nothing again and writes no DataVolume', async () => {
    const { cluster, controllers, work, copies, deps } = await setup();
    expect((await importServer(deps(), work, copies)).ok).toBe(true);
    const writesBefore = cluster.writes.length;
    const again = await importServer(deps(), work);
    expect(again.ok, again.error).toBe(true);
    expect(again.disks.map((d) => d.outcome)).toEqual(['already-imported', 'already-imported']);
    expect(cluster.writes.slice(writesBefore).filter((w) => w.kind === 'DataVolume')).toEqual([]);
    await expectImported(cluster, controllers, work, copies);
  });

  it('killed after every step and run again: each copy imported once, the same end state', async () => {
    let finishedAt = 0;
    for (let n = 1; n < 20; n++) {
      const { cluster, controllers, work, copies, deps } = await setup();
      const run = cluster.connect();
      let calls = 0;
      let killedAt: string | undefined;
      const first = await importServer(
        deps({
          kube: run.cluster,
          afterStep: (step, detail) => {
            calls += 1;
            if (calls === n) {
              killedAt = `${step} ${detail}`;
              run.kill();
              throw new StepAbort(killedAt);
            }
          },
        }),
        work,
        copies,
      ).then(
        () => undefined,
        (err: unknown) => err,
      );
      if (killedAt) expect(first, `kill ${n}`).toBeInstanceOf(StepAbort);
      const again = await importServer(deps(), work, killedAt ? undefined : copies);
      expect(again.ok, `kill at ${killedAt}: ${again.error}`).toBe(true);
      await expectImported(cluster, controllers, work, copies);
      if (!killedAt) {
        finishedAt = n;
        break;
      }
    }
    // dv-created and dv-imported of each of the two disks.
    expect(finishedAt).toBe(5);
  });

  it("records a failed import with CDI's message, and the next run starts that import again", async () => {
    let fail = true;
    const { cluster, controllers, work, copies, deps } = await setup({ failImport: () => (fail ? 'Unable to process data: image is corrupt' : undefined) });
    const r = await importServer(deps(), work, copies);
    expect(r.ok).toBe(false);
    expect(r.error).toMatch(/image is corrupt/);
    const record = await cluster.store.load(NS, work.vmName);
    expect(record?.state.phase).toBe('failed');
    expect(record?.state.lastError).toMatch(/image is corrupt/);
    const dv = cluster.peek('DataVolume', NS, copies[0]?.dataVolume ?? '');
    expect(dv?.metadata.annotations?.[ANNOTATIONS.phase]).toBe('failed');
    expect(dv?.metadata.annotations?.[ANNOTATIONS.lastError]).toMatch(/image is corrupt/);
    fail = false;
    const again = await importServer(deps(), work);
    expect(again.ok, again.error).toBe(true);
    expect(cluster.peek('DataVolume', NS, copies[0]?.dataVolume ?? '')?.metadata.annotations?.[ANNOTATIONS.phase]).toBe('imported');
    expect(controllers.importsStarted).toHaveLength(2 * copies.length);
  });

  it('a refused write fails the disk with the server message; nothing is recorded as imported', async () => {
    const { cluster, work, copies, deps } = await setup();
    cluster.refuse = (w) =>
      w.verb === 'create' && w.kind === 'DataVolume' ? 'admission webhook "datavolume-validate.cdi.kubevirt.io" denied the request' : undefined;
    const r = await importServer(deps(), work, copies);
    expect(r.ok).toBe(false);
    expect(r.disks.map((d) => d.outcome)).toEqual(['failed', 'failed']);
    expect(r.error).toMatch(/denied the request/);
    expect((await cluster.store.load(NS, work.vmName))?.state.phase).toBe('failed');
  });
});
