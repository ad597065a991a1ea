// The whole plan of the bundled example cloud (examples/cloud.yaml), applied to a real kube-apiserver
// with the plugin's CRDs, as a service account bound to exactly the documented ClusterRole: zero
// rejections, nothing pruned or changed on read-back, and a second apply changes nothing.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyObjects, summarize } from '../../src/kube/apply.js';
import type { KubeClient } from '../../src/kube/client.js';
import { readBack } from '../../src/kube/readback.js';
import { loadInventoryFile } from '../../src/inventory/load.js';
import { buildPlan, type Plan } from '../../src/plan/build.js';
import { BUILD_TIMEOUT_MS, documentedClusterRole, startTestApiServer, type TestApiServer } from '../support/apiserver.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

let api: TestApiServer;
let plugin: KubeClient;
let plan: Plan;

beforeAll(async () => {
  plan = buildPlan(await loadInventoryFile(path.join(repoRoot, 'examples', 'cloud.yaml')));
  api = await startTestApiServer();
  console.info(`[kube-test] start-up seconds: ${JSON.stringify(api.times)}`);
  plugin = await api.clientBoundTo(documentedClusterRole());
}, BUILD_TIMEOUT_MS);

afterAll(async () => {
  await api?.stop();
});

describe('the example cloud plan on a real API server', () => {
  it('has objects of every kind the plugin writes', () => {
    const kinds = new Set(plan.objects.map((o) => o.kind));
    for (const kind of ['Namespace', 'RoleBinding', 'VirtualMachine', 'DataVolume']) expect(kinds).toContain(kind);
  });

  it('passes a server-side dry run without a rejection or a write', async () => {
    const report = await applyObjects(plugin, plan.objects, { dryRun: 'server' });
    expect(report.missingApis).toEqual([]);
    expect(report.results.filter((r) => r.status === 'error' || r.status === 'conflict').map((r) => `${r.object}: ${r.message}`)).toEqual([]);
    const namespaces = await api.client().request('GET', '/api/v1/namespaces');
    const planNamespaces = plan.objects.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name);
    const existing = ((namespaces.body as { items: { metadata: { name: string } }[] }).items ?? []).map((n) => n.metadata.name);
    expect(existing.filter((n) => planNamespaces.includes(n))).toEqual([]);
  });

  it('applies every object with zero rejections', async () => {
    const report = await applyObjects(plugin, plan.objects);
    expect(report.missingApis).toEqual([]);
    expect(report.results.filter((r) => r.status !== 'created').map((r) => `${r.object}: ${r.status}: ${r.message}`)).toEqual([]);
    expect(report.results).toHaveLength(plan.objects.length);
  });

  it('reads back every object with no field pruned or changed', async () => {
    const back = await readBack(plugin, plan.objects);
    const problems = back.flatMap((b) =>
      b.error
        ? [`${b.object}: ${b.error}`]
        : b.diffs.map((d) => `${b.object}: ${d.kind} ${d.path} sent=${JSON.stringify(d.sent)} stored=${JSON.stringify(d.stored)}`),
    );
    expect(problems).toEqual([]);
  });

  it('changes nothing when applied again', async () => {
    const report = await applyObjects(plugin, plan.objects);
    expect(summarize(report.results)).toEqual({ created: 0, configured: 0, unchanged: plan.objects.length, conflict: 0, skipped: 0, error: 0 });
  });
});
