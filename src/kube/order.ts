// The order in which plan objects are written: what others refer to comes first, so that a namespace
// exists before its objects, RBAC before anything a service account uses, policies before the
// workloads they guard, and disks before the VMs that mount them.
import type { KubeObject } from '../translate/model.js';

/** Rank of each kind ("group/Kind", group "" for core). Lower goes first. */
const RANKS: [string, number][] = [
  ['apiextensions.k8s.io/CustomResourceDefinition', 0],
  ['/Namespace', 10],
  ['/ServiceAccount', 20],
  ['/Secret', 21],
  ['/ConfigMap', 22],
  ['/ResourceQuota', 23],
  ['/LimitRange', 24],
  ['rbac.authorization.k8s.io/ClusterRole', 30],
  ['rbac.authorization.k8s.io/Role', 31],
  ['rbac.authorization.k8s.io/ClusterRoleBinding', 32],
  ['rbac.authorization.k8s.io/RoleBinding', 33],
  ['networking.k8s.io/NetworkPolicy', 40],
  // Calico: tiers and sets before the policies that reference them.
  ['projectcalico.org/Tier', 41],
  ['crd.projectcalico.org/Tier', 41],
  ['projectcalico.org/GlobalNetworkSet', 42],
  ['crd.projectcalico.org/GlobalNetworkSet', 42],
  ['projectcalico.org/NetworkSet', 43],
  ['crd.projectcalico.org/NetworkSet', 43],
  ['projectcalico.org/GlobalNetworkPolicy', 44],
  ['crd.projectcalico.org/GlobalNetworkPolicy', 44],
  ['projectcalico.org/NetworkPolicy', 45],
  ['crd.projectcalico.org/NetworkPolicy', 45],
  ['k8s.cni.cncf.io/NetworkAttachmentDefinition', 50],
  ['/Service', 60],
  ['/PersistentVolumeClaim', 70],
  ['cdi.kubevirt.io/DataVolume', 71],
  ['kubevirt.io/VirtualMachine', 80],
];
const RANK = new Map(RANKS);
/** Kinds this list does not know go after the services and before the disks. */
const UNKNOWN_RANK = 65;

export function apiGroup(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

export function kindRank(obj: Pick<KubeObject, 'apiVersion' | 'kind'>): number {
  return RANK.get(`${apiGroup(obj.apiVersion)}/${obj.kind}`) ?? UNKNOWN_RANK;
}

/** A stable sort: objects of one rank keep the plan's order. */
export function applyOrder<T extends Pick<KubeObject, 'apiVersion' | 'kind'>>(objects: readonly T[]): T[] {
  return objects
    .map((obj, i) => ({ obj, i, rank: kindRank(obj) }))
    .sort((a, b) => a.rank - b.rank || a.i - b.i)
    .map((e) => e.obj);
}
