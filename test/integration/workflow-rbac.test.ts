// The documented ClusterRoles are enough for the whole migration, and no bigger than the code needs.
// A ServiceAccount bound to exactly deploy/clusterrole.yaml and deploy/clusterrole-workflow.yaml (the files
// as shipped) runs the real CLI (in-process `main([...])` with `--kubeconfig` holding its token) against the
// local OpenStack API server and the real kube-apiserver (RBAC authorization), while controllers playing
// CDI and KubeVirt run as the admin: inventory → plan --apply → backup (snapshot, and --method nfs) →
// import → cold cutover of one server (first failing and rolled back, then to `running`) → status, plus
// the watches of `status --watch`.
// Every Kubernetes request the plugin sends with that token is recorded (method, path, answer), turned
// into the RBAC permission it needs, and compared with the roles: what the workflow commands use must be
// granted by the workflow role on its own, and each verb of the workflow role must be used here or be
// listed below with the code path that needs it (a verb nobody uses is a finding). Then a second service
// account bound only to deploy/clusterrole.yaml is refused `status` with the server's "forbidden" message.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { load } from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliRun } from '../support/cli-run.js';
import { applyObjects } from '../../src/kube/apply.js';
import { loadKubeConfig } from '../../src/kube/config.js';
import type { KubeObject } from '../../src/translate/model.js';
import { ANNOTATIONS, LABELS } from '../../src/translate/naming.js';
import { FILE_SERVER_NAME } from '../../src/workflow/backup-nfs.js';
import { Kube } from '../../src/workflow/kube-ops.js';
import { StateStore } from '../../src/workflow/ledger.js';
import { watchStatus, type StatusReport } from '../../src/workflow/status.js';
import type { TestApiServer } from '../support/apiserver.js';
import { startBackupCloud, type BackupCloud } from '../support/backup-harness.js';
import { FakeControllers } from '../support/fake-controllers.js';
import { observeRequests } from '../support/request-recorder.js';
import { startWorkflowApiServer } from '../support/workflow-fixtures.js';
import { must } from '../support/must.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const debug = Boolean(process.env.DEBUG_WF);
const NS = 'acme-acme-prod';
const SA_NS = 'migrator';
const WEB1_FIP_SERVICE = 'web-1-fip-203-0-113-235';

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}
type Role = KubeObject & { rules: Rule[] };

/** The ClusterRole of deploy/<file>, parsed from the file as shipped. */
function shippedRole(file: string): Role {
  return load(readFileSync(join(repoRoot, 'deploy', file), 'utf8')) as Role;
}
const planRole = shippedRole('clusterrole.yaml');
const workflowRole = shippedRole('clusterrole-workflow.yaml');

/** "verb group/resource" for every permission a role grants (bind on named ClusterRoles is not a request verb). */
function grants(role: Role): Set<string> {
  const out = new Set<string>();
  for (const r of role.rules) for (const g of r.apiGroups) for (const res of r.resources) for (const v of r.verbs) out.add(`${v} ${g}/${res}`);
  return out;
}

/**
 * Verbs of the workflow role this run may not exercise, each with the code that needs it. The test fails
 * when the role grants a verb that is neither used here nor listed.
 */
const NOT_EXERCISED: Record<string, string> = {
  'get /secrets':
    'import adopting an import already under way (a rerun after an interrupted one) reads its token Secret for the expiry: src/workflow/import.ts',
  'create /namespaces':
    'the first workflow command on a cluster where plan --apply has not recorded the plan creates namespace openstack-migrate for it: src/workflow/plan-contract.ts (here plan --apply ran first)',
};

/** One Kubernetes request the plugin sent with a given token. */
interface Sent {
  method: string;
  path: string;
  watch: boolean;
  status?: number;
}

/**
 * The RBAC permission a request needs ("verb group/resource"), or undefined for discovery and other
 * non-resource URLs (granted to every authenticated user by system:discovery / system:public-info-viewer).
 * A server-side apply that creates its object (201) needs create as well as patch.
 */
function permissionsOf(s: Sent): string[] {
  const parts = s.path.split('/').filter(Boolean);
  let group: string;
  let rest: string[];
  if (parts[0] === 'api') [group, rest] = ['', parts.slice(2)];
  else if (parts[0] === 'apis') [group, rest] = [parts[1] ?? '', parts.slice(3)];
  else return [];
  if (rest.length === 0) return [];
  // /namespaces/<ns>/<resource>[/<name>[/<subresource>]]; /namespaces[/<name>] is the namespaces resource itself.
  if (rest[0] === 'namespaces' && rest.length >= 3) rest = rest.slice(2);
  const resource = rest[2] ? `${rest[0]}/${rest[2]}` : rest[0];
  const item = rest.length >= 2;
  const verbs: Record<string, string[]> = {
    GET: [s.watch ? 'watch' : item ? 'get' : 'list'],
    POST: ['create'],
    PUT: ['update'],
    PATCH: s.status === 201 ? ['patch', 'create'] : ['patch'],
    DELETE: [item ? 'delete' : 'deletecollection'],
  };
  return (verbs[s.method] ?? [s.method.toLowerCase()]).map((v) => `${v} ${group}/${resource}`);
}

/** Records every request carrying `Authorization: Bearer <token>` for a token of `tokens` (test/support/request-recorder.ts). */
function recordRequests(tokens: Map<string, Sent[]>): () => void {
  return observeRequests((sent) => {
    if (sent.token) tokens.get(sent.token)?.push(sent);
  });
}

let api: TestApiServer;
let kube: Kube;
let bc: BackupCloud;
let fake: FakeControllers;
let dir: string;
let inventoryFile: string;
/** VMs whose VMI the fake KubeVirt fails. */
const failingVms = new Set<string>();
/** kubeconfigs of the service accounts: both roles, and the plan role only. */
let migratorConfig: string;
let planOnlyConfig: string;
let migratorToken: string;
/** The requests of each phase sent with the migrator's token. */
const sentBy = { plan: [] as Sent[], workflow: [] as Sent[] };
const tokens = new Map<string, Sent[]>();
let stopRecording: (() => void) | undefined;
const savedEnv: Record<string, string | undefined> = {};
const timings: Record<string, number> = {};

/** Runs one command as `kubectl openstack-migrate ... --kubeconfig <kubeconfig>` would, timing it. */
async function cli(kubeconfig: string, ...args: string[]): Promise<CliRun> {
  const t0 = performance.now();
  const run = await runCli([...args, '--kubeconfig', kubeconfig], { echo: debug });
  let name = args.slice(0, 2).join(' ');
  for (let n = 2; name in timings; n++) name = `${args.slice(0, 2).join(' ')} #${n}`;
  timings[name] = Math.round(performance.now() - t0) / 1000;
  return run;
}

/** A ServiceAccount in SA_NS bound by ClusterRoleBindings to exactly `roles`; returns its token. */
async function serviceAccountBoundTo(name: string, roles: Role[]): Promise<string> {
  const setup = await applyObjects(api.client(), [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: SA_NS } },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace: SA_NS } },
    ...roles.map((role) => ({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: `${SA_NS}-${name}-${role.metadata.name}` },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role.metadata.name },
      subjects: [{ kind: 'ServiceAccount', name, namespace: SA_NS }],
    })),
  ]);
  const failed = setup.results.filter((r) => !['created', 'configured', 'unchanged'].includes(r.status));
  if (failed.length || setup.missingApis.length) throw new Error(`service account setup failed: ${JSON.stringify(failed)}`);
  return api.serviceAccountToken(SA_NS, name);
}

beforeAll(async () => {
  const t0 = performance.now();
  dir = mkdtempSync(join(tmpdir(), 'osm-rbac-'));
  inventoryFile = join(dir, 'inventory.yaml');
  bc = await startBackupCloud({ ticks: 1 });
  ({ api, kube } = await startWorkflowApiServer());
  const env = { ...bc.env, OS_CLOUD: '', OS_CLIENT_CONFIG_FILE: join(dir, 'none.yaml') };
  for (const [k, v] of Object.entries(env)) {
    savedEnv[k] = process.env[k];
    process.env[k] = v;
  }
  // The roles as shipped, created by the admin as an operator would (kubectl apply -f deploy/...).
  const roles = await applyObjects(api.client(), [planRole, workflowRole]);
  expect(roles.results.map((r) => r.status)).toEqual(['created', 'created']);
  migratorToken = await serviceAccountBoundTo('openstack-migrate', [planRole, workflowRole]);
  migratorConfig = api.kubeconfigForToken('migrator', migratorToken);
  planOnlyConfig = api.kubeconfigForToken('plan-only', await serviceAccountBoundTo('plan-only', [planRole]));
  // CDI and KubeVirt are cluster components: they act with their own (here: the admin's) credentials.
  fake = new FakeControllers(kube, {
    steps: 2,
    stepMs: 20,
    download: true,
    failVm: (vm) => (failingVms.has(vm.metadata.name) ? 'virt-launcher: failed to start' : undefined),
  }).start();
  stopRecording = recordRequests(tokens);
  timings.setup = Math.round(performance.now() - t0) / 1000;
}, 300_000);

afterAll(async () => {
  stopRecording?.();
  await fake?.shutdown();
  await api?.stop();
  await bc?.close();
  for (const [k, v] of Object.entries(savedEnv)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
  if (debug) process.stderr.write(`workflow-rbac timings (s): ${JSON.stringify(timings)}\n`);
});

describe('the documented ClusterRoles run the whole migration (service account bound to exactly deploy/*.yaml)', () => {
  it('plan --apply, backup, import, cold cutover (and a rolled-back one) and status succeed as that service account', async () => {
    const inv = await cli(migratorConfig, 'inventory', '--output-file', inventoryFile);
    expect(inv.code, inv.err).toBe(0);

    tokens.set(migratorToken, sentBy.plan);
    const plan = await cli(migratorConfig, 'plan', '-i', inventoryFile, '--apply');
    expect(plan.code, plan.err).toBe(0);

    tokens.set(migratorToken, sentBy.workflow);
    const b = await cli(migratorConfig, 'backup', 'web-1', '-i', inventoryFile, '--poll-interval', '20');
    expect(b.code, b.out + b.err).toBe(0);
    expect(b.out).toContain(`${NS}/web-1: backed-up`);
    // The NFS method applies the file server and a flatten Job (nothing runs them here: only RBAC is at stake).
    const nfs = await cli(
      migratorConfig,
      'backup',
      'web-2',
      '-i',
      inventoryFile,
      '--method',
      'nfs',
      '--nfs-server',
      'nfs.example.invalid',
      '--nfs-export',
      '/export',
      '--nfs-path-template',
      '/backups/{server_id}/{disk}.qcow2',
    );
    expect(nfs.code, nfs.out + nfs.err).toBe(0);
    expect(await kube.get('Service', 'openstack-migrate', FILE_SERVER_NAME)).toBeDefined();
    expect((await api.client().request('GET', `/apis/apps/v1/namespaces/openstack-migrate/deployments/${FILE_SERVER_NAME}`)).status).toBe(200);
    expect((await api.client().request('GET', '/apis/batch/v1/namespaces/openstack-migrate/jobs')).body).toMatchObject({ items: [expect.anything()] });

    const imp = await cli(migratorConfig, 'import', 'web-1', '-i', inventoryFile);
    expect(imp.code, imp.err).toBe(0);
    expect(imp.err).toContain(`${NS}/web-1: imported`);

    // A VM that fails to start: the rollback (halt and delete the VM, wait for its VMI to go, delete the
    // Service, start the source) must be allowed too, or a failed cutover strands the server stopped.
    failingVms.add('web-1');
    const failed = await cli(migratorConfig, 'cutover', 'web-1', '-i', inventoryFile, '--release-floating-ip', '--poll-interval', '20', '--timeout', '120s');
    failingVms.delete('web-1');
    expect(failed.code, failed.err).toBe(1);
    expect(failed.err).toMatch(new RegExp(`^${NS}/web-1: rolled-back \\(VirtualMachineInstance ${NS}/web-1 is Failed\\)\n$`, 'm'));
    expect(failed.err).not.toMatch(/rollback problems|forbidden/);
    expect(await kube.get('VirtualMachine', NS, 'web-1')).toBeUndefined();
    expect(await kube.get('Service', NS, WEB1_FIP_SERVICE)).toBeUndefined();
    expect(bc.cloud.servers.find((s) => s.name === 'web-1')?.status).toBe('ACTIVE');

    const cut = await cli(migratorConfig, 'cutover', 'web-1', '-i', inventoryFile, '--release-floating-ip', '--poll-interval', '20', '--timeout', '120s');
    expect(cut.code, cut.err).toBe(0);
    expect(cut.err).toContain(`${NS}/web-1: running`);

    const st = await cli(migratorConfig, 'status', '-o', 'json');
    expect(st.code, st.err).toBe(0);
    const web1 = (JSON.parse(st.out) as StatusReport).servers.find((s) => s.vm === 'web-1');
    expect([web1?.namespace, web1?.phase, web1?.progress, web1?.vmExists]).toEqual([NS, 'running', 100, true]);

    // The end state, read by the admin.
    const vm = await kube.get('VirtualMachine', NS, 'web-1');
    expect(vm?.metadata.annotations?.[ANNOTATIONS.phase]).toBe('running');
    expect((await kube.get('VirtualMachineInstance', NS, 'web-1'))?.status?.phase).toBe('Running');
    expect(await kube.get('Service', NS, WEB1_FIP_SERVICE)).toBeDefined();
    expect((await new StateStore(kube).load(NS, 'web-1'))?.state.phase).toBe('running');
    const serverId = vm?.metadata.labels?.[LABELS.serverId];
    const dvs = (await kube.list('DataVolume', NS, `${LABELS.serverId}=${serverId}`)).items;
    expect(dvs.map((d) => d.metadata.name)).toEqual(['web-1-root']);
    for (const dv of dvs) expect([dv.metadata.annotations?.[ANNOTATIONS.phase], dv.status?.phase], dv.metadata.name).toEqual(['imported', 'Succeeded']);
    expect(bc.cloud.servers.find((s) => s.name === 'web-1')?.status).toBe('SHUTOFF');
    expect(fake.errors).toEqual([]);
  });

  it('status --watch holds its three watches open as that service account (a refused watch would re-list in a loop)', async () => {
    const loaded = loadKubeConfig({ kubeconfig: migratorConfig });
    if (!loaded.ok) throw new Error(loaded.error.message);
    const stop = new AbortController();
    let renders = 0;
    const watching = watchStatus(new Kube(loaded.value), undefined, () => (renders += 1), stop.signal);
    const opened = () => sentBy.workflow.filter((s) => s.watch && s.status !== undefined).length;
    const before = opened();
    for (const deadline = Date.now() + 10_000; opened() < before + 3 && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 300));
    stop.abort();
    await watching;
    expect(renders).toBe(1);
    const watches = sentBy.workflow.filter((s) => s.watch).slice(-3);
    expect(watches.map((s) => [s.path, s.status]).sort()).toEqual([
      ['/api/v1/configmaps', 200],
      ['/apis/cdi.kubevirt.io/v1beta1/datavolumes', 200],
      ['/apis/kubevirt.io/v1/virtualmachines', 200],
    ]);
  });

  it('every request was allowed; the workflow role grants what the workflow commands use, and only that', () => {
    const refused = [...sentBy.plan, ...sentBy.workflow].filter((s) => s.status === 403);
    expect(refused).toEqual([]);
    const used = (sent: Sent[]) => new Set(sent.flatMap(permissionsOf));
    const planUsed = used(sentBy.plan);
    const workflowUsed = used(sentBy.workflow);
    if (debug) process.stderr.write(`plan --apply used: ${[...planUsed].sort().join(', ')}\nworkflow used: ${[...workflowUsed].sort().join(', ')}\n`);
    // plan --apply: within its own role; the role grants no verb plan --apply never sends.
    const planGrants = grants(planRole);
    expect([...planUsed].filter((p) => !planGrants.has(p))).toEqual([]);
    const planVerbs = new Set([...planUsed].map((p) => p.split(' ')[0]));
    expect([...planGrants].filter((g) => !planVerbs.has(g.split(' ')[0]) && !g.startsWith('bind '))).toEqual([]);
    // backup/import/cutover/status: within the workflow role alone, and every grant of it is needed.
    const workflowGrants = grants(workflowRole);
    expect([...workflowUsed].filter((p) => !workflowGrants.has(p)).sort()).toEqual([]);
    expect([...workflowGrants].filter((g) => !workflowUsed.has(g) && !(g in NOT_EXERCISED)).sort()).toEqual([]);
    expect(Object.keys(NOT_EXERCISED).filter((g) => !workflowGrants.has(g))).toEqual([]);
  });

  it('docs/workflow.md shows the workflow role as shipped', () => {
    const doc = readFileSync(join(repoRoot, 'docs', 'workflow.md'), 'utf8');
    const block = /`deploy\/clusterrole-workflow.yaml`:\n\n```yaml\n([\s\S]*?)```/.exec(doc);
    expect(load(must(block?.[1], 'the YAML block after `deploy/clusterrole-workflow.yaml`'))).toEqual(workflowRole);
  });

  it("bound only to deploy/clusterrole.yaml, status is refused with the server's forbidden message (exit 1)", async () => {
    const r = await cli(planOnlyConfig, 'status', '-o', 'json');
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toMatch(
      /^error: list (ConfigMap|DataVolume|VirtualMachine): (configmaps|datavolumes\.cdi\.kubevirt\.io|virtualmachines\.kubevirt\.io) is forbidden: User "system:serviceaccount:migrator:plan-only" cannot list resource "(configmaps|datavolumes|virtualmachines)" in API group "(|cdi\.kubevirt\.io|kubevirt\.io)" at the cluster scope\n$/,
    );
  });
});
