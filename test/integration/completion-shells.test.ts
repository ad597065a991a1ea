// The bash completion script as bash itself reads it (a child process, so not in the unit project, which
// checks the script's text: test/unit/cli/completion.test.ts).
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { completionScript, NPM_EXECUTABLE, PLUGIN_EXECUTABLE } from '../../src/cli/completion.js';

describe('completion scripts in the real shell', () => {
  it('bash accepts the script and registers a completion for both executable names', async () => {
    const script = await completionScript('bash');
    const bash = spawnSync('bash', ['-c', `set -e; eval "$(cat)"; complete -p ${PLUGIN_EXECUTABLE} ${NPM_EXECUTABLE}`], { input: script, encoding: 'utf8' });
    expect(bash.stderr).toBe('');
    expect(bash.status).toBe(0);
    expect(bash.stdout.trim().split('\n')).toHaveLength(2);
  });
});
