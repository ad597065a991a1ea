// `status`: every migration's phase, progress, timings and last error, read from the cluster only.
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import type { GlobalFlags } from './common-flags.js';
import { MigrateError } from '../errors.js';

export interface StatusArgs extends GlobalFlags {
  output: 'table' | 'wide' | 'json' | 'yaml';
  watch: boolean;
  allNamespaces: boolean;
}

export const statusCommand: CommandModule<object, StatusArgs> = {
  command: 'status',
  describe: 'Show the migration state of every server (from the cluster)',
  builder: ((argv: Argv) =>
    argv
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
      .example('$0 status --watch', 'Redraw on every change')) as unknown as CommandModule<object, StatusArgs>['builder'],
  handler: async (args: ArgumentsCamelCase<StatusArgs>) => {
    const [{ loadKubeConfig }, { Kube }, status] = await Promise.all([import('../kube/config.js'), import('../workflow/kube-ops.js'), import('../workflow/status.js')]);
    const { connectionOptions } = await import('./common-flags.js');
    const target = loadKubeConfig(connectionOptions(args));
    if (!target.ok) throw new MigrateError('kubernetes', target.error.message);
    const kube = new Kube(target.value);
    const namespace = args.namespace || undefined;
    if (!args.watch) {
      process.stdout.write(status.formatStatus(status.buildStatus(await status.readSnapshot(kube, namespace), Date.now()), args.output));
      return;
    }
    const stop = new AbortController();
    process.once('SIGINT', () => stop.abort());
    const tty = Boolean(process.stdout.isTTY) && (args.output === 'table' || args.output === 'wide');
    let last = '';
    await status.watchStatus(kube, namespace, (report) => {
      const text = status.formatStatus(report, args.output);
      if (text === last) return;
      last = text;
      process.stdout.write(tty ? `\u001b[H\u001b[2J${text}` : args.output === 'json' ? `${JSON.stringify(report)}\n` : text);
    }, stop.signal);
  },
};
