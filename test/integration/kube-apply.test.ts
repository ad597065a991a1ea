// Server-side apply against a real kube-apiserver with the KubeVirt, CDI, Calico and Multus CRDs
// installed from the upstream schemas: what the plugin writes is admitted, stored without pruning,
// idempotent, conflict-aware, refused early when an API is missing, and allowed by the documented
// ClusterRole.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient } from '../../src/kube/client.js';
import { loadKubeConfig } from '../../src/kube/config.js';
import { FIELD_MANAGER, applyObjects, type ApplyResult } from '../../src/kube/apply.js';
import { checkRequiredApis } from '../../src/kube/discovery.js';
import { applyPlanToCluster } from '../../src/kube/plan-apply.js';
import { readBack } from '../../src/kube/readback.js';
import type { NetworkPolicy, VirtualMachine } from '../../src/kube-types/index.js';
import type { KubeObject } from '../../src/translate/model.js';
import { BUILD_TIMEOUT_MS, documentedClusterRole, startTestApiServer, type TestApiServer } from '../support/apiserver.js';
import { at, must } from '../support/must.js';

/** A project's worth of objects, shaped like the plan of one OpenStack project with one server. */
function projectObjects(ns: string): KubeObject[] {
  const labels = { 'app.kubernetes.io/managed-by': 'kubectl-openstack-migrate', 'openstack-migrate.io/plan': 'test-plan' };
  return [
    // Deliberately out of dependency order: the VM first, its namespace last.
    {
      apiVersion: 'kubevirt.io/v1',
      kind: 'VirtualMachine',
      metadata: { name: 'web-1', namespace: ns, labels, annotations: { 'openstack-migrate.io/server-id': '6f1d2c1e-0a4b-4f7e-9a55-3b5c1f0e2d11' } },
      spec: {
        runStrategy: 'Halted',
        dataVolumeTemplates: [
          {
            metadata: { name: 'web-1-root' },
            spec: {
              source: { http: { url: 'http://images.example.invalid/web-1-root.qcow2' } },
              storage: { resources: { requests: { storage: '20Gi' } }, storageClassName: 'fast' },
            },
          },
        ],
        template: {
          metadata: { labels: { ...labels, 'kubevirt.io/domain': 'web-1', 'openstack-migrate.io/sg-web': 'true' } },
          spec: {
            domain: {
              cpu: { sockets: 1, cores: 2, threads: 1, dedicatedCpuPlacement: false },
              memory: { guest: '4Gi' },
              resources: { requests: { memory: '4Gi' } },
              firmware: { bootloader: { efi: { secureBoot: true, persistent: true } }, serial: '6f1d2c1e-0a4b-4f7e-9a55-3b5c1f0e2d11' },
              features: { smm: { enabled: true }, acpi: {} },
              machine: { type: 'q35' },
              devices: {
                disks: [
                  { name: 'root', bootOrder: 1, disk: { bus: 'virtio' } },
                  { name: 'data', disk: { bus: 'virtio' } },
                  { name: 'cloudinit', disk: { bus: 'virtio' } },
                ],
                interfaces: [
                  { name: 'default', masquerade: {}, macAddress: 'fa:16:3e:11:22:33' },
                  { name: 'backend', bridge: {}, macAddress: 'fa:16:3e:44:55:66' },
                ],
                rng: {},
              },
            },
            networks: [
              { name: 'default', pod: {} },
              { name: 'backend', multus: { networkName: `${ns}/backend` } },
            ],
            nodeSelector: { 'topology.kubernetes.io/zone': 'nova' },
            volumes: [
              { name: 'root', dataVolume: { name: 'web-1-root' } },
              { name: 'data', dataVolume: { name: 'web-1-data' } },
              {
                name: 'cloudinit',
                cloudInitNoCloud: {
                  secretRef: { name: 'web-1-userdata' },
                  networkData: 'version: 2\nethernets:\n  enp1s0:\n    dhcp4: true\n',
                },
              },
            ],
          },
        },
      },
    },
    {
      apiVersion: 'cdi.kubevirt.io/v1beta1',
      kind: 'DataVolume',
      metadata: { name: 'web-1-data', namespace: ns, labels, annotations: { 'cdi.kubevirt.io/storage.bind.immediate.requested': 'true' } },
      spec: {
        source: { http: { url: 'http://images.example.invalid/web-1-data.raw', secretRef: 'web-1-image-auth' } },
        storage: { accessModes: ['ReadWriteOnce'], volumeMode: 'Block', resources: { requests: { storage: '100Gi' } } },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web-1-fip', namespace: ns, labels, annotations: { 'metallb.io/loadBalancerIPs': '203.0.113.10' } },
      spec: {
        type: 'LoadBalancer',
        externalTrafficPolicy: 'Local',
        selector: { 'kubevirt.io/domain': 'web-1' },
        ports: [
          { name: 'tcp-22', protocol: 'TCP', port: 22, targetPort: 22 },
          { name: 'tcp-443', protocol: 'TCP', port: 443, targetPort: 443 },
        ],
      },
    },
    {
      apiVersion: 'k8s.cni.cncf.io/v1',
      kind: 'NetworkAttachmentDefinition',
      metadata: { name: 'backend', namespace: ns, labels },
      spec: { config: JSON.stringify({ cniVersion: '0.3.1', name: 'backend', type: 'bridge', bridge: 'br-backend', ipam: {} }) },
    },
    {
      apiVersion: 'projectcalico.org/v3',
      kind: 'NetworkPolicy',
      metadata: { name: 'sg-web-icmp', namespace: ns, labels },
      spec: {
        selector: "openstack-migrate.io/sg-web == 'true'",
        types: ['Ingress'],
        ingress: [
          { action: 'Allow', protocol: 'ICMP', ipVersion: 4, icmp: { type: 8, code: 0 }, source: { nets: ['10.0.0.0/8'] } },
          { action: 'Allow', protocol: 'UDP', destination: { ports: ['33434:33534'] } },
        ],
      },
    },
    {
      apiVersion: 'projectcalico.org/v3',
      kind: 'GlobalNetworkPolicy',
      metadata: { name: `${ns}-deny-metadata`, labels },
      spec: {
        namespaceSelector: `kubernetes.io/metadata.name == '${ns}'`,
        types: ['Egress'],
        egress: [{ action: 'Deny', protocol: 'TCP', destination: { nets: ['169.254.169.254/32'], ports: [80] } }],
      },
    },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'sg-web', namespace: ns, labels },
      spec: {
        podSelector: { matchLabels: { 'openstack-migrate.io/sg-web': 'true' } },
        policyTypes: ['Ingress'],
        ingress: [
          { from: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8'] } }], ports: [{ protocol: 'TCP', port: 8000, endPort: 8100 }] },
          { from: [{ podSelector: { matchLabels: { 'openstack-migrate.io/sg-web': 'true' } } }] },
        ],
      },
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'keystone-member-alice', namespace: ns, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'alice' }],
    },
    {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: ns, labels: { ...labels, 'openstack-migrate.io/project-id': 'b1a2c3d4e5f60718293a4b5c6d7e8f90' } },
    },
  ];
}

function statuses(results: ApplyResult[]): Record<string, string> {
  return Object.fromEntries(results.map((r) => [r.object, r.message ? `${r.status}: ${r.message}` : r.status]));
}

let api: TestApiServer;
let admin: KubeClient;

beforeAll(async () => {
  api = await startTestApiServer();
  admin = api.client();
  // Reported so the cost of a real server stays visible (see the "start-up time").
  console.info(`[kube-test] start-up seconds: ${JSON.stringify(api.times)}`);
}, BUILD_TIMEOUT_MS);

afterAll(async () => {
  await api?.stop();
});

describe('server-side apply against a real kube-apiserver', () => {
  const ns = 'acme-web';
  const objects = projectObjects(ns);

  it('applies every object with zero rejections, in dependency order', async () => {
    const report = await applyObjects(admin, objects);
    expect(report.missingApis).toEqual([]);
    expect(report.apiErrors).toEqual([]);
    expect(Object.values(statuses(report.results))).toEqual(objects.map(() => 'created'));
    expect(report.results.map((r) => r.kind)).toEqual([
      'Namespace',
      'RoleBinding',
      'NetworkPolicy',
      'GlobalNetworkPolicy',
      'NetworkPolicy',
      'NetworkAttachmentDefinition',
      'Service',
      'DataVolume',
      'VirtualMachine',
    ]);
  });

  it('stores every field that was sent (nothing pruned or changed)', async () => {
    const back = await readBack(admin, objects);
    expect(back.map((b) => ({ object: b.object, error: b.error, diffs: b.diffs }))).toEqual(
      objects.map((o) => ({ object: expect.stringContaining(o.metadata.name), error: undefined, diffs: [] })),
    );
    // The checks above are only as good as the comparison: the server did add its own fields.
    const vm = back.find((b) => b.object.startsWith('VirtualMachine'))!.stored!;
    expect((vm.metadata as { managedFields?: { manager: string }[] }).managedFields?.map((m) => m.manager)).toContain(FIELD_MANAGER);
    const cnp = back.find((b) => b.object.startsWith('NetworkPolicy acme-web/sg-web-icmp'))!.stored!;
    expect((cnp.spec as { tier?: string }).tier).toBe('default');
  });

  it('rejects a field the CRD schema does not know (apply), and read-back catches one a plain create pruned', async () => {
    const vm = structuredClone(objects[0]!) as VirtualMachine;
    vm.metadata.name = 'web-unknown-field';
    delete vm.spec.dataVolumeTemplates;
    // A field KubeVirt does not know, on purpose: only a cast lets it past the compiler.
    (must(vm.spec.template?.spec?.domain.firmware?.bootloader?.efi, 'the EFI bootloader of the VM') as Record<string, unknown>).notAKubeVirtField = true;
    // Server-side apply builds a typed object from the CRD schema: an unknown field is an error, not a loss.
    const report = await applyObjects(admin, [vm]);
    expect(report.results.map((r) => [r.status, r.message])).toEqual([
      ['error', expect.stringContaining('.spec.template.spec.domain.firmware.bootloader.efi.notAKubeVirtField: field not declared in schema')],
    ]);
    expect((await admin.request('GET', `/apis/kubevirt.io/v1/namespaces/${ns}/virtualmachines/web-unknown-field`)).status).toBe(404);

    // A plain create (what `kubectl create` or an older client does) prunes it silently; the
    // read-back comparison is what notices.
    const created = await admin.request('POST', `/apis/kubevirt.io/v1/namespaces/${ns}/virtualmachines`, { body: vm, query: { fieldValidation: 'Ignore' } });
    expect(created.status).toBe(201);
    const [back] = await readBack(admin, [vm]);
    expect(back?.diffs).toEqual([{ path: '.spec.template.spec.domain.firmware.bootloader.efi.notAKubeVirtField', kind: 'pruned', sent: true }]);
  });

  it('is a no-op when applied again: every object unchanged, resourceVersions equal', async () => {
    const before = await readBack(admin, objects);
    const report = await applyObjects(admin, objects);
    expect(new Set(report.results.map((r) => r.status))).toEqual(new Set(['unchanged']));
    const after = await readBack(admin, objects);
    expect(after.map((b) => b.stored?.metadata && (b.stored.metadata as { resourceVersion?: string }).resourceVersion)).toEqual(
      before.map((b) => (b.stored!.metadata as { resourceVersion?: string }).resourceVersion),
    );
  });

  it('reports a change to the plan as configured, and a server dry run writes nothing', async () => {
    const changed = structuredClone(objects);
    const svc = changed.find((o) => o.kind === 'Service')!;
    (svc.spec as { ports: { name: string; port: number; targetPort: number; protocol: string }[] }).ports.push({
      name: 'tcp-80',
      protocol: 'TCP',
      port: 80,
      targetPort: 80,
    });
    const dry = await applyObjects(admin, changed, { dryRun: 'server' });
    expect(dry.results.filter((r) => r.status !== 'unchanged').map((r) => [r.object, r.status])).toEqual([[`Service ${ns}/web-1-fip`, 'configured']]);
    const [stillOld] = await readBack(admin, [objects.find((o) => o.kind === 'Service')!]);
    expect(stillOld?.diffs).toEqual([]);
    const real = await applyObjects(admin, changed);
    expect(real.results.filter((r) => r.status !== 'unchanged').map((r) => [r.object, r.status])).toEqual([[`Service ${ns}/web-1-fip`, 'configured']]);
  });

  it('reports a field another manager changed as a conflict and leaves it, unless forced', async () => {
    const np = objects.find((o) => o.apiVersion === 'networking.k8s.io/v1')!;
    const theirs = structuredClone(np) as NetworkPolicy;
    at(at(theirs.spec?.ingress ?? [], 0, 'ingress rule').ports ?? [], 0, 'port').endPort = 8200;
    const other = await applyObjects(admin, [theirs], { fieldManager: 'someone-else', forceConflicts: true });
    expect(other.results[0]?.status).toBe('configured');

    const ours = await applyObjects(admin, objects);
    const conflict = ours.results.find((r) => r.object === `NetworkPolicy ${ns}/sg-web`)!;
    expect(conflict.status).toBe('conflict');
    expect(conflict.message).toMatch(/conflict with "someone-else"/);
    // spec.ingress is an atomic list: the whole list is the contested field.
    expect(conflict.message).toContain('.spec.ingress');
    // Everything else is still in place and untouched.
    expect(ours.results.filter((r) => r !== conflict).every((r) => r.status === 'unchanged' || r.status === 'configured')).toBe(true);
    const [kept] = await readBack(admin, [theirs]);
    expect(kept?.diffs).toEqual([]);

    const forced = await applyObjects(admin, objects, { forceConflicts: true });
    expect(forced.results.find((r) => r.object === `NetworkPolicy ${ns}/sg-web`)?.status).toBe('configured');
    const [restored] = await readBack(admin, [np]);
    expect(restored?.diffs).toEqual([]);
  });

  it('reports the server message of a rejected object and goes on with the rest', async () => {
    const bad: KubeObject = {
      apiVersion: 'projectcalico.org/v3',
      kind: 'NetworkPolicy',
      metadata: { name: 'bad-icmp', namespace: ns },
      spec: { selector: 'all()', ingress: [{ action: 'Allow', protocol: 'ICMP', icmp: { code: 0 } }] },
    };
    const good: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'after-bad', namespace: ns }, data: { a: 'b' } };
    const report = await applyObjects(admin, [bad, good]);
    expect(statuses(report.results)).toEqual({
      [`NetworkPolicy ${ns}/bad-icmp`]: expect.stringMatching(/^error: .*ICMP code specified without an ICMP type/),
      [`ConfigMap ${ns}/after-bad`]: 'created',
    });
  });

  it('fails before any write when a CRD is missing, naming the operator to install', async () => {
    const objs: KubeObject[] = [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'never-created' } },
      { apiVersion: 'snapshot.storage.k8s.io/v1', kind: 'VolumeSnapshot', metadata: { name: 's', namespace: 'never-created' }, spec: {} },
      { apiVersion: 'kubevirt.io/v1', kind: 'VirtualMachineInstanceMigration', metadata: { name: 'm', namespace: 'never-created' }, spec: {} },
    ];
    const report = await applyObjects(admin, objs);
    expect(report.results).toEqual([]);
    expect(report.missingApis.map((m) => [m.apiVersion, m.kind, m.neededBy])).toEqual([
      ['snapshot.storage.k8s.io/v1', 'VolumeSnapshot', ['VolumeSnapshot never-created/s']],
      ['kubevirt.io/v1', 'VirtualMachineInstanceMigration', ['VirtualMachineInstanceMigration never-created/m']],
    ]);
    expect(report.missingApis[0]?.message).toMatch(/does not serve snapshot\.storage\.k8s\.io\/v1.*external-snapshotter/);
    expect(report.missingApis[1]?.message).toMatch(/kubevirt\.io\/v1 is served but has no kind VirtualMachineInstanceMigration.*KubeVirt/);
    const ns = await admin.request('GET', '/api/v1/namespaces/never-created');
    expect(ns.status).toBe(404);
  });

  it('uses the namespace of the kubeconfig context (or -n) for objects without one', async () => {
    await applyObjects(admin, [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ctx-ns' } }]);
    const loaded = loadKubeConfig({ kubeconfig: api.kubeconfigPath, namespace: 'ctx-ns' });
    expect(loaded.ok).toBe(true);
    if (!loaded.ok) return;
    const report = await applyObjects(new KubeClient(loaded.value), [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'no-ns' }, data: {} }]);
    expect(report.results.map((r) => [r.object, r.status])).toEqual([['ConfigMap ctx-ns/no-ns', 'created']]);
  });
});

describe('applyPlanToCluster (what `plan --apply` runs)', () => {
  it('picks the cluster from --kubeconfig/--context/-n and prints kubectl-style lines', async () => {
    const objs: KubeObject[] = [
      // Labelled like every plan object: an object that sets no field at all besides its name gets a
      // "before-first-apply" managedFields entry on its second apply (server behaviour), so it would
      // read as configured once.
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'cli-ns', labels: { 'app.kubernetes.io/managed-by': 'kubectl-openstack-migrate' } } },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cli-cm' }, data: { k: 'v' } },
    ];
    const flags = { kubeconfig: api.kubeconfigPath, context: 'test-admin', namespace: 'cli-ns' };
    const loaded = loadKubeConfig(flags);
    if (!loaded.ok) throw new Error(loaded.error.message);
    const cluster = loaded.value;
    const dry = await applyPlanToCluster(objs, cluster, { dryRun: 'server' });
    expect(dry.lines).toEqual([
      'namespace/cli-ns created (server dry run)',
      'configmap/cli-cm -n cli-ns skipped: namespace cli-ns is created by this plan; a server-side dry run cannot check objects inside it before it exists (server dry run)',
    ]);
    expect(dry.ok).toBe(true);
    const real = await applyPlanToCluster(objs, cluster);
    expect(real).toMatchObject({ ok: true, lines: ['namespace/cli-ns created', 'configmap/cli-cm -n cli-ns created'] });
    const again = await applyPlanToCluster(objs, cluster);
    expect(again.lines).toEqual(['namespace/cli-ns unchanged', 'configmap/cli-cm -n cli-ns unchanged']);

    const missing = await applyPlanToCluster([{ apiVersion: 'example.com/v1', kind: 'Thing', metadata: { name: 't' } }], cluster);
    expect(missing.ok).toBe(false);
    expect(missing.lines[0]).toBe('nothing was applied:');
    expect(loadKubeConfig({ ...flags, context: 'nope' })).toMatchObject({
      ok: false,
      error: { message: 'context "nope" is not in the kubeconfig (contexts: test-admin)' },
    });
  });
});

describe('missing CRDs on a bare cluster', () => {
  it('lists every missing operator and writes nothing', async () => {
    // The same server, asked about APIs it lacks: no Calico crd.projectcalico.org/v1 here.
    const check = await checkRequiredApis(admin, [
      { apiVersion: 'crd.projectcalico.org/v1', kind: 'NetworkPolicy', metadata: { name: 'x', namespace: 'y' } },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'y' } },
    ]);
    expect(check.missing.map((m) => m.operator)).toEqual([expect.stringMatching(/^Calico/)]);
    expect(check.resources.get('v1/ConfigMap')).toEqual({ name: 'configmaps', kind: 'ConfigMap', namespaced: true });
  });
});

describe('RBAC: the documented ClusterRole is enough', () => {
  it('applies, re-applies and reads back a whole project as a service account bound to exactly deploy/clusterrole.yaml', async () => {
    const sa = await api.clientBoundTo(documentedClusterRole());

    // The account holds nothing beyond the role (reading pods is not in it), so what passes below passes on the role alone.
    const denied = await sa.request('GET', '/api/v1/namespaces/migrator/pods');
    expect(denied.status).toBe(403);

    const objs = projectObjects('rbac-proj');
    const first = await applyObjects(sa, objs);
    expect(statuses(first.results)).toEqual(Object.fromEntries(first.results.map((r) => [r.object, 'created'])));
    expect(first.results).toHaveLength(objs.length);
    const again = await applyObjects(sa, objs);
    expect(new Set(again.results.map((r) => r.status))).toEqual(new Set(['unchanged']));
    const back = await readBack(sa, objs);
    expect(back.flatMap((b) => b.diffs.concat(b.error ? [{ path: b.error } as never] : []))).toEqual([]);
  });
});
