// What the workflow does in the cluster, as an interface: read, list, create, merge-patch, delete and
// server-side apply objects of the few kinds it touches, wait on a watch, and keep the per-server state
// records. Implemented on the real API by kube-ops.ts (client-node's KubernetesObjectApi and Watch through
// src/kube), and in memory by test/support/memory-cluster.ts, so that import's and cutover's state machines
// are tested against both (as backup's are against SourceActions, source.ts).
import type { ApplyReport } from '../kube/apply.js';
import type { KubeObject } from '../translate/model.js';
import type { RecordStore } from './ledger.js';

/** The kinds the workflow reads or writes, with their API version (the API server's discovery gives the rest). */
export const API_VERSIONS = {
  Secret: 'v1',
  ConfigMap: 'v1',
  Service: 'v1',
  Namespace: 'v1',
  PersistentVolumeClaim: 'v1',
  DataVolume: 'cdi.kubevirt.io/v1beta1',
  VirtualMachine: 'kubevirt.io/v1',
  VirtualMachineInstance: 'kubevirt.io/v1',
  NetworkPolicy: 'networking.k8s.io/v1',
} as const;
export type Kind = keyof typeof API_VERSIONS;

/** An object as the server stores it. */
export interface StoredObject extends KubeObject {
  metadata: KubeObject['metadata'] & { uid?: string; resourceVersion?: string; creationTimestamp?: string; deletionTimestamp?: string };
  status?: Record<string, unknown>;
}

/** How one watch connection ended: a value from onEvent, or the stream ended (expired: 410 Gone). */
export interface WatchEnd<T> {
  value?: T;
  expired?: boolean;
  resourceVersion: string;
}

/** What one watch connection asks for: the objects of a kind (in a namespace), from a resourceVersion. */
export interface WatchRequest {
  kind: Kind;
  namespace?: string;
  resourceVersion: string;
  fieldSelector?: string;
  labelSelector?: string;
  /** Aborting it ends the watch (watchUntil then throws the abort reason). */
  signal?: AbortSignal;
}

export interface Cluster {
  /** Requests sent (watches counted once per connection), for the benchmark. */
  requests: number;
  get(kind: Kind, namespace: string, name: string): Promise<StoredObject | undefined>;
  list(kind: Kind, namespace: string | undefined, labelSelector?: string): Promise<{ items: StoredObject[]; resourceVersion: string }>;
  /** Creates the object; an existing one of the same name is returned as it is (created: false). */
  create(kind: Kind, obj: KubeObject): Promise<{ object: StoredObject; created: boolean }>;
  /** JSON merge patch (null removes a key); undefined when the object is gone. */
  mergePatch(kind: Kind, namespace: string, name: string, patch: unknown, subresource?: 'status'): Promise<StoredObject | undefined>;
  /** Deletes in the background (dependents by garbage collection); true when it existed (and had that uid, when given). */
  delete(kind: Kind, namespace: string, name: string, preconditionUid?: string): Promise<boolean>;
  /** Server-side apply under the plugin's field manager, in dependency order (src/kube/apply.ts). */
  apply(objects: readonly KubeObject[]): Promise<ApplyReport>;
  /**
   * Waits until `done(object)` returns a value, or the object is deleted (`done(undefined)`), or the signal
   * aborts (throws its reason). A condition already true returns at once.
   */
  waitFor<T>(kind: Kind, namespace: string, name: string, done: (obj: StoredObject | undefined) => T | undefined, signal?: AbortSignal): Promise<T>;
  /**
   * One watch connection from resourceVersion: calls onEvent for each event until it returns a value, the
   * stream ends, or the signal aborts (then throws the abort reason).
   */
  watchUntil<T>(request: WatchRequest, onEvent: (type: string, obj: StoredObject) => T | undefined): Promise<WatchEnd<T>>;
  /** The per-server state records (ledger.ts) kept in this cluster. */
  records(): RecordStore;
}
