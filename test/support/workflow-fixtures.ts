// Servers as the workflow sees them (ServerWork), shaped like the plan's objects (translate/disks.ts and
// translate/vm.ts): a root DataVolume with the planned upload placeholder, a blank ephemeral disk, a VM.
import { ANNOTATIONS, LABELS, MANAGER } from '../../src/translate/naming.js';
import type { KubeObject } from '../../src/translate/model.js';
import type { ServerWork } from '../../src/workflow/import.js';
import type { Kube } from '../../src/workflow/kube-ops.js';
import { startTestApiServer, type TestApiServer } from './apiserver.js';
import { pluginCrds } from './crds.js';
import { virtualMachineInstanceCrd } from './fake-controllers.js';
import { Kube as KubeImpl } from '../../src/workflow/kube-ops.js';
import { readRecord, StateStore } from '../../src/workflow/ledger.js';

/** The state record of one server, as the workflow stored it in the cluster. */
export const readServerState = (k: Kube, w: ServerWork) => readRecord(new StateStore(k), w);

export function serverWork(
  i: number,
  namespace: string,
  options: { volumes?: number; runStrategy?: string; guestAgent?: boolean; service?: boolean; policy?: string } = {},
): ServerWork {
  const serverId = `${String(i).padStart(8, '0')}-aaaa-bbbb-cccc-${String(i).padStart(12, '0')}`;
  const vmName = `vm-${i}`;
  const labels = { [LABELS.managedBy]: MANAGER, [LABELS.serverId]: serverId, [LABELS.component]: 'disk' };
  const dv = (suffix: string, role: string, source: Record<string, unknown>, size: string): KubeObject => ({
    apiVersion: 'cdi.kubevirt.io/v1beta1',
    kind: 'DataVolume',
    metadata: {
      name: `${vmName}-${suffix}`,
      namespace,
      labels,
      annotations: { [ANNOTATIONS.serverId]: serverId, [ANNOTATIONS.diskRole]: role, [ANNOTATIONS.phase]: 'planned' },
    },
    spec: { source, storage: { resources: { requests: { storage: size } } } },
  });
  const dataVolumes = [dv('root', 'root', { upload: {} }, '1Gi'), dv('ephemeral0', 'ephemeral', { blank: {} }, '1Gi')];
  for (let v = 0; v < (options.volumes ?? 0); v++) dataVolumes.push(dv(`vol-${v}`, 'volume', { upload: {} }, '1Gi'));
  const vm: KubeObject = {
    apiVersion: 'kubevirt.io/v1',
    kind: 'VirtualMachine',
    metadata: { name: vmName, namespace, labels: { [LABELS.managedBy]: MANAGER, [LABELS.serverId]: serverId, [LABELS.component]: 'vm' } },
    spec: {
      runStrategy: options.runStrategy ?? 'Always',
      template: {
        metadata: { labels: { [LABELS.serverId]: serverId } },
        spec: {
          domain: { devices: { disks: dataVolumes.map((d, n) => ({ name: `d${n}`, disk: { bus: 'virtio' } })) }, memory: { guest: '1Gi' } },
          volumes: dataVolumes.map((d, n) => ({ name: `d${n}`, dataVolume: { name: d.metadata.name } })),
        },
      },
    },
  };
  const services: KubeObject[] = options.service
    ? [
        {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: `${vmName}-fip`, namespace, labels: { [LABELS.managedBy]: MANAGER, [LABELS.serverId]: serverId } },
          spec: { type: 'LoadBalancer', selector: { [LABELS.serverId]: serverId }, ports: [{ name: 'tcp-22', port: 22, protocol: 'TCP' }] },
        },
      ]
    : [];
  return {
    serverId,
    serverName: `server-${i}`,
    namespace,
    vmName,
    dataVolumes,
    vm,
    services,
    guestAgent: options.guestAgent ?? false,
    policies: options.policy ? [options.policy] : [],
  };
}

export async function startWorkflowApiServer(): Promise<{ api: TestApiServer; kube: Kube }> {
  const api = await startTestApiServer({ crds: [...pluginCrds(), virtualMachineInstanceCrd()] });
  const kube = new KubeImpl(api.target('default'));
  // A fresh server may still answer "storage is (re)initializing" for new CRDs: wait until every kind lists.
  for (const kind of ['VirtualMachineInstance', 'VirtualMachine', 'DataVolume', 'ConfigMap'] as const) {
    for (let i = 0; ; i++) {
      try {
        await kube.list(kind, undefined);
        break;
      } catch (err) {
        if (i > 100) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }
  return { api, kube };
}

export async function ensureNamespace(kube: Kube, name: string, policies: string[] = []): Promise<void> {
  await kube.create('Namespace', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  for (const p of policies) {
    await kube.create('NetworkPolicy', {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: p, namespace: name },
      spec: { podSelector: {}, policyTypes: ['Ingress'] },
    });
  }
}
