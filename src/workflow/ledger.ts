// The per-server state object: a ConfigMap `<vm-name>-migration` in the VM's namespace that carries the
// state annotations (state.ts) and, in data, what the plugin created in OpenStack for this server
// (ledger.json), the copy of each disk (disks.json) and what cutover must restore (source.json).
// The builders and the parser are pure; StateStore reads and writes through the Kubernetes API with
// server-side apply, always sending the whole object (a field the manager stops sending would be removed).
// The one store of that object: backup, import, cutover and status all read and write it here. Writers
// load the record, change it and save it with the resourceVersion they read, so that two runs working on
// the same server conflict (StateConflictError) instead of overwriting each other; updateRecord() does the
// load-change-save for short changes and re-applies the change on a conflict.
// backup keeps its own backup.json; cutover keeps source.json (what a rollback restores).
import type { KubernetesObject } from '@kubernetes/client-node';
import type { KubeClient } from '../kube/client.js';
import { KubeObjectApi, PatchStrategy, plain, refusal } from '../kube/objects.js';
import type { ConfigMap, ObjectMeta } from '../kube-types/index.js';
import type { KubeObject } from '../translate/model.js';
import { ANNOTATIONS, LABELS, MANAGER, toLabelValue } from '../translate/naming.js';
import { childName } from '../translate/disks.js';
import { readState, stateAnnotations, type MigrationState } from './state.js';
import type { FloatingIpAssociation } from './source.js';

export const STATE_COMPONENT = 'migration';
export const FIELD_MANAGER = 'kubectl-openstack-migrate-workflow';

export type LedgerType = 'image' | 'snapshot' | 'volume';

/** One OpenStack resource the plugin created. `deleted` is set once the plugin removed it. */
export interface LedgerEntry {
  type: LedgerType;
  id: string;
  name: string;
  createdAt: string;
  /** Disk this resource belongs to ('root', 'vol-1a2b3c4d'). */
  disk?: string;
  /** 'copy': the Glance image import reads (kept until cleanup); 'temporary': removed once the copy exists. */
  purpose?: 'copy' | 'temporary';
  deleted?: boolean;
}

/** The copy of one disk, as import needs it. */
export interface DiskRecord {
  /** 'root' or 'vol-<volume-id-8>': the DataVolume suffix and the name part of OpenStack resources. */
  disk: string;
  diskRole: 'root' | 'volume';
  dataVolume: string;
  volumeId?: string;
  /** The Glance copy (snapshot method); '' for the NFS method, whose bytes come from `url`. */
  imageId: string;
  diskFormat?: string;
  virtualSize?: number;
  size?: number;
  /** NFS method: the file on the share and the URL import reads. */
  path?: string;
  url?: string;
  /** NFS method: the flattened file when the original is an incremental chain. */
  flattenedPath?: string;
}

/** What import and cutover call one disk copy: the record backup wrote. */
export type DiskCopy = DiskRecord;

/** What cutover recorded before touching the source, to put it back on rollback (data key source.json). */
export interface SourceRecord {
  /** Nova status before the cutover stopped it. */
  statusBefore: string;
  floatingIps: FloatingIpAssociation[];
  recordedAt: string;
  /** Copies taken after the stop (the final copy), once taken. */
  finalCopy?: { takenAt: string; disks: DiskRecord[] };
  /** Set once --release-floating-ip disassociated them in OpenStack. */
  floatingIpsReleased?: boolean;
  /** Why the cutover is being rolled back (phase rolling-back): a resumed run finishes that rollback. */
  rollbackReason?: string;
}

/** What backup changed on the source and must undo (data key backup.json). */
export interface BackupSourceRecord {
  /** Nova status before backup --stop stopped the server (ACTIVE, SHUTOFF, ...). */
  statusBefore?: string;
  /** Whether backup stopped it and still owes a start. */
  stoppedByPlugin?: boolean;
  /** A retake under way: the copies it replaces (removed once it is done) and the disks to restore if it fails. */
  retaking?: { replacing: string[]; previousDisks: DiskRecord[] };
}

/** The selection labels and project name of a server, recorded for status (data key selection.json). */
export interface RecordedSelection {
  labels: Record<string, string>;
  projectName?: string;
}

export interface ServerRecord {
  namespace: string;
  vmName: string;
  serverId: string;
  serverName?: string;
  projectId?: string;
  state: MigrationState;
  /** Bumped by every backup that retakes the copy; names of generation n>1 end in -n. */
  generation: number;
  ledger: LedgerEntry[];
  disks: DiskRecord[];
  backup: BackupSourceRecord;
  /** cutover's source.json: what a rollback restores. */
  source?: SourceRecord;
  /** What `-l` and `--project` match (selection.ts), so that status selects as the other commands do. */
  selection?: RecordedSelection;
  /** resourceVersion read from the cluster, sent back so that concurrent writers conflict (409). */
  resourceVersion?: string;
}

/** ConfigMap names are DNS subdomains (253); VM names are labels (63), so the suffix always fits. */
export function stateConfigMapName(vmName: string): string {
  return childName(vmName, 'migration');
}

export function newServerRecord(input: {
  namespace: string;
  vmName: string;
  serverId: string;
  serverName?: string;
  projectId?: string;
  selection?: RecordedSelection;
}): ServerRecord {
  const { selection, ...identity } = input;
  return {
    ...identity,
    ...(selection ? { selection } : {}),
    state: { phase: 'planned', serverId: input.serverId },
    generation: 1,
    ledger: [],
    disks: [],
    backup: {},
  };
}

/**
 * A state ConfigMap as built: its data always holds the record, and its metadata the resourceVersion the
 * record was read at (so that a save by another run meanwhile is refused).
 */
export type StateConfigMap = ConfigMap & { metadata: ObjectMeta & { resourceVersion?: string }; data: Record<string, string> };

export function buildStateConfigMap(record: ServerRecord): StateConfigMap {
  const annotations: Record<string, string> = {};
  for (const [k, v] of Object.entries(stateAnnotations({ ...record.state, serverId: record.serverId }))) if (v !== null) annotations[k] = v;
  if (record.serverName !== undefined) annotations[ANNOTATIONS.sourceName] = record.serverName;
  annotations[`${ANNOTATIONS.sourceName}.vm`] = record.vmName;
  const metadata: StateConfigMap['metadata'] = {
    name: stateConfigMapName(record.vmName),
    namespace: record.namespace,
    labels: {
      [LABELS.managedBy]: MANAGER,
      [LABELS.serverId]: toLabelValue(record.serverId),
      [LABELS.component]: STATE_COMPONENT,
      ...(record.projectId ? { [LABELS.projectId]: toLabelValue(record.projectId) } : {}),
    },
    annotations,
  };
  if (record.resourceVersion) metadata.resourceVersion = record.resourceVersion;
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata,
    data: {
      'ledger.json': JSON.stringify(record.ledger),
      'disks.json': JSON.stringify(record.disks),
      'backup.json': JSON.stringify(record.backup),
      ...(record.source !== undefined ? { 'source.json': JSON.stringify(record.source) } : {}),
      ...(record.selection !== undefined ? { 'selection.json': JSON.stringify(record.selection) } : {}),
      generation: String(record.generation),
      ...(record.projectId ? { 'project-id': record.projectId } : {}),
    },
  };
}

function parseJson<T>(text: string | undefined, fallback: T, where: string): T | Error {
  if (text === undefined || text === '') return fallback;
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    return new Error(`${where}: not valid JSON (${(err as Error).message})`);
  }
}

/** The record a state ConfigMap holds, or an Error naming the object and the broken field. */
export function parseStateConfigMap(object: { metadata?: Record<string, any>; data?: Record<string, string> }): ServerRecord | Error {
  const meta = object.metadata ?? {};
  const where = `ConfigMap ${meta.namespace}/${meta.name}`;
  const data = object.data ?? {};
  const state = readState(meta.annotations);
  const serverId = state.serverId ?? meta.labels?.[LABELS.serverId];
  if (!serverId) return new Error(`${where}: no server id (annotation ${LABELS.serverId})`);
  const ledger = parseJson<LedgerEntry[]>(data['ledger.json'], [], `${where} data.ledger.json`);
  if (ledger instanceof Error) return ledger;
  const disks = parseJson<DiskRecord[]>(data['disks.json'], [], `${where} data.disks.json`);
  if (disks instanceof Error) return disks;
  const backup = parseJson<BackupSourceRecord>(data['backup.json'], {}, `${where} data.backup.json`);
  if (backup instanceof Error) return backup;
  const source = parseJson<SourceRecord | undefined>(data['source.json'], undefined, `${where} data.source.json`);
  if (source instanceof Error) return source;
  const selection = parseJson<RecordedSelection | undefined>(data['selection.json'], undefined, `${where} data.selection.json`);
  if (selection instanceof Error) return selection;
  if (!Array.isArray(ledger)) return new Error(`${where} data.ledger.json: not a list`);
  if (!Array.isArray(disks)) return new Error(`${where} data.disks.json: not a list`);
  const generation = Number.parseInt(data.generation ?? '1', 10);
  return {
    namespace: meta.namespace,
    vmName: meta.annotations?.[`${ANNOTATIONS.sourceName}.vm`] ?? String(meta.name).replace(/-migration$/, ''),
    serverId,
    serverName: meta.annotations?.[ANNOTATIONS.sourceName],
    projectId: data['project-id'],
    state: { ...state, serverId },
    generation: Number.isFinite(generation) && generation > 0 ? generation : 1,
    ledger,
    disks,
    backup: typeof backup === 'object' && backup ? backup : {},
    ...(source && typeof source === 'object' ? { source } : {}),
    ...(selection && typeof selection === 'object' && selection.labels && typeof selection.labels === 'object' ? { selection } : {}),
    resourceVersion: meta.resourceVersion,
  };
}

/** Entries still present in OpenStack (not yet removed by the plugin). */
export function liveEntries(record: ServerRecord, filter: Partial<Pick<LedgerEntry, 'type' | 'purpose' | 'disk'>> = {}): LedgerEntry[] {
  return record.ledger.filter(
    (e) =>
      !e.deleted && (!filter.type || e.type === filter.type) && (!filter.purpose || e.purpose === filter.purpose) && (!filter.disk || e.disk === filter.disk),
  );
}

/** Adds an entry once (same type and id); returns the record for chaining. */
export function recordCreated(record: ServerRecord, entry: Omit<LedgerEntry, 'createdAt'> & { createdAt?: string }): ServerRecord {
  if (!record.ledger.some((e) => e.type === entry.type && e.id === entry.id)) record.ledger.push({ createdAt: new Date().toISOString(), ...entry });
  return record;
}

export function recordDeleted(record: ServerRecord, type: LedgerType, id: string): ServerRecord {
  for (const e of record.ledger) if (e.type === type && e.id === id) e.deleted = true;
  return record;
}

/** Where state records are kept. StateStore is the cluster; MemoryStateStore serves --dry-run and tests of the OpenStack side. */
export interface RecordStore {
  load(namespace: string, vmName: string): Promise<ServerRecord | undefined>;
  /** Writes the whole record; returns it with the new resourceVersion. */
  save(record: ServerRecord): Promise<ServerRecord>;
  list(namespace?: string): Promise<ServerRecord[]>;
}

export class StateConflictError extends Error {}

/** What StateStore reaches the cluster through: the project's KubeClient, or the workflow's Kube (which counts requests). */
export type StateClient = KubeClient | { readonly objects: KubeObjectApi };

const header = (namespace: string, name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace } });

export class StateStore implements RecordStore {
  private readonly objects: KubeObjectApi;

  constructor(kube: StateClient) {
    this.objects = 'objects' in kube ? kube.objects : new KubeObjectApi(kube);
  }

  async load(namespace: string, vmName: string): Promise<ServerRecord | undefined> {
    const name = stateConfigMapName(vmName);
    let stored: KubeObject;
    try {
      stored = plain<KubeObject>(await this.objects.read(header(namespace, name)));
    } catch (err) {
      const refused = refusal(err);
      if (refused?.code === 404) return undefined;
      if (refused) throw new Error(`ConfigMap ${namespace}/${name}: GET failed: ${refused.message}`);
      throw err;
    }
    const parsed = parseStateConfigMap(stored);
    if (parsed instanceof Error) throw parsed;
    return parsed;
  }

  async save(record: ServerRecord): Promise<ServerRecord> {
    const object = buildStateConfigMap(record);
    const name = stateConfigMapName(record.vmName);
    let stored: KubeObject;
    try {
      // Server-side apply of the whole object, with the resourceVersion read: a change by another run meanwhile is a 409.
      stored = plain<KubeObject>(
        await this.objects.patch(object as KubernetesObject, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply),
      );
    } catch (err) {
      const refused = refusal(err);
      if (refused?.code === 409)
        throw new StateConflictError(
          `ConfigMap ${record.namespace}/${name} was changed by another run meanwhile (${refused.message}); re-run to continue from its state`,
        );
      if (refused) throw new Error(`ConfigMap ${record.namespace}/${name}: apply failed: ${refused.message}`);
      throw err;
    }
    const parsed = parseStateConfigMap(stored);
    if (parsed instanceof Error) throw parsed;
    return parsed;
  }

  async list(namespace?: string): Promise<ServerRecord[]> {
    let items: KubeObject[];
    try {
      const list = await this.objects.list(
        'v1',
        'ConfigMap',
        namespace,
        undefined,
        undefined,
        undefined,
        undefined,
        `${LABELS.component}=${STATE_COMPONENT},${LABELS.managedBy}=${MANAGER}`,
      );
      items = plain<KubeObject[]>(list.items ?? []);
    } catch (err) {
      const refused = refusal(err);
      if (refused) throw new Error(`ConfigMaps ${namespace ?? '(all namespaces)'}: list failed: ${refused.message}`);
      throw err;
    }
    const out: ServerRecord[] = [];
    for (const item of items) {
      const parsed = parseStateConfigMap(item);
      if (!(parsed instanceof Error)) out.push(parsed);
    }
    return out;
  }
}

/** Records kept in memory (dry runs, and tests of the OpenStack side); same semantics as StateStore, resourceVersion included. */
export class MemoryStateStore implements RecordStore {
  private readonly objects = new Map<string, KubeObject>();
  private version = 0;
  saves = 0;

  async load(namespace: string, vmName: string): Promise<ServerRecord | undefined> {
    const o = this.objects.get(`${namespace}/${stateConfigMapName(vmName)}`);
    if (!o) return undefined;
    const parsed = parseStateConfigMap(structuredClone(o));
    if (parsed instanceof Error) throw parsed;
    return parsed;
  }

  async save(record: ServerRecord): Promise<ServerRecord> {
    const key = `${record.namespace}/${stateConfigMapName(record.vmName)}`;
    const current = this.objects.get(key);
    const currentVersion = (current?.metadata as { resourceVersion?: string } | undefined)?.resourceVersion;
    if (record.resourceVersion && currentVersion && record.resourceVersion !== currentVersion)
      throw new StateConflictError(`ConfigMap ${key} was changed by another run meanwhile`);
    const object = buildStateConfigMap(record);
    object.metadata.resourceVersion = String(++this.version);
    this.objects.set(key, object);
    this.saves += 1;
    const parsed = parseStateConfigMap(structuredClone(object));
    if (parsed instanceof Error) throw parsed;
    return parsed;
  }

  async list(namespace?: string): Promise<ServerRecord[]> {
    const out: ServerRecord[] = [];
    for (const o of this.objects.values()) {
      if (namespace && o.metadata.namespace !== namespace) continue;
      const parsed = parseStateConfigMap(structuredClone(o));
      if (!(parsed instanceof Error)) out.push(parsed);
    }
    return out;
  }
}

/** Who a state record belongs to: the plan's server and VM. */
export interface ServerIdentity {
  serverId: string;
  serverName: string;
  namespace: string;
  vmName: string;
  projectId?: string;
  /** Recorded with every change, for status's selection (selection.ts). */
  selection?: RecordedSelection;
}

/** A change of the state annotations: null removes a field, undefined leaves it. */
export type StateChange = { [K in keyof MigrationState]?: MigrationState[K] | null };

export function applyStateChange(state: MigrationState, change: StateChange): MigrationState {
  const out: Record<string, unknown> = { ...state };
  for (const [k, v] of Object.entries(change)) {
    if (v === undefined) continue;
    if (v === null) delete out[k];
    else out[k] = v;
  }
  return out as unknown as MigrationState;
}

/** The record of a server, or undefined; an Error when the object belongs to another server. */
export async function readRecord(store: RecordStore, id: ServerIdentity): Promise<ServerRecord | undefined> {
  const record = await store.load(id.namespace, id.vmName);
  if (record && record.serverId !== id.serverId) {
    throw new StateConflictError(
      `ConfigMap ${id.namespace}/${stateConfigMapName(id.vmName)} belongs to server ${record.serverId}, not ${id.serverId}; the plan changed? remove it or re-plan`,
    );
  }
  return record;
}

/**
 * Load (or start) the record, change it, save it. On a conflict (another writer saved in between) the
 * change is applied again to the fresh record, so a short change never overwrites someone else's.
 */
export async function updateRecord(store: RecordStore, id: ServerIdentity, change: (record: ServerRecord) => void, attempts = 5): Promise<ServerRecord> {
  for (let i = 1; ; i++) {
    const record =
      (await readRecord(store, id)) ??
      newServerRecord({
        namespace: id.namespace,
        vmName: id.vmName,
        serverId: id.serverId,
        serverName: id.serverName,
        ...(id.projectId ? { projectId: id.projectId } : {}),
      });
    record.serverName ??= id.serverName;
    if (id.selection) record.selection = id.selection;
    change(record);
    try {
      return await store.save(record);
    } catch (err) {
      if (!(err instanceof StateConflictError) || i >= attempts) throw err;
    }
  }
}
