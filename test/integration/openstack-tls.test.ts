// TLS of the OpenStack client over real HTTPS on loopback: the `inventory` command, run in-process through
// main(), against the local OpenStack API server serving a certificate from a throwaway CA made here with
// openssl (nothing is committed). Verified by default; a CA bundle from clouds.yaml (cacert or verify: <path>),
// OS_CACERT or --os-cacert; --insecure / OS_INSECURE / verify: false with one loud warning per run.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { TEST_PASSWORD, adminEnv, fixtureCloud, startOpenStackServer, type OpenStackTestServer } from '../support/openstack-server/index.js';

/** Everything the runs printed or wrote: scanned for the password and the issued tokens at the end. */
const outputs: string[] = [];
let dir = '';
let caPem = '';
let otherCaPem = '';
/** Serves a leaf certificate signed by caPem (the usual private-CA cloud). */
let signed: OpenStackTestServer;
/** Serves a self-signed certificate (a fresh devstack-like cloud). */
let selfSigned: OpenStackTestServer;
/** Serves a certificate of the same CA issued for another host name only. */
let otherName: OpenStackTestServer;
let runs = 0;

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

/** A fresh P-256 key: EC, because RSA key generation would cost most of the time budget of this file. */
const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** A self-signed certificate <name>.pem (key <name>.key) for subject subj, with the given extensions. */
function selfSignedCert(name: string, subj: string, ...extensions: string[]): string {
  const addext = extensions.flatMap((e) => ['-addext', e]);
  openssl('req', '-x509', ...EC_KEY, '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '2', '-subj', subj, ...addext);
  return join(dir, `${name}.pem`);
}

/** A CA certificate (self-signed, allowed to sign certificates). */
function makeCa(name: string): string {
  return selfSignedCert(name, `/CN=${name}`, 'basicConstraints=critical,CA:TRUE', 'keyUsage=critical,keyCertSign,cRLSign');
}

/** <name>.pem: the key of server.csr certified by test-ca with the extensions given (an openssl extfile). */
function signByTestCa(name: string, extensions: string): void {
  writeFileSync(join(dir, `${name}.ext`), extensions);
  openssl(
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'test-ca.pem',
    '-CAkey',
    'test-ca.key',
    '-CAcreateserial',
    '-out',
    `${name}.pem`,
    '-days',
    '2',
    '-extfile',
    `${name}.ext`,
  );
}

const SAN = 'subjectAltName=IP:127.0.0.1,DNS:localhost';

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'os-tls-'));
  caPem = makeCa('test-ca');
  otherCaPem = makeCa('other-ca');
  openssl('req', ...EC_KEY, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost');
  signByTestCa('server', `${SAN}\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n`);
  signByTestCa('other-name', 'subjectAltName=DNS:keystone.example.invalid\nextendedKeyUsage=serverAuth\n');
  selfSignedCert('self', '/CN=localhost', SAN);
  const read = (f: string) => readFileSync(join(dir, f));
  // alice is a member of two projects here, so that her run scopes a second client (see the --insecure cases).
  const cloud = fixtureCloud();
  const alice = cloud.logins.find((l) => l.name === 'alice')!;
  alice.projectRoles[cloud.projects.find((p) => p.name === 'acme-dev')!.id] = ['member'];
  signed = await startOpenStackServer(cloud, { tls: { key: read('server.key'), cert: read('server.pem') } });
  selfSigned = await startOpenStackServer(fixtureCloud(), { tls: { key: read('self.key'), cert: read('self.pem') } });
  otherName = await startOpenStackServer(fixtureCloud(), { tls: { key: read('server.key'), cert: read('other-name.pem') } });
});

afterAll(async () => {
  await Promise.all([signed?.close(), selfSigned?.close(), otherName?.close()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Run {
  code: number;
  stderr: string;
  /** The inventory file, when one was written. */
  file?: string;
}

/**
 * `kubectl openstack-migrate inventory <args>` in this process, with only the given OS_* environment
 * (the machine's own OS_* variables are set aside) and stderr/stdout captured.
 */
async function inventory(args: string[], env: Record<string, string> = {}, cloudsYaml?: string): Promise<Run> {
  runs += 1;
  const out = join(dir, `inventory-${runs}.json`);
  const saved: Record<string, string | undefined> = {};
  for (const key of Object.keys(process.env)) if (key.startsWith('OS_')) (saved[key] = process.env[key]), delete process.env[key];
  if (cloudsYaml !== undefined) {
    writeFileSync(join(dir, `clouds-${runs}.yaml`), cloudsYaml);
    process.env.OS_CLIENT_CONFIG_FILE = join(dir, `clouds-${runs}.yaml`);
  }
  Object.assign(process.env, env);
  const captured: string[] = [];
  const writeErr = process.stderr.write.bind(process.stderr);
  const writeOut = process.stdout.write.bind(process.stdout);
  const capture = ((chunk: string | Uint8Array) => (captured.push(String(chunk)), true)) as typeof process.stderr.write;
  process.stderr.write = capture;
  process.stdout.write = capture;
  let code: number;
  try {
    code = await main(['inventory', '--output-file', out, ...args]);
  } finally {
    process.stderr.write = writeErr;
    process.stdout.write = writeOut;
    process.exitCode = undefined;
    for (const key of Object.keys(process.env)) if (key.startsWith('OS_')) delete process.env[key];
    for (const [key, value] of Object.entries(saved)) if (value !== undefined) process.env[key] = value;
  }
  const run: Run = { code, stderr: captured.join(''), file: existsSync(out) ? readFileSync(out, 'utf8') : undefined };
  outputs.push(run.stderr, run.file ?? '');
  return run;
}

/** A clouds.yaml for cloud "tls" on server s, with extra top-level lines (cacert, verify, insecure). */
function clouds(s: OpenStackTestServer, extra = '', authUrl = s.authUrl): string {
  return (
    `clouds:\n  tls:\n    auth:\n      auth_url: ${authUrl}\n      username: admin\n      password: ${TEST_PASSWORD}\n      project_name: admin\n` +
    `      user_domain_name: Default\n      project_domain_name: Default\n    region_name: RegionOne\n${extra ? `    ${extra}\n` : ''}`
  );
}

const INSECURE_WARNING = /TLS certificate verification is OFF/g;

/** One line on stderr, exit 1, no stack trace, no inventory written. */
function expectOneLineFailure(run: Run, pattern: RegExp): void {
  expect(run.code, run.stderr).toBe(1);
  const lines = run.stderr.split('\n').filter((l) => l !== '');
  expect(lines, run.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^error: /);
  expect(lines[0]).toMatch(pattern);
  expect(run.stderr).not.toMatch(/^\s+at /m);
  expect(run.file).toBeUndefined();
}

/** The run read the whole cloud through every service of the catalog (all of them https:// on this server). */
function expectFullInventory(run: Run, s: OpenStackTestServer, before: number): void {
  expect(run.code, run.stderr).toBe(0);
  expect(JSON.parse(run.file ?? '{}').servers).toHaveLength(fixtureCloud().servers.length);
  expect(s.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  const services = new Set(s.requests.slice(before).map((r) => r.service));
  expect([...services].sort()).toEqual(['compute', 'identity', 'image', 'network', 'volume']);
}

/**
 * How a case gives the TLS settings. In its values <CA> stands for the CA that signed `signed`, <OTHER-CA>
 * for a CA that did not, and <MISSING> for a CA file that does not exist.
 */
interface TlsSettings {
  name: string;
  args?: string[];
  env?: Record<string, string>;
  /** Extra top-level line of the clouds.yaml entry ('' for none). */
  yaml?: string;
  /** No clouds.yaml: the admin's OS_* environment plus `env`. */
  envOnly?: boolean;
}

function fill(value: string): string {
  return value.replaceAll('<CA>', caPem).replaceAll('<OTHER-CA>', otherCaPem).replaceAll('<MISSING>', join(dir, 'no-such-ca.pem'));
}

/** `inventory` against server s with the settings of a case; cloudsYaml may rewrite the clouds.yaml it writes. */
function inventoryWith(s: OpenStackTestServer, c: TlsSettings, cloudsYaml = (yaml: string) => yaml): Promise<Run> {
  const args = (c.args ?? []).map(fill);
  const env = Object.fromEntries(Object.entries(c.env ?? {}).map(([k, v]) => [k, fill(v)]));
  if (c.envOnly) return inventory(args, adminEnv(s, env));
  return inventory(['--os-cloud', 'tls', ...args], env, cloudsYaml(clouds(s, fill(c.yaml ?? ''))));
}

const TLS_FAILURE =
  /^error: Keystone at https:\/\/127\.0\.0\.1:\d+\/identity\/v3\/auth\/tokens: TLS verification failed \([A-Z_]+\); give the CA bundle with cacert \/ OS_CACERT, or --insecure for a test cloud$/;

describe('TLS verified by default', () => {
  it.each<TlsSettings & { server: () => OpenStackTestServer; code: RegExp }>([
    { name: 'private-CA certificate, no CA given (clouds.yaml)', server: () => signed, yaml: '', code: /UNABLE_TO_VERIFY_LEAF_SIGNATURE/ },
    { name: 'private-CA certificate, no CA given (OS_* env)', server: () => signed, envOnly: true, code: /UNABLE_TO_VERIFY_LEAF_SIGNATURE/ },
    { name: 'self-signed certificate, no CA given', server: () => selfSigned, yaml: '', code: /DEPTH_ZERO_SELF_SIGNED_CERT/ },
    {
      name: 'a CA that did not sign the certificate (clouds.yaml cacert)',
      server: () => signed,
      yaml: 'cacert: <OTHER-CA>',
      code: /UNABLE_TO_VERIFY_LEAF_SIGNATURE/,
    },
    {
      name: 'a CA that did not sign the certificate (OS_CACERT)',
      server: () => signed,
      envOnly: true,
      env: { OS_CACERT: '<OTHER-CA>' },
      code: /UNABLE_TO_VERIFY_LEAF_SIGNATURE/,
    },
    {
      name: 'a CA that did not sign the self-signed certificate (--os-cacert)',
      server: () => selfSigned,
      args: ['--os-cacert', '<CA>'],
      code: /DEPTH_ZERO_SELF_SIGNED_CERT/,
    },
  ])('fails with one line naming the TLS problem and the fix: $name', async (c) => {
    const s = c.server();
    const before = s.requests.length;
    const run = await inventoryWith(s, c);
    expectOneLineFailure(run, TLS_FAILURE);
    expect(run.stderr).toMatch(c.code);
    // The handshake failed: not one HTTP request (so no credentials) reached the server.
    expect(s.requests.length).toBe(before);
  });

  it('a certificate of the trusted CA issued for another host name says so, not "give the CA bundle"', async () => {
    const run = await inventory(['--os-cloud', 'tls'], {}, clouds(otherName, `cacert: ${caPem}`));
    expectOneLineFailure(
      run,
      /^error: Keystone at https:\/\/127\.0\.0\.1:\d+\/identity\/v3\/auth\/tokens: TLS verification failed \(ERR_TLS_CERT_ALTNAME_INVALID\): the certificate does not name this host; use the host name it was issued for in auth_url, or --insecure for a test cloud$/,
    );
    expect(otherName.requests).toHaveLength(0);
  });

  it('the auth URL may name the host as localhost (DNS SAN) as well as 127.0.0.1 (IP SAN)', async () => {
    const before = signed.requests.length;
    const run = await inventory(['--os-cloud', 'tls'], {}, clouds(signed, `cacert: ${caPem}`, signed.authUrl.replace('127.0.0.1', 'localhost')));
    expectFullInventory(run, signed, before);
  });
});

describe('a CA bundle', () => {
  it.each<TlsSettings>([
    { name: 'cacert in clouds.yaml', yaml: 'cacert: <CA>' },
    { name: 'verify: <CA path> in clouds.yaml (openstacksdk form)', yaml: 'verify: <CA>' },
    { name: 'OS_CACERT with clouds.yaml', env: { OS_CACERT: '<CA>' } },
    { name: 'OS_CACERT with the OS_* environment only', envOnly: true, env: { OS_CACERT: '<CA>' } },
    { name: '--os-cacert', args: ['--os-cacert', '<CA>'] },
    { name: '--os-cacert wins over a wrong OS_CACERT', env: { OS_CACERT: '<OTHER-CA>' }, args: ['--os-cacert', '<CA>'] },
  ])('verifies the server and every catalog endpoint with it: $name', async (c) => {
    const before = signed.requests.length;
    const run = await inventoryWith(signed, c);
    expectFullInventory(run, signed, before);
    expect(run.stderr).not.toMatch(INSECURE_WARNING);
  });

  it.each<TlsSettings>([
    { name: 'clouds.yaml cacert', yaml: 'cacert: <MISSING>' },
    { name: 'OS_CACERT', env: { OS_CACERT: '<MISSING>' } },
    { name: '--os-cacert', args: ['--os-cacert', '<MISSING>'] },
  ])('a CA file that does not exist is a config error naming it: $name', async (c) => {
    const before = signed.requests.length;
    const run = await inventoryWith(signed, c);
    expectOneLineFailure(run, /cacert \S+no-such-ca\.pem of cloud "tls" cannot be read; fix the path in clouds\.yaml, OS_CACERT or --os-cacert$/);
    expect(run.stderr).toContain(fill('<MISSING>'));
    expect(signed.requests.length).toBe(before);
  });
});

/** The clouds.yaml of alice, a member of two projects, in place of the admin's. */
const asMember = (yaml: string) =>
  yaml
    .replace('username: admin', 'username: alice')
    .replace('project_name: admin', 'project_name: acme-prod')
    .replace(/Default/g, 'acme');

describe('--insecure', () => {
  it.each<TlsSettings & { server: () => OpenStackTestServer; member?: boolean }>([
    { name: '--insecure, self-signed', server: () => selfSigned, args: ['--insecure'] },
    { name: 'OS_INSECURE=true, private CA', server: () => signed, env: { OS_INSECURE: 'true' } },
    { name: 'verify: false in clouds.yaml, self-signed', server: () => selfSigned, yaml: 'verify: false' },
    { name: 'insecure: true in clouds.yaml, private CA', server: () => signed, yaml: 'insecure: true' },
    // A member reads project by project with one client per project: still one warning for the run.
    { name: '--insecure as a project member (several scoped clients)', server: () => signed, args: ['--insecure'], member: true },
  ])('succeeds and warns loudly exactly once: $name', async (c) => {
    const s = c.server();
    const before = s.requests.length;
    const run = await inventoryWith(s, c, c.member ? asMember : undefined);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr.match(INSECURE_WARNING) ?? []).toHaveLength(1);
    expect(run.stderr).toMatch(
      /^Warning: TLS certificate verification is OFF for cloud "tls" .*anyone on the path can read the credentials; use a CA bundle \(cacert \/ OS_CACERT\) instead$/m,
    );
    if (c.member) {
      // Two projects, two tokens: the second client is a rescope of the first and must not warn again.
      expect(s.requests.slice(before).filter((r) => r.method === 'POST' && r.path.endsWith('/auth/tokens'))).toHaveLength(2);
      expect(JSON.parse(run.file ?? '{}').servers.length).toBeGreaterThan(0);
    } else expectFullInventory(run, s, before);
  });
});

describe('secrets', () => {
  it('no output or inventory file holds the password or a token the servers issued', () => {
    const tokens = [...signed.issuedTokens, ...selfSigned.issuedTokens, ...otherName.issuedTokens];
    expect(tokens.length).toBeGreaterThan(5);
    const all = outputs.join('\n');
    expect(all.length).toBeGreaterThan(10_000);
    expect(all).not.toContain(TEST_PASSWORD);
    for (const token of tokens) expect(all.includes(token)).toBe(false);
  });
});
