// An in-memory cluster behind the workflow's Cluster interface (src/workflow/cluster.ts), with the API
// server behaviour import and cutover rely on: uids and resourceVersions, 409 on a second create, JSON merge
// patch (null removes; a metadata.uid in the patch is a precondition), the status subresource of
// DataVolumes, VMs and claims (status is set only through it), delete preconditions, garbage collection of
// dependents by ownerReferences, objects only in an existing namespace, watches by kind/namespace/name.
// Controllers playing CDI and KubeVirt react to its events, as test/support/fake-controllers.ts does against
// the real kube-apiserver. Events are delivered as microtasks, never on timers, so unit tests stay pure and
// fast: no HTTP server, no process. The real-API version of every test here is in test/integration.
import { randomUUID } from 'node:crypto';
import type { ApplyReport, ApplyResult } from '../../src/kube/apply.js';
import { applyOrder } from '../../src/plan/order.js';
import type { KubeObject } from '../../src/translate/model.js';
import { API_VERSIONS, type Cluster, type Kind, type StoredObject, type WatchEnd, type WatchRequest } from '../../src/workflow/cluster.js';
import { MemoryStateStore, type RecordStore } from '../../src/workflow/ledger.js';
import { matchesRequirements, parseSelector } from '../../src/workflow/selection.js';
import { MigrateError } from '../../src/errors.js';

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';
type Listener = (type: EventType, kind: Kind, obj: StoredObject) => void;

/** A write the cluster received, in order (what tests assert on). */
export interface Write {
  verb: 'create' | 'patch' | 'patch-status' | 'delete' | 'apply';
  kind: Kind;
  /** namespace/name */
  key: string;
  body?: unknown;
}

/** Kinds whose status only the status subresource sets (as their CRD or the core API declares). */
const STATUS_SUBRESOURCE: ReadonlySet<Kind> = new Set<Kind>(['DataVolume', 'VirtualMachine', 'PersistentVolumeClaim']);
const CLUSTER_SCOPED: ReadonlySet<Kind> = new Set<Kind>(['Namespace']);

function isKind(kind: string): kind is Kind {
  return Object.hasOwn(API_VERSIONS, kind);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** RFC 7386 JSON merge patch. */
export function jsonMergePatch(target: unknown, patch: unknown): unknown {
  if (!isRecord(patch)) return structuredClone(patch);
  const out: Record<string, unknown> = isRecord(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) continue; // not in the JSON that would be sent
    if (v === null) delete out[k];
    else out[k] = jsonMergePatch(out[k], v);
  }
  return out;
}

const conflict = (what: string) => new MigrateError('kubernetes', `${what}: Operation cannot be fulfilled: the object has been modified (409)`);

export class MemoryCluster implements Cluster {
  requests = 0;
  readonly writes: Write[] = [];
  /** The state records (ledger.ts), with the resourceVersion semantics of the real store. */
  readonly store = new MemoryStateStore();
  /** Kinds the cluster does not serve (a missing CRD). */
  readonly unserved = new Set<Kind>();
  /** A reason makes that write fail as the API server would refuse it (admission webhook, quota, ...). */
  refuse?: (write: Write) => string | undefined;
  private readonly objects = new Map<string, StoredObject>();
  private readonly listeners = new Set<Listener>();
  private version = 0;

  constructor(readonly now: () => number = Date.now) {}

  /** Subscribes to every event; returns the unsubscribe function. */
  on(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The stored object, without counting a request (for assertions). */
  peek(kind: Kind, namespace: string, name: string): StoredObject | undefined {
    const o = this.objects.get(this.key(kind, namespace, name));
    return o ? structuredClone(o) : undefined;
  }

  /** Every stored object of a kind (for assertions). */
  all(kind: Kind): StoredObject[] {
    return [...this.objects.entries()].filter(([k]) => k.startsWith(`${kind}/`)).map(([, o]) => structuredClone(o));
  }

  private key(kind: Kind, namespace: string | undefined, name: string): string {
    return `${kind}/${CLUSTER_SCOPED.has(kind) ? '' : (namespace ?? '')}/${name}`;
  }

  private emit(type: EventType, kind: Kind, obj: StoredObject): void {
    const snapshot = structuredClone(obj);
    for (const listener of [...this.listeners]) queueMicrotask(() => listener(type, kind, structuredClone(snapshot)));
  }

  private write(w: Write): void {
    this.writes.push(w);
    const refused = this.refuse?.(w);
    if (refused) throw new MigrateError('kubernetes', `${w.verb} ${w.kind} ${w.key}: ${refused}`);
  }

  private served(kind: Kind): void {
    if (this.unserved.has(kind))
      throw new MigrateError('kubernetes', `NotFound: the server could not find the requested resource (${kind} in ${API_VERSIONS[kind]})`);
  }

  async get(kind: Kind, namespace: string, name: string): Promise<StoredObject | undefined> {
    this.requests += 1;
    if (this.unserved.has(kind)) return undefined;
    return this.peek(kind, namespace, name);
  }

  async list(kind: Kind, namespace: string | undefined, labelSelector?: string): Promise<{ items: StoredObject[]; resourceVersion: string }> {
    this.requests += 1;
    this.served(kind);
    const requirements = parseSelector(labelSelector ?? '');
    const items = this.all(kind).filter(
      (o) => (namespace === undefined || o.metadata.namespace === namespace) && matchesRequirements(o.metadata.labels ?? {}, requirements),
    );
    return { items, resourceVersion: String(this.version) };
  }

  async create(kind: Kind, obj: KubeObject): Promise<{ object: StoredObject; created: boolean }> {
    this.requests += 1;
    this.served(kind);
    const ns = CLUSTER_SCOPED.has(kind) ? undefined : obj.metadata.namespace;
    const key = this.key(kind, ns, obj.metadata.name);
    this.write({ verb: 'create', kind, key: `${ns ?? ''}/${obj.metadata.name}`, body: structuredClone(obj) });
    const existing = this.objects.get(key);
    if (existing) return { object: structuredClone(existing), created: false };
    return { object: this.store_(kind, obj), created: true };
  }

  /** Stores a new object as the API server would (uid, version, timestamp; status dropped where a subresource owns it). */
  private store_(kind: Kind, obj: KubeObject): StoredObject {
    const ns = CLUSTER_SCOPED.has(kind) ? undefined : obj.metadata.namespace;
    if (!CLUSTER_SCOPED.has(kind)) {
      if (!ns) throw new MigrateError('kubernetes', `create ${kind} ${obj.metadata.name}: namespace required`);
      if (!this.objects.has(this.key('Namespace', '', ns)))
        throw new MigrateError('kubernetes', `create ${kind} ${ns}/${obj.metadata.name}: namespaces "${ns}" not found`);
    }
    const stored: StoredObject = structuredClone(obj) as StoredObject;
    if (STATUS_SUBRESOURCE.has(kind)) delete stored.status;
    // A Secret's stringData is write-only: the server stores it base64-encoded in data.
    if (kind === 'Secret' && isRecord(stored.stringData)) {
      const data: Record<string, string> = isRecord(stored.data) ? (stored.data as Record<string, string>) : {};
      for (const [k, v] of Object.entries(stored.stringData)) data[k] = Buffer.from(String(v), 'utf8').toString('base64');
      stored.data = data;
      delete stored.stringData;
    }
    stored.metadata = {
      ...stored.metadata,
      ...(ns ? { namespace: ns } : {}),
      uid: randomUUID(),
      resourceVersion: String(++this.version),
      creationTimestamp: new Date(this.now()).toISOString().replace(/\.\d+Z$/, 'Z'),
    };
    this.objects.set(this.key(kind, ns, obj.metadata.name), stored);
    this.emit('ADDED', kind, stored);
    return structuredClone(stored);
  }

  async mergePatch(kind: Kind, namespace: string, name: string, patch: unknown, subresource?: 'status'): Promise<StoredObject | undefined> {
    this.requests += 1;
    if (this.unserved.has(kind)) return undefined;
    this.write({ verb: subresource ? 'patch-status' : 'patch', kind, key: `${namespace}/${name}`, body: structuredClone(patch) });
    const key = this.key(kind, namespace, name);
    const current = this.objects.get(key);
    if (!current) return undefined;
    const given = isRecord(patch) ? patch : {};
    const meta = isRecord(given.metadata) ? given.metadata : {};
    if (typeof meta.uid === 'string' && meta.uid !== current.metadata.uid) throw conflict(`patch ${kind} ${namespace}/${name}`);
    // The main resource ignores status where a subresource owns it; the subresource takes only status.
    const effective = subresource ? { status: given.status } : STATUS_SUBRESOURCE.has(kind) ? { ...given, status: undefined } : given;
    const next = jsonMergePatch(current, JSON.parse(JSON.stringify(effective))) as StoredObject;
    next.metadata = { ...next.metadata, uid: current.metadata.uid, name: current.metadata.name, resourceVersion: String(++this.version) };
    this.objects.set(key, next);
    this.emit('MODIFIED', kind, next);
    return structuredClone(next);
  }

  async delete(kind: Kind, namespace: string, name: string, preconditionUid?: string): Promise<boolean> {
    this.requests += 1;
    if (this.unserved.has(kind)) return false;
    this.write({ verb: 'delete', kind, key: `${namespace}/${name}` });
    const key = this.key(kind, namespace, name);
    const current = this.objects.get(key);
    if (!current) return false;
    if (preconditionUid && current.metadata.uid !== preconditionUid) return false;
    this.remove(kind, key, current);
    return true;
  }

  /** Removes an object and, as the garbage collector does, everything it owns. */
  private remove(kind: Kind, key: string, obj: StoredObject): void {
    this.objects.delete(key);
    this.emit('DELETED', kind, obj);
    for (const [k, o] of [...this.objects.entries()]) {
      const owners = (o.metadata.ownerReferences ?? []) as { uid?: string }[];
      const dependentKind = k.slice(0, k.indexOf('/'));
      if (owners.some((r) => r.uid === obj.metadata.uid) && isKind(dependentKind)) this.remove(dependentKind, k, o);
    }
  }

  async apply(objects: readonly KubeObject[]): Promise<ApplyReport> {
    const missing = objects.filter((o) => !isKind(o.kind) || this.unserved.has(o.kind));
    if (missing.length) {
      return {
        missingApis: missing.map((o) => ({
          apiVersion: o.apiVersion,
          kind: o.kind,
          neededBy: [`${o.kind} ${o.metadata.name}`],
          operator: 'its operator',
          message: `the cluster does not serve ${o.apiVersion} ${o.kind}`,
        })),
        apiErrors: [],
        results: [],
      };
    }
    const results: ApplyResult[] = [];
    for (const obj of applyOrder(objects)) {
      this.requests += 2;
      const kind = obj.kind as Kind;
      const ns = obj.metadata.namespace ?? '';
      const base = { object: `${kind} ${ns}/${obj.metadata.name}`, apiVersion: obj.apiVersion, kind, name: obj.metadata.name, namespace: ns };
      try {
        this.write({ verb: 'apply', kind, key: `${ns}/${obj.metadata.name}`, body: structuredClone(obj) });
        const key = this.key(kind, ns, obj.metadata.name);
        const current = this.objects.get(key);
        if (!current) {
          const stored = this.store_(kind, obj);
          results.push({ ...base, status: 'created', httpStatus: 201, resourceVersion: stored.metadata.resourceVersion, stored });
          continue;
        }
        // Server-side apply of the plugin's whole object: its fields replace ours of before, others' stay.
        const { status: _status, ...fields } = obj;
        const next = jsonMergePatch(current, fields) as StoredObject;
        if (JSON.stringify(next) === JSON.stringify(current)) {
          results.push({ ...base, status: 'unchanged', httpStatus: 200, resourceVersion: current.metadata.resourceVersion, stored: structuredClone(current) });
          continue;
        }
        next.metadata = { ...next.metadata, uid: current.metadata.uid, resourceVersion: String(++this.version) };
        this.objects.set(key, next);
        this.emit('MODIFIED', kind, next);
        results.push({ ...base, status: 'configured', httpStatus: 200, resourceVersion: next.metadata.resourceVersion, stored: structuredClone(next) });
      } catch (err) {
        results.push({ ...base, status: 'error', httpStatus: 422, message: (err as Error).message });
      }
    }
    return { missingApis: [], apiErrors: [], results };
  }

  async waitFor<T>(kind: Kind, namespace: string, name: string, done: (obj: StoredObject | undefined) => T | undefined, signal?: AbortSignal): Promise<T> {
    this.requests += 2;
    signal?.throwIfAborted();
    this.served(kind);
    const first = done(this.peek(kind, namespace, name));
    if (first !== undefined) return first;
    return new Promise<T>((resolve, reject) => {
      const finish = (out: { value: T } | { error: unknown }) => {
        off();
        signal?.removeEventListener('abort', onAbort);
        if ('value' in out) resolve(out.value);
        else reject(out.error);
      };
      const onAbort = () => finish({ error: signal?.reason instanceof Error ? signal.reason : new Error('aborted') });
      const off = this.on((type, k, obj) => {
        if (k !== kind || (obj.metadata.namespace ?? '') !== (CLUSTER_SCOPED.has(kind) ? '' : namespace) || obj.metadata.name !== name) return;
        try {
          const value = done(type === 'DELETED' ? undefined : obj);
          if (value !== undefined) finish({ value });
        } catch (error) {
          finish({ error });
        }
      });
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  async watchUntil<T>(
    { kind, namespace, fieldSelector, labelSelector, signal }: WatchRequest,
    onEvent: (type: string, obj: StoredObject) => T | undefined,
  ): Promise<WatchEnd<T>> {
    this.requests += 1;
    this.served(kind);
    signal?.throwIfAborted();
    const requirements = parseSelector(labelSelector ?? '');
    const onlyName = fieldSelector?.startsWith('metadata.name=') ? fieldSelector.slice('metadata.name='.length) : undefined;
    return new Promise<WatchEnd<T>>((resolve, reject) => {
      const finish = (out: WatchEnd<T> | { error: unknown }) => {
        off();
        signal?.removeEventListener('abort', onAbort);
        if ('error' in out) reject(out.error);
        else resolve(out);
      };
      const onAbort = () => finish({ error: signal?.reason instanceof Error ? signal.reason : new Error('aborted') });
      const off = this.on((type, k, obj) => {
        if (k !== kind || (namespace !== undefined && obj.metadata.namespace !== namespace)) return;
        if ((onlyName && obj.metadata.name !== onlyName) || !matchesRequirements(obj.metadata.labels ?? {}, requirements)) return;
        try {
          const value = onEvent(type, obj);
          if (value !== undefined) finish({ value, resourceVersion: obj.metadata.resourceVersion ?? String(this.version) });
        } catch (error) {
          finish({ error });
        }
      });
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  records(): RecordStore {
    return this.store;
  }

  /**
   * One run's connection to the cluster. kill() ends it as a killed process ends: every later call and
   * every wait under way fails, while the cluster and its controllers go on.
   */
  connect(): { cluster: Cluster; kill: () => void } {
    const dead = new AbortController();
    const alive = () => {
      if (dead.signal.aborted) throw new RunKilled();
    };
    const both = (signal?: AbortSignal) => (signal ? AbortSignal.any([signal, dead.signal]) : dead.signal);
    const base = this;
    const cluster: Cluster = {
      get requests() {
        return base.requests;
      },
      set requests(n: number) {
        base.requests = n;
      },
      get: async (...a) => (alive(), base.get(...a)),
      list: async (...a) => (alive(), base.list(...a)),
      create: async (...a) => (alive(), base.create(...a)),
      mergePatch: async (...a) => (alive(), base.mergePatch(...a)),
      delete: async (...a) => (alive(), base.delete(...a)),
      apply: async (...a) => (alive(), base.apply(...a)),
      waitFor: async (kind, ns, name, done, signal) => (alive(), base.waitFor(kind, ns, name, done, both(signal))),
      watchUntil: async (request, onEvent) => (alive(), base.watchUntil({ ...request, signal: both(request.signal) }, onEvent)),
      records: () => ({
        load: async (...a) => (alive(), base.store.load(...a)),
        save: async (...a) => (alive(), base.store.save(...a)),
        list: async (...a) => (alive(), base.store.list(...a)),
      }),
    };
    return { cluster, kill: () => dead.abort(new RunKilled()) };
  }
}

/** What a call of a killed run meets. */
export class RunKilled extends Error {
  override name = 'RunKilled';
}

export interface MemoryControllerOptions {
  /** A reason makes the import fail (phase Failed, with CDI's Running condition message) once it is under way. */
  failImport?: (dv: StoredObject) => string | undefined;
  /** false: CDI's importer gets 401 and retries: the import stays where it is. */
  tokenValid?: (token: string) => boolean;
  /** A reason makes the VMI fail instead of running. */
  failVm?: (vm: StoredObject) => string | undefined;
  /** Never set AgentConnected. */
  noAgent?: boolean;
}

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

/**
 * CDI and KubeVirt in memory: a DataVolume with an http source goes ImportScheduled → ImportInProgress
 * ("50.00%") → Succeeded (its claim Bound with the requested size), needing the token Secret named by
 * secretExtraHeaders; a blank one succeeds at once. A VM that should run gets a VMI Running (with
 * AgentConnected); Halted or deleted, its VMI goes.
 */
export class MemoryControllers {
  /** Every http import started: namespace/name, URL and uid. */
  readonly importsStarted: { key: string; url: string; uid: string }[] = [];
  readonly errors: string[] = [];
  private readonly done = new Set<string>();
  private readonly off: () => void;

  constructor(
    private readonly cluster: MemoryCluster,
    private readonly options: MemoryControllerOptions = {},
  ) {
    this.off = cluster.on((type, kind, obj) => {
      const work = kind === 'DataVolume' && type !== 'DELETED' ? this.onDataVolume(obj) : kind === 'VirtualMachine' ? this.onVm(type, obj) : undefined;
      void work?.catch((err: unknown) => this.errors.push((err as Error).message));
    });
  }

  stop(): void {
    this.off();
  }

  /** Acts once per (object, phase): the workflow's own annotation writes do not move an import twice. */
  private once(uid: string | undefined, phase: string): boolean {
    const key = `${uid}/${phase}`;
    if (this.done.has(key)) return false;
    this.done.add(key);
    return true;
  }

  private async onDataVolume(dv: StoredObject): Promise<void> {
    const ns = dv.metadata.namespace ?? '';
    const name = dv.metadata.name;
    const spec = (dv.spec ?? {}) as {
      source?: { blank?: object; http?: { url?: string; secretExtraHeaders?: string[] } };
      storage?: { resources?: { requests?: { storage?: string } } };
    };
    const phase = String(dv.status?.phase ?? '');
    const setStatus = (status: Record<string, unknown>) =>
      this.cluster.mergePatch('DataVolume', ns, name, { metadata: { uid: dv.metadata.uid }, status }, 'status');
    const succeed = async () => {
      await this.cluster.create('PersistentVolumeClaim', {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: {
          name,
          namespace: ns,
          ownerReferences: [{ apiVersion: 'cdi.kubevirt.io/v1beta1', kind: 'DataVolume', name, uid: dv.metadata.uid, controller: true }],
        },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: spec.storage?.resources?.requests?.storage ?? '1Gi' } } },
      });
      await this.cluster.mergePatch(
        'PersistentVolumeClaim',
        ns,
        name,
        { status: { phase: 'Bound', capacity: { storage: spec.storage?.resources?.requests?.storage ?? '1Gi' } } },
        'status',
      );
      await setStatus({ phase: 'Succeeded', progress: '100.0%' });
    };
    if (spec.source?.blank) {
      if (phase === '' && this.once(dv.metadata.uid, 'blank')) await succeed();
      return;
    }
    const http = spec.source?.http;
    if (!http?.url) return;
    if (phase === '') {
      const secretName = http.secretExtraHeaders?.[0];
      if (secretName) {
        const secret = this.cluster.peek('Secret', ns, secretName);
        const encoded = (secret?.data as Record<string, string> | undefined)?.token ?? '';
        const header = Buffer.from(encoded, 'base64').toString('utf8');
        const token = header.replace(/^X-Auth-Token: /, '');
        if (!secret || !header.startsWith('X-Auth-Token: ') || (this.options.tokenValid && !this.options.tokenValid(token))) return;
      }
      if (!this.once(dv.metadata.uid, 'scheduled')) return;
      this.importsStarted.push({ key: `${ns}/${name}`, url: http.url, uid: dv.metadata.uid ?? '' });
      await setStatus({ phase: 'ImportScheduled', progress: 'N/A' });
    } else if (phase === 'ImportScheduled' && this.once(dv.metadata.uid, 'progress')) {
      await setStatus({ phase: 'ImportInProgress', progress: '50.00%' });
    } else if (phase === 'ImportInProgress' && this.once(dv.metadata.uid, 'end')) {
      const failure = this.options.failImport?.(dv);
      if (failure) {
        const conditions: Condition[] = [{ type: 'Running', status: 'False', reason: 'Error', message: failure }];
        await setStatus({ phase: 'Failed', conditions });
      } else {
        await succeed();
      }
    }
  }

  private async onVm(type: EventType, vm: StoredObject): Promise<void> {
    const ns = vm.metadata.namespace ?? '';
    const name = vm.metadata.name;
    if (type === 'DELETED') return; // its VMI goes by garbage collection (ownerReferences)
    const spec = (vm.spec ?? {}) as { runStrategy?: string; template?: { metadata?: { labels?: Record<string, string> }; spec?: unknown } };
    const vmi = this.cluster.peek('VirtualMachineInstance', ns, name);
    if (spec.runStrategy === 'Halted') {
      if (vmi) await this.cluster.delete('VirtualMachineInstance', ns, name);
      return;
    }
    if (vmi || !this.once(vm.metadata.uid, 'vmi')) return;
    const failure = this.options.failVm?.(vm);
    const conditions: Condition[] = [{ type: 'Ready', status: 'True' }, ...(this.options.noAgent ? [] : [{ type: 'AgentConnected', status: 'True' }])];
    await this.cluster.create('VirtualMachineInstance', {
      apiVersion: 'kubevirt.io/v1',
      kind: 'VirtualMachineInstance',
      metadata: {
        name,
        namespace: ns,
        labels: { ...spec.template?.metadata?.labels },
        ownerReferences: [{ apiVersion: 'kubevirt.io/v1', kind: 'VirtualMachine', name, uid: vm.metadata.uid, controller: true }],
      },
      spec: spec.template?.spec ?? {},
      status: failure ? { phase: 'Failed', reason: failure } : { phase: 'Running', conditions },
    });
  }
}
