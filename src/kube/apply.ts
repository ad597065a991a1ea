// Server-side apply of a plan's objects, in dependency order, under the plugin's field manager.
// Re-applying the same objects is a no-op on the server; a field that another manager owns is reported
// as a conflict and left alone unless forceConflicts; nothing is written when an API is missing.
import type { KubeObject } from '../translate/model.js';
import { type KubeClient, type KubeResponse, isStatus, statusMessage } from './client.js';
import { type ApiCheck, type ApiResource, type MissingApi, checkRequiredApis, describeObject, resourceKey } from './discovery.js';
import { applyOrder } from '../plan/order.js';

export const FIELD_MANAGER = 'kubectl-openstack-migrate';

export interface ApplyOptions {
  fieldManager?: string;
  /** 'server': the server validates, defaults and admits, and stores nothing. */
  dryRun?: 'server';
  /** Take over fields another manager owns (kubectl's --force-conflicts). */
  forceConflicts?: boolean;
}

/**
 * - created / configured / unchanged: applied; unchanged means the stored object (and so its
 *   resourceVersion) is exactly as before. (An object that sets no field but its name, e.g. a bare
 *   Namespace, reads as configured once more on its second apply: the server then records a
 *   "before-first-apply" manager. Plan objects always carry labels, so this does not arise.);
 * - conflict: another field manager owns a field with a different value; nothing was changed;
 * - skipped: server dry run of an object whose namespace this same plan creates (the server cannot
 *   admit it before the namespace exists);
 * - error: the server rejected the object; message is the server's.
 */
export type ApplyStatus = 'created' | 'configured' | 'unchanged' | 'conflict' | 'skipped' | 'error';

export interface ApplyResult {
  /** "Kind namespace/name" */
  object: string;
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
  status: ApplyStatus;
  /** The server's message for conflict/error; the reason for skipped. */
  message?: string;
  /** HTTP status of the apply request (0 when none was sent). */
  httpStatus: number;
  resourceVersion?: string;
  /** The object as the server stored it (or would have, in a dry run). */
  stored?: KubeObject;
}

export interface ApplyReport {
  /** APIs the cluster does not serve; when not empty, nothing was written. */
  missingApis: MissingApi[];
  /** Discovery failures (auth, network); when not empty, nothing was written. */
  apiErrors: { apiVersion: string; message: string }[];
  results: ApplyResult[];
}

export function objectPath(resource: ApiResource, apiVersion: string, name: string, namespace?: string): string {
  const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  const ns = resource.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${base}${ns}/${resource.name}/${encodeURIComponent(name)}`;
}

/** The object as it will be sent: namespaced objects without a namespace get the context's. */
export function withNamespace(obj: KubeObject, resource: ApiResource, defaultNamespace: string): KubeObject {
  if (!resource.namespaced || obj.metadata.namespace) return obj;
  return { ...obj, metadata: { ...obj.metadata, namespace: defaultNamespace } };
}

export async function applyObjects(client: KubeClient, objects: readonly KubeObject[], options: ApplyOptions = {}): Promise<ApplyReport> {
  const check = await checkRequiredApis(client, objects);
  if (check.missing.length || check.errors.length) {
    return { missingApis: check.missing, apiErrors: check.errors, results: [] };
  }
  const planNamespaces = new Set(objects.filter((o) => o.apiVersion === 'v1' && o.kind === 'Namespace').map((o) => o.metadata.name));
  const results: ApplyResult[] = [];
  for (const obj of applyOrder(objects)) {
    results.push(await applyOne(client, check, obj, options, planNamespaces));
  }
  return { missingApis: [], apiErrors: [], results };
}

async function applyOne(client: KubeClient, check: ApiCheck, original: KubeObject, options: ApplyOptions, planNamespaces: Set<string>): Promise<ApplyResult> {
  const resource = check.resources.get(resourceKey(original.apiVersion, original.kind));
  const obj = resource ? withNamespace(original, resource, client.namespace) : original;
  const result: ApplyResult = {
    object: describeObject(obj),
    apiVersion: obj.apiVersion,
    kind: obj.kind,
    name: obj.metadata.name,
    namespace: obj.metadata.namespace,
    status: 'error',
    httpStatus: 0,
  };
  if (!resource) {
    return { ...result, message: `${obj.apiVersion} ${obj.kind} is not served by the cluster` };
  }
  const path = objectPath(resource, obj.apiVersion, obj.metadata.name, obj.metadata.namespace);
  // The object before the apply tells created/configured/unchanged apart, also in a dry run where
  // the resourceVersion does not move. Without read access the answer comes from the status code alone.
  let prior: KubeObject | undefined;
  try {
    const before = await client.request('GET', path);
    if (before.status === 200) prior = before.body as KubeObject;
  } catch {
    // fall through: the apply below reports the connection error
  }
  let res: KubeResponse;
  try {
    res = await client.request('PATCH', path, {
      query: {
        fieldManager: options.fieldManager ?? FIELD_MANAGER,
        force: options.forceConflicts ? true : undefined,
        dryRun: options.dryRun === 'server' ? 'All' : undefined,
      },
      // JSON is YAML, so the apply-patch+yaml content type takes the object as JSON.
      contentType: 'application/apply-patch+yaml',
      body: obj,
    });
  } catch (err) {
    return { ...result, message: `${result.object}: ${err instanceof Error ? err.message : String(err)}` };
  }
  result.httpStatus = res.status;
  if (res.status === 200 || res.status === 201) {
    const stored = res.body as KubeObject;
    const status: ApplyStatus = res.status === 201 || !prior ? 'created' : sameStoredObject(prior, stored) ? 'unchanged' : 'configured';
    return { ...result, status, resourceVersion: (stored.metadata as { resourceVersion?: string }).resourceVersion, stored };
  }
  const message = statusMessage(res);
  if (res.status === 409 && (!isStatus(res.body) || res.body.reason === 'Conflict')) {
    return { ...result, status: 'conflict', message };
  }
  if (
    options.dryRun === 'server' &&
    res.status === 404 &&
    obj.metadata.namespace &&
    planNamespaces.has(obj.metadata.namespace) &&
    isStatus(res.body) &&
    res.body.details?.kind === 'namespaces'
  ) {
    return {
      ...result,
      status: 'skipped',
      message: `namespace ${obj.metadata.namespace} is created by this plan; a server-side dry run cannot check objects inside it before it exists`,
    };
  }
  return { ...result, status: 'error', message };
}

/**
 * True when the stored object did not change: everything equal but the managedFields timestamps
 * (which a no-op apply does not touch either, but a dry run may recompute).
 */
export function sameStoredObject(before: KubeObject, after: KubeObject): boolean {
  return JSON.stringify(normalizeForCompare(before)) === JSON.stringify(normalizeForCompare(after));
}

function normalizeForCompare(obj: KubeObject): unknown {
  const meta: Record<string, unknown> = { ...obj.metadata };
  if (Array.isArray(meta.managedFields)) {
    meta.managedFields = (meta.managedFields as Record<string, unknown>[]).map(({ time: _time, ...rest }) => rest);
  }
  return sortKeys({ ...obj, metadata: meta });
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value as object)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

/** Counts per status, for a one-line summary. */
export function summarize(results: readonly ApplyResult[]): Record<ApplyStatus, number> {
  const counts: Record<ApplyStatus, number> = { created: 0, configured: 0, unchanged: 0, conflict: 0, skipped: 0, error: 0 };
  for (const r of results) counts[r.status]++;
  return counts;
}
