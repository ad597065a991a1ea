// `import`: the recorded disk copies of the selected servers into the cluster through CDI.
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { workflowOptions, type WorkflowArgs } from './workflow-common.js';

export interface ImportArgs extends WorkflowArgs {
  method: 'glance' | 'nfs';
}

export const importCommand: CommandModule<object, ImportArgs> = {
  command: 'import [servers..]',
  describe: 'Import the disk copies made by `backup` into DataVolumes (resumable; watch the progress)',
  builder: ((argv: Argv) =>
    workflowOptions(argv)
      .option('method', { type: 'string', choices: ['glance', 'nfs'] as const, default: 'glance' as const, describe: 'glance: Glance image download with a token; nfs: the file-server URLs backup recorded' })
      .example('$0 import -i inventory.yaml --all --parallel 8', 'Import every server, 8 disks at a time')) as unknown as CommandModule<object, ImportArgs>['builder'],
  handler: async (args: ArgumentsCamelCase<ImportArgs>) => {
    const { prepare } = await import('./workflow-common.js');
    const { importServers } = await import('../workflow/import.js');
    const { readServerState } = await import('../workflow/migration-state-store.js');
    const { ProgressDisplay } = await import('../workflow/progress.js');
    const { works, kube, connectCloud } = await prepare(args);
    const copies = new Map<string, import('../workflow/migration-state-store.js').DiskCopy[]>();
    for (const w of works) {
      const state = await readServerState(kube, w);
      const disks = (state?.disks ?? []).filter((d) => (args.method === 'nfs' ? Boolean(d.url) : !d.url));
      copies.set(w.serverId, disks);
    }
    const { cloud } = await connectCloud();
    const progress = new ProgressDisplay();
    const results = await importServers({ kube, cloud, progress, log: (l) => progress.log(l) }, works, args.parallel, (w) => copies.get(w.serverId));
    progress.stop();
    for (const r of results) process.stderr.write(`${r.namespace}/${r.vmName}: ${r.ok ? 'imported' : `FAILED: ${r.error}`}\n`);
    process.exitCode = results.every((r) => r.ok) ? 0 : 1;
  },
};
