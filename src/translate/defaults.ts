// The plan options a user gets without a plan config file.
import type { PlanConfig } from './model.js';

export function defaultPlanConfig(): PlanConfig {
  return {
    namespaceTemplate: '{domain}-{project}',
    // Keystone's default roles (admin, member, reader) onto Kubernetes' user-facing ClusterRoles.
    roleMapping: { admin: 'admin', member: 'edit', _member_: 'edit', reader: 'view' },
    storageClassName: undefined,
    accessModes: [],
    volumeMode: undefined,
    volumeTypeStorageClasses: {},
    networkMap: {},
    nadCniType: 'bridge',
    loadBalancer: { mode: 'metallb', externalTrafficPolicy: 'Local' },
    nodeSelectorMapping: {},
    availabilityZoneLabel: 'topology.kubernetes.io/zone',
    persistentEfi: true,
    calicoApiVersion: 'projectcalico.org/v3',
    guestDatasource: 'configdrive',
    novaMachineType: 'pc',
    multiNetworkPolicy: true,
    multiNetworkPolicyPlugins: ['macvlan', 'bond'],
    podCidrs: [],
    serviceCidrs: [],
  };
}
