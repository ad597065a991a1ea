// `plan --out` writes its files on a worker thread (src/plan/file-writer-thread.ts). Real processes: what
// a thread inherits from its process (node options), and what the user sees when a file cannot be written.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StagedDirectory } from '../../src/plan/write.js';
import { expectPlanDirectory } from '../support/plan-directory.js';

const repo = join(import.meta.dirname, '../..');
const EXAMPLE = join(repo, 'examples/cloud.yaml');

describe('plan files written on a worker thread', () => {
  it('works in a process started with --input-type=module (the thread does not inherit it)', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'writer-')), 'plan');
    const script = `const { main } = await import(${JSON.stringify(join(repo, 'src/cli/main.ts'))}); process.exitCode = await main(['plan', '-i', ${JSON.stringify(EXAMPLE)}, '--out', ${JSON.stringify(out)}]);`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: repo, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    await expectPlanDirectory(out, EXAMPLE);
  }, 60_000);

  it('names the file it could not write, with the reason, and leaves no staging directory', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'writer-'));
    const dir = new StagedDirectory(join(parent, 'plan'), 'test-plan');
    await dir.write('namespaces/a/20-secrets.yaml', 'x: 1\n');
    // A folder where a file already is: mkdir fails with ENOTDIR (or EEXIST) on the thread.
    await dir.write('namespaces/a/20-secrets.yaml/nested.yaml', 'y: 2\n');
    await expect(dir.commit()).rejects.toThrow(/cannot write .*namespaces\/a\/20-secrets\.yaml\/nested\.yaml: .*\((ENOTDIR|EEXIST)\)/);
    await dir.discard();
    expect(readdirSync(parent)).toEqual([]);
  });

  it('a write that fails stops later writes of the plan with the same error', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'writer-'));
    mkdirSync(join(parent, 'in-the-way'));
    writeFileSync(join(parent, 'in-the-way', 'keep.txt'), 'user file');
    const dir = new StagedDirectory(join(parent, 'plan'), 'test-plan');
    await dir.write('a.yaml/b.yaml', 'no');
    await dir.write('a.yaml', 'also no: a folder of that name exists now');
    await expect(dir.commit()).rejects.toThrow(/cannot write/);
    // Once failed, the directory refuses more files at once.
    expect(() => dir.write('c.yaml', 'late')).toThrow(/cannot write/);
    await dir.discard();
    expect(readdirSync(parent)).toEqual(['in-the-way']);
    expect(existsSync(join(parent, 'in-the-way', 'keep.txt'))).toBe(true);
  });
});
