// Flags that every command shares, defined once (as virtctl does), spelled as kubectl spells them.
import type { Argv } from 'yargs';

export interface GlobalFlags {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  v: number;
}

export function withGlobalFlags<T>(argv: Argv<T>) {
  return argv
    .option('kubeconfig', { type: 'string', describe: 'Path to the kubeconfig file (default: $KUBECONFIG or ~/.kube/config)', global: true })
    .option('context', { type: 'string', describe: 'The kubeconfig context to use', global: true })
    .option('namespace', { alias: 'n', type: 'string', describe: 'Namespace scope (default: from the context)', global: true })
    .option('v', { alias: 'verbose', type: 'number', default: 0, describe: 'Log level: 0 quiet, 2 steps, 4 requests, 6 details (stack traces on errors at 1+)', global: true });
}

export type DryRun = 'none' | 'client' | 'server';

export function dryRunOption<T>(argv: Argv<T>) {
  return argv.option('dry-run', {
    type: 'string',
    choices: ['none', 'client', 'server'] as const,
    default: 'none' as DryRun,
    describe: 'client: print what would be done; server: submit to the API server without persisting',
    coerce: (v: string | boolean) => (v === true || v === '' ? 'client' : v === false ? 'none' : v) as DryRun,
  });
}
