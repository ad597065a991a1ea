// `plan`: inventory → manifests + fidelity report (and, with --apply, into the cluster).
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { MigrateError } from '../errors.js';
import type { PlanFlags } from '../plan/config.js';
import { dryRunOption, type DryRun, type GlobalFlags } from './common-flags.js';
import { note } from './output.js';
import { planConfigOptions } from './plan-options.js';

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
  replan: boolean;
}

function builder(argv: Argv) {
  return planConfigOptions(dryRunOption(argv))
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
    .option('apply', {
      type: 'boolean',
      default: false,
      describe: 'Apply the plan to the cluster of the current context (server-side apply), and record it there as the plan backup, import and cutover execute',
    })
    .option('include-workloads', {
      type: 'boolean',
      default: false,
      describe: 'With --apply: also apply DataVolumes, VirtualMachines and Services (normally created by import and cutover)',
    })
    .option('replan', {
      type: 'boolean',
      default: false,
      describe:
        'With --apply: record this plan in the cluster even when another plan is recorded (without it, a different recorded plan stops the apply with the difference)',
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
