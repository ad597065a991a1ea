// kubectl's habits against the real kube-apiserver (test/support/apiserver.ts) and the local OpenStack test
// server: the connection flags of genericclioptions (also through a real `kubectl proxy`), -v 6 request lines,
// --request-timeout, and dry runs that send no write — proven by a request recorder in front of the API
// server and by the OpenStack server's own request log.
import { type ChildProcess, spawn } from 'node:child_process';
import http from 'node:http';
import https from 'node:https';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yaml from 'js-yaml';
import { runCli } from '../support/cli-run.js';
import type { TestApiServer } from '../support/apiserver.js';
import { startWorkflowApiServer } from '../support/workflow-fixtures.js';
import { startBackupCloud, type BackupCloud } from '../support/backup-harness.js';
import { TEST_PASSWORD } from '../support/openstack-server/index.js';
import type { Kube } from '../../src/workflow/kube-ops.js';
import { at, must } from '../support/must.js';
import { recordRequestsTo, type SentRequest } from '../support/request-recorder.js';

/** A plain-http reverse proxy to the API server that adds the admin's credentials; every request sent to it is recorded. */
async function startRecorder(api: TestApiServer): Promise<{ url: string; requests: SentRequest[]; close(): Promise<void> }> {
  const target = api.target();
  const upstream = new URL(api.server);
  const server = http.createServer(async (req, res) => {
    const opts: https.RequestOptions = { method: req.method, headers: { ...req.headers, host: upstream.host } };
    await target.kc.applyToHTTPSOptions(opts);
    const out = https.request(new URL(req.url ?? '/', upstream), opts, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    out.on('error', (e) => {
      res.writeHead(502);
      res.end(String(e));
    });
    req.pipe(out);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  const url = `http://127.0.0.1:${port}`;
  const recording = recordRequestsTo(url);
  return {
    url,
    requests: recording.requests,
    close: () => {
      recording.stop();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

/** The real `kubectl proxy` on a free port; resolves with its URL once it serves. */
function startKubectlProxy(kubeconfig: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn('kubectl', ['proxy', '--kubeconfig', kubeconfig, '--port=0', '--address=127.0.0.1'], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`kubectl proxy did not start: ${out}`)), 30_000);
    const onData = (c: Buffer) => {
      out += c.toString();
      const m = /Starting to serve on 127\.0\.0\.1:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ url: `http://127.0.0.1:${m[1]}`, child });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`kubectl proxy exited ${code}: ${out}`)));
  });
}

let api: TestApiServer;
let kube: Kube;
let recorder: Awaited<ReturnType<typeof startRecorder>>;
let proxy: Awaited<ReturnType<typeof startKubectlProxy>>;
let bc: BackupCloud;
let dir: string;
let inventoryFile: string;
let adminToken: string;
let caFile: string;
const savedEnv: Record<string, string | undefined> = {};
const writes = () => recorder.requests.filter((r) => r.method !== 'GET');

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kom-habits-'));
  ({ api, kube } = await startWorkflowApiServer());
  recorder = await startRecorder(api);
  proxy = await startKubectlProxy(api.kubeconfigPath);
  const config = yaml.load(readFileSync(api.kubeconfigPath, 'utf8')) as {
    users: { user: { token: string } }[];
    clusters: { cluster: Record<string, string> }[];
  };
  adminToken = at(config.users, 0, 'kubeconfig user').user.token;
  const cluster = at(config.clusters, 0, 'kubeconfig cluster').cluster;
  caFile = join(dir, 'ca.crt');
  writeFileSync(
    caFile,
    cluster['certificate-authority-data']
      ? Buffer.from(cluster['certificate-authority-data'], 'base64')
      : readFileSync(must(cluster['certificate-authority'], 'certificate-authority or certificate-authority-data in the kubeconfig')),
  );
  bc = await startBackupCloud({ ticks: 1 });
  const env = { ...bc.env, OS_CLOUD: '', OS_CLIENT_CONFIG_FILE: join(dir, 'none.yaml'), KUBECONFIG: join(dir, 'no-kubeconfig') };
  for (const [k, v] of Object.entries(env)) {
    savedEnv[k] = process.env[k];
    process.env[k] = v;
  }
  inventoryFile = join(dir, 'inventory.yaml');
  const inv = await runCli(['inventory', '--output-file', inventoryFile]);
  expect(inv.code, inv.err).toBe(0);
}, 300_000);

afterAll(async () => {
  proxy?.child.kill();
  await recorder?.close();
  await api?.stop();
  await bc?.close();
  for (const [k, v] of Object.entries(savedEnv)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('connection flags (genericclioptions)', () => {
  it('--server http://… through a real `kubectl proxy`, with no kubeconfig at all', async () => {
    const r = await runCli(['version', '--server', proxy.url, '-o', 'json']);
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out).serverVersion.gitVersion).toMatch(/^v1\.\d+\.\d+/);
    const status = await runCli(['status', '--server', proxy.url, '-o', 'json']);
    expect(status.code, status.err).toBe(0);
  });

  it('--server https://… with --token and --certificate-authority; without the CA the error names the server; --insecure-skip-tls-verify', async () => {
    const ok = await runCli(['version', '--server', api.server, '--token', adminToken, '--certificate-authority', caFile]);
    expect(ok.code, ok.err).toBe(0);
    const untrusted = await runCli(['version', '--server', api.server, '--token', adminToken]);
    expect(untrusted.code).toBe(1);
    expect(untrusted.err).toContain(`error: Unable to connect to the server ${api.server}: GET ${api.server}/version:`);
    const insecure = await runCli(['version', '--server', api.server, '--token', adminToken, '--insecure-skip-tls-verify']);
    expect(insecure.code, insecure.err).toBe(0);
    const wrongToken = await runCli(['status', '--server', api.server, '--token', 'not-a-token', '--certificate-authority', caFile]);
    expect(wrongToken.code).toBe(1);
    expect(wrongToken.err).toMatch(/Unauthorized|401/);
  });

  it('--as / --as-group impersonate (the API server decides with RBAC)', async () => {
    const jane = await runCli(['status', '--kubeconfig', api.kubeconfigPath, '--as', 'jane']);
    expect(jane.code).toBe(1);
    expect(jane.err).toMatch(/User "jane" cannot list/);
    const janeAdmin = await runCli(['status', '--kubeconfig', api.kubeconfigPath, '--as', 'jane', '--as-group', 'system:masters', '-o', 'json']);
    expect(janeAdmin.code, janeAdmin.err).toBe(0);
  });

  it('--context / --cluster / --user name what is in the kubeconfig', async () => {
    const r = await runCli(['version', '--kubeconfig', api.kubeconfigPath, '--cluster', 'nope']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/cluster "nope" is not in the kubeconfig \(clusters: /);
  });

  it('--request-timeout: a server that accepts and never answers fails in time, naming the server', async () => {
    const sockets: Socket[] = [];
    const silent: Server = createServer((s) => sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(silent.address() as { port: number }).port}`;
    const started = Date.now();
    const r = await runCli(['version', '--server', url, '--request-timeout', '1s']);
    for (const s of sockets) s.destroy();
    silent.close();
    expect(r.code).toBe(1);
    expect(r.err).toContain(`Unable to connect to the server ${url}: GET ${url}/version: timed out after 1s (--request-timeout)`);
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});

describe('completion from the cluster', () => {
  it('-n <TAB> offers the namespaces the API server lists (through kubectl proxy and with a kubeconfig)', async () => {
    for (const conn of [
      ['--server', proxy.url],
      ['--kubeconfig', api.kubeconfigPath],
    ]) {
      const r = await runCli(['--get-yargs-completions', 'kubectl-openstack_migrate', 'status', ...conn, '-n', 'kube-']);
      expect(r.code).toBe(0);
      expect(r.out.split('\n').filter(Boolean)).toEqual(expect.arrayContaining(['kube-system', 'kube-public']));
      expect(r.out).not.toContain('default');
    }
  });
});

describe('-v 6: one line per request, never a secret', () => {
  it('Kubernetes: method, URL, status, latency; no token', async () => {
    const r = await runCli(['status', '--kubeconfig', api.kubeconfigPath, '-v', '6', '-o', 'json']);
    expect(r.code, r.err).toBe(0);
    const lines = r.err.split('\n').filter((l) => l.includes('round_trippers.go'));
    expect(lines.length).toBeGreaterThanOrEqual(3);
    for (const l of lines)
      expect(l).toMatch(
        new RegExp(`^I\\d{4} [\\d:.]+ +\\d+ round_trippers\\.go:\\d+\\] GET ${api.server.replace(/\./g, '\\.')}/\\S+ 200 OK in \\d+ milliseconds$`),
      );
    expect(r.err).not.toContain(adminToken);
    // Below 6: none.
    const quiet = await runCli(['status', '--kubeconfig', api.kubeconfigPath, '-v', '5', '-o', 'json']);
    expect(quiet.err).not.toContain('round_trippers');
  });

  it('OpenStack: the same lines for Keystone, Nova, Neutron…; no password, no token', async () => {
    const r = await runCli(['inventory', '--output-file', join(dir, 'inv-v6.yaml'), '-v', '6']);
    expect(r.code, r.err).toBe(0);
    const lines = r.err.split('\n').filter((l) => l.includes('round_trippers.go'));
    expect(lines.some((l) => / POST http:\/\/127\.0\.0\.1:\d+\/\S*v3\/auth\/tokens 201 Created in \d+ milliseconds$/.test(l))).toBe(true);
    expect(lines.some((l) => / GET \S+\/servers\/detail\S* 200 OK in \d+ milliseconds$/.test(l))).toBe(true);
    expect(r.err).not.toContain(TEST_PASSWORD);
    for (const token of bc.server.issuedTokens) expect(r.err).not.toContain(token);
  });
});

describe('a dry run never writes (request recorder in front of the real API server; the OpenStack server logs every request)', () => {
  it("plan --apply --dry-run (bare: client, with kubectl's warning) sends no request at all", async () => {
    recorder.requests.length = 0;
    const r = await runCli(['plan', '-i', inventoryFile, '--apply', '--dry-run', '--server', recorder.url]);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toContain('Warning: --dry-run is deprecated and can be replaced with --dry-run=client.');
    expect(r.err).toMatch(/would be applied \(dry run\)/);
    expect(recorder.requests).toEqual([]);
  });

  it('plan --apply --dry-run=server: every write carries dryRun=All and nothing is stored', async () => {
    recorder.requests.length = 0;
    const r = await runCli(['plan', '-i', inventoryFile, '--apply', '--dry-run=server', '--server', recorder.url]);
    expect(r.code, r.err).toBe(0);
    expect(writes().length).toBeGreaterThan(5);
    for (const w of writes()) expect(w.url).toContain('dryRun=All');
    expect((await kube.list('Namespace', undefined)).items.map((n) => n.metadata.name)).not.toContain('acme-acme-prod');
  });

  it('cutover / backup / import web-1 --dry-run: no write to the cluster, no request to OpenStack', async () => {
    recorder.requests.length = 0;
    const before = bc.server.requests.length;
    for (const cmd of ['cutover', 'backup', 'import']) {
      const r = await runCli([cmd, 'web-1', '-i', inventoryFile, '--dry-run', '--server', recorder.url]);
      expect(r.code, `${cmd}: ${r.err}`).toBe(0);
      expect(r.err, cmd).toContain('--dry-run is deprecated and can be replaced with --dry-run=client.');
      expect(r.out, cmd).toContain('web-1');
    }
    expect(writes()).toEqual([]);
    expect(bc.server.requests.slice(before)).toEqual([]);
  });

  it('cutover / import web-1 --dry-run=server: the VM, Services and DataVolumes go to the API server with dryRun=All only; OpenStack is not contacted', async () => {
    // The namespace must exist for a server dry run of namespaced objects (plan --apply makes it; here by hand).
    await runCli(['plan', '-i', inventoryFile, '--apply', '--server', recorder.url]);
    recorder.requests.length = 0;
    const before = bc.server.requests.length;
    const cut = await runCli(['cutover', 'web-1', '-i', inventoryFile, '--dry-run=server', '--server', recorder.url]);
    expect(cut.code, cut.err).toBe(0);
    expect(cut.err).toMatch(/virtualmachine\.kubevirt\.io\/web-1 -n \S+ (created|configured|serverside-applied) \(server dry run\)/);
    const imp = await runCli(['import', 'web-1', '-i', inventoryFile, '--dry-run=server', '--server', recorder.url]);
    expect(imp.code, imp.err).toBe(0);
    expect(imp.err).toMatch(/datavolume\.cdi\.kubevirt\.io\/web-1-root -n \S+ \S+ \(server dry run\)/);
    expect(writes().length).toBeGreaterThan(1);
    for (const w of writes()) expect(w.url).toContain('dryRun=All');
    expect(bc.server.requests.slice(before)).toEqual([]);
    const vms = await kube.list('VirtualMachine', undefined);
    expect(vms.items).toEqual([]);
  });

  it('the recorder sees writes when there are some: plan --apply without --dry-run', async () => {
    recorder.requests.length = 0;
    const r = await runCli(['plan', '-i', inventoryFile, '--apply', '--server', recorder.url]);
    expect(r.code, r.err).toBe(0);
    expect(writes().length).toBeGreaterThan(5);
    expect(writes().every((w) => !w.url.includes('dryRun'))).toBe(true);
    expect((await kube.list('Namespace', undefined)).items.map((n) => n.metadata.name)).toContain('acme-acme-prod');
  });
});
