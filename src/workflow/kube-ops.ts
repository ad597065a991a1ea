// The workflow's Cluster (cluster.ts) on the real API server: object reads and writes through client-node's
// KubernetesObjectApi and watches through client-node's Watch, both set up by src/kube on the plugin's one
// transport (connection flags, --request-timeout, -v request lines, plain http). No API paths here: each
// kind's resource comes from the server's discovery, as kubectl finds it.
import { applyObjects, type ApplyReport } from '../kube/apply.js';
import { KubeClient, type RawResponse } from '../kube/client.js';
import type { KubeTarget } from '../kube/config.js';
import { KubeObjectApi, PatchStrategy, plain, refusal } from '../kube/objects.js';
import { openWatch } from '../kube/watch.js';
import type { KubernetesObject } from '@kubernetes/client-node';
import type { KubeObject } from '../translate/model.js';
import { MigrateError } from '../errors.js';
import { API_VERSIONS, type Cluster, type Kind, type StoredObject, type WatchEnd, type WatchRequest } from './cluster.js';
import { StateStore, type RecordStore } from './ledger.js';

export { WatchRefusedError } from '../kube/watch.js';
export { API_VERSIONS, type Kind, type StoredObject } from './cluster.js';

/** A KubeClient that counts what it sends (every request of the workflow's Kube goes through it). */
class CountingClient extends KubeClient {
  constructor(
    target: KubeTarget,
    private readonly count: () => void,
  ) {
    super(target);
  }
  override exchange(...args: Parameters<KubeClient['exchange']>): Promise<RawResponse> {
    this.count();
    return super.exchange(...args);
  }
}

/** The name of an object, with its namespace when it has one: what a request of KubernetesObjectApi addresses. */
function header(kind: Kind, namespace: string, name: string) {
  return { apiVersion: API_VERSIONS[kind], kind, metadata: namespace ? { name, namespace } : { name } };
}

/** Kubernetes access the workflow needs, on the real API server. */
export class Kube implements Cluster {
  /** Every request goes through this client: the apply/read-back requests of src/kube and the object API alike. */
  readonly client: KubeClient;
  readonly objects: KubeObjectApi;
  /** Requests sent (watches counted once per connection), for the benchmark. */
  requests = 0;
  private store: RecordStore | undefined;

  constructor(readonly target: KubeTarget) {
    this.client = new CountingClient(target, () => {
      this.requests += 1;
    });
    this.objects = new KubeObjectApi(this.client);
  }

  records(): RecordStore {
    this.store ??= new StateStore(this);
    return this.store;
  }

  /**
   * The kind's resource, or the error kubectl gives for a kind the cluster does not serve (CRD missing,
   * wrong server path): NotFound, exit 1.
   */
  private async served(kind: Kind): Promise<boolean> {
    return (await this.objects.served(API_VERSIONS[kind], kind)) !== undefined;
  }

  private notServed(kind: Kind): never {
    // Named by its resource as kubectl names it (Kubernetes' default plural: configmaps, networkpolicies).
    const resource = kind.toLowerCase().replace(/y$/, 'ie') + 's';
    throw new MigrateError('kubernetes', `NotFound: the server could not find the requested resource (${resource} in ${API_VERSIONS[kind]})`);
  }

  async get(kind: Kind, namespace: string, name: string): Promise<StoredObject | undefined> {
    // A kind the cluster does not serve has no object of that name (the server answers 404 as well).
    if (!(await this.served(kind))) return undefined;
    try {
      return plain<StoredObject>(await this.objects.read(header(kind, namespace, name)));
    } catch (err) {
      const e = refusal(err);
      if (e?.code === 404) return undefined;
      if (e) throw new MigrateError('kubernetes', `read ${kind} ${namespace}/${name}: ${e.message}`);
      throw err;
    }
  }

  async list(
    kind: Kind,
    namespace: string | undefined,
    labelSelector?: string,
    fieldSelector?: string,
  ): Promise<{ items: StoredObject[]; resourceVersion: string }> {
    // An empty collection answers 200: a kind that is not served is never "nothing there". kubectl says NotFound and exits 1; so do we.
    if (!(await this.served(kind))) this.notServed(kind);
    try {
      const list = await this.objects.list(API_VERSIONS[kind], kind, namespace, undefined, undefined, undefined, fieldSelector, labelSelector);
      return { items: plain<StoredObject[]>(list.items ?? []), resourceVersion: list.metadata?.resourceVersion ?? '0' };
    } catch (err) {
      const e = refusal(err);
      if (e) throw new MigrateError('kubernetes', `list ${kind}${namespace ? ` in ${namespace}` : ''}: ${e.message}`);
      throw err;
    }
  }

  async create(kind: Kind, obj: KubeObject): Promise<{ object: StoredObject; created: boolean }> {
    const ns = obj.metadata.namespace ?? '';
    const what = `create ${kind} ${ns}/${obj.metadata.name}`;
    if (!(await this.served(kind))) this.notServed(kind);
    try {
      // KubernetesObjectApi fills in a missing namespace in what it is given: hand it a copy.
      return { object: plain<StoredObject>(await this.objects.create({ ...obj, metadata: { ...obj.metadata } } as KubernetesObject)), created: true };
    } catch (err) {
      const e = refusal(err);
      if (e?.code === 409) {
        const existing = await this.get(kind, ns, obj.metadata.name);
        if (existing) return { object: existing, created: false };
      }
      if (e) throw new MigrateError('kubernetes', `${what}: ${e.message}`);
      throw err;
    }
  }

  async mergePatch(kind: Kind, namespace: string, name: string, patch: unknown, subresource?: 'status'): Promise<StoredObject | undefined> {
    if (!(await this.served(kind))) return undefined;
    const id = header(kind, namespace, name);
    const given = (patch ?? {}) as { metadata?: Record<string, unknown> };
    const spec = { ...given, ...id, metadata: { ...given.metadata, ...id.metadata } };
    try {
      const stored = subresource
        ? await this.objects.mergePatchSubresource(spec, subresource)
        : await this.objects.patch(spec, undefined, undefined, undefined, undefined, PatchStrategy.MergePatch);
      return plain<StoredObject>(stored);
    } catch (err) {
      const e = refusal(err);
      if (e?.code === 404) return undefined;
      if (e) throw new MigrateError('kubernetes', `patch ${kind} ${namespace}/${name}: ${e.message}`);
      throw err;
    }
  }

  /** Background propagation: DataVolume deletion must not wait on the importer pod. */
  async delete(kind: Kind, namespace: string, name: string, preconditionUid?: string): Promise<boolean> {
    if (!(await this.served(kind))) return false;
    try {
      await this.objects.delete(
        header(kind, namespace, name),
        undefined,
        undefined,
        undefined,
        undefined,
        'Background',
        preconditionUid ? { preconditions: { uid: preconditionUid } } : undefined,
      );
      return true;
    } catch (err) {
      const e = refusal(err);
      if (e?.code === 404 || e?.code === 409) return false;
      if (e) throw new MigrateError('kubernetes', `delete ${kind} ${namespace}/${name}: ${e.message}`);
      throw err;
    }
  }

  apply(objects: readonly KubeObject[]): Promise<ApplyReport> {
    return applyObjects(this.client, objects);
  }

  async waitFor<T>(kind: Kind, namespace: string, name: string, done: (obj: StoredObject | undefined) => T | undefined, signal?: AbortSignal): Promise<T> {
    for (;;) {
      signal?.throwIfAborted();
      // A list filtered to the one name gives the object and a version to watch from in one consistent read
      // (a GET then a LIST would miss an object created between the two).
      const { items, resourceVersion } = await this.list(kind, namespace, undefined, `metadata.name=${name}`);
      const first = done(items[0]);
      if (first !== undefined) return first;
      const result = await this.watchUntil({ kind, namespace, resourceVersion, fieldSelector: `metadata.name=${name}`, signal }, (type, obj) =>
        done(type === 'DELETED' ? undefined : obj),
      );
      if (result.value !== undefined) return result.value;
      // Stream ended (server timeout) or expired (410): read again and re-watch.
    }
  }

  async watchUntil<T>(
    { kind, namespace, resourceVersion, fieldSelector, labelSelector, signal }: WatchRequest,
    onEvent: (type: string, obj: StoredObject) => T | undefined,
  ): Promise<WatchEnd<T>> {
    if (!(await this.served(kind))) this.notServed(kind);
    const path = await this.objects.collectionPath(API_VERSIONS[kind], kind, namespace);
    this.requests += 1;
    return openWatch(this.target, path, { resourceVersion, fieldSelector, labelSelector }, onEvent, signal);
  }
}
