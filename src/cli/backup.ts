// `backup [servers..]`: a consistent copy of every disk of the selected servers (src/workflow/backup.ts),
// recorded in each server's state ConfigMap in the cluster so that any run can resume it; or, with
// --method nfs, the import sources of existing qcow2 backups on an NFS share (src/workflow/backup-nfs.ts).
// The servers, their namespaces, VM and DataVolume names come from the plan, rebuilt in memory from the
// inventory (the same --config / --namespace-template as `plan`).
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { dryRunOption, timeoutOption, type DryRun, type GlobalFlags } from './common-flags.js';
import { flagsAsSettings, type InventoryArgs } from './inventory.js';
import { MigrateError } from '../errors.js';
import { planOptions, selectionOptions, type PlanOptionArgs, type SelectionArgs } from './workflow-common.js';
import type { NfsBackupOptions } from '../workflow/backup-nfs.js';

type OsFlags = Pick<
  InventoryArgs,
  | 'osCloud'
  | 'osAuthUrl'
  | 'osUsername'
  | 'osUserId'
  | 'osPassword'
  | 'osProjectName'
  | 'osProjectId'
  | 'osUserDomainName'
  | 'osUserDomainId'
  | 'osProjectDomainName'
  | 'osProjectDomainId'
  | 'osDomainName'
  | 'osDomainId'
  | 'osRegionName'
  | 'osInterface'
  | 'osCacert'
  | 'osAuthType'
  | 'osApplicationCredentialId'
  | 'osApplicationCredentialSecret'
  | 'osToken'
  | 'insecure'
>;

/** The flags of `backup`; the NFS method's are its options (workflow/backup-nfs.ts), named the same. */
export interface BackupArgs extends GlobalFlags, OsFlags, PlanOptionArgs, SelectionArgs, Omit<NfsBackupOptions, 'dryRun'> {
  method: 'auto' | 'snapshot' | 'nfs';
  stop: boolean;
  retake: boolean;
  cleanup: boolean;
  parallel: number;
  /** --dry-run: none|client (true: client, for callers of runBackup). OpenStack has no server-side dry run. */
  dryRun: DryRun | boolean;
  uploadDiskFormat: 'qcow2' | 'raw';
  preBackupHook?: string;
  /** Milliseconds (from --timeout, a duration). */
  timeout: number;
  pollInterval: number;
  output?: 'json' | 'yaml';
}

const OS_FLAGS = [
  'os-auth-url',
  'os-username',
  'os-user-id',
  'os-password',
  'os-project-name',
  'os-project-id',
  'os-user-domain-name',
  'os-user-domain-id',
  'os-project-domain-name',
  'os-project-domain-id',
  'os-domain-name',
  'os-domain-id',
  'os-region-name',
  'os-interface',
  'os-cacert',
  'os-auth-type',
  'os-application-credential-id',
  'os-application-credential-secret',
  'os-token',
];

function builder(argv: Argv) {
  let a = selectionOptions(
    planOptions(
      timeoutOption(
        dryRunOption(argv, 'Must be "none" or "client": print what would be done, change nothing (OpenStack has no server-side dry run)'),
        '60m',
        'How long to wait for each image, snapshot, volume or power change',
      ),
    ),
  )
    .option('method', {
      type: 'string',
      choices: ['auto', 'snapshot', 'nfs'] as const,
      default: 'auto' as const,
      describe:
        'snapshot: createImage / Cinder snapshot + upload-to-image; nfs: existing qcow2 backups on an NFS share; auto: nfs when --nfs-path-template is given',
    })
    .option('stop', {
      type: 'boolean',
      default: false,
      describe: 'Stop each ACTIVE server before its copy and start it again after (a crash-consistent copy without a guest agent)',
    })
    .option('retake', {
      type: 'boolean',
      default: false,
      describe: 'Take a new copy even when one exists (the older copy is removed once the new one is active)',
    })
    .option('cleanup', {
      type: 'boolean',
      default: false,
      describe: 'Remove every image, snapshot and volume the plugin created for the servers, instead of backing up',
    })
    .option('parallel', { type: 'number', default: 4, describe: 'Servers backed up at once' })
    .option('upload-disk-format', {
      type: 'string',
      choices: ['qcow2', 'raw'] as const,
      default: 'qcow2' as const,
      describe: 'Disk format of volume uploads (Cinder upload-to-image)',
    })
    .option('pre-backup-hook', {
      type: 'string',
      describe: 'Shell command run before each server (env OSM_SERVER_ID, OSM_SERVER_NAME, OSM_PROJECT_ID); non-zero exit aborts that server',
    })
    .option('poll-interval', { type: 'number', default: 2000, hidden: true, describe: 'First polling interval in ms (grows to 15 s)' })
    .option('output', {
      alias: 'o',
      type: 'string',
      choices: ['json', 'yaml'] as const,
      describe: 'Output format of the results: json|yaml (default: one line per server)',
    })
    .option('nfs-server', { type: 'string', describe: 'NFS method: server of the share holding the backups' })
    .option('nfs-export', { type: 'string', describe: 'NFS method: exported path of the share' })
    .option('nfs-path-template', {
      type: 'string',
      describe:
        'NFS method: file of each disk, from {project_id} {server_id} {server_name} {volume_id} {disk_role} {disk} {volume_id|disk_role}, e.g. /backups/{project_id}/{server_id}/{volume_id|disk_role}.qcow2',
    })
    .option('nfs-mount-path', {
      type: 'string',
      default: '/backups',
      describe:
        'NFS method: where the share is mounted in the file server and the flatten Jobs (the absolute backing-file paths of incremental chains must start here)',
    })
    .option('nfs-local-mount', {
      type: 'string',
      describe: 'NFS method: where the same share is mounted on this machine, to inspect qcow2 chains with qemu-img before import',
    })
    .option('file-server-namespace', { type: 'string', default: 'openstack-migrate', describe: 'NFS method: namespace of the in-cluster file server' })
    .option('file-server-image', {
      type: 'string',
      default: 'docker.io/library/nginx:1.27-alpine',
      describe: 'NFS method: image of the file server (serves the share over http with range requests)',
    })
    .option('flatten-image', {
      type: 'string',
      default: 'quay.io/kubevirt/cdi-importer:v1.61.0',
      describe: 'NFS method: image with qemu-img for the flatten Jobs',
    })
    .option('flatten-storage-class', { type: 'string', describe: 'NFS method: storage class of the PVC that holds flattened chains (ReadWriteMany)' })
    .option('flatten-size', { type: 'string', default: '100Gi', describe: 'NFS method: size of that PVC' })
    .option('nfs-manifests', { type: 'string', describe: 'NFS method: write the file server / flatten objects to this file instead of applying them' })
    .option('os-cloud', { type: 'string', describe: 'Cloud name in clouds.yaml (default: $OS_CLOUD)' })
    .option('insecure', { type: 'boolean', default: false, describe: 'Do not verify TLS certificates (test clouds only)' });
  for (const flag of OS_FLAGS)
    a = a.option(flag, { type: 'string', describe: `Overrides ${flag.replace(/-/g, '_').toUpperCase()} and clouds.yaml`, hidden: true });
  return a
    .check((args) => {
      if (!(Number(args.parallel) >= 1)) throw new Error('--parallel must be at least 1');
      if (args.method === 'nfs' && !args.nfsPathTemplate) throw new Error('--method nfs needs --nfs-path-template');
      if (args.dryRun === 'server')
        throw new MigrateError('usage', '--dry-run=server is not available for backup: OpenStack has no server-side dry run; use --dry-run=client');
      return true;
    })
    .example('$0 backup -i inventory.yaml -l role=web', 'Copy the disks of every server whose Nova metadata says role=web')
    .example('$0 backup -i inventory.yaml web-1 db-1', 'Copy the disks of two servers (running; crash-consistent unless the guest agent quiesces)')
    .example('$0 backup -i inventory.yaml --project acme-prod --stop --parallel 8', 'A wave: every server of a project, stopped during its copy')
    .example('$0 backup -i inventory.yaml --all --cleanup', 'Remove every copy the plugin made')
    .example(
      '$0 backup -i inv.yaml --all --method nfs --nfs-server 10.0.0.5 --nfs-export /trilio --nfs-path-template "/backups/{project_id}/{server_id}/{volume_id|disk_role}.qcow2"',
      'Import existing TrilioVault qcow2 backups',
    );
}

export async function runBackup(given: Partial<BackupArgs> & Pick<BackupArgs, 'inventory'>): Promise<number> {
  // One meaning of dry run from here on: anything but none (or false) changes nothing.
  const args = { ...given, dryRun: given.dryRun !== undefined && given.dryRun !== false && given.dryRun !== 'none' };
  const [
    { loadCloudConfig },
    { OpenStackClient },
    backup,
    ledger,
    kube,
    out,
    { MigrateError },
    { checkSelectionFlags },
    { selectPlannedWorks },
    { Kube },
    { loadWorkflowPlan },
  ] = await Promise.all([
    import('../openstack/config.js'),
    import('../openstack/client.js'),
    import('../workflow/backup.js'),
    import('../workflow/ledger.js'),
    import('../kube/index.js'),
    import('./output.js'),
    import('../errors.js'),
    import('../workflow/selection.js'),
    import('../workflow/plan-work.js'),
    import('../workflow/kube-ops.js'),
    import('./workflow-common.js'),
  ]);
  const selection = { names: args.servers, all: args.all, projects: args.project, selector: args.selector };
  checkSelectionFlags(selection, { required: true });
  const kubeTarget = kube.loadKubeConfig((await import('./common-flags.js')).connectionOptions(args));
  if (!kubeTarget.ok && !args.dryRun) throw new MigrateError('usage', `backup records its state in the cluster: ${kubeTarget.error.message}`);
  // The plan of the whole inventory (names depend on every server), held to the plan recorded in the cluster.
  const { inventory, plan, works } = await loadWorkflowPlan(args as BackupArgs, kubeTarget.ok ? new Kube(kubeTarget.value) : undefined, {
    dryRun: args.dryRun,
  });
  const selected = selectPlannedWorks(works, selection);
  if (selected.length === 0) {
    out.note('No servers match the selection.');
    return 0;
  }
  const wanted = new Map(selected.map((w) => [w.serverId, w]));
  const projectOf = new Map(inventory.servers.map((s) => [s.id, s.projectId]));
  const targets = backup
    .backupTargetsFromPlan(plan, (id) => projectOf.get(id) ?? '')
    .filter((t) => wanted.has(t.serverId))
    .map((t) => ({ ...t, ...(wanted.get(t.serverId)?.selection ? { selection: wanted.get(t.serverId)!.selection } : {}) }));
  const method = args.method === 'nfs' || (args.method !== 'snapshot' && args.nfsPathTemplate) ? 'nfs' : 'snapshot';

  const store: import('../workflow/ledger.js').RecordStore =
    args.dryRun || !kubeTarget.ok ? new ledger.MemoryStateStore() : new ledger.StateStore(new kube.KubeClient(kubeTarget.value));

  if (method === 'nfs') {
    const { runNfsBackup } = await import('../workflow/backup-nfs.js');
    return runNfsBackup(targets, { ...(args as BackupArgs), dryRun: args.dryRun }, store, kubeTarget.ok ? new kube.KubeClient(kubeTarget.value) : undefined);
  }

  if (args.dryRun) {
    for (const t of targets) {
      const steps = t.disks.map((d) =>
        d.volumeId
          ? `${d.disk}: snapshot volume ${d.volumeId} → temporary volume → upload-to-image ${backup.resourceName(t.serverId, d.disk, 1)}`
          : `${d.disk}: createImage ${backup.resourceName(t.serverId, d.disk, 1)}`,
      );
      process.stdout.write(
        `${t.namespace}/${t.vmName} (server ${t.serverName} ${t.serverId})${args.cleanup ? ': would remove every image, snapshot and volume the plugin made' : `${args.stop ? ' [stop, copy, start]' : ''}\n  ${steps.join('\n  ')}`}\n`,
      );
    }
    return 0;
  }

  const config = loadCloudConfig({ cloud: args.osCloud, flags: flagsAsSettings(args), insecure: args.insecure });
  const client = await OpenStackClient.connect(config, { onWarning: (w) => out.warn(w), concurrency: Math.max(4, (args.parallel ?? 4) * 2) });
  // Act in the server's project when the credentials allow it, so copies count against that project's quota.
  const clientFor = (await import('./workflow-common.js')).projectClients(client);
  const wait = {
    timeoutMs: args.timeout ?? 60 * 60_000,
    intervalMs: args.pollInterval ?? 2_000,
    maxIntervalMs: Math.min(15_000, (args.pollInterval ?? 2_000) * 8),
  };
  const log = (line: string) => out.debug(2, line);
  const deps = { clientFor, store };
  const started = Date.now();
  let failed = 0;
  if (args.cleanup) {
    const results = await backup.cleanupServers(deps, targets, { wait, log, parallel: args.parallel });
    for (const r of results) {
      if (r.error) failed += 1;
      if (!args.output) process.stdout.write(r.error ? `${r.serverName}: cleanup failed: ${r.error}\n` : `${r.serverName}: removed ${r.removed} resource(s)\n`);
    }
    if (args.output) process.stdout.write(await formatResults(results, args.output));
  } else {
    const results = await backup.backupServers(deps, targets, {
      stop: args.stop,
      retake: args.retake,
      uploadDiskFormat: args.uploadDiskFormat,
      preBackupHook: args.preBackupHook,
      wait,
      log,
      parallel: args.parallel,
    });
    for (const r of results) {
      if (r.outcome === 'failed') failed += 1;
      if (!args.output) {
        const disks = r.disks.map((d) => `${d.disk}→${d.imageId}`).join(' ');
        process.stdout.write(`${r.namespace}/${r.vmName}: ${r.outcome}${disks ? ` ${disks}` : ''}${r.error ? `: ${r.error}` : ''}\n`);
      }
    }
    if (args.output) process.stdout.write(await formatResults(results, args.output));
  }
  out.note(
    `backup: ${targets.length} server(s), ${failed} failed, ${((Date.now() - started) / 1000).toFixed(1)}s, ${client.stats.requests} OpenStack requests`,
  );
  return failed > 0 ? 1 : 0;
}

/** -o json|yaml: the results as one stable document. */
async function formatResults(results: unknown, output: 'json' | 'yaml'): Promise<string> {
  if (output === 'json') return `${JSON.stringify(results, null, 2)}\n`;
  const { default: yaml } = await import('js-yaml');
  return yaml.dump(results, { noRefs: true, lineWidth: -1 });
}

export const backupCommand: CommandModule<object, BackupArgs> = {
  command: 'backup [servers..]',
  describe: 'Take a consistent copy of every disk of the servers (Glance images), resumable; --cleanup removes them',
  builder: builder as unknown as CommandModule<object, BackupArgs>['builder'],
  handler: async (args: ArgumentsCamelCase<BackupArgs>) => {
    process.exitCode = await runBackup(args);
  },
};
