// The order objects are written and applied in: what others depend on comes first.
import type { KubeObject } from '../translate/model.js';

/** Kinds in dependency order; the file prefix used when a plan is written to a directory. */
export const KIND_ORDER: { kind: string; file: string }[] = [
  { kind: 'Namespace', file: '00-namespaces' },
  { kind: 'GlobalNetworkPolicy', file: '10-global-network-policies' },
  { kind: 'ServiceAccount', file: '10-service-accounts' },
  { kind: 'Secret', file: '20-secrets' },
  { kind: 'ConfigMap', file: '20-config-maps' },
  { kind: 'Role', file: '30-roles' },
  { kind: 'RoleBinding', file: '30-role-bindings' },
  { kind: 'NetworkPolicy', file: '40-network-policies' },
  { kind: 'NetworkAttachmentDefinition', file: '50-network-attachment-definitions' },
  { kind: 'Service', file: '60-services' },
  { kind: 'DataVolume', file: '70-data-volumes' },
  { kind: 'VirtualMachine', file: '80-virtual-machines' },
];

const rank = new Map(KIND_ORDER.map((k, i) => [k.kind, i]));

/** Calico's NetworkPolicy shares its kind name with Kubernetes'; keep the groups apart. */
export function kindKey(object: KubeObject): string {
  if (object.kind === 'NetworkPolicy' && object.apiVersion.includes('projectcalico.org')) return 'CalicoNetworkPolicy';
  return object.kind;
}

export function fileStemFor(object: KubeObject): string {
  if (kindKey(object) === 'CalicoNetworkPolicy') return '45-calico-network-policies';
  return KIND_ORDER[rank.get(object.kind) ?? -1]?.file ?? `90-${object.kind.toLowerCase()}s`;
}

function rankOf(object: KubeObject): number {
  if (kindKey(object) === 'CalicoNetworkPolicy') return rank.get('NetworkPolicy')! + 0.5;
  return rank.get(object.kind) ?? KIND_ORDER.length;
}

export function orderObjects(objects: KubeObject[]): KubeObject[] {
  return [...objects].sort(
    (a, b) =>
      rankOf(a) - rankOf(b) ||
      cmp(a.metadata.namespace ?? '', b.metadata.namespace ?? '') ||
      cmp(a.metadata.name, b.metadata.name),
  );
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
