// Entry point: parse the command line and run one command. Command modules load their heavy
// dependencies inside their handlers, so `--help` and `version` stay fast.
import yargs, { type CommandModule } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { MigrateError, describeSystemError, isSystemError } from '../errors.js';
import { escapeControlKeepLines } from '../report/escape.js';
import { applyGlobalFlags, normalizeDryRun, withGlobalFlags } from './common-flags.js';
import { getVerbosity, guardStandardStreams, setVerbosity } from './output.js';
import { planCommand } from './plan.js';
import { inventoryCommand } from './inventory.js';
import { backupCommand } from './backup.js';
import { importCommand } from './import.js';
import { cutoverCommand } from './cutover.js';
import { statusCommand } from './status.js';
import { completionCommand } from './completion.js';
import { versionCommand } from './version.js';
import { helpCommand, helpWords, unknownCommandError } from './help.js';

export const PROGRAM = 'kubectl openstack-migrate';

/** Errors thrown by a command's .check() (flag validation) say what a flag must be: usage errors. */
function checkFailure(error: Error): boolean {
  return /^--[a-z-]+ (must|cannot)\b/.test(error.message);
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

// biome-ignore lint/suspicious/noExplicitAny: each command module has its own argument type; yargs takes them all
export const COMMANDS: CommandModule<any, any>[] = [
  inventoryCommand,
  planCommand,
  backupCommand,
  importCommand,
  cutoverCommand,
  statusCommand,
  completionCommand,
  versionCommand,
];

/** The parser of the whole command line (also used to answer completion requests, see complete.ts). */
export function buildParser(words: string[]) {
  let parser = withGlobalFlags(yargs(words))
    .scriptName(PROGRAM)
    .usage(`${PROGRAM} moves the workloads of an OpenStack cloud onto KubeVirt.\n\nUsage: ${PROGRAM} <command> [flags]`)
    .middleware((args) => {
      setVerbosity(typeof args.v === 'number' ? args.v : 0);
      applyGlobalFlags(args as { v?: unknown; requestTimeout?: unknown });
    });
  for (const command of COMMANDS) parser = parser.command(command);
  return parser
    .command(helpCommand)
    .demandCommand(1, 'Name a command; see --help.')
    .strict()
    .help()
    .alias('h', 'help')
    .version(false)
    .wrap(Math.min(120, process.stdout.columns || 100))
    .epilogue('Docs: https://github.com/openstack-migrate/kubectl-openstack-migrate#readme')
    .fail((message, error) => {
      // Usage errors (unknown flag, missing argument) exit 2 as kubectl does; errors from handlers go through reportError.
      // Errors of yargs itself (a flag value its coerce refused) and of .check() are usage errors too.
      if (error)
        throw error instanceof MigrateError || (error.name !== 'YError' && !checkFailure(error))
          ? error
          : new MigrateError('usage', `${error.message}\nSee '${PROGRAM} --help'.`, { cause: error });
      throw new MigrateError('usage', `${message}\nSee '${PROGRAM} --help'.`);
    });
}

export async function main(argv: string[] = hideBin(process.argv)): Promise<number> {
  let exitCode = 0;
  guardStandardStreams();
  if (argv[0] === '--get-yargs-completions') {
    const { answerCompletion } = await import('./complete.js');
    return answerCompletion(argv.slice(2), buildParser);
  }
  const normalized = normalizeDryRun(argv);
  const { warnings } = normalized;
  const unknown = unknownCommandError(normalized.argv, COMMANDS);
  if (unknown) return reportError(unknown);
  let words = helpWords(normalized.argv);
  // yargs reads a lone "-" as a positional word; `--output-file -` means stdout.
  for (let i = words.indexOf('--output-file'); i >= 0 && words[i + 1] === '-'; i = words.indexOf('--output-file', i + 1)) words.splice(i, 2, '--output-file=-');
  // `--version` on the root, as cobra-built plugins have it: what `version --client` prints.
  if (words.length === 1 && words[0] === '--version') words = ['version', '--client'];
  for (const w of warnings) process.stderr.write(`Warning: ${w}\n`);
  const parser = buildParser(words);
  try {
    await parser.parseAsync();
    exitCode = process.exitCode && typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    exitCode = reportError(error);
  }
  return exitCode;
}
