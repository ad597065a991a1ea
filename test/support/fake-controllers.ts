// Test controllers that play CDI and KubeVirt against the real test kube-apiserver: they watch
// DataVolumes and VirtualMachines (real watches) and write the status the real controllers would.
// - CDI: a DataVolume with an http source goes ImportScheduled → ImportInProgress ("NN.NN%") → Succeeded,
//   its PVC is created Bound with the requested capacity; the token Secret named by secretExtraHeaders must
//   exist and hold "X-Auth-Token: <token>", and an invalid/expired token makes the import stall at its
//   progress as CDI's retrying importer would (with `download`, the source is really fetched over HTTP with
//   that header, so the URL and the token are checked by the server that serves them). Blank DataVolumes
//   succeed at once. Failure on demand.
// - KubeVirt: a VM with runStrategy Always gets a VMI Running with AgentConnected; Halted or deleted → the
//   VMI goes. Failure on demand.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { LABELS } from '../../src/translate/naming.js';
import type { KubeObject } from '../../src/translate/model.js';
import type { Kind, Kube, StoredObject } from '../../src/workflow/kube-ops.js';
import { schemasDir, structural } from './crds.js';

/** kubevirt.io/v1 VirtualMachineInstance CRD from ../shared/schemas (no status subresource, as KubeVirt installs it). */
export function virtualMachineInstanceCrd(): KubeObject {
  const schema = JSON.parse(readFileSync(path.join(schemasDir(), 'kubevirt', 'virtualmachineinstance_v1.json'), 'utf8'));
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'virtualmachineinstances.kubevirt.io' },
    spec: {
      group: 'kubevirt.io',
      names: {
        kind: 'VirtualMachineInstance',
        listKind: 'VirtualMachineInstanceList',
        plural: 'virtualmachineinstances',
        singular: 'virtualmachineinstance',
        shortNames: ['vmi', 'vmis'],
      },
      scope: 'Namespaced',
      versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: structural(schema) } }],
    },
  };
}

export interface FakeControllerOptions {
  /** Progress steps of one import (each one status write). */
  steps?: number;
  stepMs?: number;
  /** A reason makes the import fail (phase Failed) at half-way. */
  failImport?: (dv: StoredObject) => string | undefined;
  /** false: the importer gets 401 and retries, the import does not advance. */
  tokenValid?: (token: string) => boolean;
  /** A reason makes the VMI fail instead of running. */
  failVm?: (vm: StoredObject) => string | undefined;
  /** Never set AgentConnected (guest agent that does not answer). */
  noAgent?: boolean;
  /**
   * Download the http source at every step, with the header of the secretExtraHeaders Secret, as CDI's
   * importer does: 401 stalls the import (the importer retries), another non-200 fails it.
   */
  download?: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class FakeControllers {
  /** DataVolumes (uid) with an http source whose import is running. */
  readonly inFlight = new Set<string>();
  maxInFlight = 0;
  /** Every http import started: namespace/name and the image URL. */
  readonly importsStarted: { key: string; url: string; uid: string }[] = [];
  readonly errors: string[] = [];
  /** Every download of an http source (download option): DataVolume and HTTP status. */
  readonly downloads: { key: string; status: number }[] = [];
  private readonly stop = new AbortController();
  private readonly handled = new Set<string>();
  private readonly loops: Promise<void>[] = [];

  constructor(
    private readonly kube: Kube,
    private readonly options: FakeControllerOptions = {},
  ) {}

  start(): this {
    this.loops.push(this.informer('DataVolume', (type, dv) => type !== 'DELETED' && this.onDataVolume(dv)));
    this.loops.push(this.informer('VirtualMachine', (type, vm) => void this.retry(() => this.onVm(type, vm)).catch((e) => this.errors.push(String(e)))));
    return this;
  }

  async shutdown(): Promise<void> {
    this.stop.abort(new Error('stopped'));
    await Promise.allSettled(this.loops);
  }

  /** Like a controller's requeue: a failed reconcile (a server still initializing) is tried again. */
  private async retry(fn: () => Promise<void>, attempts = 20): Promise<void> {
    for (let i = 1; ; i++) {
      try {
        return await fn();
      } catch (err) {
        if (i >= attempts || this.stop.signal.aborted) throw err;
        await sleep(100 * i);
      }
    }
  }

  private async informer(kind: Kind, onEvent: (type: string, obj: StoredObject) => unknown): Promise<void> {
    while (!this.stop.signal.aborted) {
      try {
        const list = await this.kube.list(kind, undefined);
        for (const o of list.items) onEvent('ADDED', o);
        await this.kube.watchUntil({ kind, resourceVersion: list.resourceVersion, signal: this.stop.signal }, (type, o) => {
          onEvent(type, o);
          return undefined;
        });
      } catch (err) {
        // List/watch errors (a restarting server) are retried as client-go's informers do.
        if (this.stop.signal.aborted) return;
        await sleep(200);
      }
    }
  }

  private onDataVolume(dv: StoredObject): void {
    const uid = dv.metadata.uid ?? '';
    if (this.handled.has(uid) || (dv.status as { phase?: string } | undefined)?.phase) return;
    this.handled.add(uid);
    void this.retry(() => this.runImport(dv), 5)
      .catch((err) => {
        if (!this.stop.signal.aborted) this.errors.push(`import ${dv.metadata.name}: ${(err as Error).message}`);
      })
      .finally(() => this.inFlight.delete(uid));
  }

  private async setStatus(dv: StoredObject, status: Record<string, unknown>): Promise<boolean> {
    const patched = await this.kube
      .mergePatch('DataVolume', dv.metadata.namespace ?? '', dv.metadata.name, { metadata: { uid: dv.metadata.uid }, status }, 'status')
      .catch(() => undefined);
    return patched !== undefined && patched.metadata.uid === dv.metadata.uid;
  }

  private async runImport(dv: StoredObject): Promise<void> {
    const ns = dv.metadata.namespace ?? '';
    const spec = dv.spec as {
      source?: { http?: { url: string; secretExtraHeaders?: string[] }; blank?: unknown; upload?: unknown };
      storage?: { resources?: { requests?: { storage?: string } } };
    };
    const http = spec.source?.http;
    const size = spec.storage?.resources?.requests?.storage ?? '1Gi';
    if (!http) {
      if (spec.source?.upload) return; // the plan's placeholder: waits for an upload that never comes
      await this.bindPvc(dv, size);
      await this.setStatus(dv, { phase: 'Succeeded', progress: '100.0%' });
      return;
    }
    const uid = dv.metadata.uid ?? '';
    this.inFlight.add(uid);
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight.size);
    if (!this.importsStarted.some((x) => x.uid === uid)) this.importsStarted.push({ key: `${ns}/${dv.metadata.name}`, url: http.url, uid });
    const steps = this.options.steps ?? 4;
    const stepMs = this.options.stepMs ?? 50;
    if (!(await this.setStatus(dv, { phase: 'ImportScheduled', progress: 'N/A' }))) return;
    await sleep(stepMs);
    for (let i = 1; i <= steps; ) {
      if (this.stop.signal.aborted) return;
      const token = await this.tokenOf(ns, http.secretExtraHeaders?.[0]);
      if (token === undefined) {
        await this.setStatus(dv, {
          phase: 'ImportInProgress',
          conditions: [{ type: 'Running', status: 'False', reason: 'Error', message: 'secret with the auth header missing' }],
        });
        return;
      }
      const failure = i > steps / 2 ? this.options.failImport?.(dv) : undefined;
      if (failure) {
        await this.setStatus(dv, { phase: 'Failed', conditions: [{ type: 'Running', status: 'False', reason: 'Error', message: failure }] });
        return;
      }
      if (this.options.download) {
        const status = await fetch(http.url, { headers: token ? { 'X-Auth-Token': token } : {} }).then(
          async (res) => {
            await res.arrayBuffer();
            return res.status;
          },
          () => 0,
        );
        this.downloads.push({ key: `${ns}/${dv.metadata.name}`, status });
        if (status !== 200 && status !== 401) {
          await this.setStatus(dv, {
            phase: 'Failed',
            conditions: [
              { type: 'Running', status: 'False', reason: 'Error', message: `Unable to connect to http data source: expected status code 200, got ${status}` },
            ],
          });
          return;
        }
        if (status === 401) {
          if (
            !(await this.setStatus(dv, {
              phase: 'ImportInProgress',
              conditions: [
                { type: 'Running', status: 'False', reason: 'Error', message: 'Unable to connect to http data source: expected status code 200, got 401' },
              ],
            }))
          )
            return;
          await sleep(stepMs);
          continue;
        }
      }
      if (this.options.tokenValid && !this.options.tokenValid(token)) {
        // 401 from Glance: CDI's importer restarts and tries again; nothing advances.
        if (
          !(await this.setStatus(dv, {
            phase: 'ImportInProgress',
            conditions: [
              { type: 'Running', status: 'False', reason: 'Error', message: 'Unable to connect to http data source: expected status code 200, got 401' },
            ],
          }))
        )
          return;
        await sleep(stepMs);
        continue;
      }
      const pct = ((i / steps) * 100 * 0.99).toFixed(2);
      if (!(await this.setStatus(dv, { phase: 'ImportInProgress', progress: `${pct}%` }))) return;
      i += 1;
      await sleep(stepMs);
    }
    await this.bindPvc(dv, size);
    await this.setStatus(dv, { phase: 'Succeeded', progress: '100.0%' });
  }

  private async tokenOf(ns: string, secretName: string | undefined): Promise<string | undefined> {
    if (!secretName) return '';
    const secret = await this.kube.get('Secret', ns, secretName);
    const raw = (secret?.data as Record<string, string> | undefined)?.token;
    if (!raw) return undefined;
    const line = Buffer.from(raw, 'base64').toString('utf8');
    const m = /^X-Auth-Token: (.+)$/.exec(line);
    if (!m) {
      this.errors.push(`Secret ${ns}/${secretName} does not hold an X-Auth-Token header line`);
      return undefined;
    }
    return m[1];
  }

  private async bindPvc(dv: StoredObject, size: string): Promise<void> {
    const ns = dv.metadata.namespace ?? '';
    await this.kube.delete('PersistentVolumeClaim', ns, dv.metadata.name).catch(() => false);
    await this.kube.create('PersistentVolumeClaim', {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: dv.metadata.name, namespace: ns, labels: { [LABELS.serverId]: dv.metadata.labels?.[LABELS.serverId] ?? '' } },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: size } } },
    });
    await this.kube.mergePatch('PersistentVolumeClaim', ns, dv.metadata.name, { status: { phase: 'Bound', capacity: { storage: size } } }, 'status');
  }

  private async onVm(type: string, vm: StoredObject): Promise<void> {
    const ns = vm.metadata.namespace ?? '';
    const name = vm.metadata.name;
    const runStrategy = (vm.spec as { runStrategy?: string }).runStrategy;
    if (type === 'DELETED' || runStrategy === 'Halted') {
      await this.kube.delete('VirtualMachineInstance', ns, name);
      return;
    }
    // Both start the VM at once (KubeVirt: RerunOnFailure also restarts it after a failure, Always after any stop).
    if (runStrategy !== 'Always' && runStrategy !== 'RerunOnFailure') return;
    if (await this.kube.get('VirtualMachineInstance', ns, name)) return;
    const failure = this.options.failVm?.(vm);
    const template = (vm.spec as { template?: { spec?: Record<string, unknown> } }).template?.spec ?? {};
    const conditions = failure ? [] : [{ type: 'Ready', status: 'True' }, ...(this.options.noAgent ? [] : [{ type: 'AgentConnected', status: 'True' }])];
    await this.kube
      .create('VirtualMachineInstance', {
        apiVersion: 'kubevirt.io/v1',
        kind: 'VirtualMachineInstance',
        metadata: {
          name,
          namespace: ns,
          labels: { ...vm.metadata.labels },
          ownerReferences: [{ apiVersion: 'kubevirt.io/v1', kind: 'VirtualMachine', name, uid: vm.metadata.uid, controller: true }],
        },
        spec: template,
        status: failure ? { phase: 'Failed', reason: failure } : { phase: 'Running', conditions },
      })
      .catch((err) => this.errors.push(`VMI ${ns}/${name}: ${(err as Error).message}`));
  }
}
