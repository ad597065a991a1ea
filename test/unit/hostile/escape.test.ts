// Terminal and log injection (issue 11 item 12): names with a newline, NUL, ESC or U+202E never reach the
// table, report.txt or an error raw; a name cannot forge a row.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { escapeControl } from '../../../src/report/escape.js';
import { runCli } from '../../support/cli-run.js';
import { at } from '../../support/must.js';

const EXAMPLE = join(import.meta.dirname, '../../../examples/cloud.yaml');
const HOSTILE = 'web\\nkind: Secret\\0\\e[31m\\a\\u202Eevil\\x85\\x7f';
// Control characters other than the newlines that separate lines.
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

describe('escaping control characters in human output', () => {
  it('escapeControl writes control characters as visible escapes and keeps printable text', () => {
    expect(escapeControl('web\nkind: Secret')).toBe('web\\nkind: Secret');
    expect(escapeControl('a\u0000b\u001b[31mc\u0007')).toBe('a\\x00b\\x1b[31mc\\x07');
    expect(escapeControl('\u202Eevil')).toBe('\\u202eevil');
    expect(escapeControl('x\u0085\u007f\ud800y')).toBe('x\\x85\\x7f\\ud800y');
    expect(escapeControl('Modèle-Entraînement 01 日本 😀 C:\\path')).toBe('Modèle-Entraînement 01 日本 😀 C:\\path');
  });

  it('a hostile server name: one row in the table and in report.txt, nothing raw', async () => {
    const d = mkdtempSync(join(tmpdir(), 'esc-'));
    const text = readFileSync(EXAMPLE, 'utf8').replace(/^    name: web-1$/m, `    name: "${HOSTILE}"`);
    writeFileSync(join(d, 'inv.yaml'), text);
    const r = await runCli(['plan', '-i', join(d, 'inv.yaml'), '--out', join(d, 'plan')]);
    expect(r.code).toBe(0);
    const report = readFileSync(join(d, 'plan', 'report.txt'), 'utf8');
    for (const out of [r.out, report]) {
      expect(out).not.toMatch(RAW_CONTROL);
      expect(out).not.toMatch(/^kind: Secret/m);
      expect(out).toContain('web\\nkind: Secret\\x00\\x1b[31m\\x07\\u202eevil\\x85\\x7f');
      const rows = at(out.split('\n\n'), 0, 'table').split('\n');
      expect(rows).toHaveLength(19); // header + 18 servers
    }
  });
});
