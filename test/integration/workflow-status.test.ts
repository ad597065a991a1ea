// status against the real kube-apiserver: built from the cluster only, and --watch follows changes by watches.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MigrateError } from '../../src/errors.js';
import { ANNOTATIONS } from '../../src/translate/naming.js';
import { Kube, WatchRefusedError } from '../../src/workflow/kube-ops.js';
import { loadKubeConfig } from '../../src/kube/config.js';
import { stateConfigMapName } from '../../src/workflow/ledger.js';
import { recordState } from '../../src/workflow/import.js';
import { buildStatus, formatStatus, readSnapshot, watchStatus, type StatusReport } from '../../src/workflow/status.js';
import type { TestApiServer } from '../support/apiserver.js';
import { ensureNamespace, serverWork, startWorkflowApiServer } from '../support/workflow-fixtures.js';
import { at } from '../support/must.js';

let api: TestApiServer;
let kube: Kube;
beforeAll(async () => {
  ({ api, kube } = await startWorkflowApiServer());
});
afterAll(async () => {
  await api?.stop();
});

describe('status', () => {
  it('reads the state ConfigMaps and DataVolumes, and --watch redraws on each change', async () => {
    await ensureNamespace(kube, 'st');
    const a = serverWork(1, 'st');
    const b = serverWork(2, 'st');
    await recordState({ kube }, a, { phase: 'importing', startedAt: '2025-01-01T00:00:00Z', serverId: a.serverId });
    await recordState({ kube }, b, {
      phase: 'rolled-back',
      lastError: 'import failed: corrupt',
      startedAt: '2025-01-01T00:00:00Z',
      finishedAt: '2025-01-01T00:02:00Z',
    });
    const dv = structuredClone(at(a.dataVolumes, 0, 'DataVolume'));
    dv.metadata.annotations = { ...dv.metadata.annotations, [ANNOTATIONS.phase]: 'importing', [ANNOTATIONS.progress]: '42.0' };
    await kube.create('DataVolume', dv);

    const report = buildStatus(await readSnapshot(kube, 'st'), Date.parse('2025-01-01T00:10:00Z'));
    expect(report.servers.map((r) => [r.vm, r.server, r.phase, r.progress, r.durationSeconds, r.lastError])).toEqual([
      ['vm-1', 'server-1', 'importing', 42, 600, null],
      ['vm-2', 'server-2', 'rolled-back', null, 120, 'import failed: corrupt'],
    ]);
    expect(formatStatus(report, 'table')).toContain('NAMESPACE   VM     SERVER     PHASE');

    const seen: StatusReport[] = [];
    const stop = new AbortController();
    const watching = watchStatus(kube, 'st', (r) => seen.push(r), stop.signal);
    await expect.poll(() => seen.length, { timeout: 10_000 }).toBeGreaterThan(0);
    await kube.mergePatch('ConfigMap', 'st', stateConfigMapName('vm-1'), { metadata: { annotations: { [ANNOTATIONS.phase]: 'imported' } } });
    await expect.poll(() => seen.at(-1)?.servers[0]?.phase, { timeout: 10_000 }).toBe('imported');
    await kube.mergePatch('DataVolume', 'st', dv.metadata.name, { metadata: { annotations: { [ANNOTATIONS.progress]: '77.0' } } });
    await expect.poll(() => seen.at(-1)?.servers[0]?.disks[0]?.progress, { timeout: 10_000 }).toBe(77);
    stop.abort();
    await watching;
  });

  it('a 404 from the cluster is NotFound, exit 1 (not "No migrations found")', async () => {
    // A server URL with a path the apiserver does not serve: every request answers 404, as for a proxy
    // path that is wrong or a cluster without the CRDs.
    const target = api.target('default');
    const lost = new Kube({ ...target, server: `${target.server}/no-such-prefix` });
    const error = await readSnapshot(lost, 'st').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(MigrateError);
    expect((error as MigrateError).exitCode).toBe(1);
    expect((error as Error).message).toMatch(/NotFound/);
    // readSnapshot lists its kinds at once: whichever 404 comes first is named.
    expect((error as Error).message).toMatch(/configmaps|virtualmachines|datavolumes/);
  });

  it("--watch stops with the server's refusal when the credentials may list but not watch (no retry loop)", async () => {
    const role = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'status-without-watch' },
      rules: [
        { apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list'] },
        { apiGroups: ['cdi.kubevirt.io'], resources: ['datavolumes'], verbs: ['get', 'list'] },
        { apiGroups: ['kubevirt.io'], resources: ['virtualmachines'], verbs: ['get', 'list'] },
      ],
    };
    await api.clientBoundTo(role, { namespace: 'watchless', name: 'viewer' });
    const token = await api.serviceAccountToken('watchless', 'viewer');
    const loaded = loadKubeConfig({ kubeconfig: api.kubeconfigForToken('watchless-viewer', token) });
    if (!loaded.ok) throw new Error(loaded.error.message);
    const limited = new Kube(loaded.value);
    let renders = 0;
    const stop = new AbortController();
    const started = Date.now();
    const error = await watchStatus(limited, undefined, () => renders++, stop.signal).then(
      () => undefined,
      (e: unknown) => e,
    );
    stop.abort();
    expect(error).toBeInstanceOf(WatchRefusedError);
    expect((error as WatchRefusedError).httpStatus).toBe(403);
    expect((error as Error).message).toMatch(/forbidden/);
    expect(renders).toBe(1);
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
