// A real Kubernetes API server for integration tests: upstream etcd + kube-apiserver (built once per
// machine by scripts/kube-test-server.sh) on 127.0.0.1 with random ports, a throwaway CA and serving
// certificate, a token for an admin in system:masters, RBAC authorization, and the plugin's CRDs.
//
//   const api = await startTestApiServer();   // in beforeAll
//   const client = api.client('default');
//   await api.stop();                         // in afterAll; also runs on process exit
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { load } from 'js-yaml';
import { applyObjects } from '../../src/kube/apply.js';
import { KubeClient } from '../../src/kube/client.js';
import { loadKubeConfig, type KubeTarget } from '../../src/kube/config.js';
import type { KubeObject } from '../../src/translate/model.js';
import { pluginCrds } from './crds.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface StartupTimes {
  /** Seconds spent building or finding the binaries. */
  binaries: number;
  etcd: number;
  apiserver: number;
  crds: number;
  total: number;
}

export interface TestApiServer {
  /** https://127.0.0.1:<port> */
  server: string;
  /** kubeconfig of the admin (system:masters), context "test-admin". */
  kubeconfigPath: string;
  tmpDir: string;
  times: StartupTimes;
  /** Client of the admin, with the given default namespace. */
  client(namespace?: string): KubeClient;
  target(namespace?: string): KubeTarget;
  /** Writes a kubeconfig that authenticates with a bearer token (e.g. a service account's). */
  kubeconfigForToken(name: string, token: string, namespace?: string): string;
  /** A token for a service account, from the TokenRequest API (the SA must exist). */
  serviceAccountToken(namespace: string, name: string): Promise<string>;
  /**
   * A client authenticated as a service account bound (by a ClusterRoleBinding) to exactly `role`,
   * which is created as given. Creates the namespace and service account when missing.
   */
  clientBoundTo(role: KubeObject, serviceAccount?: { namespace: string; name: string }): Promise<KubeClient>;
  /** Creates CRDs and waits until the server serves them. */
  installCrds(crds: KubeObject[]): Promise<void>;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** CRDs to install; defaults to every CRD the plugin uses. */
  crds?: KubeObject[];
}

/** deploy/clusterrole.yaml: the ClusterRole the plugin documents for `plan --apply`. */
export function documentedClusterRole(): KubeObject {
  return load(readFileSync(path.join(repoRoot, 'deploy', 'clusterrole.yaml'), 'utf8')) as KubeObject;
}

/**
 * Builds the binaries when the cache is empty (the first run on a machine takes many minutes: give the
 * calling hook a timeout of BUILD_TIMEOUT_MS), then returns their paths. Asynchronous, so the test
 * runner stays responsive while Go compiles.
 */
export async function ensureBinaries(): Promise<{ kubeApiserver: string; etcd: string }> {
  const script = path.join(repoRoot, 'scripts', 'kube-test-server.sh');
  const out = await new Promise<string>((resolve, reject) => {
    const child = spawn('bash', [script, 'ensure'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`${script} ensure failed with exit code ${code} (its output is above)`))));
  });
  const value = (key: string) => {
    const line = out.split('\n').find((l) => l.startsWith(`${key}=`));
    if (!line) throw new Error(`scripts/kube-test-server.sh printed no ${key}=`);
    return line.slice(key.length + 1);
  };
  return { kubeApiserver: value('KUBE_APISERVER'), etcd: value('ETCD') };
}

/** Timeout for a hook that starts the server: covers the one-time build on a machine with an empty cache. */
export const BUILD_TIMEOUT_MS = 45 * 60_000;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// Process groups still running, killed when the test process ends in any way it can notice: a normal
// exit, or SIGINT/SIGTERM/SIGHUP from the runner (Ctrl-C, a CI timeout), so no server outlives its run.
const liveGroups = new Set<number>();
const liveTmpDirs = new Set<string>();
let exitHookInstalled = false;
function killLiveGroups() {
  for (const pgid of liveGroups) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  liveGroups.clear();
  for (const dir of liveTmpDirs) rmSync(dir, { recursive: true, force: true });
  liveTmpDirs.clear();
}
function trackGroup(pid: number) {
  liveGroups.add(pid);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', killLiveGroups);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      killLiveGroups();
      // Die of the same signal, as the process would have without this handler.
      process.kill(process.pid, signal);
    });
  }
}

function startProcess(bin: string, args: string[], logFile: string): ChildProcess {
  const fd = openSync(logFile, 'a');
  // detached: its own process group, so stop() can signal everything it started.
  const child = spawn(bin, args, { detached: true, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  if (child.pid) trackGroup(child.pid);
  return child;
}

async function stopProcess(child: ChildProcess | undefined): Promise<void> {
  if (!child?.pid || child.exitCode !== null || child.signalCode !== null) {
    if (child?.pid) liveGroups.delete(child.pid);
    return;
  }
  const pgid = child.pid;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  try {
    process.kill(-pgid, 'SIGTERM');
  } catch {
    // already gone
  }
  const timedOut = await Promise.race([exited.then(() => false), sleep(5_000).then(() => true)]);
  if (timedOut) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // already gone
    }
    await Promise.race([exited, sleep(2_000)]);
  }
  liveGroups.delete(pgid);
}

function logTail(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

function openssl(args: string[], cwd: string) {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A CA, a serving certificate for 127.0.0.1/localhost signed by it, and a service-account key pair. */
function makeCertificates(dir: string) {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=kubectl-openstack-migrate-test-ca'], dir);
  openssl(['req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=kube-apiserver'], dir);
  writeFileSync(
    path.join(dir, 'server.ext'),
    'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes.default.svc\nextendedKeyUsage=serverAuth\nkeyUsage=digitalSignature,keyEncipherment\n',
  );
  openssl(
    ['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '2', '-extfile', 'server.ext'],
    dir,
  );
  openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'sa.key'], dir);
  openssl(['ec', '-in', 'sa.key', '-pubout', '-out', 'sa.pub'], dir);
}

function kubeconfig(server: string, caFile: string, user: string, token: string, namespace: string): string {
  // JSON is valid YAML, and kubeconfig loaders read it.
  return JSON.stringify(
    {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'test', cluster: { server, 'certificate-authority': caFile } }],
      users: [{ name: user, user: { token } }],
      contexts: [{ name: `test-${user}`, context: { cluster: 'test', user, namespace } }],
      'current-context': `test-${user}`,
    },
    null,
    2,
  );
}

export async function startTestApiServer(options: StartOptions = {}): Promise<TestApiServer> {
  const t0 = performance.now();
  const seconds = (from: number) => Math.round((performance.now() - from) / 10) / 100;
  const bins = await ensureBinaries();
  const times: StartupTimes = { binaries: seconds(t0), etcd: 0, apiserver: 0, crds: 0, total: 0 };

  const tmpDir = mkdtempSync(path.join(os.tmpdir(), 'kube-test-'));
  liveTmpDirs.add(tmpDir);
  let etcd: ChildProcess | undefined;
  let apiserver: ChildProcess | undefined;
  const stop = async () => {
    await stopProcess(apiserver);
    await stopProcess(etcd);
    rmSync(tmpDir, { recursive: true, force: true });
    liveTmpDirs.delete(tmpDir);
  };

  try {
    const tEtcd = performance.now();
    const [clientPort, peerPort, securePort] = [await freePort(), await freePort(), await freePort()];
    const etcdUrl = `http://127.0.0.1:${clientPort}`;
    const peerUrl = `http://127.0.0.1:${peerPort}`;
    const etcdLog = path.join(tmpDir, 'etcd.log');
    etcd = startProcess(
      bins.etcd,
      [
        '--name=test',
        `--data-dir=${path.join(tmpDir, 'etcd')}`,
        `--listen-client-urls=${etcdUrl}`,
        `--advertise-client-urls=${etcdUrl}`,
        `--listen-peer-urls=${peerUrl}`,
        `--initial-advertise-peer-urls=${peerUrl}`,
        `--initial-cluster=test=${peerUrl}`,
        // Test data: durability is not worth an fsync per write on a shared disk.
        '--unsafe-no-fsync',
        '--log-level=warn',
      ],
      etcdLog,
    );
    await waitFor(`etcd on ${etcdUrl}`, 30_000, etcd, etcdLog, async () => {
      const res = await fetch(`${etcdUrl}/health`).catch(() => undefined);
      return res?.ok === true;
    });
    times.etcd = seconds(tEtcd);

    const tApi = performance.now();
    makeCertificates(tmpDir);
    const adminToken = randomBytes(24).toString('hex');
    writeFileSync(path.join(tmpDir, 'tokens.csv'), `${adminToken},test-admin,test-admin-uid,"system:masters"\n`, { mode: 0o600 });
    const server = `https://127.0.0.1:${securePort}`;
    const apiLog = path.join(tmpDir, 'kube-apiserver.log');
    const apiProc = startProcess(
      bins.kubeApiserver,
      [
        `--etcd-servers=${etcdUrl}`,
        '--bind-address=127.0.0.1',
        '--advertise-address=127.0.0.1',
        `--secure-port=${securePort}`,
        `--cert-dir=${path.join(tmpDir, 'certs')}`,
        `--tls-cert-file=${path.join(tmpDir, 'server.crt')}`,
        `--tls-private-key-file=${path.join(tmpDir, 'server.key')}`,
        `--client-ca-file=${path.join(tmpDir, 'ca.crt')}`,
        `--token-auth-file=${path.join(tmpDir, 'tokens.csv')}`,
        '--authorization-mode=RBAC',
        '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
        `--service-account-key-file=${path.join(tmpDir, 'sa.pub')}`,
        `--service-account-signing-key-file=${path.join(tmpDir, 'sa.key')}`,
        // Only an allocation range for Service cluster IPs; nothing is routed.
        '--service-cluster-ip-range=10.96.0.0/24',
        '--allow-privileged=true',
        // No controller-manager runs, so nothing would create the service-account tokens this plugin
        // awaits; the same choice as controller-runtime's envtest.
        '--disable-admission-plugins=ServiceAccount',
        '--enable-priority-and-fairness=false',
        '--profiling=false',
        '--v=0',
      ],
      apiLog,
    );
    apiserver = apiProc;
    const kubeconfigPath = path.join(tmpDir, 'admin.kubeconfig');
    writeFileSync(kubeconfigPath, kubeconfig(server, path.join(tmpDir, 'ca.crt'), 'admin', adminToken, 'default'), { mode: 0o600 });
    const target = (namespace?: string): KubeTarget => {
      const loaded = loadKubeConfig({ kubeconfig: kubeconfigPath, namespace });
      if (!loaded.ok) throw new Error(loaded.error.message);
      return loaded.value;
    };
    const admin = new KubeClient(target());
    await waitFor(`kube-apiserver on ${server}`, 90_000, apiProc, apiLog, async () => {
      const res = await admin.request('GET', '/readyz').catch(() => undefined);
      return res?.status === 200;
    });
    times.apiserver = seconds(tApi);

    const installCrds = async (crds: KubeObject[]) => {
      for (const crd of crds) {
        const res = await admin.request('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', { body: crd });
        if (res.status !== 201 && res.status !== 409) {
          throw new Error(`CRD ${crd.metadata.name} rejected (HTTP ${res.status}): ${JSON.stringify(res.body).slice(0, 2000)}`);
        }
      }
      for (const crd of crds) {
        const spec = crd.spec as { group: string; names: { plural: string }; versions: { name: string; served: boolean }[] };
        await waitFor(`CRD ${crd.metadata.name} served`, 30_000, apiProc, apiLog, async () => {
          const got = await admin.request('GET', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata.name}`);
          const conditions = (got.body as { status?: { conditions?: { type: string; status: string }[] } }).status?.conditions ?? [];
          if (!conditions.some((c) => c.type === 'Established' && c.status === 'True')) return false;
          for (const v of spec.versions.filter((x) => x.served)) {
            const disc = await admin.request('GET', `/apis/${spec.group}/${v.name}`);
            const resources = (disc.body as { resources?: { name: string }[] }).resources ?? [];
            if (disc.status !== 200 || !resources.some((r) => r.name === spec.names.plural)) return false;
          }
          return true;
        });
      }
    };
    const tCrds = performance.now();
    await installCrds(options.crds ?? pluginCrds());
    times.crds = seconds(tCrds);
    times.total = seconds(t0);

    const handle: TestApiServer = {
      server,
      kubeconfigPath,
      tmpDir,
      times,
      client: (namespace?: string) => new KubeClient(target(namespace)),
      target,
      kubeconfigForToken(name, token, namespace = 'default') {
        const file = path.join(tmpDir, `${name.replace(/[^a-zA-Z0-9_.-]/g, '_')}.kubeconfig`);
        writeFileSync(file, kubeconfig(server, path.join(tmpDir, 'ca.crt'), name, token, namespace), { mode: 0o600 });
        return file;
      },
      async serviceAccountToken(namespace, name) {
        const res = await admin.request('POST', `/api/v1/namespaces/${namespace}/serviceaccounts/${name}/token`, {
          body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 } },
        });
        const token = (res.body as { status?: { token?: string } }).status?.token;
        if (res.status !== 201 || !token) throw new Error(`TokenRequest for ${namespace}/${name} failed: HTTP ${res.status}`);
        return token;
      },
      async clientBoundTo(role, serviceAccount = { namespace: 'migrator', name: 'openstack-migrate' }) {
        const { namespace, name } = serviceAccount;
        const setup = await applyObjects(admin, [
          { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } },
          { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace } },
          role,
          {
            apiVersion: 'rbac.authorization.k8s.io/v1',
            kind: 'ClusterRoleBinding',
            metadata: { name: `${namespace}-${name}` },
            roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role.metadata.name },
            subjects: [{ kind: 'ServiceAccount', name, namespace }],
          },
        ]);
        const failed = setup.results.filter((r) => !['created', 'configured', 'unchanged'].includes(r.status));
        if (failed.length || setup.missingApis.length) throw new Error(`service account setup failed: ${JSON.stringify(failed)}`);
        const token = await handle.serviceAccountToken(namespace, name);
        const loaded = loadKubeConfig({ kubeconfig: handle.kubeconfigForToken(`${namespace}-${name}`, token) });
        if (!loaded.ok) throw new Error(loaded.error.message);
        return new KubeClient(loaded.value);
      },
      installCrds,
      stop,
    };
    return handle;
  } catch (err) {
    await stop();
    throw err;
  }
}

async function waitFor(what: string, timeoutMs: number, proc: ChildProcess, logFile: string, ready: () => Promise<boolean>) {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (proc.exitCode !== null || proc.signalCode !== null) {
      throw new Error(`${what}: process exited (${proc.exitCode ?? proc.signalCode}); log tail:\n${logTail(logFile)}`);
    }
    if (await ready()) return;
    await sleep(100);
  }
  throw new Error(`${what}: not ready after ${timeoutMs / 1000}s; log tail:\n${logTail(logFile)}`);
}
