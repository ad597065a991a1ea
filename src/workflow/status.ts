// `status`: every server's migration, built only from the cluster (state ConfigMaps, DataVolumes, VMs), so
// any machine with the kubeconfig sees the same thing. Rows are sorted and keys fixed: -o json|yaml is stable.
import { formatColumns } from '../report/table.js';
import yaml from 'js-yaml';
import { LABELS } from '../translate/naming.js';
import { readState, type Phase } from './state.js';
import { parseStateConfigMap, STATE_COMPONENT } from './ledger.js';
import { WatchRefusedError } from '../kube/watch.js';
import type { Cluster, StoredObject } from './cluster.js';
import { formatDuration } from './progress.js';
import { selectCandidates, type SelectionFlags } from './selection.js';
import { parsePlanRecord, PLAN_COMPONENT, PLAN_NAMESPACE } from './plan-contract.js';

export interface StatusDisk {
  dataVolume: string;
  phase: Phase;
  /** CDI's phase (ImportInProgress, Succeeded, ...) or '' when the DataVolume does not report one. */
  cdiPhase: string;
  progress: number | null;
  lastError: string | null;
}

export interface StatusRow {
  namespace: string;
  vm: string;
  serverId: string;
  server: string;
  phase: Phase;
  /** 0..100, or null when nothing reports progress. */
  progress: number | null;
  startedAt: string | null;
  finishedAt: string | null;
  /** Seconds from start to finish (or to now while in progress). */
  durationSeconds: number | null;
  lastError: string | null;
  vmExists: boolean;
  disks: StatusDisk[];
}

export interface StatusReport {
  apiVersion: 'openstack-migrate.io/v1alpha1';
  kind: 'MigrationStatus';
  servers: StatusRow[];
  /** The plans recorded in the cluster (plan-contract.ts): what backup, import and cutover execute. */
  plans?: { cloud: string; planId: string; recordedAt: string; toolVersion: string }[];
}

/**
 * The snapshot narrowed to the selected servers (selection.ts: names, --project, -l), matched on what the
 * workflow recorded in each state ConfigMap; no selection keeps everything. Unknown names are NotFound.
 */
export function selectSnapshot<S extends ClusterSnapshot>(snapshot: S, flags: SelectionFlags): S {
  if (!flags.names?.length && !flags.projects?.length && !flags.selector) return snapshot;
  const candidates = snapshot.configMaps.map((cm) => {
    const r = parseStateConfigMap(cm);
    const serverId = cm.metadata.labels?.[LABELS.serverId] ?? '';
    if (r instanceof Error)
      return { cm, serverId, serverName: '', namespace: cm.metadata.namespace ?? '', vmName: cm.metadata.name.replace(/-migration$/, ''), labels: {} };
    return {
      cm,
      serverId: r.serverId,
      serverName: r.serverName ?? '',
      namespace: r.namespace,
      vmName: r.vmName,
      projectId: r.projectId,
      projectName: r.selection?.projectName,
      labels: r.selection?.labels ?? {},
    };
  });
  const keep = new Set(selectCandidates(candidates, flags).map((c) => c.cm));
  return { ...snapshot, configMaps: snapshot.configMaps.filter((cm) => keep.has(cm)) };
}

export interface ClusterSnapshot {
  configMaps: StoredObject[];
  dataVolumes: StoredObject[];
  vms: StoredObject[];
}

/** The plans recorded in the cluster, for the report. */
export async function readRecordedPlans(kube: Cluster): Promise<NonNullable<StatusReport['plans']>> {
  const { items } = await kube.list('ConfigMap', PLAN_NAMESPACE, `${LABELS.component}=${PLAN_COMPONENT}`);
  return items
    .map((cm) => parsePlanRecord(cm.data as Record<string, string> | undefined))
    .filter((p) => p !== undefined)
    .map((p) => ({ cloud: p.cloud, planId: p.planId, recordedAt: p.recordedAt, toolVersion: p.toolVersion }))
    .sort((a, b) => (a.cloud < b.cloud ? -1 : a.cloud > b.cloud ? 1 : 0));
}

export async function readSnapshot(
  kube: Cluster,
  namespace?: string,
): Promise<ClusterSnapshot & { resourceVersions: Record<'ConfigMap' | 'DataVolume' | 'VirtualMachine', string> }> {
  const [cms, dvs, vms] = await Promise.all([
    kube.list('ConfigMap', namespace, `${LABELS.component}=${STATE_COMPONENT}`),
    kube.list('DataVolume', namespace, LABELS.serverId),
    kube.list('VirtualMachine', namespace, LABELS.serverId),
  ]);
  return {
    configMaps: cms.items,
    dataVolumes: dvs.items,
    vms: vms.items,
    resourceVersions: { ConfigMap: cms.resourceVersion, DataVolume: dvs.resourceVersion, VirtualMachine: vms.resourceVersion },
  };
}

/** Pure: the status of every server in a snapshot, at time `now`. */
export function buildStatus(snapshot: ClusterSnapshot, now: number): StatusReport {
  const rows: StatusRow[] = [];
  for (const cm of snapshot.configMaps) {
    const parsed = parseStateConfigMap(cm);
    // A broken object still gets its row, with the reason, rather than vanishing from the report.
    const s =
      parsed instanceof Error
        ? {
            state: { ...readState(cm.metadata.annotations), lastError: parsed.message },
            vmName: cm.metadata.name.replace(/-migration$/, ''),
            serverName: undefined,
          }
        : parsed;
    const serverId = cm.metadata.labels?.[LABELS.serverId] ?? s.state.serverId ?? '';
    const ns = cm.metadata.namespace ?? '';
    const disks: StatusDisk[] = snapshot.dataVolumes
      .filter((dv) => dv.metadata.namespace === ns && dv.metadata.labels?.[LABELS.serverId] === serverId)
      .map((dv) => {
        const st = readState(dv.metadata.annotations);
        const cdiPhase = String((dv.status as { phase?: string } | undefined)?.phase ?? '');
        const fromStatus = Number.parseFloat(String((dv.status as { progress?: string } | undefined)?.progress ?? ''));
        const progress = st.phase === 'imported' ? 100 : Number.isFinite(fromStatus) ? fromStatus : (st.progress ?? null);
        return { dataVolume: dv.metadata.name, phase: st.phase, cdiPhase, progress, lastError: st.lastError ?? null };
      })
      .sort((a, b) => (a.dataVolume < b.dataVolume ? -1 : 1));
    const copied = disks.filter((d) => d.phase !== 'planned' || d.cdiPhase);
    let progress: number | null = s.state.phase === 'running' ? 100 : null;
    if (progress === null && copied.length) progress = Math.round((copied.reduce((a, d) => a + (d.progress ?? 0), 0) / copied.length) * 10) / 10;
    const started = s.state.startedAt ? Date.parse(s.state.startedAt) : Number.NaN;
    const finished = s.state.finishedAt ? Date.parse(s.state.finishedAt) : Number.NaN;
    const inProgress = !['running', 'rolled-back', 'failed', 'imported', 'planned', 'backed-up'].includes(s.state.phase);
    const end = Number.isFinite(finished) && !inProgress ? finished : now;
    rows.push({
      namespace: ns,
      vm: s.vmName,
      serverId,
      server: s.serverName ?? '',
      phase: s.state.phase,
      progress,
      startedAt: s.state.startedAt ?? null,
      finishedAt: s.state.finishedAt ?? null,
      durationSeconds: Number.isFinite(started) ? Math.max(0, Math.round((end - started) / 1000)) : null,
      lastError: s.state.lastError ?? disks.find((d) => d.lastError)?.lastError ?? null,
      vmExists: snapshot.vms.some((vm) => vm.metadata.namespace === ns && vm.metadata.name === s.vmName),
      disks,
    });
  }
  rows.sort((a, b) => (a.namespace + '/' + a.vm < b.namespace + '/' + b.vm ? -1 : a.namespace + '/' + a.vm > b.namespace + '/' + b.vm ? 1 : 0));
  return { apiVersion: 'openstack-migrate.io/v1alpha1', kind: 'MigrationStatus', servers: rows };
}

export const TABLE_HEADERS = ['NAMESPACE', 'VM', 'SERVER', 'PHASE', 'PROGRESS', 'STARTED', 'DURATION', 'LAST-ERROR'];

/** Extra columns of `-o wide`, as kubectl adds columns rather than changing the others. */
export const WIDE_HEADERS = ['SERVER-ID', 'FINISHED', 'DISKS', 'VM-EXISTS'];

function disksSummary(row: StatusRow): string {
  if (row.disks.length === 0) return '-';
  const done = row.disks.filter((d) => d.phase === 'imported' || d.cdiPhase === 'Succeeded').length;
  return `${done}/${row.disks.length} imported`;
}

export function statusTable(report: StatusReport, maxErrorWidth = 60, wide = false): string {
  if (report.servers.length === 0) return 'No migrations found.\n';
  const rows = report.servers.map((r) => {
    const error = r.lastError ?? '';
    const cells = [
      r.namespace,
      r.vm,
      r.server || r.serverId,
      r.phase,
      r.progress === null ? '-' : `${r.progress.toFixed(1)}%`,
      r.startedAt ?? '-',
      r.durationSeconds === null ? '-' : formatDuration(r.durationSeconds * 1000),
    ];
    if (wide) cells.push(r.serverId, r.finishedAt ?? '-', disksSummary(r), r.vmExists ? 'yes' : 'no');
    // The last error goes last, whole in -o wide, cut to fit otherwise.
    cells.push(wide || error.length <= maxErrorWidth ? error : `${error.slice(0, maxErrorWidth - 3)}...`);
    return cells;
  });
  const headers = wide ? [...TABLE_HEADERS.slice(0, -1), ...WIDE_HEADERS, ...TABLE_HEADERS.slice(-1)] : TABLE_HEADERS;
  return `${formatColumns([headers, ...rows]).join('\n')}\n`;
}

export function formatStatus(report: StatusReport, output: 'table' | 'wide' | 'json' | 'yaml'): string {
  if (output === 'json') return `${JSON.stringify(report, null, 2)}\n`;
  if (output === 'yaml') return yaml.dump(report, { noRefs: true, lineWidth: -1, sortKeys: false });
  return statusTable(report, 60, output === 'wide');
}

/**
 * Re-renders on every change of a state ConfigMap, DataVolume or VM (three watches), until the signal aborts.
 * `render` receives each new report.
 */
export async function watchStatus(
  kube: Cluster,
  namespace: string | undefined,
  render: (report: StatusReport) => void,
  signal: AbortSignal,
  now: () => number = Date.now,
  selection: SelectionFlags = {},
): Promise<void> {
  // A watch the server refuses for a passing reason is retried after a pause that doubles up to 30 s, so a
  // broken server is not hammered; one refused for lack of permission (401/403) ends the watch with that
  // error, since retrying cannot help.
  let pauseMs = 0;
  for (;;) {
    if (signal.aborted) return;
    if (pauseMs > 0)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pauseMs);
        signal.addEventListener(
          'abort',
          () => {
            clearTimeout(timer);
            resolve();
          },
          { once: true },
        );
      });
    if (signal.aborted) return;
    const snap = await readSnapshot(kube, namespace);
    const objects = new Map<string, StoredObject>();
    const keyOf = (kind: string, o: StoredObject) => `${kind}/${o.metadata.namespace}/${o.metadata.name}`;
    for (const o of snap.configMaps) objects.set(keyOf('ConfigMap', o), o);
    for (const o of snap.dataVolumes) objects.set(keyOf('DataVolume', o), o);
    for (const o of snap.vms) objects.set(keyOf('VirtualMachine', o), o);
    const current = (): ClusterSnapshot => {
      const all = [...objects.entries()];
      const of = (kind: string) => all.filter(([k]) => k.startsWith(`${kind}/`)).map(([, o]) => o);
      return selectSnapshot({ configMaps: of('ConfigMap'), dataVolumes: of('DataVolume'), vms: of('VirtualMachine') }, selection);
    };
    render(buildStatus(current(), now()));
    const stop = new AbortController();
    const inner = AbortSignal.any([signal, stop.signal]);
    const watches = (['ConfigMap', 'DataVolume', 'VirtualMachine'] as const).map((kind) =>
      kube
        .watchUntil(
          {
            kind,
            namespace,
            resourceVersion: snap.resourceVersions[kind],
            labelSelector: kind === 'ConfigMap' ? `${LABELS.component}=${STATE_COMPONENT}` : LABELS.serverId,
            signal: inner,
          },
          (type, obj) => {
            if (type === 'DELETED') objects.delete(keyOf(kind, obj));
            else objects.set(keyOf(kind, obj), obj);
            render(buildStatus(current(), now()));
            return undefined;
          },
        )
        .then(
          () => undefined,
          (err: unknown) => err,
        ),
    );
    // When any stream ends (server timeout, 410) or fails, start over from a fresh list.
    const first = await Promise.race(watches);
    stop.abort();
    const outcomes = [first, ...(await Promise.all(watches))];
    if (signal.aborted) return;
    const refused = outcomes.find((e): e is WatchRefusedError => e instanceof WatchRefusedError && e.permanent);
    if (refused) throw refused;
    const failed = outcomes.some((e) => e !== undefined && !(e instanceof Error && e.message === 'aborted') && e !== stop.signal.reason);
    pauseMs = failed ? Math.min(Math.max(pauseMs * 2, 1000), 30_000) : 0;
  }
}
