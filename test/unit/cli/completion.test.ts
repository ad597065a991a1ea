import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { completionScript, NPM_EXECUTABLE, PLUGIN_EXECUTABLE } from '../../../src/cli/completion.js';
import { runMain } from './run-main.js';

describe('completion', () => {
  it('bash: registers a yargs completion function for both executable names', async () => {
    const script = await completionScript('bash');
    for (const name of [PLUGIN_EXECUTABLE, NPM_EXECUTABLE]) {
      expect(script).toContain(`complete -o bashdefault -o default -F _${name}_yargs_completions ${name}\n`);
      // Each function asks the executable it completes (not another name that may not be installed).
      expect(script).toContain(`< <(${name} --get-yargs-completions "\${args[@]}")`);
    }
    expect(script).toContain(`${PLUGIN_EXECUTABLE} completion bash >> ~/.bashrc`);
    // bash itself accepts it: test/integration/completion-shells.test.ts
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
    const run = await runMain(['completion', 'tcsh']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/Choices: "bash", "zsh", "fish"/);
  });

  it('fish: a function per executable that falls back to file names when the plugin offers nothing', async () => {
    const script = await completionScript('fish');
    for (const name of [PLUGIN_EXECUTABLE, NPM_EXECUTABLE]) {
      expect(script).toContain(`env SHELL=fish ${name} --get-yargs-completions ${name} $words[2..-1]`);
      expect(script).toMatch(new RegExp(`^complete -c ${name} -f -a '\\(__\\w+_complete\\)'$`, 'm'));
    }
    expect(script).toContain('__fish_complete_path (commandline -ct)');
  });
});

describe('completion answers (--get-yargs-completions)', () => {
  const ask = async (env: Record<string, string>, ...words: string[]) => {
    const saved = { SHELL: process.env.SHELL, OSM_COMPLETE_DIRECTIVE: process.env.OSM_COMPLETE_DIRECTIVE };
    Object.assign(process.env, env);
    try {
      const run = await runMain(['--get-yargs-completions', 'kubectl-openstack_migrate', ...words]);
      expect(run.code).toBe(0);
      return run.stdout.split('\n').filter(Boolean);
    } finally {
      for (const [k, v] of Object.entries(saved))
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
    }
  };

  it('no bogus --n, --v, --i, --o (one-letter aliases are -n, -v, -i, -o)', async () => {
    const lines = await ask({ SHELL: 'bash' }, 'plan', '-');
    expect(lines).toEqual(expect.arrayContaining(['--namespace', '-n', '--inventory', '-i', '--output', '-o', '--verbose', '-v']));
    for (const bogus of ['--n', '--v', '--i', '--o', '--s', '--h']) expect(lines).not.toContain(bogus);
  });

  it('server names from the inventory for cutover, backup and import', async () => {
    for (const cmd of ['cutover', 'backup', 'import']) {
      expect(await ask({ SHELL: 'fish' }, cmd, '-i', 'examples/cloud.yaml', 'web-')).toEqual([
        expect.stringMatching(/^web-1\tserver /),
        expect.stringMatching(/^web-2\tserver /),
      ]);
    }
  });

  it('contexts, clusters and users from the kubeconfig named on the line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'compl-'));
    const kubeconfig = join(dir, 'config');
    writeFileSync(
      kubeconfig,
      'apiVersion: v1\nkind: Config\nclusters:\n- name: c1\n  cluster: {server: "https://c1:6443"}\nusers:\n- name: u1\n  user: {token: t}\ncontexts:\n- name: prod\n  context: {cluster: c1, user: u1}\n- name: staging\n  context: {cluster: c1, user: u1}\ncurrent-context: prod\n',
    );
    expect(await ask({ SHELL: 'bash' }, 'status', '--kubeconfig', kubeconfig, '--context', '')).toEqual(['prod', 'staging']);
    expect(await ask({ SHELL: 'bash' }, 'status', '--kubeconfig', kubeconfig, '--context', 'st')).toEqual(['staging']);
    expect(await ask({ SHELL: 'zsh' }, 'status', '--kubeconfig', kubeconfig, '--cluster', '')).toEqual(['c1:https://c1:6443']);
  });

  it('files after -i: no candidates (the shells complete file names), directive 0 for kubectl; choices: directive 4', async () => {
    expect(await ask({ SHELL: 'fish', OSM_COMPLETE_DIRECTIVE: '1' }, 'plan', '-i', '')).toEqual([':0']);
    expect(await ask({ SHELL: 'fish', OSM_COMPLETE_DIRECTIVE: '1' }, 'version', '-o', '')).toEqual(['json', 'yaml', ':4']);
  });
});
