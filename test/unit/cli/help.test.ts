// kubectl's (cobra's) habits around commands: `help [command]`, "unknown command" with suggestions.
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../../src/cli/main.js';
import { helpWords, suggestionsFor, unknownCommandError } from '../../../src/cli/help.js';
import { at } from '../../support/must.js';

describe('help and unknown commands', () => {
  it('`help` is --help; `help plan` is `plan --help`; flags and their values before it stay', () => {
    expect(helpWords(['help'])).toEqual(['--help']);
    expect(helpWords(['help', 'plan'])).toEqual(['plan', '--help']);
    expect(helpWords(['--context', 'help', 'help', 'cutover'])).toEqual(['--context', 'help', 'cutover', '--help']);
    expect(helpWords(['plan', '-i', 'help'])).toEqual(['plan', '-i', 'help']);
  });

  it.each([
    ['pln', ['plan']],
    ['cutovr', ['cutover']],
    ['statsu', ['status']],
    ['inv', ['inventory']],
    ['xyz', []],
  ])('%s suggests %j', (typed, expected) => {
    expect(
      suggestionsFor(
        typed,
        COMMANDS.map((c) => at(String(c.command).split(' '), 0, 'command name')),
      ),
    ).toEqual(expected);
  });

  it('names the unknown command (also after global flags and in `help X`), never a flag value', () => {
    expect(unknownCommandError(['-n', 'plan', 'status'], COMMANDS)).toBeUndefined();
    expect(unknownCommandError(['--kubeconfig', 'x', 'pln'], COMMANDS)?.message).toMatch(
      /^unknown command "pln" for "kubectl openstack-migrate"\n\nDid you mean this\?\n\tplan\n/,
    );
    expect(unknownCommandError(['help', 'nope'], COMMANDS)?.exitCode).toBe(2);
    expect(unknownCommandError(['--get-yargs-completions', 'x', 'pl'], COMMANDS)).toBeUndefined();
    expect(unknownCommandError([], COMMANDS)).toBeUndefined();
  });
});
