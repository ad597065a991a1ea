// `import`: the bytes of each disk copy into the cluster through CDI. One DataVolume per disk, named by
// the plan, with an http source: Glance's download URL with the X-Auth-Token header in a Secret
// (secretExtraHeaders), or, for a copy on an NFS share (backup --method nfs), the in-cluster file server's
// URL that needs no token. A watch follows its phase and progress. Resumable: an existing DataVolume of the
// same copy is adopted, never imported twice; one of an older copy (or the plan's placeholder) is replaced.
import { ANNOTATIONS, LABELS, MANAGER } from '../translate/naming.js';
import type { KubeObject } from '../translate/model.js';
import { childName } from '../translate/disks.js';
import { MigrateError } from '../errors.js';
import { readState, stateAnnotations, truncateError } from './state.js';
import type { Cluster, StoredObject } from './cluster.js';
import type { SourceCloud } from './source.js';
import { Limiter } from '../concurrency.js';
import { applyStateChange, readRecord, updateRecord, type DiskCopy, type RecordStore, type ServerIdentity, type StateChange } from './ledger.js';
import type { ProgressSink } from './progress.js';

/** Everything the workflow knows about one server from the plan. */
export interface ServerWork extends ServerIdentity {
  /** The plan's DataVolumes of this server (spec.source is replaced by import). */
  dataVolumes: KubeObject[];
  /** The plan's VirtualMachine (absent when the server is blocked). */
  vm?: KubeObject;
  /** Services of this VM (take the floating IP addresses). */
  services: KubeObject[];
  /** The image declares hw_qemu_guest_agent=yes: cutover waits for AgentConnected. */
  guestAgent: boolean;
  /** Names of the NetworkPolicies the plan puts in the namespace (checked by cutover's pre-flight). */
  policies: string[];
}

export interface ImportDeps {
  /** The cluster: the real API server (kube-ops.ts) or an in-memory one in tests. */
  kube: Cluster;
  /** The source cloud: only needed for Glance copies (NFS copies import from their URL without it). */
  cloud?: SourceCloud;
  /**
   * The source cloud as seen from one server's project, when it differs per server: the download token
   * then belongs to the project that owns the copy (a member of several projects can read only its own
   * project's private images with a token of that project). Wins over `cloud`.
   */
  cloudFor?: (work: ServerWork) => Promise<SourceCloud>;
  /** Where the per-server state record lives (default: the cluster's, `kube.records()`). */
  store?: RecordStore;
  progress?: ProgressSink;
  /** One line per event for humans (stderr); never given a secret. */
  log?: (line: string) => void;
  now?: () => number;
  /** Minimum interval between two progress annotation writes on one DataVolume. */
  annotateEveryMs?: number;
  /** Re-issue the token and recreate an unfinished import this long before the token expires. */
  tokenMarginMs?: number;
  /** Token validity to ask for (the expected length of one import). */
  tokenValidityMs?: number;
  signal?: AbortSignal;
  /** Imports in flight at once, shared by every server of the run. */
  limiter?: Limiter;
  /** Give up after this many token re-issues for one disk. */
  maxReissues?: number;
  /** Test hook: called after each named step; throwing there simulates a killed run. */
  afterStep?: (step: string, detail: string) => void | Promise<void>;
}

export interface DiskResult {
  dataVolume: string;
  outcome: 'imported' | 'already-imported' | 'failed';
  /** Tokens re-issued (import recreated) while this disk was copied. */
  reissued: number;
  error?: string;
}

export interface ServerImportResult {
  serverId: string;
  vmName: string;
  namespace: string;
  ok: boolean;
  disks: DiskResult[];
  error?: string;
}

/** Kubernetes quantities → bytes ("10Gi", "1G", "512Mi", "1073741824", "1e3"). */
export function parseQuantity(q: string | undefined): number | undefined {
  if (!q) return undefined;
  const m = /^([0-9.]+(?:e[0-9]+)?)([KMGTPE]i?|k|m)?$/.exec(q.trim());
  if (!m) return undefined;
  const [, digits = '', unit = ''] = m; // group 1 is not optional: it always matched
  const n = Number.parseFloat(digits);
  const bin: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
  const dec: Record<string, number> = { k: 1e3, K: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18, m: 1e-3 };
  return n * (bin[unit] ?? dec[unit] ?? 1);
}

/** "NN.NN%" as CDI writes status.progress → number, or undefined ("N/A", absent). */
export function parseProgress(p: unknown): number | undefined {
  if (typeof p !== 'string') return undefined;
  const n = Number.parseFloat(p.replace('%', ''));
  return Number.isFinite(n) ? Math.max(0, Math.min(100, n)) : undefined;
}

export function tokenSecretName(dvName: string): string {
  return childName(dvName, 'osm-token');
}
export function caConfigMapName(dvName: string): string {
  return childName(dvName, 'osm-ca');
}
/** The state store of a run: the one given, else the cluster's state records. */
export function storeOf(deps: Pick<ImportDeps, 'kube' | 'store'>): RecordStore {
  return deps.store ?? deps.kube.records();
}

/** Records a state change (and optionally disk copies) in the server's state ConfigMap. */
export function recordState(deps: Pick<ImportDeps, 'kube' | 'store'>, id: ServerIdentity, change: StateChange, disks?: DiskCopy[]) {
  return updateRecord(storeOf(deps), id, (r) => {
    r.state = applyStateChange(r.state, change);
    // The copies given replace the records of the same DataVolumes; the others (a subset was imported) stay.
    if (disks) r.disks = [...r.disks.filter((d) => !disks.some((c) => c.dataVolume === d.dataVolume)), ...disks];
  });
}

/** The copy a DataVolume holds: the Glance image id, or the URL of a copy without one (NFS). */
function copyKey(copy: DiskCopy): string {
  return copy.imageId || copy.url || '';
}

function importedCopyKey(dv: StoredObject): string | undefined {
  const a = readState(dv.metadata.annotations);
  if (a.backupImageId) return a.backupImageId;
  return (dv.spec as { source?: { http?: { url?: string } } } | undefined)?.source?.http?.url;
}

/** Not a secret: when the token in the Secret stops working, so that a resumed run knows whether to re-issue. */
export const TOKEN_EXPIRES_ANNOTATION = `${ANNOTATIONS.phase.replace(/\/phase$/, '')}/token-expires-at`;

const GIB = 2 ** 30;

/** The DataVolume import creates: the plan's, with the http source of the copy and the state annotations. */
export function importDataVolume(
  planned: KubeObject,
  copy: DiskCopy,
  source: { url: string; secretName?: string; caConfigMap?: string },
  startedAt: string,
  virtualSize: number | undefined,
): KubeObject {
  const spec = structuredClone((planned.spec ?? {}) as Record<string, unknown>);
  const http: Record<string, unknown> = { url: source.url };
  if (source.secretName) http.secretExtraHeaders = [source.secretName];
  if (source.caConfigMap) http.certConfigMap = source.caConfigMap;
  spec.source = { http };
  // A copy larger than the planned size (the image grew, or Nova rounded down) still fits.
  const storage = (spec.storage ?? spec.pvc) as { resources?: { requests?: { storage?: string } } } | undefined;
  const requested = parseQuantity(storage?.resources?.requests?.storage);
  if (storage && virtualSize && (!requested || requested < virtualSize)) {
    storage.resources = { ...storage.resources, requests: { ...storage.resources?.requests, storage: `${Math.ceil(virtualSize / GIB)}Gi` } };
  }
  const annotations: Record<string, string> = { ...(planned.metadata.annotations ?? {}) };
  for (const [k, v] of Object.entries(
    stateAnnotations({ phase: 'importing', progress: 0, startedAt, backupImageId: copy.imageId || null, finishedAt: null, lastError: null }),
  )) {
    if (v === null) delete annotations[k];
    else annotations[k] = v;
  }
  return {
    apiVersion: planned.apiVersion,
    kind: planned.kind,
    metadata: { name: planned.metadata.name, namespace: planned.metadata.namespace, labels: { ...planned.metadata.labels }, annotations },
    spec,
  };
}

function dvPhase(dv: StoredObject | undefined): string | undefined {
  return (dv?.status as { phase?: string } | undefined)?.phase;
}

function dvFailureMessage(dv: StoredObject): string {
  const conditions = (dv.status as { conditions?: { type: string; status: string; message?: string; reason?: string }[] } | undefined)?.conditions ?? [];
  const c = conditions.find((x) => x.type === 'Running' && x.message) ?? conditions.find((x) => x.message);
  return c?.message ? `${c.reason ? `${c.reason}: ` : ''}${c.message}` : 'the import failed';
}

class Reissue extends Error {}

/** Thrown by an afterStep hook to stop a run as a kill would: nothing after it runs, no rollback either. */
export class StepAbort extends Error {
  override name = 'StepAbort';
}

/** Imports one disk copy; resumes an import already under way for the same copy. */
export async function importDisk(deps: ImportDeps, work: ServerWork, copy: DiskCopy): Promise<DiskResult> {
  const { kube, cloud } = deps;
  const now = deps.now ?? Date.now;
  const log = deps.log ?? (() => {});
  const ns = work.namespace;
  const name = copy.dataVolume;
  const key = `${ns}/${name}`;
  const planned = work.dataVolumes.find((d) => d.metadata.name === name);
  if (!planned)
    throw new MigrateError('invalid-input', `DataVolume ${key}: the copy record names a disk the plan does not have`, { where: `server/${work.serverId}` });
  // Re-issue this long before the token expires: 5 minutes, or a quarter of the token's lifetime when the
  // cloud issues short-lived tokens (a fixed 5 minutes would outlast them).
  const marginOf = (expiresAt: number, issuedAt: number) => deps.tokenMarginMs ?? Math.min(5 * 60_000, Math.max(0, (expiresAt - issuedAt) / 4));
  const needsToken = !copy.url;
  const result: DiskResult = { dataVolume: name, outcome: 'imported', reissued: 0 };
  let virtualSize = copy.virtualSize;
  if (!copy.url) {
    // A Glance copy: it must be active, and its virtual size is the one the claim must hold.
    if (!copy.imageId) throw new MigrateError('invalid-input', `DataVolume ${key}: the copy record has neither a Glance image nor a URL; run backup again`);
    if (!cloud) throw new MigrateError('internal', `DataVolume ${key}: a Glance copy needs the source cloud`);
    const image = await cloud.getImage(copy.imageId);
    if (image.status !== 'active')
      throw new MigrateError('openstack', `image ${copy.imageId} (copy of ${copy.diskRole} disk of server ${work.serverId}) is ${image.status}, not active`);
    virtualSize = image.virtualSize ?? copy.virtualSize ?? image.size;
  }
  const label = `${work.vmName}/${copy.diskRole}${copy.volumeId ? ` ${copy.volumeId.slice(0, 8)}` : ''}`;

  for (;;) {
    let dv = await kube.get('DataVolume', ns, name);
    const recorded = readState(dv?.metadata.annotations);
    if (dv && importedCopyKey(dv) === copyKey(copy) && recorded.phase !== 'planned') {
      if (recorded.phase === 'imported') {
        deps.progress?.update(key, { label, percent: 100, phase: 'imported' });
        await kube.delete('Secret', ns, tokenSecretName(name));
        return { ...result, outcome: 'already-imported' };
      }
      const phase = dvPhase(dv);
      const secret = await kube.get('Secret', ns, tokenSecretName(name));
      const expiresAt = Number(secret?.metadata.annotations?.[TOKEN_EXPIRES_ANNOTATION] ?? 0);
      const issuedAt = Date.parse(String(secret?.metadata.creationTimestamp ?? '')) || now();
      const broken = phase === 'Failed' || (phase !== 'Succeeded' && needsToken && (!secret || expiresAt - now() < marginOf(expiresAt, issuedAt)));
      if (broken) {
        // A failed import or one whose token is gone or expiring (a killed run, a long pause): start it again.
        log(`${key}: ${phase === 'Failed' ? 'previous import failed' : 'token missing or expiring'}; recreating the import`);
        await kube.delete('DataVolume', ns, name, dv.metadata.uid);
        await kube.waitFor('DataVolume', ns, name, (o) => (o && o.metadata.uid === dv?.metadata.uid ? undefined : true), deps.signal);
        dv = undefined;
      } else {
        log(`${key}: adopting the import already under way (${phase ?? 'pending'})`);
      }
    } else if (dv) {
      // The plan's placeholder (upload source) or an older copy: nothing of this copy is in it.
      log(`${key}: replacing ${recorded.phase !== 'planned' ? `the import of older copy ${importedCopyKey(dv)}` : 'the planned placeholder'}`);
      await kube.delete('DataVolume', ns, name, dv.metadata.uid);
      const oldUid = dv.metadata.uid;
      await kube.waitFor('DataVolume', ns, name, (o) => (o && o.metadata.uid === oldUid ? undefined : true), deps.signal);
      dv = undefined;
    }

    let tokenExpiresAt: number;
    let tokenIssuedAt = now();
    if (!dv) {
      const started = await startImport(deps, work, copy, planned, virtualSize, now);
      dv = started.dv;
      tokenExpiresAt = started.expiresAt;
      await deps.afterStep?.('dv-created', key);
    } else {
      const secret = await kube.get('Secret', ns, tokenSecretName(name));
      tokenExpiresAt = Number(secret?.metadata.annotations?.[TOKEN_EXPIRES_ANNOTATION] ?? Number.MAX_SAFE_INTEGER);
      tokenIssuedAt = Date.parse(String(secret?.metadata.creationTimestamp ?? '')) || now();
    }

    try {
      const end = await watchImport(deps, key, label, dv, tokenExpiresAt - marginOf(tokenExpiresAt, tokenIssuedAt), now);
      if (end === 'deleted') throw new MigrateError('kubernetes', `DataVolume ${key} was deleted during the import`);
      if (end !== 'Succeeded') {
        const message = `DataVolume ${key}: ${end}`;
        await kube.mergePatch('DataVolume', ns, name, { metadata: { annotations: stateAnnotations({ phase: 'failed', lastError: message }) } });
        deps.progress?.update(key, { label, percent: 0, phase: 'failed' });
        return { ...result, outcome: 'failed', error: message };
      }
    } catch (err) {
      if (err instanceof Reissue) {
        result.reissued += 1;
        if (result.reissued > (deps.maxReissues ?? 20)) {
          throw new MigrateError(
            'openstack',
            `DataVolume ${key}: the import outlived ${result.reissued - 1} tokens; the cloud's token lifetime is shorter than one import (raise [token] expiration in keystone.conf)`,
          );
        }
        log(`${key}: the import token expires before the import ends; re-issuing it and recreating the import`);
        const current = await kube.get('DataVolume', ns, name);
        if (current && dvPhase(current) !== 'Succeeded') {
          await kube.delete('DataVolume', ns, name, current.metadata.uid);
          await kube.waitFor('DataVolume', ns, name, (o) => (o && o.metadata.uid === current.metadata.uid ? undefined : true), deps.signal);
          await kube.delete('Secret', ns, tokenSecretName(name));
          continue;
        }
      } else {
        throw err;
      }
    }

    // Succeeded: the claim must hold the whole virtual disk.
    const pvc = await kube.get('PersistentVolumeClaim', ns, name);
    const capacity = parseQuantity((pvc?.status as { capacity?: { storage?: string } } | undefined)?.capacity?.storage);
    if (virtualSize && (capacity === undefined || capacity < virtualSize)) {
      const message = `DataVolume ${key}: imported claim holds ${capacity ?? 'unknown'} bytes, less than the image's virtual size ${virtualSize}`;
      await kube.mergePatch('DataVolume', ns, name, { metadata: { annotations: stateAnnotations({ phase: 'failed', lastError: message }) } });
      return { ...result, outcome: 'failed', error: message };
    }
    await kube.mergePatch('DataVolume', ns, name, {
      metadata: { annotations: stateAnnotations({ phase: 'imported', progress: 100, finishedAt: new Date(now()).toISOString(), lastError: null }) },
    });
    await kube.delete('Secret', ns, tokenSecretName(name));
    deps.progress?.update(key, { label, percent: 100, phase: 'imported' });
    await deps.afterStep?.('dv-imported', key);
    return result;
  }
}

async function startImport(
  deps: ImportDeps,
  work: ServerWork,
  copy: DiskCopy,
  planned: KubeObject,
  virtualSize: number | undefined,
  now: () => number,
): Promise<{ dv: StoredObject; expiresAt: number }> {
  const { kube, cloud } = deps;
  const ns = work.namespace;
  const name = planned.metadata.name;
  const labels = { [LABELS.managedBy]: MANAGER, [LABELS.serverId]: work.serverId, [LABELS.component]: 'import' };
  let secretName: string | undefined;
  let caName: string | undefined;
  let expiresAt = Number.MAX_SAFE_INTEGER;
  let url = copy.url;
  if (!url) {
    if (!cloud) throw new MigrateError('internal', `DataVolume ${ns}/${name}: a Glance copy needs the source cloud`);
    url = cloud.imageFileUrl(copy.imageId);
    const token = await cloud.issueImportToken(deps.tokenValidityMs ?? 3_600_000);
    expiresAt = token.expiresAt;
    secretName = tokenSecretName(name);
    // A leftover of a killed run holds an older token: replace it.
    await kube.delete('Secret', ns, secretName);
    await kube.create('Secret', {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: secretName, namespace: ns, labels, annotations: { [TOKEN_EXPIRES_ANNOTATION]: String(expiresAt) } },
      type: 'Opaque',
      // CDI adds each value of each secretExtraHeaders Secret as one "Name: value" header line.
      stringData: { token: `X-Auth-Token: ${token.token}` },
    });
    const pem = cloud.caPem();
    if (pem) {
      caName = caConfigMapName(name);
      await kube.create('ConfigMap', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: caName, namespace: ns, labels }, data: { 'ca.pem': pem } });
    }
  }
  const body = importDataVolume(planned, copy, { url, secretName, caConfigMap: caName }, new Date(now()).toISOString(), virtualSize);
  const { object: dv } = await kube.create('DataVolume', body);
  const owner = { ownerReferences: [{ apiVersion: 'cdi.kubevirt.io/v1beta1', kind: 'DataVolume', name, uid: dv.metadata.uid, blockOwnerDeletion: false }] };
  if (secretName) await kube.mergePatch('Secret', ns, secretName, { metadata: owner });
  if (caName) await kube.mergePatch('ConfigMap', ns, caName, { metadata: owner });
  deps.log?.(`${ns}/${name}: import of ${copy.imageId ? `image ${copy.imageId}` : copy.url} started`);
  return { dv, expiresAt };
}

/** Watches one DataVolume until it succeeds, fails or is deleted; mirrors progress. Throws Reissue at the token deadline. */
async function watchImport(deps: ImportDeps, key: string, label: string, dv: StoredObject, deadline: number, now: () => number): Promise<string> {
  const { kube } = deps;
  const ns = dv.metadata.namespace ?? '';
  const name = dv.metadata.name;
  const every = deps.annotateEveryMs ?? 5_000;
  let lastWrite = 0;
  let lastWritten: number | undefined;
  let writes: Promise<unknown> = Promise.resolve();
  const reissue = new AbortController();
  const timer = setTimeout(() => reissue.abort(new Reissue('token deadline')), Math.max(0, Math.min(deadline - now(), 2 ** 31 - 1)));
  const signal = deps.signal ? AbortSignal.any([deps.signal, reissue.signal]) : reissue.signal;
  try {
    return await kube.waitFor(
      'DataVolume',
      ns,
      name,
      (obj) => {
        if (!obj || obj.metadata.uid !== dv.metadata.uid) return 'deleted';
        const phase = dvPhase(obj);
        if (phase === 'Succeeded') return 'Succeeded';
        if (phase === 'Failed') return `import failed: ${dvFailureMessage(obj)}`;
        const percent = parseProgress((obj.status as { progress?: unknown } | undefined)?.progress);
        if (percent !== undefined) {
          deps.progress?.update(key, { label, percent, phase: 'importing' });
          // Throttled: one annotation write per interval, so a 1000-disk wave does not flood the API server.
          if (percent !== lastWritten && now() - lastWrite >= every) {
            lastWrite = now();
            lastWritten = percent;
            writes = writes
              .then(() => kube.mergePatch('DataVolume', ns, name, { metadata: { annotations: stateAnnotations({ progress: percent }) } }))
              .catch(() => {});
          }
        } else {
          deps.progress?.update(key, { label, percent: 0, phase: phase ?? 'pending' });
        }
        return undefined;
      },
      signal,
    );
  } catch (err) {
    if (reissue.signal.aborted && !deps.signal?.aborted) throw new Reissue('token deadline');
    throw err;
  } finally {
    clearTimeout(timer);
    await writes;
  }
}

/** Imports every disk copy of one server, within the shared limiter; records the server's phase. */
export async function importServer(deps: ImportDeps, work: ServerWork, copies?: DiskCopy[]): Promise<ServerImportResult> {
  const base = { serverId: work.serverId, vmName: work.vmName, namespace: work.namespace };
  const state = await readRecord(storeOf(deps), work);
  const disks = copies ?? state?.disks ?? [];
  if (disks.length === 0) {
    return { ...base, ok: false, disks: [], error: `server ${work.serverName} (${work.serverId}): no disk copy recorded; run backup first` };
  }
  const phase = state?.state.phase;
  // A cutover owns the phase while it runs; a rollback under way must be finished by cutover, not overrun.
  if (phase === 'rolling-back') {
    return {
      ...base,
      ok: false,
      disks: [],
      error: `server ${work.serverName} (${work.serverId}): a cutover rollback is unfinished; run cutover again to finish it`,
    };
  }
  if (phase === 'cutting-over' && !copies) {
    return { ...base, ok: false, disks: [], error: `server ${work.serverName} (${work.serverId}): a cutover is under way; run cutover again to resume it` };
  }
  const now = deps.now ?? Date.now;
  const alreadyImported = phase === 'imported' || phase === 'running';
  if (!alreadyImported) {
    await recordState(
      deps,
      work,
      {
        phase: phase === 'cutting-over' ? 'cutting-over' : 'importing',
        serverId: work.serverId,
        startedAt:
          (phase === 'cutting-over' ? state?.state.startedAt : undefined) ??
          (phase === 'importing' ? state?.state.startedAt : undefined) ??
          new Date(now()).toISOString(),
        lastError: null,
        finishedAt: null,
      },
      copies,
    );
  }
  const limiter = deps.limiter ?? new Limiter(4);
  const results = await Promise.all(
    disks.map((copy) =>
      limiter.run(async (): Promise<DiskResult> => {
        try {
          return await importDisk(deps, work, copy);
        } catch (err) {
          if (deps.signal?.aborted) throw err;
          if (err instanceof StepAbort) throw err;
          return { dataVolume: copy.dataVolume, outcome: 'failed', reissued: 0, error: truncateError((err as Error).message) };
        }
      }),
    ),
  );
  const failed = results.filter((r) => r.outcome === 'failed');
  if (failed.length) {
    const error = failed.map((f) => f.error).join('; ');
    // Within a cutover the phase stays cutting-over: its rollback records the outcome.
    if (phase !== 'cutting-over')
      await recordState(deps, work, { phase: 'failed', lastError: truncateError(error), finishedAt: new Date(now()).toISOString() });
    return { ...base, ok: false, disks: results, error };
  }
  if (phase !== 'cutting-over' && phase !== 'running') {
    await recordState(deps, work, { phase: 'imported', progress: 100, finishedAt: new Date(now()).toISOString() });
  }
  return { ...base, ok: true, disks: results };
}

/** Imports several servers, `parallel` disk imports in flight across all of them. */
export async function importServers(
  deps: ImportDeps,
  works: ServerWork[],
  parallel = 4,
  copiesOf?: (w: ServerWork) => DiskCopy[] | undefined,
): Promise<ServerImportResult[]> {
  const limiter = deps.limiter ?? new Limiter(Math.max(1, parallel));
  const shared = { ...deps, limiter };
  return Promise.all(works.map(async (w) => importServer(deps.cloudFor ? { ...shared, cloud: await deps.cloudFor(w) } : shared, w, copiesOf?.(w))));
}
