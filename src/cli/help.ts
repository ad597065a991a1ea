// kubectl's habits around commands: `help [command]`, and an unknown command answered with cobra's
// message and suggestions ("unknown command "plna" for "kubectl openstack-migrate"" / "Did you mean this?").
import type { CommandModule } from 'yargs';
import { MigrateError } from '../errors.js';

const PROGRAM = 'kubectl openstack-migrate';

/** Global flags that take a value in the next word (see common-flags.ts); their values are not commands. */
const VALUE_FLAGS = new Set([
  '--kubeconfig',
  '--context',
  '--cluster',
  '--user',
  '--namespace',
  '-n',
  '--server',
  '-s',
  '--token',
  '--as',
  '--as-group',
  '--certificate-authority',
  '--request-timeout',
  '-v',
  '--v',
  '--verbose',
]);

export const helpCommand: CommandModule = {
  command: 'help [command]',
  describe: 'Help about any command',
  // Never reached: main() turns `help X` into `X --help` before parsing (see helpWords).
  handler: () => {},
};

function commandName(c: CommandModule): string {
  const spec = Array.isArray(c.command) ? c.command[0] : c.command;
  const [name = ''] = String(spec ?? '').split(' ');
  return name;
}

/** Index of the first word that is not a flag or a flag's value, or -1. */
function firstWord(words: readonly string[]): number {
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    if (w === undefined || w === '--') return -1;
    if (w.startsWith('-')) {
      if (VALUE_FLAGS.has(w)) i += 1;
      continue;
    }
    return i;
  }
  return -1;
}

/** `help` → `--help`; `help plan` → `plan --help`. Returns the words unchanged otherwise. */
export function helpWords(words: string[]): string[] {
  const at = firstWord(words);
  if (at < 0 || words[at] !== 'help') return words;
  const rest = [...words.slice(0, at), ...words.slice(at + 1)];
  return [...rest, '--help'];
}

/** Levenshtein distance, for suggestions (cobra suggests within a distance of 2, or by prefix). */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  // row has b.length + 1 entries, i and j stay within a and b: every index below is in range.
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(cur + 1, row[j - 1]! + 1, prev + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}

export function suggestionsFor(typed: string, names: string[]): string[] {
  return names.filter((n) => distance(typed, n) <= 2 || (typed.length > 0 && n.startsWith(typed.toLowerCase())));
}

/**
 * cobra's error for an unknown command, or undefined when the first word is a command (or absent, or a
 * completion request). `help <unknown>` is answered the same way.
 */
export function unknownCommandError(words: readonly string[], commands: CommandModule[]): MigrateError | undefined {
  if (words.some((w) => w === '--get-yargs-completions')) return undefined;
  const names = [...commands.map(commandName), 'help'];
  let at = firstWord(words);
  if (at < 0) return undefined;
  if (words[at] === 'help') {
    const rest = words.slice(at + 1);
    const next = firstWord(rest);
    if (next < 0) return undefined;
    at = at + 1 + next;
  }
  const typed = words[at];
  if (typed === undefined || names.includes(typed)) return undefined;
  const suggestions = suggestionsFor(
    typed,
    names.filter((n) => n !== 'help'),
  );
  const hint = suggestions.length ? `\n\nDid you mean this?\n${suggestions.map((s) => `\t${s}`).join('\n')}` : '';
  return new MigrateError('usage', `unknown command "${typed}" for "${PROGRAM}"${hint}\n\nRun '${PROGRAM} --help' for usage.`);
}
