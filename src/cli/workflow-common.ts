// Flags and setup shared by backup / import / cutover: the inventory and the plan options (the plan is
// rebuilt in memory and held to the plan recorded in the cluster, src/workflow/plan-contract.ts), the
// server selection (names, --all, --project, -l: src/workflow/selection.ts), the OpenStack cloud and the
// cluster.
import type { Argv } from 'yargs';
import type { GlobalFlags } from './common-flags.js';
import type { PlanFlags } from '../plan/config.js';
import { PLAN_OPTION_KEYS, planConfigOptions } from './plan-options.js';

/** The options that shape the plan, exactly as `plan` takes them. */
export interface PlanOptionArgs extends PlanFlags {
  inventory: string;
  config?: string;
  replan?: boolean;
}

export interface SelectionArgs {
  servers?: string[];
  all?: boolean;
  project?: string[];
  selector?: string;
}

export interface WorkflowArgs extends GlobalFlags, PlanOptionArgs, SelectionArgs {
  parallel: number;
  osCloud?: string;
  insecure: boolean;
  /** First interval (ms) of OpenStack polls (server power state, images); grows to 15 s. */
  pollInterval: number;
}

/** -i and every option of `plan` that shapes the plan, plus --replan. */
export function planOptions<T>(argv: Argv<T>) {
  return planConfigOptions(argv)
    .option('inventory', { alias: 'i', type: 'string', demandOption: true, describe: 'Inventory file the plan was made from' })
    .option('replan', {
      type: 'boolean',
      default: false,
      describe:
        'Record this plan (inventory + options + version) in the cluster instead of the recorded one. Without it, a plan that differs from the recorded one stops the command with the difference; with no plan option given, the recorded options are used',
    });
}

export const SELECTION_HELP =
  "NAME... (server name or id, VM name, or NAMESPACE/VM), or --all, or --project and/or -l (both must match). Names cannot be combined with --all, --project or -l; -l matches the server's Nova metadata and its planned VM labels";

export function selectionOptions<T>(argv: Argv<T>) {
  return argv
    .positional('servers', { type: 'string', array: true, describe: 'Server names or ids, VM names, or NAMESPACE/VM' })
    .option('all', { type: 'boolean', default: false, describe: 'Every server of the plan' })
    .option('project', { type: 'array', string: true, describe: 'Servers of this project (name or id; repeatable: any of them)' })
    .option('selector', {
      alias: 'l',
      type: 'string',
      describe: "Label selector (k=v, k!=v, k, !k, k in (a,b)) on the server's Nova metadata and planned VM labels, e.g. role=web",
    })
    .epilogue(
      `Selection: ${SELECTION_HELP}. Unknown names are an error.\n\nThe plan is the contract: the first command records the plan (inventory, plan options, tool version) in the cluster (ConfigMap openstack-migrate/plan-<cloud>); every later command runs that plan, uses the recorded options when none is given, and stops with the difference when the inventory, an option or the version differs. --replan records the new plan on purpose. See docs/workflow.md.`,
    );
}

export function workflowOptions<T>(argv: Argv<T>) {
  return selectionOptions(planOptions(argv))
    .option('parallel', { type: 'number', default: 4, describe: 'Imports in flight at once, across servers' })
    .option('os-cloud', { type: 'string', describe: 'Cloud name in clouds.yaml (default: $OS_CLOUD)' })
    .option('insecure', { type: 'boolean', default: false, describe: "Do not verify the cloud's TLS certificate (test clouds only)" })
    .option('poll-interval', { type: 'number', default: 2000, hidden: true, describe: 'First polling interval in ms of OpenStack waits (grows to 15 s)' });
}

/**
 * The inventory, the plan held to the one recorded in the cluster (records it when there is none, unless
 * dryRun; `kube` undefined skips the check, for a dry run without a cluster), and every server's work.
 */
export async function loadWorkflowPlan(args: PlanOptionArgs, kube: import('../workflow/kube-ops.js').Kube | undefined, options: { dryRun?: boolean } = {}) {
  const [{ loadInventoryFile }, { buildPlan }, { loadPlanConfigFile, resolvePlanConfig }, { serverWorks }, contract, out] = await Promise.all([
    import('../inventory/load.js'),
    import('../plan/build.js'),
    import('../plan/config.js'),
    import('../workflow/plan-work.js'),
    import('../workflow/plan-contract.js'),
    import('./output.js'),
  ]);
  const inventory = await loadInventoryFile(args.inventory);
  const store = kube ? new contract.PlanRecordStore(kube) : undefined;
  const recorded = store ? await store.load(inventory.metadata.cloud) : undefined;
  const given = PLAN_OPTION_KEYS.some((k) => {
    const v = (args as unknown as Record<string, unknown>)[k];
    return Array.isArray(v) ? v.length > 0 : v !== undefined && v !== '';
  });
  // No plan option given: the recorded configuration is the plan's (not the defaults).
  const config = !given && recorded ? recorded.config : resolvePlanConfig(args.config ? await loadPlanConfigFile(args.config) : {}, args);
  // The plan is built before it is held to the record: its id, labels and contract are one computation.
  const plan = buildPlan(inventory, config);
  const planned = contract.contractOfPlan(plan);
  if (store) {
    const outcome = await contract.enforceContract({ load: async () => recorded, save: (p) => store.save(p) }, planned, {
      replan: args.replan,
      dryRun: options.dryRun,
      inventoryFile: args.inventory,
    });
    if (outcome.action === 'recorded')
      out.note(
        `plan ${planned.planId} ${options.dryRun ? 'would be recorded' : 'recorded'} in the cluster (ConfigMap ${contract.PLAN_NAMESPACE}/${contract.planRecordName(planned.cloud)})`,
      );
    if (outcome.action === 'replanned')
      out.note(`plan ${planned.planId} replaces ${outcome.recorded?.planId}:\n  ${contract.diffContracts(outcome.recorded!, planned).join('\n  ')}`);
  }
  return { inventory, plan, contract: planned, works: serverWorks(plan, inventory) };
}

/** Loads the plan (held to the recorded one), selects the servers and connects to both sides. Heavy modules load here, not at startup. */
export async function prepare(args: WorkflowArgs, options: { dryRun?: boolean } = {}) {
  const [{ selectPlannedWorks }, { checkSelectionFlags }, { loadKubeConfig }, { Kube }, { MigrateError }] = await Promise.all([
    import('../workflow/plan-work.js'),
    import('../workflow/selection.js'),
    import('../kube/config.js'),
    import('../workflow/kube-ops.js'),
    import('../errors.js'),
  ]);
  const selection = { names: args.servers, all: args.all, projects: args.project, selector: args.selector };
  checkSelectionFlags(selection, { required: true });
  const target = loadKubeConfig((await import('./common-flags.js')).connectionOptions(args));
  if (!target.ok) throw new MigrateError('kubernetes', target.error.message);
  const kube = new Kube(target.value);
  const { inventory, plan, works: all } = await loadWorkflowPlan(args, kube, options);
  const works = selectPlannedWorks(all, selection);
  if (works.length === 0) (await import('./output.js')).note('No servers match the selection.');
  // The project of each server: where its copies are made and whose token downloads them.
  const projectIds = new Map(inventory.servers.map((s) => [s.id, s.projectId]));
  const projectOf = (serverId: string) => projectIds.get(serverId) ?? '';
  const connectCloud = async () => {
    const [{ loadCloudConfig }, { OpenStackClient }, { openStackSource }] = await Promise.all([
      import('../openstack/config.js'),
      import('../openstack/client.js'),
      import('../workflow/source.js'),
    ]);
    const client = await OpenStackClient.connect(loadCloudConfig({ cloud: args.osCloud, insecure: args.insecure }));
    const clientFor = projectClients(client);
    // Each server is handled from its own project where the credentials allow it: its copies, its token.
    const cloudFor = async (work: { serverId: string }) => openStackSource(await clientFor(projectOf(work.serverId)));
    return { client, cloud: openStackSource(client), clientFor, cloudFor };
  };
  return { inventory, plan, works, kube, connectCloud, projectOf };
}

/**
 * A client per project, so that what the plugin creates (images of the final copy) is owned by, and counts
 * against, the server's project; the configured client when re-scoping is refused (an admin without a
 * role in that project acts from its own project).
 */
export function projectClients(client: import('../openstack/client.js').OpenStackClient) {
  const scoped = new Map<string, Promise<typeof client>>();
  return (projectId: string): Promise<typeof client> => {
    if (!projectId || projectId === client.token.projectId) return Promise.resolve(client);
    let c = scoped.get(projectId);
    if (!c) {
      c = client.rescope(projectId).catch(() => client);
      scoped.set(projectId, c);
    }
    return c;
  };
}
