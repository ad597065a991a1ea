// stdout that goes away (`| head -1`) or fills up (`> /dev/full`) ends the run quietly or with one line,
// never a Node stack trace (issue 11 item 7). Real child processes: these are properties of the process.
import { describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, openSync } from 'node:fs';
import { join } from 'node:path';

const repo = join(import.meta.dirname, '../..');
const entry = join(repo, 'test/support/cli-main-entry.ts');
const EXAMPLE = join(repo, 'examples/cloud.yaml');

function run(args: string[], stdout: number): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', entry, ...args], { cwd: repo, stdio: ['ignore', stdout, 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

describe('standard output errors', () => {
  it('a reader that goes away (EPIPE, `| head -1`): quiet exit, no stack trace', async () => {
    // A real shell pipe (a pipe(2), as a user's shell makes it), and the status the shell sees.
    const r = spawnSync(
      'bash',
      [
        '-c',
        `node --import tsx '${entry}' plan -i '${EXAMPLE}' -o yaml 2>/tmp/epipe-$$.err | head -1 >/dev/null; echo "status=\${PIPESTATUS[0]}"; cat /tmp/epipe-$$.err | grep -v '^ ' | grep -E 'EPIPE|node:|Error' ; rm -f /tmp/epipe-$$.err`,
      ],
      { cwd: repo, encoding: 'utf8' },
    );
    expect(r.stdout).toMatch(/^status=141$/m);
    expect(r.stdout).not.toMatch(/EPIPE|node:|Error/);
  }, 60_000);

  it.skipIf(!existsSync('/dev/full'))(
    'a full disk (ENOSPC): one line naming standard output, exit 1',
    async () => {
      const r = await run(['plan', '-i', EXAMPLE, '-o', 'yaml'], openSync('/dev/full', 'w'));
      expect(r.stderr).toMatch(/^error: cannot write to standard output: no space left on device \(ENOSPC\)$/m);
      // Node's own frames (node:internal/…, node:events:123) or a stack; the report itself may say "each node: …".
      expect(r.stderr).not.toMatch(/node:internal|node:[a-z_]+:\d|\n\s+at /);
      expect(r.code).toBe(1);
    },
    60_000,
  );
});
