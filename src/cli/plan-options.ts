// The options that shape a plan, defined once: `plan` takes them, and backup / import / cutover take the
// same ones (the plan they execute is the plan recorded in the cluster; given options are compared with it).
import type { Argv } from 'yargs';
import type { PlanFlags } from '../plan/config.js';

/** Every option that changes the plan, by its yargs (camelCase) key: the workflow's "was a plan option given?". */
export const PLAN_OPTION_KEYS = [
  'config',
  'storageClass',
  'accessMode',
  'volumeMode',
  'namespaceTemplate',
  'roleMapping',
  'loadBalancerMode',
  'nodeSelector',
  'networkMap',
  'multiNetworkPolicy',
  'multiNetworkPolicyPlugins',
  'podCidr',
  'serviceCidr',
  'guestDatasource',
  'novaMachineType',
] as const satisfies readonly (keyof PlanFlags | 'config')[];

// A flag added to PlanFlags but not to the list above fails to compile here.
type AssertNone<T extends never> = T;
export type UnlistedPlanFlags = AssertNone<Exclude<keyof PlanFlags, (typeof PLAN_OPTION_KEYS)[number]>>;

export function planConfigOptions<T>(argv: Argv<T>) {
  return argv
    .option('config', { type: 'string', describe: 'Plan config file (kind: PlanConfig); flags override it' })
    .option('storage-class', { type: 'string', describe: 'StorageClass of every DataVolume (default: the cluster default)' })
    .option('access-mode', { type: 'array', string: true, describe: 'Access mode(s) of DataVolumes (default: from the StorageProfile)' })
    .option('volume-mode', { type: 'string', choices: ['Filesystem', 'Block'] as const })
    .option('namespace-template', { type: 'string', describe: 'Namespace names, from {domain}, {project}, {projectId} (default {domain}-{project})' })
    .option('role-mapping', { type: 'array', string: true, describe: 'KEYSTONE_ROLE=CLUSTER_ROLE (repeatable; default admin=admin member=edit reader=view)' })
    .option('load-balancer-mode', { type: 'string', choices: ['metallb', 'spec', 'none'] as const, describe: 'How Services request the floating IP address' })
    .option('node-selector', {
      type: 'array',
      string: true,
      describe: 'EXTRA_SPEC[=VALUE],LABEL=VALUE: flavors with that extra spec select nodes with that label (repeatable)',
    })
    .option('network-map', {
      type: 'array',
      string: true,
      describe:
        'NETWORK=pod | multus:NAD[:generate] | ovn-layer2[:NAD] | ovn-localnet[:NAD][:vlan=N][:physnet=P] | bridge:BRIDGE[:vlan=N][:NAD] (network name or id; repeatable; docs/networking.md)',
    })
    .option('multi-network-policy', {
      type: 'boolean',
      describe: 'Generate MultiNetworkPolicies for security groups on secondary networks (default true; --no-multi-network-policy reports them lost)',
    })
    .option('multi-network-policy-plugins', {
      type: 'array',
      string: true,
      describe: 'CNI types multi-networkpolicy-iptables enforces (its --network-plugins; default macvlan,bond)',
    })
    .option('pod-cidr', {
      type: 'array',
      string: true,
      describe: "The cluster's pod CIDR(s): address rules overlapping them are narrowed with except and reported",
    })
    .option('service-cidr', { type: 'array', string: true, describe: "The cluster's service CIDR(s), as --pod-cidr" })
    .option('guest-datasource', {
      type: 'string',
      choices: ['configdrive', 'nocloud', 'as-source'] as const,
      describe: 'cloud-init seed of Linux guests (default configdrive, in OpenStack format; as-source: config drive only where Nova used one)',
    })
    .option('nova-machine-type', {
      type: 'string',
      describe: "The source cloud's default x86_64 machine type (nova.conf [libvirt]hw_machine_type; default pc)",
    });
}
