// `inventory -o FILE` writes a file atomically and never leaves temporary files: a directory or `/` is
// refused before anything is read or written, and temporary files of killed runs are removed (issue 11 item 4).
import { describe, expect, it } from 'vitest';
import { NO_SUCH_PID } from '../../support/pids.js';
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatInventory, loadInventoryFile, saveInventoryFile } from '../../../src/inventory/load.js';
import { runCli } from '../../support/cli-run.js';

const EXAMPLE = join(import.meta.dirname, '../../../examples/cloud.yaml');

describe('saving an inventory', () => {
  it('refuses a directory, with one clear line and no temporary file', async () => {
    const inv = await loadInventoryFile(EXAMPLE);
    const d = mkdtempSync(join(tmpdir(), 'inv-'));
    mkdirSync(join(d, 'X'));
    await expect(saveInventoryFile(inv, join(d, 'X'))).rejects.toThrow(/inventory file .*X is a directory; give a file name/);
    await expect(saveInventoryFile(inv, `${d}/new/`)).rejects.toThrow(/is a directory; give a file name/);
    expect(readdirSync(d)).toEqual(['X']);
    expect(readdirSync(join(d, 'X'))).toEqual([]);
    await expect(saveInventoryFile(inv, '/')).rejects.toThrow(/inventory file \/ is a directory/);
    expect(readdirSync('/').filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('the inventory command refuses such a path before it reads the cloud (exit 2)', async () => {
    const d = mkdtempSync(join(tmpdir(), 'inv-'));
    for (const out of [d, '/']) {
      const r = await runCli(['inventory', '--os-auth-url', 'http://127.0.0.1:9/v3', '--output-file', out]);
      expect(r.code, out).toBe(2);
      expect(r.err, out).toMatch(/^error: inventory file .* is a directory; give a file name/);
      expect(r.err).not.toMatch(/EISDIR|unreachable|\n\s+at /);
    }
    expect(readdirSync(d)).toEqual([]);
  });

  it('removes temporary files that killed runs left, and keeps what is not its own', async () => {
    const inv = await loadInventoryFile(EXAMPLE);
    const d = mkdtempSync(join(tmpdir(), 'inv-'));
    const dead = NO_SUCH_PID;
    writeFileSync(join(d, `.inv.yaml.${dead}.tmp`), formatInventory(inv, 'yaml').slice(0, 5000));
    writeFileSync(join(d, `.inv.yaml.${dead + 1}.tmp`), "somebody else's file");
    writeFileSync(join(d, `.inv.yaml.${process.ppid}.tmp`), '');
    await saveInventoryFile(inv, join(d, 'inv.yaml'));
    expect(readdirSync(d).sort()).toEqual([`.inv.yaml.${dead + 1}.tmp`, `.inv.yaml.${process.ppid}.tmp`, 'inv.yaml'].sort());
    expect(readFileSync(join(d, 'inv.yaml'), 'utf8')).toBe(formatInventory(inv, 'yaml'));
  });
});
