// Terminal habits shared by every command: colour only on a TTY and never with NO_COLOR, messages and
// progress on stderr (stdout is for data), verbosity like kubectl's -v.
import type { Severity } from '../translate/model.js';
import type { Style } from '../report/table.js';
import { escapeControlKeepLines } from '../report/escape.js';

export function colourEnabled(stream: NodeJS.WriteStream = process.stdout): boolean {
  if ('NO_COLOR' in process.env && process.env.NO_COLOR !== '') return false;
  if (process.env.FORCE_COLOR === '0') return false;
  return Boolean(stream.isTTY);
}

/** chalk is loaded only when colour is on, so piped and scripted runs do not pay for it. */
export async function terminalStyle(stream: NodeJS.WriteStream = process.stdout): Promise<Style> {
  if (!colourEnabled(stream)) return { bold: (s) => s, severity: (_v, s) => s };
  const { Chalk } = await import('chalk');
  const chalk = new Chalk({ level: 1 });
  const bySeverity: Record<Severity, (s: string) => string> = {
    info: (s) => s,
    warning: chalk.yellow,
    blocker: chalk.red,
    error: chalk.red.bold,
  };
  return { bold: chalk.bold, severity: (v, s) => bySeverity[v](s) };
}

let verbosity = 0;
export function setVerbosity(level: number): void {
  verbosity = level;
}
export function getVerbosity(): number {
  return verbosity;
}

/** A message for humans, on stderr (control characters of names in it escaped; its own lines kept). */
export function note(message: string): void {
  process.stderr.write(`${escapeControlKeepLines(message)}\n`);
}

export function warn(message: string): void {
  process.stderr.write(`Warning: ${escapeControlKeepLines(message)}\n`);
}

/** Printed only at -v level or above. */
export function debug(level: number, message: string): void {
  if (verbosity >= level) process.stderr.write(`${message}\n`);
}

let streamsGuarded = false;

/**
 * Errors of stdout and stderr end the run quietly or with one line, never with a Node stack trace:
 * - EPIPE (the reader went away: `plan -o yaml | head -1`): exit at once without a word, as kubectl does
 *   (Go dies of SIGPIPE; the shell reports 141, which is the status used here);
 * - any other (ENOSPC with `> /dev/full`): one line on stderr naming standard output, exit 1.
 */
export function guardStandardStreams(exit: (code: number) => never = (code) => process.exit(code)): void {
  if (streamsGuarded) return;
  streamsGuarded = true;
  const guard = (stream: NodeJS.WriteStream, name: string) => {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') exit(141);
      if (stream !== process.stderr) {
        try {
          process.stderr.write(
            `error: cannot write to ${name}: ${error.code === 'ENOSPC' ? 'no space left on device' : error.message.split(',')[0]} (${error.code ?? 'error'})\n`,
          );
        } catch {
          // stderr is gone too: nothing left to tell the user with.
        }
      }
      exit(1);
    });
  };
  guard(process.stdout, 'standard output');
  guard(process.stderr, 'standard error');
}
