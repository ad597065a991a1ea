// Values the target rejects are not written (issue 11 item 11). First the limits themselves, proven on a
// real kube-apiserver (so the numbers in src/plan/limits.ts are the apiserver's, not ours); then a hostile
// inventory (RAM 1e308 MiB, a 10 MB description, 5 MB of user data) whose plan the apiserver takes whole,
// with what could not be carried reported per server.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyObjects } from '../../src/kube/apply.js';
import type { KubeClient } from '../../src/kube/client.js';
import { loadInventoryFile } from '../../src/inventory/load.js';
import type { Inventory } from '../../src/inventory/types.js';
import { buildPlan } from '../../src/plan/build.js';
import { MAX_ANNOTATIONS_BYTES, MAX_SECRET_BYTES, checkStorageOptions } from '../../src/plan/limits.js';
import { BUILD_TIMEOUT_MS, startTestApiServer, type TestApiServer } from '../support/apiserver.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
let api: TestApiServer;
let admin: KubeClient;

beforeAll(async () => {
  api = await startTestApiServer();
  admin = api.client('default');
}, BUILD_TIMEOUT_MS);
afterAll(async () => {
  await api?.stop();
});

async function create(path: string, body: unknown): Promise<number> {
  return (await admin.request('POST', path, { body, query: { dryRun: 'All' } })).status;
}

describe('the limits, on the real kube-apiserver', () => {
  it('a Secret holds at most MAX_SECRET_BYTES of data', async () => {
    const secret = (n: number) => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: `s${n}` }, data: { a: Buffer.alloc(n, 1).toString('base64') } });
    expect(await create('/api/v1/namespaces/default/secrets', secret(MAX_SECRET_BYTES))).toBe(201);
    expect(await create('/api/v1/namespaces/default/secrets', secret(MAX_SECRET_BYTES + 1))).toBe(422);
  });

  it('all annotations of an object hold at most MAX_ANNOTATIONS_BYTES (keys and values)', async () => {
    const cm = (n: number) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `c${n}`, annotations: { 'a/b': 'x'.repeat(n - 3) } } });
    expect(await create('/api/v1/namespaces/default/configmaps', cm(MAX_ANNOTATIONS_BYTES))).toBe(201);
    expect(await create('/api/v1/namespaces/default/configmaps', cm(MAX_ANNOTATIONS_BYTES + 1))).toBe(422);
  });

  it('storage class names and access modes: what the apiserver refuses, the plan options refuse', async () => {
    const pvc = (storageClassName: string, mode: string) => ({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'p' },
      spec: { storageClassName, accessModes: [mode], resources: { requests: { storage: '1Gi' } } },
    });
    for (const [sc, mode] of [
      ['Bad Class!', 'ReadWriteOnce'],
      ['fast', 'ReadWriteEverything'],
      ['x'.repeat(254), 'ReadWriteOnce'],
      ['UPPER', 'ReadWriteOnce'],
    ] as [string, string][]) {
      expect(await create('/api/v1/namespaces/default/persistentvolumeclaims', pvc(sc, mode)), `${sc} ${mode}`).toBe(422);
      expect(() => checkStorageOptions({ storageClass: sc, accessModes: [mode] }), `${sc} ${mode}`).toThrow();
    }
    for (const [sc, mode] of [
      ['fast', 'ReadWriteOnce'],
      ['ceph.rbd-ssd', 'ReadWriteMany'],
      ['a', 'ReadWriteOncePod'],
      ['local', 'ReadOnlyMany'],
    ] as [string, string][]) {
      expect(await create('/api/v1/namespaces/default/persistentvolumeclaims', pvc(sc, mode)), `${sc} ${mode}`).toBe(201);
      expect(() => checkStorageOptions({ storageClass: sc, accessModes: [mode] })).not.toThrow();
    }
  });
});

describe('a hostile inventory', () => {
  let inventory: Inventory;
  beforeAll(async () => {
    inventory = await loadInventoryFile(path.join(repoRoot, 'examples', 'cloud.yaml'));
    const byName = (name: string) => inventory.servers.find((s) => s.name === name)!;
    byName('API Gateway').userData = Buffer.alloc(5 << 20, 'a').toString('base64');
    byName('web-1').description = 'd'.repeat(10 << 20);
    const web2 = byName('web-2');
    inventory.flavors.push({ ...inventory.flavors.find((f) => f.id === web2.flavorId)!, id: 'huge', name: 'huge', ram: 1e308 });
    web2.flavorId = 'huge';
  });

  it('is planned with what the target refuses reported per server, and the apiserver takes every object', async () => {
    const plan = buildPlan(inventory);
    const byServer = (name: string) => plan.findings.filter((f) => f.sourceName === name && f.outcome === 'lost');
    expect(
      byServer('API Gateway')
        .map((f) => f.reason)
        .join('\n'),
    ).toMatch(/a Secret holds at most 1 MiB, so it is not written/);
    expect(
      plan.findings
        .filter((f) => f.sourceName === 'API Gateway')
        .map((f) => f.reason)
        .join('\n'),
    ).not.toMatch(/kept byte for byte/);
    expect(
      byServer('web-1')
        .map((f) => f.reason)
        .join('\n'),
    ).toMatch(/Kubernetes allows 256 KiB for all annotations of an object/);
    expect(
      byServer('web-2')
        .map((f) => f.reason)
        .join('\n'),
    ).toMatch(/memory\.guest "1e\+308Mi" is not a size Kubernetes can hold/);
    expect(plan.findings.filter((f) => f.sourceName === 'web-2' && f.outcome === 'exact' && /memory/.test(f.target ?? ''))).toEqual([]);
    expect(plan.objects.some((o) => o.kind === 'VirtualMachine' && o.metadata.name === 'web-2')).toBe(false);

    const report = await applyObjects(admin, plan.objects, { dryRun: 'server' });
    expect(report.missingApis).toEqual([]);
    expect(report.results.filter((r) => r.status === 'error' || r.status === 'conflict').map((r) => `${r.object}: ${r.message}`)).toEqual([]);
  });
});
