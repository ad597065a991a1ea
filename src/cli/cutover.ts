// `cutover`: stop the source, final copy, import, start the VM, move the floating IP — or roll back.
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { dryRunOption, timeoutOption, type DryRun } from './common-flags.js';
import { workflowOptions, type WorkflowArgs } from './workflow-common.js';

export interface CutoverArgs extends WorkflowArgs {
  releaseFloatingIp: boolean;
  /** Milliseconds (from --timeout, a duration). */
  timeout: number;
  dryRun: DryRun;
}

export const cutoverCommand: CommandModule<object, CutoverArgs> = {
  command: 'cutover [servers..]',
  describe: 'Switch servers to their KubeVirt VMs (cold: stop, final copy, import, start), or roll back',
  builder: ((argv: Argv) =>
    timeoutOption(
      dryRunOption(
        workflowOptions(argv),
        'Must be "none", "client" or "server". client: print the steps, change nothing; server: also submit the VirtualMachines and Services to the API server without persisting (OpenStack is not contacted)',
      ),
      '1h',
      'How long the whole cutover of one server may take before it rolls back',
    )
      .option('release-floating-ip', {
        type: 'boolean',
        default: false,
        describe: 'Disassociate the floating IPs in OpenStack once the VM runs (the Service takes the address)',
      })
      .example('$0 cutover -i inventory.yaml web-1 --release-floating-ip', 'Cut one server over')
      .example(
        '$0 cutover -i inventory.yaml -l role=web --dry-run=client',
        'Print the steps of a wave: the servers whose Nova metadata says role=web',
      )) as unknown as CommandModule<object, CutoverArgs>['builder'],
  handler: async (args: ArgumentsCamelCase<CutoverArgs>) => {
    const { prepare } = await import('./workflow-common.js');
    const { cutoverServers, cutoverSteps } = await import('../workflow/cutover.js');
    const { works, kube, connectCloud, projectOf } = await prepare(args, { dryRun: args.dryRun !== 'none' });
    // Any dry run stops here, before the cloud is contacted: nothing below may run.
    if (args.dryRun !== 'none') {
      for (const w of works)
        process.stdout.write(
          `${w.namespace}/${w.vmName} (server ${w.serverName}):\n${cutoverSteps(w, args)
            .map((s, i) => `  ${i + 1}. ${s}`)
            .join('\n')}\n`,
        );
      if (args.dryRun === 'server') {
        const { serverDryRun } = await import('./server-dry-run.js');
        const objects = works.flatMap((w) => [...(w.vm ? [w.vm] : []), ...w.services]);
        if (!(await serverDryRun(kube.client, objects))) process.exitCode = 1;
      }
      return;
    }
    const { ProgressDisplay } = await import('../workflow/progress.js');
    const { cloud, cloudFor, clientFor } = await connectCloud();
    // The final copy is backup's own per-server function (same ledger, names and cleanup as `backup`).
    const [{ finalCopyVia }, { StateStore }] = await Promise.all([import('../workflow/backup.js'), import('../workflow/ledger.js')]);
    const store = new StateStore(kube);
    const wait = { timeoutMs: args.timeout, intervalMs: args.pollInterval, maxIntervalMs: Math.min(15_000, args.pollInterval * 8) };
    const finalCopy = finalCopyVia({ clientFor, store }, projectOf, { wait });
    const progress = new ProgressDisplay();
    const results = await cutoverServers(
      {
        kube,
        cloud,
        cloudFor,
        store,
        finalCopy,
        progress,
        log: (l) => progress.log(l),
        releaseFloatingIp: args.releaseFloatingIp,
        timeoutMs: args.timeout,
        pollMs: args.pollInterval,
      },
      works,
      args.parallel,
    );
    progress.stop();
    for (const r of results)
      process.stderr.write(
        `${r.namespace}/${r.vmName}: ${r.outcome}${r.error ? ` (${r.error})` : ''}${r.rollbackErrors ? `; rollback problems: ${r.rollbackErrors.join('; ')}` : ''}\n`,
      );
    process.exitCode = results.every((r) => r.outcome === 'running' || r.outcome === 'already-running') ? 0 : 1;
  },
};
