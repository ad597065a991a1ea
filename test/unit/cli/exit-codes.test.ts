// Exit codes as kubectl uses them: 0 success, 1 an error while doing the work, 2 a usage error.
import { describe, expect, it } from 'vitest';
import { runMain } from './run-main.js';

describe('exit codes', () => {
  it.each([
    { argv: ['version', '--client'], code: 0, stderr: /^$/ },
    { argv: ['plan', '-i', 'examples/cloud.yaml', '--bogus-flag'], code: 2, stderr: /Unknown arguments?: bogus-flag/ },
    { argv: ['plan'], code: 2, stderr: /Missing required argument: inventory/ },
    { argv: ['plan', '-i', 'x.yaml', '--report-format', 'xml'], code: 2, stderr: /Invalid values/ },
    {
      argv: ['no-such-command'],
      code: 2,
      stderr: /unknown command "no-such-command" for "kubectl openstack-migrate"\n\nRun 'kubectl openstack-migrate --help' for usage/,
    },
    { argv: ['pln', '-i', 'x.yaml'], code: 2, stderr: /unknown command "pln" .*\n\nDid you mean this\?\n\tplan\n/ },
    { argv: [], code: 2, stderr: /Name a command/ },
    { argv: ['version', '-o', 'xml', '--client'], code: 2, stderr: /Invalid values/ },
    { argv: ['plan', '-i', '/nonexistent/inventory.yaml', '-o', 'yaml'], code: 1, stderr: /^error: .*\/nonexistent\/inventory\.yaml/ },
  ])('$argv → $code', async ({ argv, code, stderr }) => {
    const run = await runMain(argv);
    expect(run.stderr).toMatch(stderr);
    expect(run.code).toBe(code);
    if (code !== 0) expect(run.stdout).toBe('');
  });
});
