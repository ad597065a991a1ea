// The vocabulary shared by every translation module: Kubernetes objects as plain data, findings, options.
// Nothing here does I/O.
import type { ObjectMeta, PlanObject } from '../kube-types/index.js';

export type { ObjectMeta } from '../kube-types/index.js';

export type { PlanObject } from '../kube-types/index.js';

/**
 * A Kubernetes object of any kind as the shells (src/kube, src/workflow) send or read it: only the
 * envelope is known. What the plan generates is a PlanObject (src/kube-types): one of the typed kinds
 * (KubeVirt, CDI, Calico, Multus from their published schemas, core kinds from client-node), so that a
 * misspelt field is a compile error; every PlanObject is also a KubeObject.
 */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

/**
 * How one source attribute was carried over:
 * - exact: the target expresses the same thing;
 * - approximate: the target is close, with a difference the reason spells out;
 * - lost: the target cannot express it; the reason says what is dropped.
 */
export type Outcome = 'exact' | 'approximate' | 'lost';

/**
 * info: nothing to do; warning: it can proceed, with a risk to look at; blocker: the migration of this
 * object cannot proceed as planned; error: the input itself is invalid (a value KubeVirt or Nova rejects),
 * so `plan` fails with exit code 1 and writes nothing.
 */
export type Severity = 'info' | 'warning' | 'blocker' | 'error';

export interface Finding {
  /** The OpenStack object, as "<kind>/<id>" (server/…, securityGroup/…, project/…, floatingIp/…). */
  source: string;
  /** Human name of that object (server name, group name). */
  sourceName: string;
  /** Server id when the finding is about one VM, so the report can group per VM. */
  serverId?: string;
  /** OpenStack attribute, as the user knows it: "flavor.extra_specs.hw:cpu_policy", "image.hw_disk_bus", "rule/<id>". */
  attribute: string;
  outcome: Outcome;
  severity: Severity;
  /** The Kubernetes field or object that carries it, when there is one. */
  target?: string;
  reason: string;
}

/** Where a Neutron network goes in the cluster. */
export type NetworkTarget =
  | { type: 'pod' }
  | {
      type: 'multus';
      /** NAD as "name" or "namespace/name" */ networkName: string;
      /** generate the NAD in the plan */ generate?: boolean;
      /**
       * How a generated NAD reaches every node (docs/networking.md): an OVN-Kubernetes layer2 overlay, an
       * OVN-Kubernetes localnet (provider network, optional VLAN), or a Linux bridge whose VLAN the user says
       * is trunked to every node. Absent: the plan's nadCniType, which is node-local for a bridge.
       */
      cluster?:
        | { kind: 'ovn-layer2' }
        | { kind: 'ovn-localnet'; vlanId?: number; physicalNetworkName?: string }
        | { kind: 'bridge-vlan'; bridge: string; vlanId?: number };
    };

/** A PersistentVolumeClaim access mode, as CDI's storage API takes it. */
export type AccessMode = 'ReadWriteOnce' | 'ReadWriteMany' | 'ReadOnlyMany' | 'ReadWriteOncePod';

export interface PlanConfig {
  /** Template for namespace names; placeholders {domain}, {project}, {projectId}. */
  namespaceTemplate: string;
  /** Keystone role name → ClusterRole name. Roles not listed produce a finding and no binding. */
  roleMapping: Record<string, string>;
  storageClassName?: string;
  /** Access modes of generated DataVolumes; empty means "let CDI's StorageProfile choose". */
  accessModes: AccessMode[];
  volumeMode?: 'Filesystem' | 'Block';
  /** Per Cinder volume type → storage class. */
  volumeTypeStorageClasses: Record<string, string>;
  /** Neutron network id or name → target. Unlisted: first NIC pod, others multus NAD named after the network. */
  networkMap: Record<string, NetworkTarget>;
  /** Default CNI config for generated NetworkAttachmentDefinitions. */
  nadCniType: 'bridge' | 'macvlan' | 'ovn-k8s-cni-overlay';
  loadBalancer: {
    /** metallb: annotation metallb.io/loadBalancerIPs; spec: spec.loadBalancerIP (deprecated field); none: no address request. */
    mode: 'metallb' | 'spec' | 'none';
    externalTrafficPolicy: 'Local' | 'Cluster';
  };
  /** Flavor extra spec "key=value" (or bare "key" meaning any value) → node labels. */
  nodeSelectorMapping: Record<string, Record<string, string>>;
  /** Node label used for availability zones. */
  availabilityZoneLabel: string;
  /** Keep EFI variables across restarts (persistent NVRAM) for UEFI guests. */
  persistentEfi: boolean;
  /** Default for the Calico API group of generated policies. */
  calicoApiVersion: 'projectcalico.org/v3' | 'crd.projectcalico.org/v1';
  /**
   * The cloud-init seed of Linux guests: configdrive (OpenStack's format), nocloud, or as-source (a config
   * drive for servers that had one, NoCloud for the others). Windows guests always get a config drive.
   */
  guestDatasource: 'configdrive' | 'nocloud' | 'as-source';
  /** The source cloud's default machine type for x86_64 (nova.conf [libvirt]hw_machine_type; Nova's own: pc). */
  novaMachineType: string;
  /** Identifier of this plan, stamped on every object. Defaults to a hash of the inventory. */
  planId?: string;
  /** Generate MultiNetworkPolicies for the security groups of ports on secondary (Multus) networks. */
  multiNetworkPolicy: boolean;
  /** CNI types multi-networkpolicy-iptables enforces (its --network-plugins; deploy.yml: macvlan,bond). */
  multiNetworkPolicyPlugins: string[];
  /** The cluster's pod and service CIDRs: address rules that overlap them would admit pods (widening). */
  podCidrs: string[];
  serviceCidrs: string[];
}

export interface Translation {
  objects: PlanObject[];
  findings: Finding[];
}

export function emptyTranslation(): Translation {
  return { objects: [], findings: [] };
}

export function mergeTranslations(into: Translation, from: Translation): Translation {
  into.objects.push(...from.objects);
  into.findings.push(...from.findings);
  return into;
}
