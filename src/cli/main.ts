// Entry point: parse the command line and run one command. Command modules load their heavy
// dependencies inside their handlers, so `--help` and `version` stay fast.
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { MigrateError } from '../errors.js';
import { withGlobalFlags } from './common-flags.js';
import { getVerbosity, setVerbosity } from './output.js';
import { planCommand } from './plan.js';
import { inventoryCommand } from './inventory.js';
import { backupCommand } from './backup.js';
import { importCommand } from './import.js';
import { cutoverCommand } from './cutover.js';
import { statusCommand } from './status.js';
import { completionCommand } from './completion.js';
import { versionCommand } from './version.js';

export const PROGRAM = 'kubectl openstack-migrate';

export function reportError(error: unknown): number {
  const verbose = getVerbosity() > 0;
  if (error instanceof MigrateError) {
    process.stderr.write(`error: ${error.message}\n`);
    if (verbose && error.cause) process.stderr.write(`caused by: ${String((error.cause as Error).stack ?? error.cause)}\n`);
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`error: ${message}\n`);
  if (verbose && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  else process.stderr.write('(run with -v=1 for details)\n');
  return 1;
}

export async function main(argv: string[] = hideBin(process.argv)): Promise<number> {
  let exitCode = 0;
  const parser = withGlobalFlags(yargs(argv))
    .scriptName(PROGRAM)
    .usage(`${PROGRAM} moves the workloads of an OpenStack cloud onto KubeVirt.\n\nUsage: ${PROGRAM} <command> [flags]`)
    .middleware((args) => setVerbosity(Number(args.v) || 0))
    .command(inventoryCommand)
    .command(planCommand)
    .command(backupCommand)
    .command(importCommand)
    .command(cutoverCommand)
    .command(statusCommand)
    .command(completionCommand)
    .command(versionCommand)
    .demandCommand(1, 'Name a command; see --help.')
    .strict()
    .recommendCommands()
    .help()
    .alias('h', 'help')
    .version(false)
    .wrap(Math.min(120, process.stdout.columns || 100))
    .epilogue('Docs: https://github.com/openstack-migrate/kubectl-openstack-migrate#readme')
    .fail((message, error) => {
      // Usage errors (unknown flag, missing argument) exit 2 as kubectl does; errors from handlers go through reportError.
      if (error) throw error;
      throw new MigrateError('usage', `${message}\nSee '${PROGRAM} --help'.`);
    });
  try {
    await parser.parseAsync();
    exitCode = process.exitCode && typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    exitCode = reportError(error);
  }
  return exitCode;
}
