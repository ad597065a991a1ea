// Flags and setup shared by import / cutover: the inventory and plan flags (the plan is rebuilt in memory),
// the server selection (names, --all, --project, -l for waves), the OpenStack cloud and the cluster.
import type { Argv } from 'yargs';
import type { GlobalFlags } from './common-flags.js';

export interface WorkflowArgs extends GlobalFlags {
  inventory: string;
  config?: string;
  storageClass?: string;
  namespaceTemplate?: string;
  servers?: string[];
  all: boolean;
  project?: string;
  selector?: string;
  parallel: number;
  osCloud?: string;
  insecure: boolean;
  /** First interval (ms) of OpenStack polls (server power state, images); grows to 15 s. */
  pollInterval: number;
}

export function workflowOptions<T>(argv: Argv<T>) {
  return argv
    .positional('servers', { type: 'string', array: true, describe: 'Server names or ids (or VM names)' })
    .option('inventory', { alias: 'i', type: 'string', demandOption: true, describe: 'Inventory file the plan was made from' })
    .option('config', { type: 'string', describe: 'Plan config file, as given to `plan`' })
    .option('storage-class', { type: 'string', describe: 'As given to `plan`' })
    .option('namespace-template', { type: 'string', describe: 'As given to `plan`' })
    .option('all', { type: 'boolean', default: false, describe: 'Every server of the plan' })
    .option('project', { type: 'string', describe: 'Every server of this project (name or id)' })
    .option('selector', { alias: 'l', type: 'string', describe: 'Label selector on the planned VMs (waves)' })
    .option('parallel', { type: 'number', default: 4, describe: 'Imports in flight at once, across servers' })
    .option('os-cloud', { type: 'string', describe: 'Cloud name in clouds.yaml (default: $OS_CLOUD)' })
    .option('insecure', { type: 'boolean', default: false, describe: 'Do not verify the cloud\'s TLS certificate (test clouds only)' })
    .option('poll-interval', { type: 'number', default: 2000, hidden: true, describe: 'First polling interval in ms of OpenStack waits (grows to 15 s)' });
}

/** Loads the inventory, rebuilds the plan and connects to both sides. Heavy modules load here, not at startup. */
export async function prepare(args: WorkflowArgs) {
  const [{ loadInventoryFile }, { buildPlan }, { loadPlanConfigFile, resolvePlanConfig }, { serverWorks, selectWorks }, { loadKubeConfig }, { Kube }, { MigrateError }] = await Promise.all([
    import('../inventory/load.js'),
    import('../plan/build.js'),
    import('../plan/config.js'),
    import('../workflow/plan-work.js'),
    import('../kube/config.js'),
    import('../workflow/kube-ops.js'),
    import('../errors.js'),
  ]);
  const inventory = await loadInventoryFile(args.inventory);
  const fileConfig = args.config ? await loadPlanConfigFile(args.config) : {};
  const config = resolvePlanConfig(fileConfig, args as never);
  const plan = buildPlan(inventory, config);
  const works = selectWorks(serverWorks(plan, inventory), inventory, { servers: args.servers, all: args.all, project: args.project, selector: args.selector });
  if (works.length === 0) throw new MigrateError('usage', 'no server selected: name servers, or use --all, --project or -l');
  const target = loadKubeConfig((await import('./common-flags.js')).connectionOptions(args));
  if (!target.ok) throw new MigrateError('kubernetes', target.error.message);
  const kube = new Kube(target.value);
  // The project of each server: where its copies are made and whose token downloads them.
  const projectIds = new Map(inventory.servers.map((s) => [s.id, s.projectId]));
  const projectOf = (serverId: string) => projectIds.get(serverId) ?? '';
  const connectCloud = async () => {
    const [{ loadCloudConfig }, { OpenStackClient }, { openStackSource }] = await Promise.all([import('../openstack/config.js'), import('../openstack/client.js'), import('../workflow/source.js')]);
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
