// cutover against the real kube-apiserver with controllers playing CDI and KubeVirt, and a simulated
// source cloud: full cold migration, rollback on failed import / failed VM / timeout, and a run killed
// after each step then resumed (same end state, one final copy, one import per disk).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANNOTATIONS } from '../../src/translate/naming.js';
import { cutoverServer, cutoverServers, type CutoverDeps } from '../../src/workflow/cutover.js';
import { StepAbort, type ServerWork } from '../../src/workflow/import.js';
import type { Kube } from '../../src/workflow/kube-ops.js';
import { buildStatus, readSnapshot } from '../../src/workflow/status.js';
import type { TestApiServer } from '../support/apiserver.js';
import { FakeControllers, type FakeControllerOptions } from '../support/fake-controllers.js';
import { SimulatedCloud } from '../support/simulated-cloud.js';
import { ensureNamespace, readServerState, serverWork, startWorkflowApiServer } from '../support/workflow-fixtures.js';

let api: TestApiServer;
let kube: Kube;

beforeAll(async () => {
  ({ api, kube } = await startWorkflowApiServer());
});
afterAll(async () => {
  await api?.stop();
});

function setup(cloud: SimulatedCloud, works: ServerWork[]) {
  works.forEach((w, n) => {
    cloud.addServer(w.serverId, 'ACTIVE');
    cloud.addFloatingIp(`fip-${w.serverId}`, `203.0.113.${n + 10}`, `port-${w.serverId}`, `10.0.0.${n + 10}`);
  });
}

function deps(cloud: SimulatedCloud, extra: Partial<CutoverDeps> = {}): CutoverDeps & { lines: string[] } {
  const lines: string[] = [];
  return {
    kube,
    cloud,
    finalCopy: (w) => cloud.copyServer(w, true),
    pollMs: 10,
    annotateEveryMs: 0,
    log: (l) => {
      lines.push(l);
      if (process.env.DEBUG_WF) console.error(l);
    },
    afterStep: process.env.DEBUG_WF ? (s, d) => console.error('step', s, d) : undefined,
    lines,
    ...extra,
  };
}

async function withControllers<T>(options: FakeControllerOptions, fn: (fake: FakeControllers) => Promise<T>): Promise<T> {
  const fake = new FakeControllers(kube, { steps: 3, stepMs: 20, ...options }).start();
  try {
    return await fn(fake);
  } finally {
    await fake.shutdown();
  }
}

async function expectRolledBack(cloud: SimulatedCloud, w: ServerWork, reason: RegExp) {
  expect(cloud.servers.get(w.serverId)?.status).toBe('ACTIVE');
  expect(await cloud.floatingIpPort(`fip-${w.serverId}`)).toBe(`port-${w.serverId}`);
  expect(await kube.get('VirtualMachine', w.namespace, w.vmName)).toBeUndefined();
  expect(await kube.get('VirtualMachineInstance', w.namespace, w.vmName)).toBeUndefined();
  // The new disks stay (hours of copy are not thrown away); the source is never deleted.
  expect(await kube.get('DataVolume', w.namespace, `${w.vmName}-root`)).toBeDefined();
  const state = await readServerState(kube, w);
  expect(state?.state.phase).toBe('rolled-back');
  expect(state?.state.lastError).toMatch(reason);
}

describe('cutover', () => {
  it('migrates several servers cold: stop, final copy after the stop, import, VM running, floating IP released', async () => {
    const ns = 'cut-full';
    await ensureNamespace(kube, ns, ['allow-ssh']);
    const cloud = new SimulatedCloud();
    const works = [1, 2, 3].map((i) => serverWork(i, ns, { volumes: 1, guestAgent: true, service: true, policy: 'allow-ssh' }));
    setup(cloud, works);
    await withControllers({}, async (fake) => {
      const results = await cutoverServers(deps(cloud, { releaseFloatingIp: true }), works, 2);
      expect(results.map((r) => [r.outcome, r.error])).toEqual(works.map(() => ['running', undefined]));
      for (const w of works) {
        expect(cloud.servers.get(w.serverId)?.status).toBe('SHUTOFF');
        // The images of the final copy were made after the stop.
        const stopAt = cloud.actions.indexOf(`stop ${w.serverId}`);
        const images = [...cloud.images.values()].filter((i) => i.serverId === w.serverId).map((i) => cloud.actions.indexOf(`image ${i.id}`));
        expect(images).toHaveLength(2);
        for (const at of images) expect(at).toBeGreaterThan(stopAt);
        expect(await cloud.floatingIpPort(`fip-${w.serverId}`)).toBeNull();
        const vm = await kube.get('VirtualMachine', ns, w.vmName);
        expect(vm?.metadata.annotations?.[ANNOTATIONS.phase]).toBe('running');
        expect((await kube.get('VirtualMachineInstance', ns, w.vmName))?.status?.phase).toBe('Running');
        expect(await kube.get('Service', ns, `${w.vmName}-fip`)).toBeDefined();
        expect(await kube.get('DataVolume', ns, `${w.vmName}-ephemeral0`)).toBeDefined();
        const state = await readServerState(kube, w);
        expect(state?.state.phase).toBe('running');
        expect(state?.source?.statusBefore).toBe('ACTIVE');
        expect(state?.source?.floatingIps).toEqual([
          { floatingIpId: `fip-${w.serverId}`, floatingIpAddress: expect.any(String), portId: `port-${w.serverId}`, fixedIp: expect.any(String) },
        ]);
      }
      expect(fake.importsStarted).toHaveLength(6);
      const status = buildStatus(await readSnapshot(kube, ns), Date.now());
      expect(status.servers.map((r) => [r.vm, r.phase, r.progress])).toEqual(works.map((w) => [w.vmName, 'running', 100]));
      // A second run is a no-op.
      const again = await cutoverServers(deps(cloud), works, 2);
      expect(again.map((r) => r.outcome)).toEqual(['already-running', 'already-running', 'already-running']);
      expect(fake.importsStarted).toHaveLength(6);
    });
  });

  const failures: [string, FakeControllerOptions, Partial<CutoverDeps>, { guestAgent?: boolean }, RegExp][] = [
    ['a failed import', { failImport: () => 'Unable to process data: image is corrupt' }, {}, {}, /image is corrupt/],
    ['a VM that fails to start', { failVm: () => 'unschedulable' }, {}, {}, /VirtualMachineInstance .* is Failed/],
    ['a guest agent that never connects (timeout)', { noAgent: true }, { timeoutMs: 2500 }, { guestAgent: true }, /timed out/],
  ];
  for (const [name, fakeOptions, extra, workOptions, reason] of failures) {
    it(`rolls back after ${name}: the source runs again with its floating IP`, async () => {
      const ns = `cut-rb-${failures.findIndex((f) => f[0] === name)}`;
      await ensureNamespace(kube, ns);
      const cloud = new SimulatedCloud();
      const w = serverWork(50, ns, { service: true, ...workOptions });
      setup(cloud, [w]);
      await withControllers(fakeOptions, async () => {
        const d = deps(cloud, extra);
        const res = await cutoverServer(d, w);
        expect(res.outcome).toBe('rolled-back');
        expect(res.error).toMatch(reason);
        expect(res.rollbackErrors).toBeUndefined();
        await expectRolledBack(cloud, w, reason);
        expect(await kube.get('Service', ns, `${w.vmName}-fip`)).toBeUndefined();
        expect(cloud.actions.filter((a) => a.startsWith('start '))).toEqual([`start ${w.serverId}`]);
      });
    });
  }

  const steps = ['recorded', 'stopped', 'final-copy', 'imported', 'vm-applied', 'vmi-running', 'floating-ip'];
  it.each(steps.map((s, i) => [s, i]))('a run killed after step "%s" resumes to the same end state', async (stepName, i) => {
    const ns = `cut-kill-${i}`;
    await ensureNamespace(kube, ns);
    const cloud = new SimulatedCloud();
    const w = serverWork(60 + Number(i), ns, { volumes: 1 });
    setup(cloud, [w]);
    await withControllers({}, async (fake) => {
      const killed = deps(cloud, {
        releaseFloatingIp: true,
        afterStep: (s) => {
          if (s === stepName) throw new StepAbort(s);
        },
      });
      await expect(cutoverServer(killed, w)).rejects.toThrow(StepAbort);
      const resumed = deps(cloud, { releaseFloatingIp: true });
      const res = await cutoverServer(resumed, w);
      expect(res.outcome).toBe('running');
      // One final copy, one import per disk, the recorded state of before the first run.
      expect([...cloud.images.values()].filter((img) => img.serverId === w.serverId)).toHaveLength(2);
      expect(fake.importsStarted.map((s) => s.key).sort()).toEqual([`${ns}/${w.vmName}-root`, `${ns}/${w.vmName}-vol-0`]);
      const state = await readServerState(kube, w);
      expect(state?.source?.statusBefore).toBe('ACTIVE');
      expect(state?.state.phase).toBe('running');
      expect(await cloud.floatingIpPort(`fip-${w.serverId}`)).toBeNull();
      expect(cloud.actions.filter((a) => a.startsWith('start '))).toEqual([]);
    });
  });

  const rollbackSteps = ['rolling-back', 'rollback-vm-deleted', 'rollback-services-deleted', 'rollback-started', 'rollback-floating-ips'];
  it.each(rollbackSteps.map((s, i) => [s, i]))(
    'a run killed during its rollback (after "%s") is resumed as that rollback, not forward',
    async (stepName, i) => {
      const ns = `cut-rbkill-${i}`;
      await ensureNamespace(kube, ns);
      const cloud = new SimulatedCloud();
      const w = serverWork(80 + Number(i), ns, { volumes: 1, service: true });
      setup(cloud, [w]);
      await withControllers({}, async (fake) => {
        // The cutover fails after the floating IP moved (so the rollback has everything to undo), and the
        // process dies during the rollback.
        const killed = deps(cloud, {
          releaseFloatingIp: true,
          afterStep: (s) => {
            if (s === 'floating-ip') throw new Error('injected failure after the floating IP moved');
            if (s === stepName) throw new StepAbort(s);
          },
        });
        await expect(cutoverServer(killed, w)).rejects.toThrow(StepAbort);
        const interrupted = await readServerState(kube, w);
        expect(interrupted?.state.phase).toBe('rolling-back');
        expect(interrupted?.source?.rollbackReason).toMatch(/injected failure/);
        const resumed = deps(cloud, { releaseFloatingIp: true });
        const res = await cutoverServer(resumed, w);
        expect(res.outcome).toBe('rolled-back');
        expect(res.error).toMatch(/injected failure/);
        expect(res.rollbackErrors).toBeUndefined();
        expect(resumed.lines.some((l) => l.includes('finishing the rollback'))).toBe(true);
        await expectRolledBack(cloud, w, /injected failure/);
        expect(await kube.get('Service', ns, `${w.vmName}-fip`)).toBeUndefined();
        // Not forward: one stop, one final copy, one import per disk, and the source started exactly once.
        expect(cloud.actions.filter((a) => a.startsWith('stop '))).toEqual([`stop ${w.serverId}`]);
        expect([...cloud.images.values()].filter((img) => img.serverId === w.serverId)).toHaveLength(2);
        expect(fake.importsStarted).toHaveLength(2);
        expect(cloud.actions.filter((a) => a.startsWith('start '))).toEqual([`start ${w.serverId}`]);
        // A cutover started again after the rollback is a new attempt, from the source's recorded state.
        const state = await readServerState(kube, w);
        expect(state?.source?.floatingIpsReleased).toBe(false);
      });
    },
  );

  it('refuses to start when the VM name belongs to something else', async () => {
    const ns = 'cut-pre';
    await ensureNamespace(kube, ns);
    const cloud = new SimulatedCloud();
    const w = serverWork(70, ns, { policy: 'missing-policy' });
    setup(cloud, [w]);
    await kube.create('VirtualMachine', {
      apiVersion: 'kubevirt.io/v1',
      kind: 'VirtualMachine',
      metadata: { name: w.vmName, namespace: ns },
      spec: { runStrategy: 'Halted', template: { spec: { domain: { devices: {} } } } },
    });
    const res = await cutoverServer(deps(cloud), w);
    expect(res.outcome).toBe('preflight-failed');
    expect(res.error).toContain('is not the migration of server');
    expect(res.error).toContain('NetworkPolicy cut-pre/missing-policy');
    expect(cloud.actions).toEqual([]);
  });
});
