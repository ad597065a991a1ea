// Entry point: parse the command line and run one command. Command modules load their heavy
// dependencies inside their handlers, so `--help` and `version` stay fast.
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { MigrateError, describeSystemError, isSystemError } from '../errors.js';
import { escapeControlKeepLines } from '../report/escape.js';
import { withGlobalFlags } from './common-flags.js';
import { getVerbosity, guardStandardStreams, setVerbosity } from './output.js';
import { parseRequestTimeout, setRequestTimeout } from '../openstack/request-timeout.js';
import { planCommand } from './plan.js';
import { inventoryCommand } from './inventory.js';
import { backupCommand } from './backup.js';
import { importCommand } from './import.js';
import { cutoverCommand } from './cutover.js';
import { statusCommand } from './status.js';
import { completionCommand } from './completion.js';
import { versionCommand } from './version.js';

export const PROGRAM = 'kubectl openstack-migrate';

/** Errors thrown by a command's .check() (flag validation) say what a flag must be: usage errors. */
function checkFailure(error: Error): boolean {
  return /^--[a-z-]+ (must|cannot)\b/.test(error.message);
}

/** A flag parser's Error as a usage error (exit 2, like kubectl's bad flag values). */
function usageOnError<T>(parse: (value: unknown) => T): (value: unknown) => T {
  return (value) => {
    try {
      return parse(value);
    } catch (e) {
      throw new MigrateError('usage', (e as Error).message);
    }
  };
}

export function reportError(error: unknown): number {
  const verbose = getVerbosity() > 0;
  if (error instanceof MigrateError) {
    // Messages quote names and server texts: no control character reaches the terminal (lines we made stay).
    process.stderr.write(`error: ${escapeControlKeepLines(error.message)}\n`);
    if (verbose && error.cause) process.stderr.write(`caused by: ${String((error.cause as Error).stack ?? error.cause)}\n`);
    return error.exitCode;
  }
  // A file-system error that no caller put a path on (EBUSY, EACCES, ENOSPC): one line, in words.
  const message = isSystemError(error) ? describeSystemError(error) : error instanceof Error ? error.message : String(error);
  process.stderr.write(`error: ${escapeControlKeepLines(message)}\n`);
  if (verbose && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  else if (!isSystemError(error)) process.stderr.write('(run with -v=1 for details)\n');
  return 1;
}

export async function main(argv: string[] = hideBin(process.argv)): Promise<number> {
  let exitCode = 0;
  guardStandardStreams();
  const parser = withGlobalFlags(yargs(argv))
    .scriptName(PROGRAM)
    .usage(`${PROGRAM} moves the workloads of an OpenStack cloud onto KubeVirt.\n\nUsage: ${PROGRAM} <command> [flags]`)
    .middleware((args) => {
      // -v takes a level like kubectl's (a whole number); `-v abc` is a usage error, not level 0.
      const level = Number(args.v ?? 0);
      if (!Number.isInteger(level) || level < 0) throw new MigrateError('usage', `-v must be a log level, a whole number such as 2 or 6\nSee '${PROGRAM} --help'.`);
      setVerbosity(level);
    })
    // kubectl's global --request-timeout, for every OpenStack request (src/openstack/request-timeout.ts).
    .option('request-timeout', { type: 'string', default: '60s', global: true, describe: 'How long to wait for one OpenStack API request before giving up (30s, 1m, …; 0 = no timeout)', coerce: usageOnError(parseRequestTimeout) })
    .middleware((args) => setRequestTimeout(Number(args.requestTimeout)))
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
      // Errors of yargs itself (a flag value its coerce refused) and of .check() are usage errors too.
      if (error) throw error instanceof MigrateError || (error.name !== 'YError' && !checkFailure(error)) ? error : new MigrateError('usage', `${error.message}\nSee '${PROGRAM} --help'.`);
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
