// The order objects are written and applied in: what others refer to comes first, so that a namespace
// exists before its objects, RBAC before anything that uses it, policies before the workloads they guard,
// and disks before the VMs that mount them. One table serves the plan directory and server-side apply.
import type { KubeObject } from '../translate/model.js';

type Kinded = Pick<KubeObject, 'apiVersion' | 'kind'>;

/** "group/Kind" (group "" for core) → rank and the file a plan directory keeps such objects in. */
const KINDS: [string, number, string][] = [
  ['apiextensions.k8s.io/CustomResourceDefinition', 0, '00-custom-resource-definitions'],
  ['/Namespace', 10, '00-namespaces'],
  ['/ServiceAccount', 20, '10-service-accounts'],
  ['/Secret', 21, '20-secrets'],
  ['/ConfigMap', 22, '20-config-maps'],
  ['/ResourceQuota', 23, '20-resource-quotas'],
  ['/LimitRange', 24, '20-limit-ranges'],
  ['rbac.authorization.k8s.io/ClusterRole', 30, '30-cluster-roles'],
  ['rbac.authorization.k8s.io/Role', 31, '30-roles'],
  ['rbac.authorization.k8s.io/ClusterRoleBinding', 32, '30-cluster-role-bindings'],
  ['rbac.authorization.k8s.io/RoleBinding', 33, '30-role-bindings'],
  ['networking.k8s.io/NetworkPolicy', 40, '40-network-policies'],
  // Calico: tiers and sets before the policies that reference them.
  ['projectcalico.org/Tier', 41, '41-calico-tiers'],
  ['crd.projectcalico.org/Tier', 41, '41-calico-tiers'],
  ['projectcalico.org/GlobalNetworkSet', 42, '42-calico-global-network-sets'],
  ['crd.projectcalico.org/GlobalNetworkSet', 42, '42-calico-global-network-sets'],
  ['projectcalico.org/NetworkSet', 43, '43-calico-network-sets'],
  ['crd.projectcalico.org/NetworkSet', 43, '43-calico-network-sets'],
  ['projectcalico.org/GlobalNetworkPolicy', 44, '44-calico-global-network-policies'],
  ['crd.projectcalico.org/GlobalNetworkPolicy', 44, '44-calico-global-network-policies'],
  ['projectcalico.org/NetworkPolicy', 45, '45-calico-network-policies'],
  ['crd.projectcalico.org/NetworkPolicy', 45, '45-calico-network-policies'],
  ['k8s.cni.cncf.io/NetworkAttachmentDefinition', 50, '50-network-attachment-definitions'],
  ['k8s.cni.cncf.io/MultiNetworkPolicy', 51, '51-multi-network-policies'],
  ['/Service', 60, '60-services'],
  ['/PersistentVolume', 69, '69-persistent-volumes'],
  ['/PersistentVolumeClaim', 70, '70-persistent-volume-claims'],
  ['cdi.kubevirt.io/DataVolume', 71, '70-data-volumes'],
  ['kubevirt.io/VirtualMachine', 80, '80-virtual-machines'],
];
const RANK = new Map(KINDS.map(([key, rank]) => [key, rank]));
const FILE = new Map(KINDS.map(([key, , file]) => [key, file]));
/** Kinds this list does not know go after the services and before the disks. */
const UNKNOWN_RANK = 65;

export function apiGroup(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

function kindKey(obj: Kinded): string {
  return `${apiGroup(obj.apiVersion)}/${obj.kind}`;
}

export function kindRank(obj: Kinded): number {
  return RANK.get(kindKey(obj)) ?? UNKNOWN_RANK;
}

/** File (without .yaml) of a plan directory that holds objects of this kind. */
export function fileStemFor(obj: Kinded): string {
  return FILE.get(kindKey(obj)) ?? `65-${obj.kind.toLowerCase()}s`;
}

/** As `kubectl get -o name` prints it: kind.group/name (core objects: kind/name). */
export function resourceName(o: Pick<KubeObject, 'apiVersion' | 'kind'> & { metadata?: { name?: string }; name?: string }): string {
  const group = apiGroup(o.apiVersion);
  return `${o.kind.toLowerCase()}${group ? `.${group}` : ''}/${o.metadata?.name ?? o.name ?? ''}`;
}

/** A stable sort by rank: objects of one rank keep their order. */
export function applyOrder<T extends Kinded>(objects: readonly T[]): T[] {
  return objects
    .map((obj, i) => ({ obj, i, rank: kindRank(obj) }))
    .sort((a, b) => a.rank - b.rank || a.i - b.i)
    .map((e) => e.obj);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The plan's order: by rank, then namespace, then name. */
export function orderObjects<T extends KubeObject>(objects: T[]): T[] {
  return objects
    .map((obj) => ({ obj, rank: kindRank(obj) }))
    .sort((a, b) => a.rank - b.rank || cmp(a.obj.metadata.namespace ?? '', b.obj.metadata.namespace ?? '') || cmp(a.obj.metadata.name, b.obj.metadata.name))
    .map((e) => e.obj);
}
