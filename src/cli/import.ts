// `import`: the recorded disk copies of the selected servers into the cluster through CDI.
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { workflowOptions, type WorkflowArgs } from './workflow-common.js';
import { dryRunOption, type DryRun } from './common-flags.js';

export interface ImportArgs extends WorkflowArgs {
  method: 'auto' | 'glance' | 'nfs';
  dryRun: DryRun;
}

export const importCommand: CommandModule<object, ImportArgs> = {
  command: 'import [servers..]',
  describe: 'Import the disk copies made by `backup` into DataVolumes (resumable; watch the progress)',
  builder: ((argv: Argv) =>
    dryRunOption(
      workflowOptions(argv),
      'Must be "none", "client" or "server". client: list the disks and the DataVolumes they would become, create nothing; server: also submit the planned DataVolumes to the API server without persisting',
    )
      .option('method', {
        type: 'string',
        choices: ['auto', 'glance', 'nfs'] as const,
        default: 'auto' as const,
        describe:
          'auto: each disk as backup recorded it; glance: only the Glance copies (download with a token); nfs: only the copies on the NFS share (file-server URLs, no token)',
      })
      .example('$0 import -i inventory.yaml --all --parallel 8', 'Import every server, 8 disks at a time')
      .example(
        '$0 import -i inventory.yaml -l role=web --project Web_Prod',
        'The servers of project Web_Prod whose Nova metadata says role=web',
      )) as unknown as CommandModule<object, ImportArgs>['builder'],
  handler: async (args: ArgumentsCamelCase<ImportArgs>) => {
    const { prepare } = await import('./workflow-common.js');
    const { importServers } = await import('../workflow/import.js');
    const { StateStore, readRecord } = await import('../workflow/ledger.js');
    const { ProgressDisplay } = await import('../workflow/progress.js');
    const { works, kube, connectCloud } = await prepare(args, { dryRun: args.dryRun !== 'none' });
    const store = new StateStore(kube);
    const copies = new Map<string, import('../workflow/ledger.js').DiskCopy[]>();
    for (const w of works) {
      const state = await readRecord(store, w);
      const disks = (state?.disks ?? []).filter((d) => (args.method === 'nfs' ? Boolean(d.url) : args.method === 'glance' ? !d.url : true));
      copies.set(w.serverId, disks);
    }
    if (args.dryRun !== 'none') {
      for (const w of works) {
        const disks = copies.get(w.serverId) ?? [];
        const lines = disks.length
          ? disks.map((d) => `  ${d.disk}: ${d.url ? `file ${d.url}` : `Glance image ${d.imageId}`} → DataVolume ${d.dataVolume}`)
          : ['  no recorded copy: run backup first'];
        process.stdout.write(`${w.namespace}/${w.vmName} (server ${w.serverName}) would be imported:\n${lines.join('\n')}\n`);
      }
      if (args.dryRun === 'server') {
        const { serverDryRun } = await import('./server-dry-run.js');
        if (
          !(await serverDryRun(
            kube.client,
            works.flatMap((w) => w.dataVolumes),
          ))
        )
          process.exitCode = 1;
      }
      return;
    }
    // Only Glance copies need the cloud (a token for the download); copies on an NFS share carry their URL.
    const needsCloud = [...copies.values()].some((list) => list.some((d) => !d.url));
    const connected = needsCloud ? await connectCloud() : undefined;
    const progress = new ProgressDisplay();
    const results = await importServers(
      { kube, cloud: connected?.cloud, cloudFor: connected?.cloudFor, store, progress, log: (l) => progress.log(l) },
      works,
      args.parallel,
      (w) => copies.get(w.serverId),
    );
    progress.stop();
    for (const r of results) process.stderr.write(`${r.namespace}/${r.vmName}: ${r.ok ? 'imported' : `FAILED: ${r.error}`}\n`);
    process.exitCode = results.every((r) => r.ok) ? 0 : 1;
  },
};
