// `plan`: inventory → manifests + fidelity report (and, with --apply, into the cluster).
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { MigrateError } from '../errors.js';
import type { PlanFlags } from '../plan/config.js';
import { dryRunOption, type DryRun, type GlobalFlags } from './common-flags.js';
import { note } from './output.js';

export interface PlanArgs extends GlobalFlags, PlanFlags {
  inventory: string;
  out?: string;
  output?: 'yaml' | 'json' | 'name';
  reportFormat: 'table' | 'json' | 'yaml';
  report?: string;
  strict: boolean;
  config?: string;
  apply: boolean;
  dryRun: DryRun;
  forceConflicts: boolean;
  includeWorkloads: boolean;
  showExact: boolean;
}

function builder(argv: Argv) {
  return dryRunOption(argv)
    .option('inventory', { alias: 'i', type: 'string', demandOption: true, describe: 'Inventory file (YAML or JSON) written by `inventory`' })
    .option('out', {
      type: 'string',
      describe: 'Write the manifests into this directory, one folder per namespace, for review (applying it whole would start the VMs; use --apply)',
    })
    .option('output', {
      alias: 'o',
      type: 'string',
      choices: ['json', 'yaml', 'name'] as const,
      describe: 'Output format of the manifests on stdout: json|yaml|name (the report then goes to stderr)',
    })
    .option('report-format', {
      type: 'string',
      choices: ['table', 'json', 'yaml'] as const,
      default: 'table' as const,
      describe: 'Format of the fidelity report',
    })
    .option('report', { type: 'string', describe: 'Also write the report to this file' })
    .option('strict', { type: 'boolean', default: false, describe: 'Exit 1 when any attribute is lost or any server is blocked' })
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
    })
    .option('apply', { type: 'boolean', default: false, describe: 'Apply the plan to the cluster of the current context (server-side apply)' })
    .option('include-workloads', {
      type: 'boolean',
      default: false,
      describe: 'With --apply: also apply DataVolumes, VirtualMachines and Services (normally created by import and cutover)',
    })
    .option('force-conflicts', { type: 'boolean', default: false, describe: 'With --apply: take over fields another manager owns' })
    .option('show-exact', { type: 'boolean', default: false, describe: 'List exact mappings in the report too' })
    .check((args) => {
      if (args.out && args.output) throw new MigrateError('usage', '--out and --output cannot be used together');
      return true;
    })
    .example('$0 plan -i examples/cloud.yaml --out plan/', 'Write the manifests for review and print the report')
    .example('$0 plan -i examples/cloud.yaml --apply', 'Apply the foundation (namespaces, RBAC, network policies, Secrets); VMs come with cutover')
    .example('$0 plan -i inventory.yaml -o yaml > plan.yaml', 'Manifests to stdout, report to stderr')
    .example('$0 plan -i inventory.yaml --report-format json --strict', 'Machine-readable report; exit 1 if anything is lost')
    .example('$0 plan -i inventory.yaml --apply --dry-run=server', 'Validate every object against the cluster without persisting');
}

export const planCommand: CommandModule<object, PlanArgs> = {
  command: 'plan',
  describe: 'Turn an inventory into Kubernetes manifests and a per-VM fidelity report',
  builder: builder as unknown as CommandModule<object, PlanArgs>['builder'],
  handler: async (args: ArgumentsCamelCase<PlanArgs>) => {
    if (args.dryRun !== 'none' && !args.apply) note(`--dry-run=${args.dryRun} has no effect without --apply: plan itself writes only files`);
    const { runPlan } = await import('./plan-run.js');
    process.exitCode = await runPlan(args);
  },
};
