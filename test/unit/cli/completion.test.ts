import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { completionScript, NPM_EXECUTABLE, PLUGIN_EXECUTABLE } from '../../../src/cli/completion.js';
import { runMain } from './run-main.js';

describe('completion', () => {
  it('bash: registers a yargs completion function for both executable names, and bash accepts it', async () => {
    const script = await completionScript('bash');
    for (const name of [PLUGIN_EXECUTABLE, NPM_EXECUTABLE]) {
      expect(script).toContain(`complete -o bashdefault -o default -F _${name}_yargs_completions ${name}\n`);
      // Each function asks the executable it completes (not another name that may not be installed).
      expect(script).toContain(`< <(${name} --get-yargs-completions "\${args[@]}")`);
    }
    expect(script).toContain(`${PLUGIN_EXECUTABLE} completion bash >> ~/.bashrc`);
    const bash = spawnSync('bash', ['-c', `set -e; eval "$(cat)"; complete -p ${PLUGIN_EXECUTABLE} ${NPM_EXECUTABLE}`], { input: script, encoding: 'utf8' });
    expect(bash.stderr).toBe('');
    expect(bash.status).toBe(0);
    expect(bash.stdout.trim().split('\n')).toHaveLength(2);
  });

  it('zsh: one #compdef line naming both executables, a _describe-based function for each', async () => {
    const script = await completionScript('zsh');
    expect(script.split('\n')[0]).toBe(`#compdef ${PLUGIN_EXECUTABLE} ${NPM_EXECUTABLE}`);
    expect(script.match(/^#compdef/gm)).toHaveLength(1);
    for (const name of [PLUGIN_EXECUTABLE, NPM_EXECUTABLE]) {
      expect(script).toContain(`compdef _${name}_yargs_completions ${name}\n`);
      expect(script).toContain(`${name} --get-yargs-completions "\${words[@]}"`);
    }
    expect(script).toContain("_describe 'values' reply");
  });

  it('the script does not depend on the $SHELL of whoever generates it', async () => {
    const saved = process.env.SHELL;
    try {
      process.env.SHELL = '/usr/bin/zsh';
      const bashFromZsh = await completionScript('bash');
      process.env.SHELL = '/bin/bash';
      expect(bashFromZsh).toBe(await completionScript('bash'));
      expect(process.env.SHELL).toBe('/bin/bash');
    } finally {
      process.env.SHELL = saved;
    }
  });

  it.each([
    [['completion'], 0, 'complete -o bashdefault'],
    [['completion', 'bash'], 0, 'complete -o bashdefault'],
    [['completion', 'zsh'], 0, '#compdef'],
  ])('`%j` exits %i and prints the script', async (argv, code, marker) => {
    const run = await runMain(argv);
    expect(run.code).toBe(code);
    expect(run.stdout).toContain(marker);
    expect(run.stderr).toBe('');
  });

  it('refuses shells it has no script for with a usage error (exit 2)', async () => {
    const run = await runMain(['completion', 'fish']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/Choices: "bash", "zsh"/);
  });
});
