// Proof that the cluster kept what was sent: every field of the sent object must be in the stored
// one with the same value. Fields the server added (defaults, status, uid, managedFields) are fine;
// a field that is missing was pruned by a CRD schema that does not know it - a silent loss that the
// API server reports nowhere else.
import type { KubeObject } from '../translate/model.js';
import { type KubeClient, statusMessage } from './client.js';
import { checkRequiredApis, describeObject, resourceKey } from './discovery.js';
import { objectPath, withNamespace } from './apply.js';

export interface FieldDiff {
  /** JSONPath-like location: ".spec.template.spec.domain.firmware.bootloader.efi" */
  path: string;
  /** pruned: sent but absent from the stored object; changed: stored with another value. */
  kind: 'pruned' | 'changed';
  sent: unknown;
  stored?: unknown;
}

export function diffSentStored(sent: unknown, stored: unknown, path = ''): FieldDiff[] {
  if (Array.isArray(sent)) {
    if (!Array.isArray(stored)) return [{ path: path || '.', kind: stored === undefined ? 'pruned' : 'changed', sent, stored }];
    if (stored.length !== sent.length) return [{ path: path || '.', kind: 'changed', sent, stored }];
    return sent.flatMap((item, i) => diffSentStored(item, stored[i], `${path}[${i}]`));
  }
  if (sent !== null && typeof sent === 'object') {
    if (stored === null || typeof stored !== 'object' || Array.isArray(stored)) {
      return [{ path: path || '.', kind: stored === undefined ? 'pruned' : 'changed', sent, stored }];
    }
    return Object.entries(sent as Record<string, unknown>).flatMap(([key, value]) => {
      const child = `${path}.${key}`;
      const storedValue = (stored as Record<string, unknown>)[key];
      if (storedValue === undefined && value !== undefined) return [{ path: child, kind: 'pruned' as const, sent: value }];
      return diffSentStored(value, storedValue, child);
    });
  }
  if (sent === undefined || sent === stored) return [];
  return [{ path: path || '.', kind: 'changed', sent, stored }];
}

export interface ReadBackResult {
  object: string;
  diffs: FieldDiff[];
  stored?: KubeObject;
  error?: string;
}

/** Reads each object back from the cluster and compares it with what the plan holds. */
export async function readBack(client: KubeClient, objects: readonly KubeObject[]): Promise<ReadBackResult[]> {
  const check = await checkRequiredApis(client, objects);
  const out: ReadBackResult[] = [];
  for (const original of objects) {
    const resource = check.resources.get(resourceKey(original.apiVersion, original.kind));
    if (!resource) {
      out.push({ object: describeObject(original), diffs: [], error: `${original.apiVersion} ${original.kind} is not served by the cluster` });
      continue;
    }
    const obj = withNamespace(original, resource, client.namespace);
    const res = await client.request('GET', objectPath(resource, obj.apiVersion, obj.metadata.name, obj.metadata.namespace));
    if (res.status !== 200) {
      out.push({ object: describeObject(obj), diffs: [], error: statusMessage(res) });
      continue;
    }
    const stored = res.body as KubeObject;
    out.push({ object: describeObject(obj), diffs: diffSentStored(obj, stored), stored });
  }
  return out;
}
