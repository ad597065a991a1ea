// The API server behaviour import and cutover rely on, as one list of checks run against both
// implementations of the workflow's Cluster: the in-memory one of the unit tests
// (test/unit/workflow/cluster-contract.test.ts) and the real kube-apiserver through kube-ops.ts
// (test/integration/workflow-cluster-contract.test.ts). The real server is the reference: a check that
// holds in memory but not there is a defect of the fake.
import { expect, it } from 'vitest';
import type { Cluster } from '../../src/workflow/cluster.js';

const dataVolume = (namespace: string, name: string) => ({
  apiVersion: 'cdi.kubevirt.io/v1beta1',
  kind: 'DataVolume',
  metadata: { name, namespace, labels: { app: 'contract' }, annotations: { keep: 'yes', drop: 'yes' } },
  spec: { source: { blank: {} }, storage: { resources: { requests: { storage: '1Gi' } } } },
});

/** Registers the contract's tests; `cluster()` gives the cluster and a fresh namespace (already created) for each. */
export function clusterContract(cluster: () => Promise<{ kube: Cluster; namespace: string }>): void {
  it('create: stores with a uid; a second create of the name returns the stored object (created: false)', async () => {
    const { kube, namespace } = await cluster();
    const first = await kube.create('DataVolume', dataVolume(namespace, 'a'));
    expect(first.created).toBe(true);
    expect(first.object.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(first.object.metadata.resourceVersion).toBeTruthy();
    const second = await kube.create('DataVolume', { ...dataVolume(namespace, 'a'), spec: { source: { blank: {} } } });
    expect(second.created).toBe(false);
    expect(second.object.metadata.uid).toBe(first.object.metadata.uid);
    expect(await kube.get('DataVolume', namespace, 'absent')).toBeUndefined();
  });

  it('create in a namespace that does not exist is refused', async () => {
    const { kube } = await cluster();
    await expect(kube.create('ConfigMap', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'no-such-namespace-x' } })).rejects.toThrow(
      /not found/,
    );
  });

  it('a Secret keeps stringData base64-encoded in data', async () => {
    const { kube, namespace } = await cluster();
    await kube.create('Secret', {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 's', namespace },
      type: 'Opaque',
      stringData: { token: 'X-Auth-Token: t' },
    });
    const stored = await kube.get('Secret', namespace, 's');
    expect(stored?.stringData).toBeUndefined();
    expect(stored?.data).toEqual({ token: Buffer.from('X-Auth-Token: t').toString('base64') });
  });

  it('merge patch: null removes a key, the others stay; a uid in the patch is a precondition; a missing object gives undefined', async () => {
    const { kube, namespace } = await cluster();
    const { object } = await kube.create('DataVolume', dataVolume(namespace, 'p'));
    const patched = await kube.mergePatch('DataVolume', namespace, 'p', { metadata: { annotations: { drop: null, added: '1' } } });
    expect(patched?.metadata.annotations).toEqual({ keep: 'yes', added: '1' });
    expect(patched?.metadata.resourceVersion).not.toBe(object.metadata.resourceVersion);
    await expect(kube.mergePatch('DataVolume', namespace, 'p', { metadata: { uid: '00000000-0000-0000-0000-000000000000' }, spec: {} })).rejects.toThrow();
    expect(await kube.mergePatch('DataVolume', namespace, 'absent', { metadata: { annotations: { a: 'b' } } })).toBeUndefined();
  });

  it('status goes through the status subresource only', async () => {
    const { kube, namespace } = await cluster();
    await kube.create('DataVolume', { ...dataVolume(namespace, 's'), status: { phase: 'Succeeded' } });
    expect((await kube.get('DataVolume', namespace, 's'))?.status?.phase).toBeUndefined();
    await kube.mergePatch('DataVolume', namespace, 's', { status: { phase: 'Succeeded' } });
    expect((await kube.get('DataVolume', namespace, 's'))?.status?.phase).toBeUndefined();
    await kube.mergePatch('DataVolume', namespace, 's', { status: { phase: 'ImportInProgress', progress: '10.00%' } }, 'status');
    expect((await kube.get('DataVolume', namespace, 's'))?.status).toEqual({ phase: 'ImportInProgress', progress: '10.00%' });
  });

  it('delete: false for a missing object or another uid (the object stays), true once', async () => {
    const { kube, namespace } = await cluster();
    const { object } = await kube.create('DataVolume', dataVolume(namespace, 'd'));
    expect(await kube.delete('DataVolume', namespace, 'd', '00000000-0000-0000-0000-000000000000')).toBe(false);
    expect(await kube.get('DataVolume', namespace, 'd')).toBeDefined();
    expect(await kube.delete('DataVolume', namespace, 'd', object.metadata.uid)).toBe(true);
    expect(await kube.get('DataVolume', namespace, 'd')).toBeUndefined();
    expect(await kube.delete('DataVolume', namespace, 'd')).toBe(false);
  });

  it('list by namespace and label selector', async () => {
    const { kube, namespace } = await cluster();
    await kube.create('DataVolume', dataVolume(namespace, 'l1'));
    await kube.create('DataVolume', { ...dataVolume(namespace, 'l2'), metadata: { name: 'l2', namespace, labels: { app: 'other' } } });
    const { items } = await kube.list('DataVolume', namespace, 'app=contract');
    expect(items.map((o) => o.metadata.name)).toEqual(['l1']);
  });

  it('waitFor: returns at once when already true, on a later change, with undefined on deletion; an abort rejects', async () => {
    const { kube, namespace } = await cluster();
    const { object } = await kube.create('DataVolume', dataVolume(namespace, 'w'));
    expect(await kube.waitFor('DataVolume', namespace, 'w', (o) => (o ? 'there' : undefined))).toBe('there');
    const changed = kube.waitFor('DataVolume', namespace, 'w', (o) => o?.metadata.annotations?.step);
    await kube.mergePatch('DataVolume', namespace, 'w', { metadata: { annotations: { step: 'two' } } });
    expect(await changed).toBe('two');
    const gone = kube.waitFor('DataVolume', namespace, 'w', (o) => (o ? undefined : 'gone'));
    await kube.delete('DataVolume', namespace, 'w', object.metadata.uid);
    expect(await gone).toBe('gone');
    const stop = new AbortController();
    const never = kube.waitFor('DataVolume', namespace, 'w', (o) => (o ? 'back' : undefined), stop.signal);
    stop.abort(new Error('stopped'));
    await expect(never).rejects.toThrow('stopped');
  });

  it('apply: created, then unchanged, then configured; the stored status stays', async () => {
    const { kube, namespace } = await cluster();
    const svc = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'svc', namespace, labels: { app: 'contract' } as Record<string, string> },
      spec: { selector: { app: 'contract' }, ports: [{ name: 'ssh', port: 22, protocol: 'TCP' }] },
    };
    const statuses = async (o: typeof svc) => (await kube.apply([o])).results.map((r) => r.status);
    expect(await statuses(svc)).toEqual(['created']);
    expect(await statuses(svc)).toEqual(['unchanged']);
    expect(await statuses({ ...svc, metadata: { ...svc.metadata, labels: { app: 'contract', tier: 'web' } } })).toEqual(['configured']);
    expect((await kube.get('Service', namespace, 'svc'))?.metadata.labels).toEqual({ app: 'contract', tier: 'web' });
  });
}
