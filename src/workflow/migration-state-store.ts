// The per-server state ConfigMap `<vm>-migration` (design: state annotations + ledger.json, disks.json,
// source.json), read and written by import/cutover and read by status. Written here because the backup
// side's ledger.ts did not exist yet; the lead may merge the two (same object, same keys).
import { childName } from '../translate/disks.js';
import { ANNOTATIONS, LABELS, MANAGER } from '../translate/naming.js';
import type { KubeObject } from '../translate/model.js';
import { readState, stateAnnotations, type MigrationState } from './state.js';
import type { Kube, StoredObject } from './kube-ops.js';
import type { FloatingIpAssociation } from './source.js';

export const STATE_COMPONENT = 'migration';

/** One copy of one disk, made by backup (a Glance image) and imported by import. */
export interface DiskCopy {
  diskRole: string;
  /** Name of the DataVolume (from the plan) this copy fills. */
  dataVolume: string;
  volumeId?: string;
  /** Glance image holding the copy. */
  imageId: string;
  diskFormat?: string;
  /** bytes */
  virtualSize?: number;
  /** An http URL that needs no token (the in-cluster file server of an NFS share); Glance's URL when absent. */
  url?: string;
}

/** What cutover recorded before touching the source, to put it back on rollback. */
export interface SourceRecord {
  /** Nova status before the cutover stopped it. */
  statusBefore: string;
  floatingIps: FloatingIpAssociation[];
  recordedAt: string;
  /** Copies taken after the stop (the final copy), once taken. */
  finalCopy?: { takenAt: string; disks: DiskCopy[] };
  /** Set once --release-floating-ip disassociated them in OpenStack. */
  floatingIpsReleased?: boolean;
}

export interface ServerStateObject {
  namespace: string;
  vmName: string;
  state: MigrationState;
  serverName?: string;
  disks: DiskCopy[];
  source?: SourceRecord;
  ledger: unknown[];
  object?: StoredObject;
}

export function stateConfigMapName(vmName: string): string {
  return childName(vmName, 'migration');
}

function parse<T>(text: string | undefined, fallback: T): T {
  if (!text) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

export function fromConfigMap(cm: StoredObject): ServerStateObject {
  const data = (cm.data ?? {}) as Record<string, string>;
  const annotations = cm.metadata.annotations ?? {};
  return {
    namespace: cm.metadata.namespace ?? '',
    vmName: annotations[`${ANNOTATIONS.sourceName}.vm`] ?? cm.metadata.name.replace(/-migration$/, ''),
    state: readState(annotations),
    serverName: annotations[ANNOTATIONS.sourceName],
    disks: parse<DiskCopy[]>(data['disks.json'], []),
    source: parse<SourceRecord | undefined>(data['source.json'], undefined),
    ledger: parse<unknown[]>(data['ledger.json'], []),
    object: cm,
  };
}

export interface ServerIdentity {
  serverId: string;
  serverName: string;
  namespace: string;
  vmName: string;
}

export function newStateConfigMap(id: ServerIdentity): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: stateConfigMapName(id.vmName),
      namespace: id.namespace,
      labels: { [LABELS.managedBy]: MANAGER, [LABELS.serverId]: id.serverId, [LABELS.component]: STATE_COMPONENT },
      annotations: {
        ...(stateAnnotations({ phase: 'planned', serverId: id.serverId }) as Record<string, string>),
        [ANNOTATIONS.sourceName]: id.serverName,
        [`${ANNOTATIONS.sourceName}.vm`]: id.vmName,
      },
    },
    data: {},
  };
}

export async function readServerState(kube: Kube, id: ServerIdentity): Promise<ServerStateObject | undefined> {
  const cm = await kube.get('ConfigMap', id.namespace, stateConfigMapName(id.vmName));
  return cm ? fromConfigMap(cm) : undefined;
}

/** The state object, created when missing (idempotent). */
export async function ensureServerState(kube: Kube, id: ServerIdentity): Promise<ServerStateObject> {
  const existing = await readServerState(kube, id);
  if (existing) return existing;
  const { object } = await kube.create('ConfigMap', newStateConfigMap(id));
  return fromConfigMap(object);
}

export interface StateUpdate {
  state?: { [K in keyof MigrationState]?: MigrationState[K] | null };
  disks?: DiskCopy[];
  source?: SourceRecord;
}

/** Merge-patches the state ConfigMap (created first when missing). */
export async function updateServerState(kube: Kube, id: ServerIdentity, update: StateUpdate): Promise<ServerStateObject> {
  const patch: Record<string, unknown> = {};
  if (update.state) patch.metadata = { annotations: stateAnnotations(update.state) };
  const data: Record<string, string> = {};
  if (update.disks) data['disks.json'] = JSON.stringify(update.disks);
  if (update.source) data['source.json'] = JSON.stringify(update.source);
  if (Object.keys(data).length) patch.data = data;
  let stored = await kube.mergePatch('ConfigMap', id.namespace, stateConfigMapName(id.vmName), patch);
  if (!stored) {
    await ensureServerState(kube, id);
    stored = await kube.mergePatch('ConfigMap', id.namespace, stateConfigMapName(id.vmName), patch);
  }
  if (!stored) throw new Error(`state ConfigMap ${id.namespace}/${stateConfigMapName(id.vmName)} disappeared`);
  return fromConfigMap(stored);
}
