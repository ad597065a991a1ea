// The few Kubernetes calls the workflow makes, on the project's KubeClient (src/kube), plus watches through
// client-node's Watch, so that import/cutover/status wait on events instead of polling.
// Paths are fixed per kind: the workflow touches only core objects, DataVolumes, VMs and VMIs.
import { Watch } from '@kubernetes/client-node';
import { KubeClient, statusMessage, type KubeResponse } from '../kube/client.js';
import type { KubeTarget } from '../kube/config.js';
import type { KubeObject } from '../translate/model.js';
import { MigrateError } from '../errors.js';

export const RESOURCES = {
  Secret: { prefix: '/api/v1', plural: 'secrets' },
  ConfigMap: { prefix: '/api/v1', plural: 'configmaps' },
  Service: { prefix: '/api/v1', plural: 'services' },
  Namespace: { prefix: '/api/v1', plural: 'namespaces' },
  PersistentVolumeClaim: { prefix: '/api/v1', plural: 'persistentvolumeclaims' },
  DataVolume: { prefix: '/apis/cdi.kubevirt.io/v1beta1', plural: 'datavolumes' },
  VirtualMachine: { prefix: '/apis/kubevirt.io/v1', plural: 'virtualmachines' },
  VirtualMachineInstance: { prefix: '/apis/kubevirt.io/v1', plural: 'virtualmachineinstances' },
  NetworkPolicy: { prefix: '/apis/networking.k8s.io/v1', plural: 'networkpolicies' },
} as const;
export type Kind = keyof typeof RESOURCES;

/** Collection path; namespace undefined means all namespaces. */
export function collectionPath(kind: Kind, namespace?: string): string {
  const r = RESOURCES[kind];
  if (kind === 'Namespace') return `${r.prefix}/${r.plural}`;
  return namespace ? `${r.prefix}/namespaces/${encodeURIComponent(namespace)}/${r.plural}` : `${r.prefix}/${r.plural}`;
}

export function itemPath(kind: Kind, namespace: string, name: string): string {
  return `${collectionPath(kind, namespace)}/${encodeURIComponent(name)}`;
}

export interface StoredObject extends KubeObject {
  metadata: KubeObject['metadata'] & { uid?: string; resourceVersion?: string; creationTimestamp?: string; deletionTimestamp?: string };
  status?: Record<string, unknown>;
}

function fail(what: string, res: KubeResponse): never {
  throw new MigrateError('kubernetes', `${what}: ${statusMessage(res)}`);
}

function notServed(kind: Kind, path: string, res: KubeResponse): never {
  const r = RESOURCES[kind];
  throw new MigrateError(
    'kubernetes',
    `NotFound: the server could not find the requested resource (${r.plural} in ${r.prefix}; GET ${path}: ${statusMessage(res)})`,
  );
}

/** Kubernetes access the workflow needs: the request client and the target (for watches). */
export class Kube {
  readonly client: KubeClient;
  /** Requests sent (watches counted once per connection), for the benchmark. */
  requests = 0;

  constructor(
    readonly target: KubeTarget,
    client?: KubeClient,
  ) {
    this.client = client ?? new KubeClient(target);
  }

  async request(method: string, path: string, options: Parameters<KubeClient['request']>[2] = {}): Promise<KubeResponse> {
    this.requests += 1;
    return this.client.request(method, path, options);
  }

  async get(kind: Kind, namespace: string, name: string): Promise<StoredObject | undefined> {
    const res = await this.request('GET', itemPath(kind, namespace, name));
    if (res.status === 404) return undefined;
    if (res.status !== 200) fail(`read ${kind} ${namespace}/${name}`, res);
    return res.body as StoredObject;
  }

  async list(kind: Kind, namespace: string | undefined, labelSelector?: string): Promise<{ items: StoredObject[]; resourceVersion: string }> {
    const res = await this.request('GET', collectionPath(kind, namespace), { query: { labelSelector } });
    // A 404 on a collection is never "nothing there" (an empty collection answers 200): the cluster does not
    // serve this resource (CRD missing, wrong server path). kubectl says NotFound and exits 1; so do we.
    if (res.status === 404) notServed(kind, collectionPath(kind, namespace), res);
    if (res.status !== 200) fail(`list ${kind}${namespace ? ` in ${namespace}` : ''}`, res);
    const body = res.body as { items?: StoredObject[]; metadata?: { resourceVersion?: string } };
    return { items: body.items ?? [], resourceVersion: body.metadata?.resourceVersion ?? '0' };
  }

  /** Creates the object; an existing one of the same name is returned as it is (409 → GET). */
  async create(kind: Kind, obj: KubeObject): Promise<{ object: StoredObject; created: boolean }> {
    const ns = obj.metadata.namespace ?? '';
    const res = await this.request('POST', collectionPath(kind, ns), { body: obj });
    if (res.status === 201 || res.status === 200) return { object: res.body as StoredObject, created: true };
    if (res.status === 409) {
      const existing = await this.get(kind, ns, obj.metadata.name);
      if (existing) return { object: existing, created: false };
    }
    fail(`create ${kind} ${ns}/${obj.metadata.name}`, res);
  }

  /** JSON merge patch (null removes a key); undefined when the object is gone. */
  async mergePatch(kind: Kind, namespace: string, name: string, patch: unknown, subresource?: 'status'): Promise<StoredObject | undefined> {
    const path = itemPath(kind, namespace, name) + (subresource ? `/${subresource}` : '');
    const res = await this.request('PATCH', path, { body: patch, contentType: 'application/merge-patch+json' });
    if (res.status === 404) return undefined;
    if (res.status !== 200) fail(`patch ${kind} ${namespace}/${name}`, res);
    return res.body as StoredObject;
  }

  /** Deletes; true when it existed. Foreground is not used: DataVolume deletion must not wait on the importer pod. */
  async delete(kind: Kind, namespace: string, name: string, preconditionUid?: string): Promise<boolean> {
    const body = preconditionUid
      ? { kind: 'DeleteOptions', apiVersion: 'v1', preconditions: { uid: preconditionUid }, propagationPolicy: 'Background' }
      : { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background' };
    const res = await this.request('DELETE', itemPath(kind, namespace, name), { body });
    if (res.status === 404 || res.status === 409) return false;
    if (res.status !== 200 && res.status !== 202) fail(`delete ${kind} ${namespace}/${name}`, res);
    return true;
  }

  /**
   * Waits on a watch until `done(object)` returns a value, or the object is deleted (`done(undefined)`),
   * or the signal aborts. Reads the object first, so a condition already true returns without a watch.
   */
  async waitFor<T>(kind: Kind, namespace: string, name: string, done: (obj: StoredObject | undefined) => T | undefined, signal?: AbortSignal): Promise<T> {
    for (;;) {
      signal?.throwIfAborted();
      // A list filtered to the one name gives the object and a version to watch from in one consistent read
      // (a GET then a LIST would miss an object created between the two).
      const res = await this.request('GET', collectionPath(kind, namespace), { query: { fieldSelector: `metadata.name=${name}` } });
      if (res.status !== 200) fail(`read ${kind} ${namespace}/${name}`, res);
      const body = res.body as { items?: StoredObject[]; metadata?: { resourceVersion?: string } };
      const current = body.items?.[0];
      const first = done(current);
      if (first !== undefined) return first;
      const rv = body.metadata?.resourceVersion ?? '0';
      const result = await this.watchUntil(
        kind,
        namespace,
        rv,
        `metadata.name=${name}`,
        undefined,
        (type, obj) => done(type === 'DELETED' ? undefined : obj),
        signal,
      );
      if (result.value !== undefined) return result.value;
      // Stream ended (server timeout) or expired (410): read again and re-watch.
    }
  }

  /**
   * One watch connection: calls onEvent for each event until it returns a value, the server closes the
   * stream, or the signal aborts (then throws the abort reason).
   */
  watchUntil<T>(
    kind: Kind,
    namespace: string | undefined,
    resourceVersion: string,
    fieldSelector: string | undefined,
    labelSelector: string | undefined,
    onEvent: (type: string, obj: StoredObject) => T | undefined,
    signal?: AbortSignal,
  ): Promise<{ value?: T; expired?: boolean; resourceVersion: string }> {
    this.requests += 1;
    return openWatch(this.target, collectionPath(kind, namespace), { resourceVersion, fieldSelector, labelSelector }, onEvent, signal);
  }
}

/** The server answered a watch request with something else than a stream (403, 404, 500, ...). */
export class WatchRefusedError extends MigrateError {
  constructor(
    readonly path: string,
    readonly httpStatus: number,
    reason: string,
  ) {
    super('kubernetes', `watch ${path}: HTTP ${httpStatus}: ${reason}`);
  }
  /** Retrying cannot help: the credentials or their permissions are wrong. */
  get permanent(): boolean {
    return this.httpStatus === 401 || this.httpStatus === 403;
  }
}

/**
 * One watch connection through client-node's Watch (the kubeconfig's TLS and credentials, as for every
 * request): calls onEvent for each event until it returns a value, the server closes the stream (server
 * timeout), the version expires (410: `expired`), or the signal aborts (then throws the abort reason).
 */
export async function openWatch<T>(
  target: KubeTarget,
  path: string,
  query: { resourceVersion: string; fieldSelector?: string; labelSelector?: string },
  onEvent: (type: string, obj: StoredObject) => T | undefined,
  signal?: AbortSignal,
): Promise<{ value?: T; expired?: boolean; resourceVersion: string }> {
  signal?.throwIfAborted();
  const params: Record<string, string> = {
    allowWatchBookmarks: 'true',
    resourceVersion: query.resourceVersion,
    // The server ends the stream after this many seconds; the caller re-watches from the last version.
    timeoutSeconds: '240',
    ...(query.fieldSelector ? { fieldSelector: query.fieldSelector } : {}),
    ...(query.labelSelector ? { labelSelector: query.labelSelector } : {}),
  };
  let rv = query.resourceVersion;
  return new Promise((resolve, reject) => {
    let settled = false;
    let controller: AbortController | undefined;
    const finish = (out: { value?: T; expired?: boolean; resourceVersion: string } | Error) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      controller?.abort();
      if (out instanceof Error) reject(out);
      else resolve(out);
    };
    const onAbort = () => finish(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
    signal?.addEventListener('abort', onAbort, { once: true });
    const refused = async (status: number) => {
      // Watch reports only the status line: ask once more without streaming for the server's own reason.
      const res = await new KubeClient(target).request('GET', path, { query: { ...params, watch: 'true' } }).catch(() => undefined);
      finish(new WatchRefusedError(path, status, res && res.status === status ? statusMessage(res) : `HTTP ${status}`));
    };
    new Watch(target.kc)
      .watch(
        path,
        params,
        (type: string, object: StoredObject & { code?: number }) => {
          if (settled) return;
          if (type === 'ERROR') {
            // 410 Gone: the version is too old; the caller reads again.
            finish({ expired: true, resourceVersion: rv });
            return;
          }
          rv = object?.metadata?.resourceVersion ?? rv;
          if (type === 'BOOKMARK') return;
          let value: T | undefined;
          try {
            value = onEvent(type, object);
          } catch (err) {
            finish(err as Error);
            return;
          }
          if (value !== undefined) finish({ value, resourceVersion: rv });
        },
        (err: unknown) => {
          if (settled) return;
          const status = (err as { statusCode?: number } | null)?.statusCode;
          if (status) void refused(status);
          else if (err && (err as { name?: string }).name !== 'AbortError') finish(err as Error);
          else finish({ resourceVersion: rv });
        },
      )
      .then(
        (c) => {
          controller = c;
          if (settled) c.abort();
        },
        (err: unknown) => finish(err as Error),
      );
  });
}
