// `cutover VM`: the switch from the OpenStack server to the KubeVirt VM, or back.
// Order (cold migration): record what must be restored → stop the source → final copy → import it →
// apply VM and Services → wait for the VMI (and the guest agent) → floating IP → running.
// Every step first looks at the recorded state and at what exists, so a killed run started again ends the
// same way. Any failure or timeout rolls back: the new VM goes (its DataVolumes stay), the source starts
// again with its floating IPs. The rollback is recorded (phase rolling-back, with its reason) before its
// first step, so that a run killed during it is resumed as the same rollback, never forward. The source
// server and its disks are never deleted.
import type { KubeObject } from '../translate/model.js';
import { ANNOTATIONS, LABELS } from '../translate/naming.js';
import { MigrateError } from '../errors.js';
import { stateAnnotations, truncateError } from './state.js';
import { importServer, StepAbort, storeOf, type ImportDeps, type ServerWork } from './import.js';
import type { StoredObject } from './cluster.js';
import { applyStateChange, readRecord, updateRecord, type DiskCopy, type ServerRecord, type SourceRecord, type StateChange } from './ledger.js';
import { pollUntil, type SourceCloud } from './source.js';
import { inPool, Limiter } from '../concurrency.js';

export interface CutoverDeps extends Omit<ImportDeps, 'cloud'> {
  cloud: SourceCloud;
  /** Backup's per-server function: copies every disk of the (stopped) server and returns the copies. */
  finalCopy: (work: ServerWork, signal?: AbortSignal) => Promise<DiskCopy[]>;
  /** Whole cutover of one server, rollback excluded. */
  timeoutMs?: number;
  /** Disassociate the floating IPs in OpenStack once the VM runs (the Service takes the addresses). */
  releaseFloatingIp?: boolean;
  /** First interval of source-cloud polls (OpenStack has no watch). */
  pollMs?: number;
  /** Bound of the rollback's own waits (it runs after the timeout has passed). */
  rollbackTimeoutMs?: number;
}

export type CutoverOutcome = 'running' | 'already-running' | 'rolled-back' | 'preflight-failed';

export interface CutoverResult {
  serverId: string;
  namespace: string;
  vmName: string;
  outcome: CutoverOutcome;
  error?: string;
  /** Rollback steps that failed too (the source may need a hand). */
  rollbackErrors?: string[];
}

/** What `--dry-run=client` prints for one server. */
export function cutoverSteps(work: ServerWork, options: { releaseFloatingIp?: boolean } = {}): string[] {
  const vm = `${work.namespace}/${work.vmName}`;
  const runStrategy = (work.vm?.spec as { runStrategy?: string } | undefined)?.runStrategy ?? 'Always';
  return [
    `pre-flight ${vm}: namespace ${work.namespace}, ${work.policies.length} NetworkPolicies, VM name free or ours`,
    `record power state and floating IPs of server ${work.serverName} (${work.serverId})`,
    `stop server ${work.serverId} (os-stop) and wait for SHUTOFF`,
    `final copy of ${work.dataVolumes.filter(isCopied).length} disk(s) (backup), then import into ${work.dataVolumes
      .filter(isCopied)
      .map((d) => d.metadata.name)
      .join(', ')}`,
    `create blank DataVolumes ${
      work.dataVolumes
        .filter((d) => !isCopied(d))
        .map((d) => d.metadata.name)
        .join(', ') || '(none)'
    }`,
    `apply VirtualMachine ${vm} (runStrategy ${runStrategy})${work.services.length ? ` and Service(s) ${work.services.map((s) => s.metadata.name).join(', ')}` : ''}`,
    runStrategy === 'Halted'
      ? 'the source was stopped: the VM stays Halted'
      : `wait for VirtualMachineInstance ${vm} Running${work.guestAgent ? ' and AgentConnected' : ''}`,
    options.releaseFloatingIp ? 'disassociate the floating IP(s) in OpenStack (port_id null)' : 'leave the floating IP(s) associated in OpenStack',
    `mark ${vm} running`,
    'on failure or timeout: delete the new VM (not its DataVolumes), start the source server, re-associate its floating IPs, mark rolled-back',
  ];
}

/** DataVolumes whose bytes come from a copy (the plan's placeholders), as opposed to blank ones. */
export function isCopied(dv: KubeObject): boolean {
  const source = (dv.spec as { source?: Record<string, unknown> } | undefined)?.source ?? {};
  return !('blank' in source);
}

/**
 * The server an object in the cluster belongs to: its server-id label, else its server-id annotation (the
 * plan's floating-IP Services carry only the annotation: their labels select nothing by server).
 */
function serverOf(o: StoredObject): string | undefined {
  return o.metadata.labels?.[LABELS.serverId] ?? o.metadata.annotations?.[ANNOTATIONS.serverId];
}

/** Pre-flight problems; empty when the cutover may start. */
export async function preflight(deps: CutoverDeps, work: ServerWork): Promise<string[]> {
  const { kube } = deps;
  const problems: string[] = [];
  if (!work.vm) problems.push(`server ${work.serverName}: the plan has no VirtualMachine for it (blocked)`);
  if (!(await kube.get('Namespace', '', work.namespace))) problems.push(`namespace ${work.namespace} does not exist; run plan --apply first`);
  else {
    for (const name of work.policies) {
      if (!(await kube.get('NetworkPolicy', work.namespace, name)))
        problems.push(`NetworkPolicy ${work.namespace}/${name} of the plan is missing; run plan --apply first`);
    }
  }
  const vm = await kube.get('VirtualMachine', work.namespace, work.vmName);
  if (vm && serverOf(vm) !== work.serverId) {
    problems.push(`VirtualMachine ${work.namespace}/${work.vmName} exists and is not the migration of server ${work.serverId}`);
  }
  if (!work.dataVolumes.some(isCopied)) problems.push(`server ${work.serverName}: no disk to copy in the plan`);
  for (const svc of work.services) {
    const existing = await kube.get('Service', svc.metadata.namespace ?? work.namespace, svc.metadata.name);
    if (existing && serverOf(existing) && serverOf(existing) !== work.serverId) {
      problems.push(`Service ${work.namespace}/${svc.metadata.name} exists and belongs to another server`);
    }
  }
  return problems;
}

function vmiReady(vmi: StoredObject | undefined, guestAgent: boolean): true | string | undefined {
  if (!vmi) return undefined;
  const status = (vmi.status ?? {}) as { phase?: string; conditions?: { type: string; status: string }[] };
  if (status.phase === 'Failed' || status.phase === 'Succeeded')
    return `VirtualMachineInstance ${vmi.metadata.namespace}/${vmi.metadata.name} is ${status.phase}`;
  if (status.phase !== 'Running') return undefined;
  if (guestAgent && !(status.conditions ?? []).some((c) => c.type === 'AgentConnected' && c.status === 'True')) return undefined;
  return true;
}

/** Records a state change and, when given, what cutover must restore, in the server's state ConfigMap. */
function record(deps: CutoverDeps, work: ServerWork, change: StateChange, extra: { source?: SourceRecord; disks?: DiskCopy[] } = {}): Promise<ServerRecord> {
  return updateRecord(storeOf(deps), work, (r) => {
    r.state = applyStateChange(r.state, change);
    if (extra.source) r.source = extra.source;
    if (extra.disks) r.disks = extra.disks;
  });
}

/** Cuts one server over, or rolls it back; never throws for a failure that a rollback handled. */
export async function cutoverServer(deps: CutoverDeps, work: ServerWork): Promise<CutoverResult> {
  const { kube, cloud } = deps;
  const now = deps.now ?? Date.now;
  const base = { serverId: work.serverId, namespace: work.namespace, vmName: work.vmName };
  const log = deps.log ?? (() => {});
  const step = async (name: string) => deps.afterStep?.(name, `${work.namespace}/${work.vmName}`);
  const state = await readRecord(storeOf(deps), work);
  if (state?.state.phase === 'running') return { ...base, outcome: 'already-running' };
  if (state?.state.phase === 'rolling-back') {
    // A run killed during its rollback: finish that rollback (going forward would stop the source again).
    const reason = state.source?.rollbackReason ?? state.state.lastError ?? 'an interrupted cutover';
    log(`${work.vmName}: finishing the rollback of an interrupted run (${reason})`);
    const rollbackErrors = await rollback(deps, work, state.source, reason);
    return { ...base, outcome: 'rolled-back', error: reason, ...(rollbackErrors.length ? { rollbackErrors } : {}) };
  }

  const problems = await preflight(deps, work);
  if (problems.length) return { ...base, outcome: 'preflight-failed', error: problems.join('; ') };

  const timeout = new AbortController();
  const timer = deps.timeoutMs
    ? setTimeout(
        () => timeout.abort(new MigrateError('internal', `cutover of ${work.vmName} timed out after ${Math.round(deps.timeoutMs! / 1000)}s`)),
        deps.timeoutMs,
      )
    : undefined;
  const signal = deps.signal ? AbortSignal.any([deps.signal, timeout.signal]) : timeout.signal;
  const inner: CutoverDeps = { ...deps, signal };
  let source: SourceRecord | undefined = state?.state.phase === 'cutting-over' ? state.source : undefined;
  try {
    // 1. What rollback must restore, recorded before anything changes (kept across resumed runs).
    if (!source) {
      const server = await cloud.getServer(work.serverId);
      source = { statusBefore: server.status, floatingIps: await cloud.floatingIpsOf(work.serverId), recordedAt: new Date(now()).toISOString() };
      await record(
        deps,
        work,
        { phase: 'cutting-over', serverId: work.serverId, startedAt: new Date(now()).toISOString(), finishedAt: null, lastError: null, progress: 0 },
        { source },
      );
      log(`${work.vmName}: recorded ${source.statusBefore} and ${source.floatingIps.length} floating IP(s)`);
    }
    await step('recorded');

    // 2. Stop the source.
    const current = await cloud.getServer(work.serverId);
    if (current.status !== 'SHUTOFF') {
      await cloud.stopServer(work.serverId);
      log(`${work.vmName}: stopping server ${work.serverId}`);
    }
    await pollUntil(
      `server ${work.serverId} SHUTOFF`,
      async () => {
        const s = await cloud.getServer(work.serverId);
        if (s.status === 'ERROR') throw new MigrateError('openstack', `server ${work.serverId} went to ERROR while stopping`);
        return s.status === 'SHUTOFF' ? true : undefined;
      },
      signal,
      deps.pollMs ?? 1000,
    );
    await step('stopped');

    // 3. The final copy: always taken after the stop.
    if (!source.finalCopy) {
      const disks = await deps.finalCopy(work, signal);
      const missing = work.dataVolumes.filter(isCopied).filter((dv) => !disks.some((d) => d.dataVolume === dv.metadata.name));
      if (missing.length) throw new MigrateError('internal', `final copy has no copy of ${missing.map((d) => d.metadata.name).join(', ')}`);
      source = { ...source, finalCopy: { takenAt: new Date(now()).toISOString(), disks } };
      await record(deps, work, {}, { source, disks });
    }
    await step('final-copy');

    // 4. Import it (adopts imports of this copy already under way).
    const imported = await importServer(inner, work, source.finalCopy!.disks);
    if (!imported.ok) throw new MigrateError('kubernetes', imported.error ?? 'import failed');
    await step('imported');

    // 5. Blank disks, Services and the VM, by server-side apply (idempotent).
    const vm = structuredClone(work.vm!) as KubeObject;
    vm.metadata.annotations = {
      ...vm.metadata.annotations,
      ...(stateAnnotations({ phase: 'cutting-over', serverId: work.serverId }) as Record<string, string>),
    };
    const blanks = work.dataVolumes.filter((d) => !isCopied(d));
    const report = await kube.apply([...blanks, ...work.services, vm]);
    const bad = [
      ...report.missingApis.map((m) => m.message),
      ...report.apiErrors.map((e) => e.message),
      ...report.results.filter((r) => r.status === 'error' || r.status === 'conflict').map((r) => `${r.object}: ${r.message}`),
    ];
    if (bad.length) throw new MigrateError('kubernetes', `applying the VM failed: ${bad.join('; ')}`);
    await step('vm-applied');

    // 6. The VMI runs (and its guest agent answers when the image has one).
    const runStrategy = (vm.spec as { runStrategy?: string }).runStrategy ?? 'Always';
    if (runStrategy !== 'Halted' && runStrategy !== 'Manual') {
      const ready = await kube.waitFor('VirtualMachineInstance', work.namespace, work.vmName, (vmi) => vmiReady(vmi, work.guestAgent), signal);
      if (ready !== true) throw new MigrateError('kubernetes', ready);
    }
    await step('vmi-running');

    // 7. The floating IP goes to the Service.
    if (deps.releaseFloatingIp && !source.floatingIpsReleased && source.floatingIps.length) {
      for (const fip of source.floatingIps) await cloud.disassociateFloatingIp(fip.floatingIpId);
      source = { ...source, floatingIpsReleased: true };
      await record(deps, work, {}, { source });
    }
    await step('floating-ip');

    // 8. Done.
    const finishedAt = new Date(now()).toISOString();
    await kube.mergePatch('VirtualMachine', work.namespace, work.vmName, { metadata: { annotations: stateAnnotations({ phase: 'running', finishedAt }) } });
    await record(deps, work, { phase: 'running', progress: 100, finishedAt, lastError: null });
    await step('marked-running');
    return { ...base, outcome: 'running' };
  } catch (err) {
    if (err instanceof StepAbort || deps.signal?.aborted) throw err;
    const reason = truncateError(timeout.signal.aborted ? (timeout.signal.reason as Error).message : (err as Error).message);
    log(`${work.vmName}: cutover failed (${reason}); rolling back`);
    const rollbackErrors = await rollback(deps, work, source, reason);
    return { ...base, outcome: 'rolled-back', error: reason, ...(rollbackErrors.length ? { rollbackErrors } : {}) };
  } finally {
    if (timer) clearTimeout(timer);
  }
}

/**
 * Puts the source back; each part is tried even when another fails, and failures are reported. Recorded
 * first as rolling-back (with the reason), so that a killed rollback is finished by the next run. Each
 * part checks what exists, so running it twice does no harm. Without a source record nothing in OpenStack
 * was changed yet (it is recorded before the stop), so the source is left alone.
 */
export async function rollback(deps: CutoverDeps, work: ServerWork, source: SourceRecord | undefined, reason: string): Promise<string[]> {
  const { kube, cloud } = deps;
  const now = deps.now ?? Date.now;
  const errors: string[] = [];
  const step = async (name: string) => deps.afterStep?.(name, `${work.namespace}/${work.vmName}`);
  const bound = AbortSignal.timeout(deps.rollbackTimeoutMs ?? 15 * 60_000);
  const attempt = async (what: string, fn: () => Promise<unknown>) => {
    try {
      await fn();
    } catch (err) {
      if (err instanceof StepAbort) throw err;
      errors.push(`${what}: ${(err as Error).message}`);
    }
  };
  const marked = source ? { ...source, rollbackReason: reason } : undefined;
  await attempt('record rolling-back', () => record(deps, work, { phase: 'rolling-back', lastError: reason }, marked ? { source: marked } : {}));
  await step('rolling-back');
  await attempt('delete the new VM', async () => {
    const vm = await kube.get('VirtualMachine', work.namespace, work.vmName);
    // Only our own VM: pre-flight refused a foreign one, but never delete what is not ours.
    if (vm && serverOf(vm) === work.serverId) {
      await kube.mergePatch('VirtualMachine', work.namespace, work.vmName, { spec: { runStrategy: 'Halted' } });
      await kube.delete('VirtualMachine', work.namespace, work.vmName, vm.metadata.uid);
    }
    // Also after a resumed rollback whose VM is already gone: its VMI may still be shutting down.
    const vmi = await kube.get('VirtualMachineInstance', work.namespace, work.vmName);
    if (vmi && serverOf(vmi) === work.serverId) {
      await kube.waitFor('VirtualMachineInstance', work.namespace, work.vmName, (o) => (o ? undefined : true), bound);
    }
  });
  await step('rollback-vm-deleted');
  // The Services would announce the floating IP addresses that OpenStack routes again.
  await attempt('delete the Services', async () => {
    for (const svc of work.services) {
      const existing = await kube.get('Service', svc.metadata.namespace ?? work.namespace, svc.metadata.name);
      if (existing && serverOf(existing) === work.serverId) await kube.delete('Service', existing.metadata.namespace ?? work.namespace, svc.metadata.name);
    }
  });
  await step('rollback-services-deleted');
  if (source) {
    await attempt(`start server ${work.serverId}`, async () => {
      if (source.statusBefore !== 'ACTIVE') return;
      const s = await cloud.getServer(work.serverId);
      if (s.status !== 'ACTIVE') await cloud.startServer(work.serverId);
      await pollUntil(
        `server ${work.serverId} ACTIVE`,
        async () => ((await cloud.getServer(work.serverId)).status === 'ACTIVE' ? true : undefined),
        bound,
        deps.pollMs ?? 1000,
      );
    });
    await step('rollback-started');
    for (const fip of source.floatingIps) {
      await attempt(`re-associate floating IP ${fip.floatingIpAddress}`, async () => {
        if ((await cloud.floatingIpPort(fip.floatingIpId)) !== fip.portId) await cloud.associateFloatingIp(fip);
      });
    }
    await step('rollback-floating-ips');
  }
  const lastError = errors.length ? `${reason}; rollback: ${errors.join('; ')}` : reason;
  await attempt('record rolled-back', () =>
    record(
      deps,
      work,
      { phase: 'rolled-back', lastError: truncateError(lastError), finishedAt: new Date(now()).toISOString() },
      marked ? { source: { ...marked, floatingIpsReleased: false } } : {},
    ),
  );
  return errors;
}

/** Cuts several servers over, `parallel` at a time (each server's imports share the run's limiter). */
export async function cutoverServers(deps: CutoverDeps, works: ServerWork[], parallel = 4): Promise<CutoverResult[]> {
  deps = { ...deps, limiter: deps.limiter ?? new Limiter(Math.max(1, parallel)) };
  return inPool(works, parallel, async (w) => cutoverServer(deps.cloudFor ? { ...deps, cloud: await deps.cloudFor(w) } : deps, w));
}
