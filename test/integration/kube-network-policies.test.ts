// Issue 9: the network objects of a multi-port cloud — NetworkPolicies with resolved address peers,
// Calico policies, MultiNetworkPolicies (k8s.cni.cncf.io/v1beta1, CRD from ../shared/schemas/multus) and
// NADs of every kind the network map offers (bridge, bridge+VLAN, macvlan, OVN-Kubernetes layer2 and
// localnet) — applied to a real kube-apiserver: zero rejections, nothing pruned on read-back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyObjects } from '../../src/kube/apply.js';
import type { KubeClient } from '../../src/kube/client.js';
import { readBack } from '../../src/kube/readback.js';
import { parseNetworkTarget } from '../../src/plan/config.js';
import type { KubeObject, PlanConfig } from '../../src/translate/model.js';
import { BUILD_TIMEOUT_MS, documentedClusterRole, startTestApiServer, type TestApiServer } from '../support/apiserver.js';
import { checkCloud, multiPortCloud } from '../support/network-check.js';
import { validateObjects } from '../support/schema-validate.js';

let api: TestApiServer;
let plugin: KubeClient;
const objects = new Map<string, KubeObject>();

beforeAll(async () => {
  const inv = multiPortCloud();
  const configs: Partial<PlanConfig>[] = [
    {},
    {
      nadCniType: 'macvlan',
      networkMap: { 'net-b': parseNetworkTarget('multus:net-b-macvlan:generate'), 'net-v': parseNetworkTarget('bridge:br-prov:vlan=100:net-v-trunk') },
    },
    { networkMap: { 'net-b': parseNetworkTarget('ovn-layer2:net-b-ovn'), 'net-v': parseNetworkTarget('ovn-localnet:net-v-ovn:vlan=100:physnet=physnet1') } },
  ];
  // One set of objects: the same names from several plans are the same objects (the first one is kept).
  for (const config of configs) {
    for (const o of checkCloud(inv, config).plan.objects) {
      const key = `${o.apiVersion}/${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
      if (!objects.has(key)) objects.set(key, o);
    }
  }
  api = await startTestApiServer();
  plugin = await api.clientBoundTo(documentedClusterRole());
}, BUILD_TIMEOUT_MS);

afterAll(async () => {
  await api?.stop();
});

describe('network objects of a multi-port cloud on a real API server', () => {
  it('has every kind of network object, valid against the upstream schemas', () => {
    const all = [...objects.values()];
    const kinds = new Set(all.map((o) => o.kind));
    for (const kind of ['NetworkPolicy', 'MultiNetworkPolicy', 'NetworkAttachmentDefinition']) expect(kinds).toContain(kind);
    const nadTypes = new Set(
      all
        .filter((o) => o.kind === 'NetworkAttachmentDefinition')
        .map((o) => {
          const c = JSON.parse((o.spec as { config: string }).config);
          return c.topology ?? c.type;
        }),
    );
    expect([...nadTypes].sort()).toEqual(['bridge', 'layer2', 'localnet', 'macvlan']);
    expect(validateObjects(all)).toEqual([]);
  });

  it('applies every object with zero rejections and reads them back unchanged', async () => {
    const list = [...objects.values()];
    const report = await applyObjects(plugin, list);
    expect(report.missingApis).toEqual([]);
    expect(report.results.filter((r) => r.status !== 'created').map((r) => `${r.object}: ${r.status}: ${r.message}`)).toEqual([]);
    const back = await readBack(plugin, list);
    expect(back.flatMap((b) => (b.error ? [`${b.object}: ${b.error}`] : b.diffs.map((d) => `${b.object}: ${d.kind} ${d.path}`)))).toEqual([]);
  });
});
