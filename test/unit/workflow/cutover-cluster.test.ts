// cutover's state machine against the in-memory cluster (test/support/memory-cluster.ts) and the in-memory
// source cloud (test/support/simulated-cloud.ts): the same Cluster and SourceCloud interfaces the real
// kube-apiserver and OpenStack are reached through (test/integration/workflow-cutover.test.ts runs these
// paths against a real kube-apiserver). Pure: no servers, no processes.
import { describe, expect, it } from 'vitest';
import { ANNOTATIONS } from '../../../src/translate/naming.js';
import { cutoverServer, type CutoverDeps } from '../../../src/workflow/cutover.js';
import { StepAbort, type ServerWork } from '../../../src/workflow/import.js';
import { MemoryCluster, MemoryControllers, type MemoryControllerOptions } from '../../support/memory-cluster.js';
import { SimulatedCloud } from '../../support/simulated-cloud.js';
import { serverWork } from '../../support/workflow-fixtures.js';

const NS = 'cut';
const POLICY = 'allow-ssh';

async function setup(options: MemoryControllerOptions = {}, workOptions: { guestAgent?: boolean } = { guestAgent: true }) {
  const cluster = new MemoryCluster();
  // What plan --apply put there: the namespace and its NetworkPolicy.
  await cluster.create('Namespace', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
  await cluster.create('NetworkPolicy', { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: POLICY, namespace: NS }, spec: {} });
  const cloud = new SimulatedCloud();
  cloud.transitionMs = 0;
  const controllers = new MemoryControllers(cluster, { tokenValid: (t) => cloud.tokenValid(t), ...options });
  const work = serverWork(3, NS, { volumes: 1, service: true, policy: POLICY, ...workOptions });
  cloud.addServer(work.serverId, 'ACTIVE');
  cloud.addFloatingIp(`fip-${work.serverId}`, '203.0.113.10', `port-${work.serverId}`, '10.0.0.10');
  const deps = (extra: Partial<CutoverDeps> = {}): CutoverDeps => ({
    kube: cluster,
    cloud,
    finalCopy: (w) => cloud.copyServer(w, true),
    pollMs: 1,
    annotateEveryMs: 0,
    releaseFloatingIp: true,
    ...extra,
  });
  return { cluster, cloud, controllers, work, deps };
}

/**
 * A cutover whose run is killed right after `step` (its connection to the cluster cut, as a killed
 * process's): resolves to the StepAbort it ended with, and the steps it reported on the way.
 */
async function cutoverKilledAfter(
  cluster: MemoryCluster,
  deps: (extra?: Partial<CutoverDeps>) => CutoverDeps,
  work: ServerWork,
  step: string,
): Promise<{ ended: unknown; seen: string[] }> {
  const run = cluster.connect();
  const seen: string[] = [];
  const ended = await cutoverServer(
    deps({
      kube: run.cluster,
      afterStep: (name) => {
        seen.push(name);
        if (name === step) {
          run.kill();
          throw new StepAbort(name);
        }
      },
    }),
    work,
  ).then(
    () => undefined,
    (err: unknown) => err,
  );
  return { ended, seen };
}

const copiedDisks = (w: ServerWork) => w.dataVolumes.filter((d) => !('blank' in ((d.spec as { source?: object }).source ?? {}))).map((d) => d.metadata.name);

async function expectRunning(cluster: MemoryCluster, cloud: SimulatedCloud, controllers: MemoryControllers, w: ServerWork) {
  expect(cloud.servers.get(w.serverId)?.status).toBe('SHUTOFF');
  expect(await cloud.floatingIpPort(`fip-${w.serverId}`)).toBeNull();
  expect(cluster.peek('VirtualMachine', NS, w.vmName)?.metadata.annotations?.[ANNOTATIONS.phase]).toBe('running');
  expect(cluster.peek('VirtualMachineInstance', NS, w.vmName)?.status?.phase).toBe('Running');
  expect(cluster.peek('Service', NS, `${w.vmName}-fip`)).toBeDefined();
  expect(cluster.peek('DataVolume', NS, `${w.vmName}-ephemeral0`)?.status?.phase).toBe('Succeeded');
  // One final copy, taken after the stop, and each of its disks imported once.
  const stopAt = cloud.actions.indexOf(`stop ${w.serverId}`);
  const images = cloud.actions.filter((a) => a.startsWith('image '));
  expect(images).toHaveLength(copiedDisks(w).length);
  for (const image of images) expect(cloud.actions.indexOf(image)).toBeGreaterThan(stopAt);
  expect(cloud.actions.filter((a) => a.startsWith('stop '))).toHaveLength(1);
  expect(cloud.actions.filter((a) => a.startsWith('start '))).toEqual([]);
  expect(controllers.importsStarted.map((i) => i.key.split('/')[1]).sort()).toEqual(copiedDisks(w).sort());
  const record = await cluster.store.load(NS, w.vmName);
  expect(record?.state.phase).toBe('running');
  expect(record?.source?.statusBefore).toBe('ACTIVE');
  expect(record?.source?.floatingIpsReleased).toBe(true);
  expect(controllers.errors).toEqual([]);
}

async function expectRolledBack(cluster: MemoryCluster, cloud: SimulatedCloud, w: ServerWork, reason: RegExp) {
  expect(cloud.servers.get(w.serverId)?.status).toBe('ACTIVE');
  expect(await cloud.floatingIpPort(`fip-${w.serverId}`)).toBe(`port-${w.serverId}`);
  expect(cluster.peek('VirtualMachine', NS, w.vmName)).toBeUndefined();
  expect(cluster.peek('VirtualMachineInstance', NS, w.vmName)).toBeUndefined();
  expect(cluster.peek('Service', NS, `${w.vmName}-fip`)).toBeUndefined();
  // The copied disks stay (hours of copy are not thrown away).
  expect(cluster.peek('DataVolume', NS, `${w.vmName}-root`)).toBeDefined();
  const record = await cluster.store.load(NS, w.vmName);
  expect(record?.state.phase).toBe('rolled-back');
  expect(record?.state.lastError).toMatch(reason);
}

describe('cutover against the in-memory cluster', () => {
  it('cold migration: stop, final copy after the stop, import, VM and Service applied, VMI running with its agent, floating IP released', async () => {
    const { cluster, cloud, controllers, work, deps } = await setup();
    const r = await cutoverServer(deps(), work);
    expect([r.outcome, r.error]).toEqual(['running', undefined]);
    await expectRunning(cluster, cloud, controllers, work);
    // The VM was applied (server-side apply), carrying the cutting-over annotation until it ran.
    const applied = cluster.writes.find((w) => w.verb === 'apply' && w.kind === 'VirtualMachine');
    expect(JSON.stringify(applied?.body)).toContain(`"${ANNOTATIONS.phase}":"cutting-over"`);
  });

  it('a second run changes nothing', async () => {
    const { cluster, cloud, controllers, work, deps } = await setup();
    expect((await cutoverServer(deps(), work)).outcome).toBe('running');
    const writes = cluster.writes.length;
    const actions = cloud.actions.length;
    expect((await cutoverServer(deps(), work)).outcome).toBe('already-running');
    expect(cluster.writes.slice(writes)).toEqual([]);
    expect(cloud.actions.slice(actions)).toEqual([]);
    await expectRunning(cluster, cloud, controllers, work);
  });

  const steps = ['recorded', 'stopped', 'final-copy', 'imported', 'vm-applied', 'vmi-running', 'floating-ip', 'marked-running'];
  it.each(steps)('a run killed after step "%s" resumes to the same end state', async (step) => {
    const { cluster, cloud, controllers, work, deps } = await setup();
    const { ended: first, seen } = await cutoverKilledAfter(cluster, deps, work, step);
    expect(first).toBeInstanceOf(StepAbort);
    expect(seen.at(-1)).toBe(step);
    const again = await cutoverServer(deps(), work);
    expect([again.outcome, again.error]).toEqual([step === 'marked-running' ? 'already-running' : 'running', undefined]);
    await expectRunning(cluster, cloud, controllers, work);
  });

  const failures: [string, MemoryControllerOptions, (c: MemoryCluster) => void, RegExp][] = [
    ['a failed import', { failImport: () => 'Unable to process data: image is corrupt' }, () => {}, /image is corrupt/],
    ['a VM that fails to start', { failVm: () => 'unschedulable' }, () => {}, /VirtualMachineInstance .* is Failed/],
    [
      'a VM the API server refuses',
      {},
      (c) => {
        c.refuse = (w) =>
          w.verb === 'apply' && w.kind === 'VirtualMachine' ? 'admission webhook "virtualmachine-validator.kubevirt.io" denied the request' : undefined;
      },
      /applying the VM failed: .*denied the request/,
    ],
  ];
  it.each(failures)('rolls back after %s: the source runs again with its floating IP, the VM and Service go', async (_name, options, arrange, reason) => {
    const { cluster, cloud, work, deps } = await setup(options);
    arrange(cluster);
    const r = await cutoverServer(deps(), work);
    expect(r.outcome).toBe('rolled-back');
    expect(r.error).toMatch(reason);
    expect(r.rollbackErrors).toBeUndefined();
    await expectRolledBack(cluster, cloud, work, reason);
    expect(cloud.actions.filter((a) => a.startsWith('start '))).toEqual([`start ${work.serverId}`]);
  });

  it('rolls back when the guest agent never connects within the timeout', async () => {
    const { cluster, cloud, work, deps } = await setup({ noAgent: true });
    const r = await cutoverServer(deps({ timeoutMs: 200 }), work);
    expect(r.outcome).toBe('rolled-back');
    await expectRolledBack(cluster, cloud, work, /timed out/);
  });

  const rollbackSteps = ['rolling-back', 'rollback-vm-deleted', 'rollback-services-deleted', 'rollback-started', 'rollback-floating-ips'];
  it.each(rollbackSteps)('a run killed during its rollback (after "%s") is resumed as that rollback, never forward', async (step) => {
    const { cluster, cloud, work, deps } = await setup({ failVm: () => 'unschedulable' });
    const { ended: first } = await cutoverKilledAfter(cluster, deps, work, step);
    expect(first).toBeInstanceOf(StepAbort);
    expect((await cluster.store.load(NS, work.vmName))?.state.phase).toBe('rolling-back');
    const again = await cutoverServer(deps(), work);
    expect(again.outcome).toBe('rolled-back');
    expect(again.error).toMatch(/is Failed/);
    await expectRolledBack(cluster, cloud, work, /is Failed/);
    // Resumed as the rollback: the source was stopped once (by the first run), never again.
    expect(cloud.actions.filter((a) => a.startsWith('stop '))).toHaveLength(1);
  });

  it('pre-flight refuses a VM of the same name that is not this server’s, and changes nothing', async () => {
    const { cluster, cloud, work, deps } = await setup();
    await cluster.create('VirtualMachine', {
      apiVersion: 'kubevirt.io/v1',
      kind: 'VirtualMachine',
      metadata: { name: work.vmName, namespace: NS },
      spec: { runStrategy: 'Halted' },
    });
    const setupWrites = cluster.writes.length;
    const r = await cutoverServer(deps(), work);
    expect(r.outcome).toBe('preflight-failed');
    expect(r.error).toMatch(/is not the migration of server/);
    expect(cloud.actions).toEqual([]);
    expect(cluster.writes.slice(setupWrites)).toEqual([]);
    expect(cluster.peek('VirtualMachine', NS, work.vmName)?.metadata.labels).toBeUndefined();
  });
});
