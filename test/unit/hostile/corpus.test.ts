// The hostile-input corpus (issue 11): malformed, hostile and absurd inventories, each planned by the real
// CLI. Whatever the input, the run ends by itself with exit 0 or 1 and either a plan or one clear error
// (no Node stack trace, no raw control character, no unhandled rejection), and writes nothing when it fails.
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yaml from 'js-yaml';
import type { Inventory } from '../../../src/inventory/types.js';
import { runCli } from '../../support/cli-run.js';
import { must } from '../../support/must.js';

const EXAMPLE = readFileSync(join(import.meta.dirname, '../../../examples/cloud.yaml'), 'utf8');
const HEAD = 'apiVersion: openstack-migrate.io/v1alpha1\nkind: Inventory\nschemaVersion: 1\nmetadata:\n  cloud: x\n';
const sub = (from: RegExp, to: string) => EXAMPLE.replace(from, to);
const mutate = (edit: (inv: Inventory) => void) => {
  const inv = yaml.load(EXAMPLE) as Inventory; // the example inventory, which the loader accepts
  edit(inv);
  return yaml.dump(inv, { lineWidth: -1 });
};
const server = (inv: Inventory, name: string) =>
  must(
    inv.servers.find((s) => s.name === name),
    `server ${name}`,
  );

/** name, file content, and the exit code expected (0: planned, 1: refused with one error). */
const corpus: [string, string | Buffer, 0 | 1][] = [
  ['empty file', '', 1],
  ['only null', 'null\n', 1],
  ['a list', '- a\n- b\n', 1],
  ['a scalar', 'hello\n', 1],
  ['binary garbage', Buffer.from([0x00, 0xff, 0xfe, 0x1b, 0x5b, 0x32, 0x4a, 0x07, 0x89, 0x50, 0x4e, 0x47]), 1],
  ['UTF-16 with BOM', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(EXAMPLE.slice(0, 200), 'utf16le')]), 1],
  ['UTF-8 BOM before a valid inventory', `\ufeff${EXAMPLE}`, 0],
  ['truncated in the middle', EXAMPLE.slice(0, Math.floor(EXAMPLE.length / 2)), 1],
  ['truncated JSON', `{"apiVersion": "openstack-migrate.io/v1alpha1", "kind": "Inventory", "servers": [{"id": `, 1],
  ['tabs for indentation', HEAD.replace(/\n  /g, '\n\t'), 1],
  ['duplicate keys', `${HEAD}servers: []\nservers: []\n`, 1],
  ['a js-yaml function tag', `${HEAD}servers: !!js/function 'function () { return 1 }'\n`, 1],
  ['an unknown tag', `${HEAD}servers: !shell 'rm -rf /'\n`, 1],
  ['deep nesting', `${HEAD}servers: ${'['.repeat(20000)}${']'.repeat(20000)}\n`, 1],
  [
    'a billion laughs',
    `${HEAD}  a0: &a0 ["lol"]\n${Array.from({ length: 25 }, (_, i) => `  a${i + 1}: &a${i + 1} [${Array(10).fill(`*a${i}`).join(',')}]\n`).join('')}servers: []\n`,
    1,
  ],
  ['servers is a mapping', `${HEAD}servers: {a: 1}\n`, 1],
  ['schemaVersion from the future', EXAMPLE.replace(/^schemaVersion: 1$/m, 'schemaVersion: 99'), 1],
  ['apiVersion of something else', EXAMPLE.replace(/^apiVersion: .*$/m, 'apiVersion: v1'), 1],
  ['RAM 1e308 MiB', sub(/^(\s+)ram: \d+$/m, '$1ram: 1e308'), 0],
  ['negative RAM', sub(/^(\s+)ram: \d+$/m, '$1ram: -1'), 1],
  ['vcpus as a string', sub(/^(\s+)vcpus: \d+$/m, "$1vcpus: 'four'"), 1],
  ['vcpus 1e30', sub(/^(\s+)vcpus: \d+$/m, '$1vcpus: 1e30'), 0],
  ['NaN disk', sub(/^(\s+)disk: \d+$/m, '$1disk: .nan'), 1],
  ['a server name with a newline, NUL, ESC and U+202E', sub(/^    name: web-1$/m, '    name: "web\\nkind: Secret\\0\\e[2J\\u202Eevil"'), 0],
  ['a 64 KiB server name', sub(/^    name: web-1$/m, `    name: ${'n'.repeat(65536)}`), 0],
  ['a 2 MB server description', mutate((inv) => (server(inv, 'web-1').description = 'd'.repeat(2 << 20))), 0],
  ['5 MB of user data', mutate((inv) => (server(inv, 'API Gateway').userData = Buffer.alloc(5 << 20, 'u').toString('base64'))), 0],
  ['a server id with slashes and dots', sub(/^(\s+- id: )(\S+)$/m, '$1../../etc/passwd'), 1],
  ['metadata keys with control characters', sub(/^(\s+)role: (\S+)$/m, '$1"ro\\tle\\u0085": "$2\\u0000"'), 0],
];

describe('the hostile-input corpus', () => {
  it.each(corpus)(
    '%s',
    async (_name, content, expected) => {
      const dir = mkdtempSync(join(tmpdir(), 'corpus-'));
      writeFileSync(join(dir, 'inv.yaml'), content);
      const out = join(dir, 'plan');
      const unhandled: unknown[] = [];
      const onUnhandled = (e: unknown) => unhandled.push(e);
      process.on('unhandledRejection', onUnhandled);
      let r: Awaited<ReturnType<typeof runCli>> | undefined;
      try {
        r = await runCli(['plan', '-i', join(dir, 'inv.yaml'), '--out', out]);
      } finally {
        process.off('unhandledRejection', onUnhandled);
      }
      expect(unhandled).toEqual([]);
      expect(r.err).not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)|node:internal|RangeError|TypeError|Maximum call stack/);
      expect(r.out + r.err).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e]/);
      expect(r.code, r.err.slice(0, 500)).toBe(expected);
      if (expected === 1) {
        expect(r.err.startsWith('error: ')).toBe(true);
        expect(existsSync(out)).toBe(false);
        expect(readdirSync(dir)).toEqual(['inv.yaml']);
      } else {
        expect(existsSync(join(out, 'report.txt'))).toBe(true);
      }
    },
    60_000,
  );
});
