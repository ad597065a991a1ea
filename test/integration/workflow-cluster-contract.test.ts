// The workflow's Cluster on the real kube-apiserver (kube-ops.ts: client-node's KubernetesObjectApi and
// Watch through src/kube) held to the contract that the unit tests' in-memory cluster is also held to
// (test/unit/workflow/cluster-contract.test.ts): the real server is the reference for the fake.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadKubeConfig } from '../../src/kube/config.js';
import { Kube as KubeImpl } from '../../src/workflow/kube-ops.js';
import type { Kube } from '../../src/workflow/kube-ops.js';
import type { TestApiServer } from '../support/apiserver.js';
import { clusterContract } from '../support/cluster-contract.js';
import { ensureNamespace, startWorkflowApiServer } from '../support/workflow-fixtures.js';

let api: TestApiServer | undefined;
let kube: Kube | undefined;

beforeAll(async () => {
  ({ api, kube } = await startWorkflowApiServer());
}, 120_000);
afterAll(async () => {
  await api?.stop();
});

describe('kube-apiserver through kube-ops: the API server contract', () => {
  let n = 0;
  clusterContract(async () => {
    if (!kube) throw new Error('no API server');
    const namespace = `contract-${++n}`;
    await ensureNamespace(kube, namespace);
    return { kube, namespace };
  });
});

describe('watches carry the connection flags as every request does', () => {
  it('--as with --as-group: the watch is sent with the Impersonate-Group header too (not refused as the bare user)', async () => {
    if (!api || !kube) throw new Error('no API server');
    await ensureNamespace(kube, 'impersonated');
    const target = loadKubeConfig({ kubeconfig: api.kubeconfigPath, impersonate: 'jane', impersonateGroups: ['system:masters'] });
    if (!target.ok) throw new Error(target.error.message);
    const jane = new KubeImpl(target.value);
    // The list is allowed to jane only through the group: the header is there.
    const { resourceVersion } = await jane.list('ConfigMap', 'impersonated');
    const stop = new AbortController();
    const seen = jane.watchUntil(
      { kind: 'ConfigMap', namespace: 'impersonated', resourceVersion, signal: stop.signal },
      (type, obj) => `${type} ${obj.metadata.name}`,
    );
    await kube.create('ConfigMap', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'seen-by-jane', namespace: 'impersonated' } });
    const timer = setTimeout(() => stop.abort(new Error('no event within 10 s')), 10_000);
    try {
      expect((await seen).value).toBe('ADDED seen-by-jane');
    } finally {
      clearTimeout(timer);
    }
  });
});
