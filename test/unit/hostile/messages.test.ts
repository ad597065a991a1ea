// Messages and exit codes a careless user meets (issue 11 items 5 and 13): each says what is wrong in one
// line, with the right exit code, and nothing is written.
import { describe, expect, it } from 'vitest';
import { chmodSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../support/cli-run.js';
import { OpenStackClient } from '../../../src/openstack/client.js';
import { loadCloudConfig } from '../../../src/openstack/config.js';

const EXAMPLE = join(import.meta.dirname, '../../../examples/cloud.yaml');
const example = readFileSync(EXAMPLE, 'utf8');

function file(name: string, text: string): string {
  const d = mkdtempSync(join(tmpdir(), 'msg-'));
  writeFileSync(join(d, name), text);
  return join(d, name);
}

describe('messages (issue 11 item 13)', () => {
  it('a bad --config file is called a plan config, not an inventory', async () => {
    const config = file('config.yaml', 'apiVersion: openstack-migrate.io/v1alpha1\nkind: PlanConfig\nstorageClas: fast\n');
    const r = await runCli(['plan', '-i', EXAMPLE, '--config', config, '-o', 'name']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/config\.yaml is not a valid plan config \(kind: PlanConfig\): \(top level\): must NOT have additional properties "storageClas"/);
    expect(r.err).not.toMatch(/inventory/);
  });

  it('schemaVersion "1" (a string) is told to be the number 1', async () => {
    const inv = file('inv.yaml', example.replace(/^schemaVersion: 1$/m, 'schemaVersion: "1"'));
    const r = await runCli(['plan', '-i', inv, '-o', 'name']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/schemaVersion: must be the number 1, not the string "1" \(remove the quotes\)/);
  });

  it('an inventory without servers (documented as required) is refused', async () => {
    const inv = file('inv.yaml', example.replace(/^servers:\n(  .*\n|\s*\n)*/m, ''));
    expect(inv && readFileSync(inv, 'utf8')).not.toMatch(/^servers:/m);
    const r = await runCli(['plan', '-i', inv, '-o', 'name']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/servers: missing required field "servers"/);
  });

  it('-n with a namespace the plan does not have: NotFound, exit 1, nothing written', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'msg-')), 'plan');
    const r = await runCli(['plan', '-i', EXAMPLE, '-n', 'no-such-ns', '--out', out]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/namespace "no-such-ns" not found in the plan of .* \(its namespaces: acme-acme-dev, /);
    expect(readdirSync(join(out, '..'))).toEqual([]);
    expect((await runCli(['plan', '-i', EXAMPLE, '-n', 'no-such-ns', '-o', 'name'])).code).toBe(1);
  });

  it.skipIf(process.getuid?.() === 0)('an unreadable inventory: the path and the reason in words', async () => {
    const inv = file('inv.yaml', example);
    chmodSync(inv, 0);
    const r = await runCli(['plan', '-i', inv, '-o', 'name']);
    expect(r.err).toMatch(/^error: cannot read inventory .*inv\.yaml: permission denied \(EACCES\)$/m);
  });

  it('a plan directory that cannot be written: the path and the reason, one line, no stack', async () => {
    // A folder under a file (ENOTDIR); permissions do not stop root, so the tests do not rely on them.
    const parent = file('afile', 'text');
    const r = await runCli(['plan', '-i', EXAMPLE, '--out', join(parent, 'plan')]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^error: cannot (read|create) \S+\/afile\/\S+: a part of the path is not a directory \(ENOTDIR\)$/m);
    expect(r.err).not.toMatch(/run with -v/);
    expect(r.err).not.toMatch(/\n\s+at /);
  });

  it('a CA file that is not PEM is refused, not ignored', () => {
    const ca = file('ca.der', '\u0030\u0082\u0003\u00f1 not a certificate');
    const config = loadCloudConfig({ env: { OS_AUTH_URL: 'https://127.0.0.1:9/v3', OS_USERNAME: 'u', OS_PASSWORD: 'p', OS_CACERT: ca } });
    return expect(OpenStackClient.connect(config)).rejects.toThrow(/cacert .*ca\.der of cloud .* holds no PEM certificate/);
  });
});

describe('an alias bomb (issue 11 item 5)', () => {
  it('a 1 MiB string aliased 2,000 times ends with one line, fast and small', async () => {
    const big = 'x'.repeat(1 << 20);
    let text = example.replace(/^metadata:\n/m, `metadata:\n  bomb: &big "${big}"\n`);
    text = text.replace(/^(\s+)description: .*$/m, (_m, indent) => `${indent}description: [${Array(2000).fill('*big').join(', ')}]`);
    const inv = file('bomb.yaml', text);
    const started = Date.now();
    const before = process.memoryUsage().rss;
    const r = await runCli(['plan', '-i', inv, '-o', 'name']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^error: .*bomb\.yaml is not a valid inventory: \(file\): its YAML aliases expand to more than \d+ MiB \(an alias bomb\?\)/);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(process.memoryUsage().rss - before).toBeLessThan(200 << 20);
  });

  it('a billion laughs (nested aliases) is refused the same way', async () => {
    let text = 'apiVersion: openstack-migrate.io/v1alpha1\nkind: Inventory\nschemaVersion: 1\nservers: []\nmetadata:\n  cloud: x\n  l0: &l0 ["lol"]\n';
    for (let i = 1; i <= 30; i++)
      text += `  l${i}: &l${i} [${Array(10)
        .fill(`*l${i - 1}`)
        .join(', ')}]\n`;
    const r = await runCli(['plan', '-i', file('laughs.yaml', text), '-o', 'name']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/aliases expand to more than/);
  });

  it('an inventory this tool writes (no aliases) and a hand-written one sharing a value are accepted', async () => {
    const shared = example.replace(/^metadata:\n/m, 'metadata:\n  note: &n "shared"\n  again: *n\n');
    const r = await runCli(['plan', '-i', file('shared.yaml', shared), '-o', 'name']);
    expect(r.err).not.toMatch(/alias/);
  });
});
