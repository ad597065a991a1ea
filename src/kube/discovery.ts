// Before writing anything, check that the cluster serves every API group/version and kind the plan
// uses, and name the operator that brings a missing one. Discovery documents are readable by every
// authenticated user (system:discovery), so this needs no extra RBAC.
import type { KubeObject } from '../translate/model.js';
import { KubeClient, statusMessage } from './client.js';
import { apiGroup } from '../plan/order.js';

export interface ApiResource {
  /** URL segment (plural), e.g. "virtualmachines". */
  name: string;
  kind: string;
  namespaced: boolean;
}

export interface MissingApi {
  apiVersion: string;
  kind: string;
  /** Objects of the plan that need it, as "Kind namespace/name". */
  neededBy: string[];
  /** What to install, e.g. "KubeVirt (virt-operator)". */
  operator: string;
  message: string;
}

export interface ApiCheck {
  missing: MissingApi[];
  /** Objects whose API could not be checked (network/auth error), with the server's message. */
  errors: { apiVersion: string; message: string }[];
  /** Resource of each "apiVersion/Kind" the cluster serves. */
  resources: Map<string, ApiResource>;
}

/** API group → what provides it. Groups not listed are reported without an operator hint. */
const OPERATORS: Record<string, string> = {
  'kubevirt.io': 'KubeVirt (install virt-operator and a KubeVirt CR)',
  'cdi.kubevirt.io': 'CDI, the Containerized Data Importer (install cdi-operator and a CDI CR)',
  'projectcalico.org': 'Calico with its API server, or the projectcalico.org/v3 CRDs (Calico 3.32+)',
  'crd.projectcalico.org': 'Calico (its CRDs, installed by the tigera-operator or calico.yaml)',
  'k8s.cni.cncf.io': 'Multus CNI (its NetworkAttachmentDefinition CRD)',
  'snapshot.storage.k8s.io': 'the CSI external-snapshotter CRDs',
};

export function operatorFor(apiVersion: string): string | undefined {
  return OPERATORS[apiGroup(apiVersion)];
}

export function resourceKey(apiVersion: string, kind: string): string {
  return `${apiVersion}/${kind}`;
}

export function describeObject(obj: Pick<KubeObject, 'kind' | 'metadata'>): string {
  const ns = obj.metadata?.namespace;
  return `${obj.kind} ${ns ? `${ns}/` : ''}${obj.metadata?.name}`;
}

/** Reads the discovery document of each group/version the objects use (once per group/version). */
export async function checkRequiredApis(client: KubeClient, objects: readonly KubeObject[]): Promise<ApiCheck> {
  const byVersion = new Map<string, KubeObject[]>();
  for (const obj of objects) {
    const list = byVersion.get(obj.apiVersion) ?? [];
    list.push(obj);
    byVersion.set(obj.apiVersion, list);
  }
  const check: ApiCheck = { missing: [], errors: [], resources: new Map() };
  for (const [apiVersion, objs] of byVersion) {
    const path = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    let served: ApiResource[] | undefined;
    try {
      const res = await client.request('GET', path);
      if (res.status === 200) {
        served = ((res.body as { resources?: ApiResource[] }).resources ?? []).filter((r) => !r.name.includes('/'));
      } else if (res.status !== 404) {
        check.errors.push({ apiVersion, message: `discovery of ${apiVersion} failed: ${statusMessage(res)}` });
        continue;
      }
    } catch (err) {
      check.errors.push({ apiVersion, message: `discovery of ${apiVersion} failed: ${err instanceof Error ? err.message : String(err)}` });
      continue;
    }
    const kinds = new Map<string, KubeObject[]>();
    for (const obj of objs) kinds.set(obj.kind, [...(kinds.get(obj.kind) ?? []), obj]);
    for (const [kind, needing] of kinds) {
      const resource = served?.find((r) => r.kind === kind);
      if (resource) {
        check.resources.set(resourceKey(apiVersion, kind), { name: resource.name, kind, namespaced: resource.namespaced });
        continue;
      }
      const operator = operatorFor(apiVersion) ?? `the operator or CRD that serves ${apiVersion}`;
      const what = served ? `${apiVersion} is served but has no kind ${kind}` : `the cluster does not serve ${apiVersion}`;
      check.missing.push({
        apiVersion,
        kind,
        neededBy: needing.map(describeObject),
        operator,
        message: `${what} (needed by ${needing.length} object${needing.length === 1 ? '' : 's'}); install ${operator}`,
      });
    }
  }
  return check;
}
