// The flags every command shares, read as kubectl reads them (durations as Go's time.ParseDuration, a bare
// --dry-run as client with kubectl's warning, -v levels), and the kubeconfig overrides of genericclioptions.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import yargs from 'yargs';
import { dryRunOption, normalizeDryRun, parseDryRun, parseDuration, parseVerbosity } from '../../../src/cli/common-flags.js';
import { loadKubeConfig } from '../../../src/kube/config.js';
import { loggableUrl } from '../../../src/http-settings.js';
import { runMain } from './run-main.js';

describe('durations (--timeout, --request-timeout)', () => {
  it.each([
    ['90s', 90_000],
    ['5m', 300_000],
    ['1h30m', 5_400_000],
    ['1.5h', 5_400_000],
    ['300ms', 300],
    ['2h45m10s', 9_910_000],
    ['0', 0],
    ['.5s', 500],
  ])('%s is %d ms', (text, ms) => expect(parseDuration(text, '--timeout')).toBe(ms));

  it.each(['5x', '5', '90', 'm', '', '1h 30m', '-5m', '5m!', 'NaN'])('%j is a usage error', (text) => {
    expect(() => parseDuration(text, '--timeout')).toThrow(expect.objectContaining({ exitCode: 2, message: expect.stringContaining('--timeout') }));
  });

  it('--request-timeout reads a bare number as seconds, as kubectl does', () => {
    expect(parseDuration('30', '--request-timeout', { bareSeconds: true })).toBe(30_000);
  });

  it.each([
    [['backup', '-i', 'examples/cloud.yaml', 'web-1', '--timeout', '5x']],
    [['cutover', '-i', 'examples/cloud.yaml', 'web-1', '--timeout', '5x']],
    [['cutover', '-i', 'examples/cloud.yaml', 'web-1', '--timeout', '3600']],
    [['version', '--client', '--request-timeout', 'soon']],
  ])('%j exits 2 naming the flag', async (argv) => {
    const run = await runMain(argv);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^error: invalid argument "[^"]+" for "--(request-)?timeout" flag/);
  });
});

describe('--dry-run', () => {
  it("a bare --dry-run is client, with kubectl's warning; the next word stays a word", () => {
    expect(normalizeDryRun(['cutover', '--dry-run', 'web-1'])).toEqual({
      argv: ['cutover', '--dry-run=client', 'web-1'],
      warnings: ['--dry-run is deprecated and can be replaced with --dry-run=client.'],
    });
  });

  it("--dry-run=true/false are client/none with kubectl's warning; after -- nothing is touched", () => {
    expect(normalizeDryRun(['--dry-run=true', '--', '--dry-run'])).toEqual({
      argv: ['--dry-run=client', '--', '--dry-run'],
      warnings: ['--dry-run=true is deprecated (boolean value) and can be replaced with --dry-run=client.'],
    });
    expect(normalizeDryRun(['--dry-run=false']).argv).toEqual(['--dry-run=none']);
  });

  it('a bare --dry-run is client even where the words were not normalized first (yargs would use the default)', async () => {
    const parse = (argv: string[]) => (dryRunOption(yargs(argv)).option('stop', { type: 'boolean' }).parseSync() as { dryRun?: string }).dryRun;
    expect(parse(['--dry-run'])).toBe('client');
    expect(parse(['--dry-run', '--stop'])).toBe('client');
    expect(parse([])).toBe('none');
    expect(parse(['--dry-run=server'])).toBe('server');
  });

  it('values: none|client|server; an empty or true value is client, never none', () => {
    expect(['none', 'client', 'server', '', true].map(parseDryRun)).toEqual(['none', 'client', 'server', 'client', 'client']);
    expect(() => parseDryRun('yes')).toThrow('Invalid dry-run value (yes). Must be "none", "server", or "client".');
  });

  it('plan --apply --dry-run prints what would be applied and contacts no cluster', async () => {
    // A kubeconfig whose server does not exist: a dry run that tried to reach it would fail.
    const dir = mkdtempSync(join(tmpdir(), 'dry-'));
    const kubeconfig = join(dir, 'config');
    writeFileSync(kubeconfig, kubeconfigText('https://127.0.0.1:1'));
    const run = await runMain(['plan', '-i', 'examples/cloud.yaml', '--apply', '--dry-run', '--kubeconfig', kubeconfig]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('Warning: --dry-run is deprecated and can be replaced with --dry-run=client.');
    expect(run.stderr).toContain('namespace/acme-web-prod would be applied (dry run)');
    expect(run.stderr).not.toMatch(/ (configured|created|unchanged|serverside-applied)$|Unable to connect/m);
  });

  it.each(['backup'])('%s refuses --dry-run=server (OpenStack has no server-side dry run)', async (cmd) => {
    const run = await runMain([cmd, '-i', 'examples/cloud.yaml', 'web-1', '--dry-run=server']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--dry-run=server is not available/);
  });
});

describe('-v', () => {
  it.each(['0', '6', '10'])('%s is a level', (v) => expect(parseVerbosity(v)).toBe(Number(v)));
  it.each(['abc', '-1', '11', '2.5'])('%s is a usage error', (v) => expect(() => parseVerbosity(v)).toThrow(expect.objectContaining({ exitCode: 2 })));

  it('request URLs are logged without credentials or secret query values', () => {
    expect(loggableUrl('https://user:pw@h:6443/api?token=abc&limit=5')).toBe('https://h:6443/api?token=***&limit=5');
  });
});

describe('-o means a format', () => {
  it('inventory -o FILE (the old spelling) says to use --output-file', async () => {
    const run = await runMain(['inventory', '-o', 'inventory.yaml']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('-o is the output format (json|yaml), not "inventory.yaml"; write the inventory to a file with --output-file inventory.yaml');
  });

  it('inventory -o json with a .yaml file is a usage error', async () => {
    const run = await runMain(['inventory', '-o', 'json', '--output-file', 'x.yaml']);
    expect(run.code).toBe(2);
  });

  it.each([
    ['status', '-o', 'xml'],
    ['backup', '-i', 'examples/cloud.yaml', '--all', '-o', 'xml'],
    ['plan', '-i', 'examples/cloud.yaml', '-o', 'xml'],
  ])('%j is a usage error', async (...argv) => {
    const run = await runMain(argv);
    expect(run.code).toBe(2);
  });
});

describe('plan --out', () => {
  it('prints the safe next step, never `kubectl apply -R -f DIR`', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'out-')), 'plan');
    const run = await runMain(['plan', '-i', 'examples/cloud.yaml', '--out', out]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).not.toMatch(/kubectl apply -R/);
    expect(run.stderr).toContain(`do not \`kubectl apply\` the directory whole: it would start the VMs and claim the floating IPs`);
    expect(run.stderr).toContain('kubectl openstack-migrate plan -i examples/cloud.yaml --apply --dry-run=server');
  });

  it('with --apply writes the same directory and report from the one plan it applies', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'out-'));
    const alone = await runMain(['plan', '-i', 'examples/cloud.yaml', '--out', join(parent, 'alone')]);
    const applied = await runMain(['plan', '-i', 'examples/cloud.yaml', '--out', join(parent, 'applied'), '--apply', '--dry-run=client']);
    expect(alone.code, alone.stderr).toBe(0);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout + applied.stderr).toContain('would be applied (dry run)');
    const files = (dir: string) =>
      readdirSync(dir, { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile())
        .map((e) => join(e.parentPath, e.name).slice(dir.length))
        .sort();
    const paths = files(join(parent, 'alone'));
    expect(paths.length).toBeGreaterThan(10);
    expect(files(join(parent, 'applied'))).toEqual(paths);
    for (const path of paths) expect(readFileSync(join(parent, 'applied', path), 'utf8'), path).toBe(readFileSync(join(parent, 'alone', path), 'utf8'));
  });
});

function kubeconfigText(server: string, extra = ''): string {
  return `apiVersion: v1
kind: Config
clusters:
- name: a
  cluster: {server: ${server}, certificate-authority-data: ${Buffer.from('not a real CA').toString('base64')}}
- name: b
  cluster: {server: https://b.example:6443}
users:
- name: alice
  user: {token: alice-token}
- name: bob
  user: {token: bob-token}
contexts:
- name: ca
  context: {cluster: a, user: alice, namespace: team-a}
- name: cb
  context: {cluster: b, user: bob}
current-context: ca
${extra}`;
}

describe('connection flags (genericclioptions)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kcfg-'));
  const path = join(dir, 'config');
  writeFileSync(path, kubeconfigText('https://a.example:6443'));

  function loaded(options: Parameters<typeof loadKubeConfig>[0]) {
    const r = loadKubeConfig({ kubeconfig: path, ...options });
    if (!r.ok) throw new Error(r.error.message);
    return r.value;
  }

  it('--context, --cluster and --user pick kubeconfig entries; -n wins over the context namespace', () => {
    expect(loaded({}).server).toBe('https://a.example:6443');
    expect(loaded({}).namespace).toBe('team-a');
    expect(loaded({ context: 'cb' }).namespace).toBe('default');
    const t = loaded({ cluster: 'b', user: 'bob', namespace: 'x' });
    expect(t.server).toBe('https://b.example:6443');
    expect(t.kc.getCurrentUser()?.token).toBe('bob-token');
    expect(t.namespace).toBe('x');
  });

  it('--server, --token, --as, --certificate-authority, --insecure-skip-tls-verify override', () => {
    const t = loaded({
      server: 'http://127.0.0.1:8001',
      token: 'flag-token',
      impersonate: 'jane',
      impersonateGroups: ['g1', 'g2'],
      certificateAuthority: '/ca.pem',
    });
    expect(t.server).toBe('http://127.0.0.1:8001');
    expect(t.kc.getCurrentUser()).toMatchObject({ token: 'flag-token', impersonateUser: 'jane' });
    expect(t.kc.getCurrentCluster()).toMatchObject({ caFile: '/ca.pem', caData: undefined });
    expect(t.impersonateGroups).toEqual(['g1', 'g2']);
    expect(loaded({ insecureSkipTlsVerify: true }).kc.getCurrentCluster()).toMatchObject({ skipTLSVerify: true, caData: undefined });
  });

  it('unknown names and contradictory flags are errors naming what exists', () => {
    expect(loadKubeConfig({ kubeconfig: path, cluster: 'zz' })).toMatchObject({ ok: false, error: { message: expect.stringContaining('clusters: a, b') } });
    expect(loadKubeConfig({ kubeconfig: path, user: 'zz' })).toMatchObject({ ok: false, error: { message: expect.stringContaining('users: alice, bob') } });
    expect(loadKubeConfig({ kubeconfig: path, insecureSkipTlsVerify: true, certificateAuthority: '/ca.pem' })).toMatchObject({
      ok: false,
      error: { message: 'specifying a root certificates file with the insecure flag is not allowed' },
    });
    expect(loadKubeConfig({ kubeconfig: path, server: 'ftp://x' })).toMatchObject({ ok: false });
  });

  it('--server alone works without any kubeconfig (kubectl proxy)', () => {
    const saved = { KUBECONFIG: process.env.KUBECONFIG, HOME: process.env.HOME };
    process.env.KUBECONFIG = join(dir, 'missing');
    process.env.HOME = dir;
    try {
      const r = loadKubeConfig({ server: 'http://127.0.0.1:8001' });
      expect(r).toMatchObject({ ok: true, value: { server: 'http://127.0.0.1:8001', namespace: 'default' } });
      expect(loadKubeConfig({})).toMatchObject({ ok: false });
    } finally {
      for (const [k, v] of Object.entries(saved))
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
    }
  });

  it('a connection error names the server', async () => {
    const run = await runMain(['version', '--server', 'http://127.0.0.1:1', '--kubeconfig', path]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error: Unable to connect to the server http:\/\/127\.0\.0\.1:1: GET http:\/\/127\.0\.0\.1:1\/version: connection refused/m);
  });
});
