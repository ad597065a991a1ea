// `inventory`: read an OpenStack cloud through its APIs and write the inventory file `plan` reads.
// Flags follow the OpenStack CLI: --os-cloud and the --os-* options, overriding OS_* and clouds.yaml.
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import type { GlobalFlags } from './common-flags.js';
import { MigrateError } from '../errors.js';

export interface InventoryArgs extends Omit<GlobalFlags, 'server'> {
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
  /** Only these Nova servers (instances), by name or id; the flag is --instance (--server names the Kubernetes API server). */
  instance?: string[];
  /** Format of the inventory: json or yaml (default: from the file name; YAML for stdout). */
  output?: string;
  /** File to write; - for stdout. */
  outputFile?: string;
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
    .option('instance', { type: 'array', string: true, describe: 'Only this Nova server (instance) and what it uses (name or id; repeatable)' })
    .option('output', {
      alias: 'o',
      type: 'string',
      describe: 'Output format: json|yaml (default: from the --output-file name; yaml for stdout)',
      coerce: (v: unknown) => {
        if (v === undefined || v === 'json' || v === 'yaml') return v;
        // Before -o meant a format everywhere, `inventory -o FILE` named the file: say what to type now.
        throw new MigrateError(
          'usage',
          `-o is the output format (json|yaml), not ${JSON.stringify(v)}; write the inventory to a file with --output-file ${String(v)}`,
        );
      },
    })
    .option('output-file', { type: 'string', default: 'inventory.yaml', describe: 'Inventory file to write; - for stdout' })
    .option('page-size', { type: 'number', default: 1000, describe: 'Objects asked per page of each list call' })
    .option('concurrency', { type: 'number', default: 4, describe: 'API requests in flight at once' })
    .check((args) => {
      const file = String(args.outputFile);
      const ext = /\.json$/i.test(file) ? 'json' : /\.ya?ml$/i.test(file) ? 'yaml' : undefined;
      if (args.output && file !== '-' && ext && ext !== args.output)
        throw new MigrateError('usage', `-o ${args.output} does not match the file name ${file}; name the file .${args.output === 'json' ? 'json' : 'yaml'}`);
      if (!(Number(args.pageSize) >= 1)) throw new Error('--page-size must be at least 1');
      if (!(Number(args.concurrency) >= 1)) throw new Error('--concurrency must be at least 1');
      return true;
    })
    .example('$0 inventory --os-cloud mycloud --output-file inventory.yaml', 'Everything the credentials can see')
    .example('$0 inventory --os-cloud mycloud --project acme-prod --output-file acme.json', 'One project, as JSON')
    .example('OS_CLOUD=mycloud $0 inventory --output-file - -o json | jq .servers', 'Print the inventory as JSON');
}

/** The --os-* flags as OS_* settings (only those given). */
export function flagsAsSettings(args: Partial<Pick<InventoryArgs, (typeof FLAG_TO_ENV)[number][0]>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, env] of FLAG_TO_ENV) {
    const value = args[key];
    if (typeof value === 'string' && value !== '') out[env] = value;
  }
  return out;
}

/** Runs the command; returns the exit code. Errors are thrown as OpenStackError/MigrateError for main to print. */
export async function runInventory(args: Partial<InventoryArgs> & ({ outputFile: string } | { output: string })): Promise<number> {
  // Callers of the function (not the CLI) may still name the file in `output`, as before --output-file.
  const file = args.outputFile ?? (args.output && args.output !== 'json' && args.output !== 'yaml' ? args.output : 'inventory.yaml');
  const format = args.output === 'json' || args.output === 'yaml' ? args.output : 'yaml';
  const [{ loadCloudConfig }, { collectInventory }, { checkInventoryTarget, formatInventory, parseInventory, saveInventoryFile }, out] = await Promise.all([
    import('../openstack/config.js'),
    import('../openstack/collect.js'),
    import('../inventory/load.js'),
    import('./output.js'),
  ]);
  // A path that cannot take the file is refused before the cloud is read, not after.
  if (file !== '-') checkInventoryTarget(file);
  const config = loadCloudConfig({ cloud: args.osCloud, flags: flagsAsSettings(args), insecure: args.insecure });
  out.debug(
    2,
    `inventory: cloud "${config.name}" (${config.files.join(', ') || 'environment'}), region ${config.regionName ?? '(any)'}, interface ${config.interface}`,
  );
  const started = Date.now();
  const result = await collectInventory(config, {
    projects: args.project,
    domains: args.domain,
    servers: args.instance,
    pageSize: args.pageSize,
    concurrency: args.concurrency,
    onWarning: (w) => out.warn(w),
  });
  const inv = result.inventory;
  // Same validation as `plan`: an inventory this command writes must load.
  parseInventory(JSON.parse(JSON.stringify(inv)), file === '-' ? '(stdout)' : file);
  if (file === '-') process.stdout.write(formatInventory(inv, format));
  else await saveInventoryFile(inv, file);
  out.note(
    `inventory of cloud "${config.name}" (${result.view} view): ${inv.servers.length} servers, ${inv.volumes.length} volumes, ${inv.networks.length} networks, ${inv.projects.length} projects` +
      ` in ${((Date.now() - started) / 1000).toFixed(1)}s, ${result.stats.requests} requests${file === '-' ? '' : ` → ${file}`}` +
      (inv.metadata.warnings?.length ? ` (${inv.metadata.warnings.length} warning${inv.metadata.warnings.length > 1 ? 's' : ''})` : ''),
  );
  return 0;
}

export const inventoryCommand: CommandModule<object, InventoryArgs> = {
  command: 'inventory',
  describe: 'Read an OpenStack cloud through its APIs and write the inventory file',
  builder: builder as unknown as CommandModule<object, InventoryArgs>['builder'],
  handler: async (args: ArgumentsCamelCase<InventoryArgs>) => {
    process.exitCode = await runInventory({ ...args, outputFile: args.outputFile ?? 'inventory.yaml' });
  },
};
