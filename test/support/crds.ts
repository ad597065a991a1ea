// CustomResourceDefinitions for the test API server, built from the upstream schemas in
// ../shared/schemas, so that the server validates and prunes plan objects exactly as a cluster with
// KubeVirt, CDI, Calico and Multus installed would.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { load } from 'js-yaml';
import type { KubeObject } from '../../src/translate/model.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** ../shared/schemas beside the repository (as laid out for developers and CI), or $SHARED_SCHEMAS_DIR. */
export function schemasDir(): string {
  return process.env.SHARED_SCHEMAS_DIR ?? path.resolve(repoRoot, '..', 'shared', 'schemas');
}

type Schema = Record<string, unknown>;

/**
 * The datree catalog adds `additionalProperties: false` beside every `properties`; a structural
 * schema forbids that combination, and the server prunes unknown fields anyway. Map-valued
 * `additionalProperties` (a schema) are kept.
 */
export function structural(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(structural);
  if (!schema || typeof schema !== 'object') return schema;
  const out: Schema = {};
  for (const [key, value] of Object.entries(schema as Schema)) {
    if (key === 'additionalProperties' && value === false) continue;
    if (key === '$schema' || key === '$id') continue;
    // `enum`/`default`/`example` hold data, not schemas: copy them untouched.
    out[key] = key === 'enum' || key === 'default' || key === 'example' ? value : structural(value);
  }
  return out;
}

function readJson(file: string): Schema {
  return JSON.parse(readFileSync(path.join(schemasDir(), file), 'utf8')) as Schema;
}

interface CrdNames {
  group: string;
  version: string;
  kind: string;
  plural: string;
  singular: string;
  shortNames?: string[];
  scope?: 'Namespaced' | 'Cluster';
  statusSubresource?: boolean;
}

function crd(names: CrdNames, openAPIV3Schema: unknown): KubeObject {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${names.plural}.${names.group}` },
    spec: {
      group: names.group,
      names: {
        kind: names.kind,
        listKind: `${names.kind}List`,
        plural: names.plural,
        singular: names.singular,
        ...(names.shortNames ? { shortNames: names.shortNames } : {}),
      },
      scope: names.scope ?? 'Namespaced',
      versions: [
        {
          name: names.version,
          served: true,
          storage: true,
          schema: { openAPIV3Schema },
          ...(names.statusSubresource ? { subresources: { status: {} } } : {}),
        },
      ],
    },
  };
}

/** KubeVirt VirtualMachine kubevirt.io/v1 (schema of KubeVirt v1.6.2, names as virt-operator installs them). */
export function virtualMachineCrd(): KubeObject {
  return crd(
    {
      group: 'kubevirt.io',
      version: 'v1',
      kind: 'VirtualMachine',
      plural: 'virtualmachines',
      singular: 'virtualmachine',
      shortNames: ['vm', 'vms'],
      statusSubresource: true,
    },
    structural(readJson('kubevirt/virtualmachine_v1.json')),
  );
}

/** CDI DataVolume cdi.kubevirt.io/v1beta1 (schema of CDI v1.63.1). */
export function dataVolumeCrd(): KubeObject {
  return crd(
    {
      group: 'cdi.kubevirt.io',
      version: 'v1beta1',
      kind: 'DataVolume',
      plural: 'datavolumes',
      singular: 'datavolume',
      shortNames: ['dv', 'dvs'],
      statusSubresource: true,
    },
    structural(readJson('cdi/datavolume_v1beta1.json')),
  );
}

/** Calico projectcalico.org/v3 CRDs (Calico v3.32.1), installed as published. */
export function calicoCrds(plurals = ['tiers', 'networkpolicies', 'globalnetworkpolicies', 'networksets', 'globalnetworksets']): KubeObject[] {
  const dir = path.join(schemasDir(), 'calico', 'projectcalico.org_v3');
  const files = readdirSync(dir);
  return plurals.map((plural) => {
    const file = files.find((f) => f === `projectcalico.org_${plural}.yaml`);
    if (!file) throw new Error(`no Calico CRD for ${plural} in ${dir}`);
    return load(readFileSync(path.join(dir, file), 'utf8')) as KubeObject;
  });
}

/** Multus NetworkAttachmentDefinition k8s.cni.cncf.io/v1, installed as published (../shared/schemas/multus). */
export function networkAttachmentDefinitionCrd(): KubeObject {
  return load(readFileSync(path.join(schemasDir(), 'multus', 'networkattachmentdefinition-crd.yaml'), 'utf8')) as KubeObject;
}

/** Multus MultiNetworkPolicy k8s.cni.cncf.io/v1beta1, installed as published (../shared/schemas/multus). */
export function multiNetworkPolicyCrd(): KubeObject {
  return load(readFileSync(path.join(schemasDir(), 'multus', 'multinetworkpolicy-crd.yaml'), 'utf8')) as KubeObject;
}

/** Every CRD the plugin's plans use. */
export function pluginCrds(): KubeObject[] {
  return [virtualMachineCrd(), dataVolumeCrd(), ...calicoCrds(), networkAttachmentDefinitionCrd(), multiNetworkPolicyCrd()];
}
