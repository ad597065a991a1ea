// `status`: every migration's phase, progress, timings and last error, read from the cluster only.
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import type { GlobalFlags } from './common-flags.js';
import { MigrateError } from '../errors.js';
import { SELECTION_HELP, type SelectionArgs } from './workflow-common.js';

export interface StatusArgs extends GlobalFlags, Omit<SelectionArgs, 'all'> {
  output: 'table' | 'wide' | 'json' | 'yaml';
  watch: boolean;
  allNamespaces: boolean;
}

export const statusCommand: CommandModule<object, StatusArgs> = {
  command: 'status [servers..]',
  describe: 'Show the migration state of every server (from the cluster)',
  builder: ((argv: Argv) =>
    argv
      .positional('servers', { type: 'string', array: true, describe: 'Server names or ids, VM names, or NAMESPACE/VM (default: every migration)' })
      .option('project', { type: 'array', string: true, describe: 'Servers of this project (name or id; repeatable: any of them)' })
      .option('selector', {
        alias: 'l',
        type: 'string',
        describe: "Label selector on the server's Nova metadata and planned VM labels, as recorded by the workflow (e.g. role=web)",
      })
      .option('output', {
        alias: 'o',
        type: 'string',
        describe: 'Output format: json|yaml|wide (default: a table; wide adds server ids, disks and whole errors)',
        // "table" is still read (earlier versions spelled the default so); kubectl has no name for it.
        coerce: (v: unknown) => {
          if (v === undefined || v === '' || v === 'table') return 'table';
          if (v === 'wide' || v === 'json' || v === 'yaml') return v;
          throw new MigrateError('usage', `unable to match a printer suitable for the output format "${String(v)}", allowed formats are: json,yaml,wide`);
        },
      })
      .option('watch', { alias: 'w', type: 'boolean', default: false, describe: 'Keep watching and redraw on every change' })
      .option('all-namespaces', { alias: 'A', type: 'boolean', default: true, describe: 'All namespaces (default; -n narrows)' })
      .example('$0 status', 'Every migration in the cluster')
      .example('$0 status -n acme-prod -o wide', 'One namespace, with server ids, disks and whole errors')
      .example('$0 status -o json', 'Stable JSON for scripts')
      .example('$0 status -l role=web', 'The servers whose Nova metadata says role=web (the same servers as `cutover -l role=web`)')
      .epilogue(`Selection: ${SELECTION_HELP}.`)
      .example('$0 status --watch', 'Redraw on every change')) as unknown as CommandModule<object, StatusArgs>['builder'],
  handler: async (args: ArgumentsCamelCase<StatusArgs>) => {
    const [{ loadKubeConfig }, { Kube }, status] = await Promise.all([
      import('../kube/config.js'),
      import('../workflow/kube-ops.js'),
      import('../workflow/status.js'),
    ]);
    const { connectionOptions } = await import('./common-flags.js');
    const target = loadKubeConfig(connectionOptions(args));
    if (!target.ok) throw new MigrateError('kubernetes', target.error.message);
    const kube = new Kube(target.value);
    const namespace = args.namespace || undefined;
    const selection = { names: args.servers, projects: args.project, selector: args.selector };
    const { checkSelectionFlags } = await import('../workflow/selection.js');
    checkSelectionFlags(selection, { required: false });
    if (!args.watch) {
      const snapshot = await status.readSnapshot(kube, namespace);
      const plans = await status.readRecordedPlans(kube);
      const report = { ...status.buildStatus(status.selectSnapshot(snapshot, selection), Date.now()), plans };
      if (args.output === 'table' || args.output === 'wide')
        for (const p of plans) process.stderr.write(`plan ${p.planId} (cloud ${p.cloud}, recorded ${p.recordedAt}, ${p.toolVersion})\n`);
      process.stdout.write(status.formatStatus(report, args.output));
      return;
    }
    const stop = new AbortController();
    process.once('SIGINT', () => stop.abort());
    const tty = Boolean(process.stdout.isTTY) && (args.output === 'table' || args.output === 'wide');
    let last = '';
    await status.watchStatus(
      kube,
      namespace,
      (report) => {
        const text = status.formatStatus(report, args.output);
        if (text === last) return;
        last = text;
        process.stdout.write(tty ? `\u001b[H\u001b[2J${text}` : args.output === 'json' ? `${JSON.stringify(report)}\n` : text);
      },
      stop.signal,
      Date.now,
      selection,
    );
  },
};
