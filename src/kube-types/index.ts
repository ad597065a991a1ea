// Typed Kubernetes objects for everything the plan generates, so that a misspelt or misplaced field is a
// compile error rather than a schema-test failure. Custom resources use types generated from the
// published schemas (scripts/generate-kube-types.mjs → *.generated.ts), and so does NetworkPolicy;
// the other core objects use @kubernetes/client-node's V1 models (type-only imports: nothing of
// client-node is loaded at run time). client-node's models are only used where they are the wire format:
// its V1NetworkPolicy rules say `_from` (renamed by its serializer), which is why NetworkPolicy is not one.
// Each object type pins apiVersion and kind, and uses the plan's ObjectMeta (name always set).
import type { V1ConfigMap, V1Namespace, V1RoleBinding, V1Secret, V1Service } from '@kubernetes/client-node';
import type { CalicoNetworkPolicy as CalicoNetworkPolicyBody } from './calico.generated.js';
import type { DataVolumeDocument } from './cdi.generated.js';
import type { VirtualMachineDocument } from './kubevirt.generated.js';
import type { NetworkPolicyDocument } from './networking.generated.js';
import type { MultiNetworkPolicy as MultiNetworkPolicyBody, NetworkAttachmentDefinition as NetworkAttachmentDefinitionBody } from './multus.generated.js';

/** The metadata the plan writes (a subset of ObjectMeta, with the name always set). */
export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: unknown[];
}

/** `Body` (a generated or client-node type) with apiVersion and kind pinned and the plan's metadata. */
type Resource<ApiVersion extends string, Kind extends string, Body> = Omit<Body, 'apiVersion' | 'kind' | 'metadata' | 'status'> & {
  apiVersion: ApiVersion;
  kind: Kind;
  metadata: ObjectMeta;
};

export type Namespace = Resource<'v1', 'Namespace', V1Namespace>;
export type Secret = Resource<'v1', 'Secret', V1Secret>;
export type ConfigMap = Resource<'v1', 'ConfigMap', V1ConfigMap>;
export type Service = Resource<'v1', 'Service', V1Service>;
export type RoleBinding = Resource<'rbac.authorization.k8s.io/v1', 'RoleBinding', V1RoleBinding>;
export type NetworkPolicy = Resource<'networking.k8s.io/v1', 'NetworkPolicy', NetworkPolicyDocument>;
export type CalicoNetworkPolicy = Resource<'projectcalico.org/v3' | 'crd.projectcalico.org/v1', 'NetworkPolicy', CalicoNetworkPolicyBody>;
export type NetworkAttachmentDefinition = Resource<'k8s.cni.cncf.io/v1', 'NetworkAttachmentDefinition', NetworkAttachmentDefinitionBody>;
export type MultiNetworkPolicy = Resource<'k8s.cni.cncf.io/v1beta1', 'MultiNetworkPolicy', MultiNetworkPolicyBody>;
export type VirtualMachine = Resource<'kubevirt.io/v1', 'VirtualMachine', VirtualMachineDocument>;
export type DataVolume = Resource<'cdi.kubevirt.io/v1beta1', 'DataVolume', DataVolumeDocument>;

export type VirtualMachineSpec = VirtualMachine['spec'];
export type {
  V1VirtualMachineInstanceSpec as VirtualMachineInstanceSpec,
  V1DomainSpec as DomainSpec,
  V1Devices as Devices,
  V1Features as Features,
} from './kubevirt.generated.js';
export type {
  V1Disk as Disk,
  V1Volume as Volume,
  V1Interface as Interface,
  V1Network as Network,
  V1CPU as Cpu,
  V1Memory as Memory,
  V1Firmware as Firmware,
  K8SIoApiCoreV1Affinity as Affinity,
  V1Clock as Clock,
  V1FeatureHyperv as FeatureHyperv,
  V1TPMDevice as TpmDevice,
  V1Watchdog as Watchdog,
  V1Input as Input,
  V1VideoDevice as VideoDevice,
  V1AccessCredential as AccessCredential,
  V1CloudInitNoCloudSource as CloudInitNoCloudSource,
} from './kubevirt.generated.js';
export type DataVolumeSpec = DataVolume['spec'];
export type { V1Beta1DataVolumeSource as DataVolumeSource, V1Beta1StorageSpec as DataVolumeStorage } from './cdi.generated.js';
export type NetworkPolicySpec = NonNullable<NetworkPolicy['spec']>;
export type CalicoNetworkPolicySpec = CalicoNetworkPolicy['spec'];
export type ServiceSpec = NonNullable<Service['spec']>;
export type {
  IoK8SApiNetworkingV1NetworkPolicyIngressRule as NetworkPolicyIngressRule,
  IoK8SApiNetworkingV1NetworkPolicyEgressRule as NetworkPolicyEgressRule,
} from './networking.generated.js';

/** Every kind of object a plan contains. */
export type PlanObject =
  | Namespace
  | Secret
  | ConfigMap
  | Service
  | RoleBinding
  | NetworkPolicy
  | CalicoNetworkPolicy
  | NetworkAttachmentDefinition
  | MultiNetworkPolicy
  | VirtualMachine
  | DataVolume;
