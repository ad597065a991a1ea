// `inventory`: read an OpenStack cloud through its APIs and write the inventory file `plan` reads.
// Flags follow the OpenStack CLI: --os-cloud and the --os-* options, overriding OS_* and clouds.yaml.
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import type { GlobalFlags } from './common-flags.js';

export interface InventoryArgs extends GlobalFlags {
  osCloud?: string;
  osAuthUrl?: string;
  osUsername?: string;
  osUserId?: string;
  osPassword?: string;
  osProjectName?: string;
  osProjectId?: string;
  osUserDomainName?: string;
  osUserDomainId?: string;
  osProjectDomainName?: string;
  osProjectDomainId?: string;
  osDomainName?: string;
  osDomainId?: string;
  osRegionName?: string;
  osInterface?: string;
  osCacert?: string;
  osAuthType?: string;
  osApplicationCredentialId?: string;
  osApplicationCredentialSecret?: string;
  osToken?: string;
  insecure: boolean;
  project?: string[];
  domain?: string[];
  server?: string[];
  output: string;
  pageSize: number;
  concurrency: number;
}

/** --os-* flag (camelCase) → the OS_* variable it overrides. */
const FLAG_TO_ENV: [keyof InventoryArgs, string][] = [
  ['osAuthUrl', 'OS_AUTH_URL'],
  ['osUsername', 'OS_USERNAME'],
  ['osUserId', 'OS_USER_ID'],
  ['osPassword', 'OS_PASSWORD'],
  ['osProjectName', 'OS_PROJECT_NAME'],
  ['osProjectId', 'OS_PROJECT_ID'],
  ['osUserDomainName', 'OS_USER_DOMAIN_NAME'],
  ['osUserDomainId', 'OS_USER_DOMAIN_ID'],
  ['osProjectDomainName', 'OS_PROJECT_DOMAIN_NAME'],
  ['osProjectDomainId', 'OS_PROJECT_DOMAIN_ID'],
  ['osDomainName', 'OS_DOMAIN_NAME'],
  ['osDomainId', 'OS_DOMAIN_ID'],
  ['osRegionName', 'OS_REGION_NAME'],
  ['osInterface', 'OS_INTERFACE'],
  ['osCacert', 'OS_CACERT'],
  ['osAuthType', 'OS_AUTH_TYPE'],
  ['osApplicationCredentialId', 'OS_APPLICATION_CREDENTIAL_ID'],
  ['osApplicationCredentialSecret', 'OS_APPLICATION_CREDENTIAL_SECRET'],
  ['osToken', 'OS_TOKEN'],
];

function builder(argv: Argv) {
  let a = argv.option('os-cloud', { type: 'string', describe: 'Cloud name in clouds.yaml (default: $OS_CLOUD)' });
  for (const [key, env] of FLAG_TO_ENV) {
    const flag = (key as string).replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    a = a.option(flag, { type: 'string', describe: `Overrides ${env} and clouds.yaml` });
  }
  return a
    .option('insecure', { type: 'boolean', default: false, describe: 'Do not verify TLS certificates (test clouds only; prints a warning)' })
    .option('project', { type: 'array', string: true, describe: 'Only this project (name or id; repeatable)' })
    .option('domain', { type: 'array', string: true, describe: 'Only the projects of this domain (name or id; repeatable)' })
    .option('server', { type: 'array', string: true, describe: 'Only this server and what it uses (name or id; repeatable)' })
    .option('output', { alias: 'o', type: 'string', default: 'inventory.yaml', describe: 'Inventory file to write: .json for JSON, else YAML; - for stdout' })
    .option('page-size', { type: 'number', default: 1000, describe: 'Objects asked per page of each list call' })
    .option('concurrency', { type: 'number', default: 4, describe: 'API requests in flight at once' })
    .check((args) => {
      if (!(Number(args.pageSize) >= 1)) throw new Error('--page-size must be at least 1');
      if (!(Number(args.concurrency) >= 1)) throw new Error('--concurrency must be at least 1');
      return true;
    })
    .example('$0 inventory --os-cloud mycloud -o inventory.yaml', 'Everything the credentials can see')
    .example('$0 inventory --os-cloud mycloud --project acme-prod -o acme.json', 'One project, as JSON')
    .example('OS_CLOUD=mycloud $0 inventory -o - | less', 'Print the inventory');
}

/** The --os-* flags as OS_* settings (only those given). */
export function flagsAsSettings(args: Partial<InventoryArgs>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, env] of FLAG_TO_ENV) {
    const value = args[key];
    if (typeof value === 'string' && value !== '') out[env] = value;
  }
  return out;
}

/** Runs the command; returns the exit code. Errors are thrown as OpenStackError/MigrateError for main to print. */
export async function runInventory(args: Partial<InventoryArgs> & { output: string }): Promise<number> {
  const [{ loadCloudConfig }, { collectInventory }, { checkInventoryTarget, formatInventory, parseInventory, saveInventoryFile }, out] = await Promise.all([
    import('../openstack/config.js'),
    import('../openstack/collect.js'),
    import('../inventory/load.js'),
    import('./output.js'),
  ]);
  // A path that cannot take the file is refused before the cloud is read, not after.
  if (args.output !== '-') checkInventoryTarget(args.output);
  const config = loadCloudConfig({ cloud: args.osCloud, flags: flagsAsSettings(args), insecure: args.insecure });
  out.debug(2, `inventory: cloud "${config.name}" (${config.files.join(', ') || 'environment'}), region ${config.regionName ?? '(any)'}, interface ${config.interface}`);
  const started = Date.now();
  const result = await collectInventory(config, {
    projects: args.project,
    domains: args.domain,
    servers: args.server,
    pageSize: args.pageSize,
    concurrency: args.concurrency,
    onWarning: (w) => out.warn(w),
  });
  const inv = result.inventory;
  // Same validation as `plan`: an inventory this command writes must load.
  parseInventory(JSON.parse(JSON.stringify(inv)), args.output === '-' ? '(stdout)' : args.output);
  if (args.output === '-') process.stdout.write(formatInventory(inv, 'yaml'));
  else await saveInventoryFile(inv, args.output);
  out.note(`inventory of cloud "${config.name}" (${result.view} view): ${inv.servers.length} servers, ${inv.volumes.length} volumes, ${inv.networks.length} networks, ${inv.projects.length} projects` +
    ` in ${((Date.now() - started) / 1000).toFixed(1)}s, ${result.stats.requests} requests${args.output === '-' ? '' : ` → ${args.output}`}` +
    (inv.metadata.warnings?.length ? ` (${inv.metadata.warnings.length} warning${inv.metadata.warnings.length > 1 ? 's' : ''})` : ''));
  return 0;
}

export const inventoryCommand: CommandModule<object, InventoryArgs> = {
  command: 'inventory',
  describe: 'Read an OpenStack cloud through its APIs and write the inventory file',
  builder: builder as unknown as CommandModule<object, InventoryArgs>['builder'],
  handler: async (args: ArgumentsCamelCase<InventoryArgs>) => {
    process.exitCode = await runInventory(args);
  },
};
