// The migration end to end through the real CLI (in-process `main([...])` of src/cli/main.ts):
//   inventory → plan --apply → cutover (failing, rolled back) → backup → import → cutover → status → backup --cleanup
// against the local OpenStack API server over real HTTP (the recorded minicloud with the write actions of
// test/support/openstack-actions.ts: Nova power actions and createImage, Cinder snapshots and
// upload-to-image, Glance image data, Neutron floating IPs) and the real kube-apiserver with controllers
// playing CDI (which downloads each Glance image over HTTP with the token from the Secret) and KubeVirt.
// The inventory the commands read is taken from that server by the `inventory` command, as a user would.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DataVolume } from '../../src/kube-types/index.js';
import { runCli, type CliRun } from '../support/cli-run.js';
import { loadInventoryFile } from '../../src/inventory/load.js';
import { buildPlan } from '../../src/plan/build.js';
import { finalCopyVia } from '../../src/workflow/backup.js';
import { cutoverServer } from '../../src/workflow/cutover.js';
import { serverWorks } from '../../src/workflow/plan-work.js';
import { openStackSource } from '../../src/workflow/source.js';
import { ANNOTATIONS } from '../../src/translate/naming.js';
import type { Kube } from '../../src/workflow/kube-ops.js';
import { StateStore } from '../../src/workflow/ledger.js';
import type { StatusReport } from '../../src/workflow/status.js';
import type { TestApiServer } from '../support/apiserver.js';
import { startBackupCloud, type BackupCloud } from '../support/backup-harness.js';
import { FakeControllers } from '../support/fake-controllers.js';
import { TEST_PASSWORD } from '../support/openstack-server/index.js';
import { startWorkflowApiServer } from '../support/workflow-fixtures.js';

const debug = Boolean(process.env.DEBUG_WF);
/** Keystone's token lifetime on the test server: short, so that tokens expire during the run. */
const TOKEN_TTL_MS = 8_000;
const NS = 'acme-acme-prod';
const WAVE = ['bfv-1', 'db-1', 'topo-1', 'web-1', 'web-2'];
const WEB1_FIP = '921a80e5-a303-49f6-9ada-00d8c7d2bc60';
const WEB1_PORT = '1afaff64-5681-41fe-8514-77776ec0b34a';

let api: TestApiServer;
let kube: Kube;
let bc: BackupCloud;
let fake: FakeControllers;
let dir: string;
let inventoryFile: string;
/** DataVolumes whose import the fake CDI fails. */
const failing = new Set<string>();
/** Everything every command printed, for the secret scan. */
const printed: string[] = [];
const savedEnv: Record<string, string | undefined> = {};

/** Runs one command as `kubectl openstack-migrate ...` would, capturing what it prints. */
async function cli(...args: string[]): Promise<CliRun> {
  const run = await runCli([...args, '--kubeconfig', api.kubeconfigPath], { echo: debug });
  printed.push(run.out, run.err);
  return run;
}

async function status(): Promise<Map<string, StatusReport['servers'][number]>> {
  const r = await cli('status', '-o', 'json');
  expect(r.code, r.err).toBe(0);
  const report = JSON.parse(r.out) as StatusReport;
  return new Map(report.servers.map((s) => [s.vm, s]));
}

const server = (name: string) => bc.cloud.servers.find((s) => s.name === name)!;
const fip = (id: string) => bc.cloud.floatingIps.find((f) => f.id === id)!;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'osm-e2e-'));
  inventoryFile = join(dir, 'inventory.yaml');
  bc = await startBackupCloud({ ticks: 1 }, { tokenTtlMs: TOKEN_TTL_MS });
  ({ api, kube } = await startWorkflowApiServer());
  // The OpenStack credentials as a user exports them; no clouds.yaml anywhere.
  const env = { ...bc.env, OS_CLOUD: '', OS_CLIENT_CONFIG_FILE: join(dir, 'none.yaml') };
  for (const [k, v] of Object.entries(env)) {
    savedEnv[k] = process.env[k];
    process.env[k] = v;
  }
  fake = new FakeControllers(kube, {
    steps: 4,
    stepMs: 40,
    download: true,
    failImport: (dv) => (failing.has(dv.metadata.name) ? 'Unable to process data: qemu-img: Could not open image: invalid qcow2 header' : undefined),
  }).start();
}, 300_000);

afterAll(async () => {
  await fake?.shutdown();
  await api?.stop();
  await bc?.close();
  for (const [k, v] of Object.entries(savedEnv)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('migration end to end through the CLI (local OpenStack over HTTP, real kube-apiserver)', () => {
  it('inventory from the cloud, then plan --apply puts the foundation in the cluster and defers the workloads', async () => {
    const inv = await cli('inventory', '--output-file', inventoryFile);
    expect(inv.code, inv.err).toBe(0);
    expect(readFileSync(inventoryFile, 'utf8')).toContain('web-1');
    const plan = await cli('plan', '-i', inventoryFile, '--apply');
    expect(plan.code, plan.err).toBe(0);
    expect(plan.err).toMatch(/deferred: \d+ DataVolumes/);
    expect(await kube.get('Namespace', '', NS)).toBeDefined();
    expect((await kube.list('NetworkPolicy', NS)).items.length).toBeGreaterThan(0);
    expect((await kube.list('DataVolume', NS)).items).toEqual([]);
    expect((await kube.list('VirtualMachine', NS)).items).toEqual([]);
  });

  it('a failed import rolls the cutover back: the source is ACTIVE again, its floating IP on its port', async () => {
    failing.add('web-1-root');
    try {
      const r = await cli('cutover', 'web-1', '-i', inventoryFile, '--release-floating-ip', '--poll-interval', '20', '--timeout', '120s');
      expect(r.code, r.err).toBe(1);
      expect(r.err).toMatch(/acme-acme-prod\/web-1: rolled-back \(.*invalid qcow2 header/);
    } finally {
      failing.delete('web-1-root');
    }
    // In OpenStack (the test server's own state): stopped, then started again; the floating IP never left.
    const web1 = server('web-1');
    expect([web1.status, web1['OS-EXT-STS:task_state'] ?? null]).toEqual(['ACTIVE', null]);
    expect(bc.actions.order.filter((a) => a.endsWith(web1.id) && a.startsWith('os-'))).toEqual([`os-stop ${web1.id}`, `os-start ${web1.id}`]);
    expect(fip(WEB1_FIP).port_id).toBe(WEB1_PORT);
    expect(bc.actions.order.filter((a) => a.startsWith(`fip ${WEB1_FIP}`))).toEqual([]);
    // In the cluster: no VM, no Service claiming the address; the disk copy stays for the next attempt.
    expect(await kube.get('VirtualMachine', NS, 'web-1')).toBeUndefined();
    expect((await kube.list('Service', NS)).items.filter((s) => s.metadata.name.startsWith('web-1-'))).toEqual([]);
    const st = (await status()).get('web-1')!;
    expect(st.phase).toBe('rolled-back');
    expect(st.lastError).toMatch(/invalid qcow2 header/);
  });

  it('a failure after the floating IP moved: the rollback re-associates it over the Neutron API (library, same adapter as the CLI)', async () => {
    const inventory = await loadInventoryFile(inventoryFile);
    const work = serverWorks(buildPlan(inventory), inventory).find((w) => w.vmName === 'web-1')!;
    const cloud = openStackSource(bc.client);
    const store = new StateStore(kube);
    const orderFrom = bc.actions.order.length;
    const res = await cutoverServer(
      {
        kube,
        cloud,
        store,
        pollMs: 20,
        releaseFloatingIp: true,
        finalCopy: finalCopyVia({ clientFor: async () => bc.client, store }, () => server('web-1').tenant_id, {
          wait: { intervalMs: 5, maxIntervalMs: 20, timeoutMs: 30_000 },
        }),
        afterStep: (step) => {
          if (step === 'floating-ip') throw new Error('injected failure after the floating IP was released');
        },
      },
      work,
    );
    expect(res.outcome).toBe('rolled-back');
    expect(res.rollbackErrors).toBeUndefined();
    const order = bc.actions.order.slice(orderFrom);
    const web1 = server('web-1');
    expect(order.filter((a) => a.startsWith('fip ') || a.startsWith('os-'))).toEqual([
      `os-stop ${web1.id}`,
      `fip ${WEB1_FIP} null`,
      `os-start ${web1.id}`,
      `fip ${WEB1_FIP} ${WEB1_PORT}`,
    ]);
    expect(web1.status).toBe('ACTIVE');
    expect(fip(WEB1_FIP).port_id).toBe(WEB1_PORT);
    expect(fip(WEB1_FIP).fixed_ip_address).toBe((await store.load(NS, 'web-1'))?.source?.floatingIps[0]?.fixedIp);
    expect(await kube.get('VirtualMachine', NS, 'web-1')).toBeUndefined();
    expect((await kube.list('Service', NS)).items).toEqual([]);
    expect((await status()).get('web-1')?.phase).toBe('rolled-back');
  });

  it('backup, then import of a wave (--project) with --parallel 2, surviving tokens that expire mid-import', async () => {
    const b = await cli('backup', '--project', 'acme-prod', '-i', inventoryFile, '--poll-interval', '20', '--parallel', '3');
    expect(b.code, b.out + b.err).toBe(0);
    for (const vm of WAVE) expect(b.out).toMatch(new RegExp(`${NS}/${vm}: backed-up`));
    expect(bc.actions.live('osm-').snapshots).toEqual([]);
    expect(bc.actions.live('osm-').volumes).toEqual([]);
    for (const vm of WAVE) expect(server(vm).status).toBe('ACTIVE');

    fake.maxInFlight = 0;
    const started = fake.importsStarted.length;
    const downloadsFrom = fake.downloads.length;
    const importing = cli('import', '--project', 'acme-prod', '-i', inventoryFile, '--parallel', '2');
    // Once CDI reports progress, every token dies (as when Keystone's lifetime ends mid-download).
    let expiredAt = 0;
    for (const deadline = Date.now() + 60_000; Date.now() < deadline && !expiredAt; await new Promise((r) => setTimeout(r, 20))) {
      const dvs = (await kube.list('DataVolume', NS)).items;
      const inProgress = (dv: (typeof dvs)[number]) => {
        const st = (dv.status ?? {}) as { phase?: string; progress?: string };
        return st.phase === 'ImportInProgress' && /^[1-9][0-9.]*%$/.test(st.progress ?? '') && st.progress !== '100.0%';
      };
      if (dvs.some(inProgress)) {
        expiredAt = Date.now();
        for (const t of bc.server.tokens.values()) t.expiresAt = expiredAt - 1;
      }
    }
    expect(expiredAt).toBeGreaterThan(0);
    const r = await importing;
    expect(r.code, r.err).toBe(0);
    for (const vm of WAVE) expect(r.err).toContain(`${NS}/${vm}: imported`);
    // --parallel 2: never more than two imports in flight, and two at some point.
    expect(fake.maxInFlight).toBe(2);
    // The expired token was refused by Glance (401), the import was recreated with a new token and succeeded.
    const refused = [
      ...new Set(
        fake.downloads
          .slice(downloadsFrom)
          .filter((d) => d.status === 401)
          .map((d) => d.key),
      ),
    ];
    expect(refused.length).toBeGreaterThan(0);
    const copied = ['bfv-1-root', 'db-1-root', 'db-1-vol-7f49552f', 'topo-1-root', 'web-1-root', 'web-2-root'];
    const imports = fake.importsStarted.slice(started);
    // Each refused import was started again once (one expiry, one re-issue); no other import twice (a disk
    // whose copy was already imported by the earlier cutover attempt is not imported again).
    for (const name of copied) {
      const key = `${NS}/${name}`;
      expect(imports.filter((i) => i.key === key).length, key).toBeLessThanOrEqual(refused.includes(key) ? 2 : 1);
    }
    for (const key of refused) expect(imports.filter((i) => i.key === key).length, key).toBe(2);
    for (const name of copied) {
      const dv = await kube.get('DataVolume', NS, name);
      expect(dv?.metadata.annotations?.[ANNOTATIONS.phase], name).toBe('imported');
      expect((dv as DataVolume | undefined)?.spec.source?.http?.url).toMatch(
        new RegExp(`^${bc.server.url}/RegionOne/public/image/v2/images/[0-9a-f-]{36}/file$`),
      );
    }
    expect((await kube.list('Secret', NS)).items.filter((s) => s.metadata.name.endsWith('-osm-token'))).toEqual([]);
    const st = await status();
    for (const vm of WAVE) expect(st.get(vm)?.phase, vm).toBe('imported');
    // A second run imports nothing again.
    const again = await cli('import', '--project', 'acme-prod', '-i', inventoryFile, '--parallel', '2');
    expect(again.code, again.err).toBe(0);
    expect(fake.importsStarted.length).toBe(started + imports.length);
  });

  it('cold cutover of the wave: stop, final copy after the stop, import, VMs running, floating IP released', async () => {
    fake.maxInFlight = 0;
    const orderFrom = bc.actions.order.length;
    const r = await cli(
      'cutover',
      '--project',
      'acme-prod',
      '-i',
      inventoryFile,
      '--parallel',
      '2',
      '--release-floating-ip',
      '--poll-interval',
      '20',
      '--timeout',
      '300s',
    );
    expect(r.code, r.err).toBe(0);
    for (const vm of WAVE) expect(r.err).toContain(`${NS}/${vm}: running`);
    expect(fake.maxInFlight).toBeLessThanOrEqual(2);
    const order = bc.actions.order.slice(orderFrom);
    const store = new StateStore(kube);
    for (const vm of WAVE) {
      const s = server(vm);
      expect(s.status, vm).toBe('SHUTOFF');
      // Every copy of the final copy was taken after the server's stop.
      const stopAt = order.indexOf(`os-stop ${s.id}`);
      expect(stopAt, vm).toBeGreaterThanOrEqual(0);
      const volumes: string[] = s['os-extended-volumes:volumes_attached'].map((v: { id: string }) => v.id);
      const copies = order
        .map((a, i) => [a, i] as const)
        .filter(([a]) => a.startsWith(`createImage ${s.id} `) || volumes.some((v) => a.startsWith(`snapshot ${v} `)));
      expect(copies.length, vm).toBe(volumes.length + (s.image?.id ? 1 : 0));
      for (const [, at] of copies) expect(at).toBeGreaterThan(stopAt);
      const rec = await store.load(NS, vm);
      expect(rec?.state.phase).toBe('running');
      expect(rec?.source?.statusBefore).toBe('ACTIVE');
      const vmObj = await kube.get('VirtualMachine', NS, vm);
      expect(vmObj?.metadata.annotations?.[ANNOTATIONS.phase]).toBe('running');
      expect((await kube.get('VirtualMachineInstance', NS, vm))?.status?.phase).toBe('Running');
    }
    expect(order).toContain(`fip ${WEB1_FIP} null`);
    expect(fip(WEB1_FIP).port_id).toBeNull();
    expect((await store.load(NS, 'web-1'))?.source?.floatingIps).toEqual([
      { floatingIpId: WEB1_FIP, floatingIpAddress: '203.0.113.235', portId: WEB1_PORT, fixedIp: expect.any(String) },
    ]);
    expect((await kube.list('Service', NS)).items.map((s) => s.metadata.name)).toEqual(['web-1-fip-203-0-113-235']);
    expect((await kube.list('DataVolume', NS)).items.map((d) => d.metadata.name).sort()).toEqual([
      'bfv-1-root',
      'db-1-ephemeral0',
      'db-1-root',
      'db-1-swap',
      'db-1-vol-7f49552f',
      'topo-1-root',
      'web-1-root',
      'web-2-root',
    ]);
    const st = await status();
    for (const vm of WAVE) expect([st.get(vm)?.phase, st.get(vm)?.progress, st.get(vm)?.vmExists], vm).toEqual(['running', 100, true]);
    // Servers outside the wave were not touched.
    for (const other of ['dev-1', 'app-1']) expect(server(other).status).toBe('ACTIVE');
    // Again: nothing to do.
    const again = await cli('cutover', '--project', 'acme-prod', '-i', inventoryFile, '--poll-interval', '20');
    expect(again.code, again.err).toBe(0);
    expect(bc.actions.order.length).toBe(orderFrom + order.length);
  });

  it('backup --cleanup removes every image the plugin made; no source server or volume is deleted', async () => {
    const volumesBefore = bc.cloud.volumes
      .filter((v) => !String(v.name ?? '').startsWith('osm-'))
      .map((v) => v.id)
      .sort();
    expect(bc.actions.live('osm-').images.length).toBeGreaterThan(0);
    const r = await cli('backup', '--project', 'acme-prod', '-i', inventoryFile, '--cleanup', '--poll-interval', '20');
    expect(r.code, r.out + r.err).toBe(0);
    expect(bc.actions.live('osm-')).toEqual({ images: [], snapshots: [], volumes: [] });
    expect(bc.cloud.servers.map((s) => s.name).sort()).toEqual(['app-1', 'app-2', 'bfv-1', 'db-1', 'dev-1', 'topo-1', 'web-1', 'web-2']);
    expect(bc.cloud.volumes.map((v) => v.id).sort()).toEqual(volumesBefore);
    // The migrated VMs keep running (their bytes are in the cluster).
    const st = await status();
    for (const vm of WAVE) expect(st.get(vm)?.phase).toBe('running');
  });

  it('no token or password in any annotation, label, state object, log line or report', async () => {
    const parts = [...printed, readFileSync(inventoryFile, 'utf8')];
    for (const kind of ['ConfigMap', 'DataVolume', 'VirtualMachine', 'VirtualMachineInstance', 'Service', 'PersistentVolumeClaim', 'Secret'] as const) {
      for (const o of (await kube.list(kind, undefined)).items) {
        // A Secret's data is where a token belongs (and import deletes them); everything else is scanned whole.
        parts.push(JSON.stringify(kind === 'Secret' ? o.metadata : o));
      }
    }
    const text = parts.join('\n');
    expect(bc.server.issuedTokens.length).toBeGreaterThan(5);
    for (const token of bc.server.issuedTokens) expect(text).not.toContain(token);
    expect(text).not.toContain(TEST_PASSWORD);
    expect(text).not.toMatch(/gAAAAA[0-9a-f]{16}/);
  });
});
