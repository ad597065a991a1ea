// Validates generated objects against the upstream schemas in ../shared/schemas, with unknown fields
// treated as errors everywhere (a field the API server's structural schema does not know would be pruned,
// i.e. silently lost). On top of the schemas, the checks the API server makes that schemas do not carry:
// object names, label keys/values, annotation keys.
//
// Compiling these schemas (three Kubernetes OpenAPI documents, the 300 KB KubeVirt VM schema) takes 1–3 s,
// and vitest gives every test file its own module graph: compiled per file, it made the first test of
// each file hit the 5 s timeout on a loaded 2-core machine. So the validators are compiled once per run
// (test/support/schema-validators-setup.ts, vitest globalSetup) into standalone code cached under
// node_modules/.cache, keyed by a hash of the schemas and of this file; each test file loads that.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import yaml from 'js-yaml';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import standaloneCodeModule from 'ajv/dist/standalone/index.js';

// ajv-formats is CommonJS: under NodeNext its default import is the module object.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (ajv: Ajv) => Ajv;

export const SCHEMAS_DIR = resolve(import.meta.dirname, '../../../shared/schemas');

type Json = Record<string, unknown>;

/** Deep copy of a schema in which every object that lists properties rejects others. */
function closeObjects(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(closeObjects);
  if (!node || typeof node !== 'object') return node;
  const out: Json = {};
  for (const [k, v] of Object.entries(node as Json))
    out[k] = k === 'properties' ? Object.fromEntries(Object.entries(v as Json).map(([p, s]) => [p, closeObjects(s)])) : closeObjects(v);
  if (out.properties && out.additionalProperties === undefined && !out['x-kubernetes-preserve-unknown-fields']) out.additionalProperties = false;
  return out;
}

function readJson(path: string): Json {
  return JSON.parse(readFileSync(join(SCHEMAS_DIR, path), 'utf8')) as Json;
}

function crdSchema(path: string): Json {
  const crd = yaml.load(readFileSync(join(SCHEMAS_DIR, path), 'utf8')) as { spec: { versions: { schema: { openAPIV3Schema: Json } }[] } };
  return crd.spec.versions[0]!.schema.openAPIV3Schema;
}

/**
 * The schema of one version of a CRD file, closed, for whole objects: CRD schemas often leave out
 * apiVersion/kind/metadata (the API server adds them), which closing would then reject.
 */
function crdObjectSchema(path: string, version: string): Json {
  const crd = yaml.load(readFileSync(join(SCHEMAS_DIR, path), 'utf8')) as { spec: { versions: { name: string; schema: { openAPIV3Schema: Json } }[] } };
  const found = crd.spec.versions.find((v) => v.name === version);
  if (!found) throw new Error(`${path} has no version ${version}`);
  const schema = closeObjects(found.schema.openAPIV3Schema) as Json;
  const properties = { apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: { type: 'object' }, ...(schema.properties as Json) };
  return { ...schema, type: 'object', required: ['apiVersion', 'kind', 'metadata'], properties, additionalProperties: false };
}

let ajv: Ajv | undefined;
const validators = new Map<string, ValidateFunction>();

function getAjv(options: { standalone?: boolean } = {}): Ajv {
  if (ajv && !options.standalone) return ajv;
  const fresh = new Ajv({ allErrors: true, strict: false, validateFormats: true, code: { source: options.standalone === true } });
  if (!options.standalone) ajv = fresh;
  return setUpAjv(fresh);
}

function setUpAjv(ajv: Ajv): Ajv {
  addFormats(ajv);
  for (const f of ['int32', 'int64', 'double', 'float', 'int-or-string', 'quantity']) ajv.addFormat(f, true);
  // Kubernetes OpenAPI v3 documents: one schema per document, refs as #/components/schemas/<name>.
  for (const doc of ['api__v1_openapi.json', 'apis__networking.k8s.io__v1_openapi.json', 'apis__rbac.authorization.k8s.io__v1_openapi.json']) {
    const openapi = readJson(`kubernetes/v1.33/${doc}`);
    ajv.addSchema({ $id: `k8s:${doc}`, components: closeObjects(openapi.components) }, `k8s:${doc}`);
  }
  return ajv;
}

/** The schema (or schema reference) for each apiVersion/kind the plugin generates. */
function schemaFor(apiVersion: string, kind: string): Json | undefined {
  const ref = (doc: string, name: string) => ({ $ref: `k8s:${doc}#/components/schemas/${name}` });
  switch (`${apiVersion}/${kind}`) {
    case 'v1/Namespace':
      return ref('api__v1_openapi.json', 'io.k8s.api.core.v1.Namespace');
    case 'v1/Secret':
      return ref('api__v1_openapi.json', 'io.k8s.api.core.v1.Secret');
    case 'v1/ConfigMap':
      return ref('api__v1_openapi.json', 'io.k8s.api.core.v1.ConfigMap');
    case 'v1/Service':
      return ref('api__v1_openapi.json', 'io.k8s.api.core.v1.Service');
    case 'v1/ServiceAccount':
      return ref('api__v1_openapi.json', 'io.k8s.api.core.v1.ServiceAccount');
    case 'v1/PersistentVolumeClaim':
      return ref('api__v1_openapi.json', 'io.k8s.api.core.v1.PersistentVolumeClaim');
    case 'v1/PersistentVolume':
      return ref('api__v1_openapi.json', 'io.k8s.api.core.v1.PersistentVolume');
    case 'batch/v1/Job':
      return undefined;
    case 'networking.k8s.io/v1/NetworkPolicy':
      return ref('apis__networking.k8s.io__v1_openapi.json', 'io.k8s.api.networking.v1.NetworkPolicy');
    case 'rbac.authorization.k8s.io/v1/RoleBinding':
      return ref('apis__rbac.authorization.k8s.io__v1_openapi.json', 'io.k8s.api.rbac.v1.RoleBinding');
    case 'rbac.authorization.k8s.io/v1/Role':
      return ref('apis__rbac.authorization.k8s.io__v1_openapi.json', 'io.k8s.api.rbac.v1.Role');
    case 'rbac.authorization.k8s.io/v1/ClusterRole':
      return ref('apis__rbac.authorization.k8s.io__v1_openapi.json', 'io.k8s.api.rbac.v1.ClusterRole');
    case 'kubevirt.io/v1/VirtualMachine':
      return readJson('kubevirt/virtualmachine_v1.json'); // datree: already closed
    case 'cdi.kubevirt.io/v1beta1/DataVolume':
      return readJson('cdi/datavolume_v1beta1.json');
    case 'projectcalico.org/v3/NetworkPolicy':
      return closeObjects(crdSchema('calico/projectcalico.org_v3/projectcalico.org_networkpolicies.yaml')) as Json;
    case 'projectcalico.org/v3/GlobalNetworkPolicy':
      return closeObjects(crdSchema('calico/projectcalico.org_v3/projectcalico.org_globalnetworkpolicies.yaml')) as Json;
    case 'crd.projectcalico.org/v1/NetworkPolicy':
      return closeObjects(crdSchema('calico/crd.projectcalico.org_v1/crd.projectcalico.org_networkpolicies.yaml')) as Json;
    case 'crd.projectcalico.org/v1/GlobalNetworkPolicy':
      return closeObjects(crdSchema('calico/crd.projectcalico.org_v1/crd.projectcalico.org_globalnetworkpolicies.yaml')) as Json;
    case 'k8s.cni.cncf.io/v1/NetworkAttachmentDefinition':
      return crdObjectSchema('multus/networkattachmentdefinition-crd.yaml', 'v1');
    case 'k8s.cni.cncf.io/v1beta1/MultiNetworkPolicy':
      return crdObjectSchema('multus/multinetworkpolicy-crd.yaml', 'v1beta1');
    default:
      return undefined;
  }
}

/** Every apiVersion/kind with a schema (the keys of schemaFor), plus the ObjectMeta check. */
const KINDS = [
  'v1/Namespace',
  'v1/Secret',
  'v1/ConfigMap',
  'v1/Service',
  'v1/ServiceAccount',
  'v1/PersistentVolumeClaim',
  'v1/PersistentVolume',
  'networking.k8s.io/v1/NetworkPolicy',
  'rbac.authorization.k8s.io/v1/RoleBinding',
  'rbac.authorization.k8s.io/v1/Role',
  'rbac.authorization.k8s.io/v1/ClusterRole',
  'kubevirt.io/v1/VirtualMachine',
  'cdi.kubevirt.io/v1beta1/DataVolume',
  'projectcalico.org/v3/NetworkPolicy',
  'projectcalico.org/v3/GlobalNetworkPolicy',
  'crd.projectcalico.org/v1/NetworkPolicy',
  'crd.projectcalico.org/v1/GlobalNetworkPolicy',
  'k8s.cni.cncf.io/v1/NetworkAttachmentDefinition',
];
const OBJECT_META = 'ObjectMeta';
const OBJECT_META_SCHEMA = { $ref: 'k8s:api__v1_openapi.json#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' };

function splitKey(key: string): [string, string] {
  const slash = key.lastIndexOf('/');
  return [key.slice(0, slash), key.slice(slash + 1)];
}

const require = createRequire(import.meta.url);
// Under node_modules so that the cached module's require("ajv/...") resolves to this project's ajv.
const CACHE_DIR = join(dirname(require.resolve('ajv/package.json')), '..', '.cache', 'osm-schema-validators');

/** Changes whenever a schema, ajv's version or this file changes. */
function cacheKey(): string {
  const hash = createHash('sha256');
  hash.update(readFileSync(import.meta.filename));
  hash.update(readFileSync(require.resolve('ajv/package.json')));
  const files = [
    'kubernetes/v1.33/api__v1_openapi.json',
    'kubernetes/v1.33/apis__networking.k8s.io__v1_openapi.json',
    'kubernetes/v1.33/apis__rbac.authorization.k8s.io__v1_openapi.json',
    'kubevirt/virtualmachine_v1.json',
    'cdi/datavolume_v1beta1.json',
    'calico/projectcalico.org_v3/projectcalico.org_networkpolicies.yaml',
    'calico/projectcalico.org_v3/projectcalico.org_globalnetworkpolicies.yaml',
    'calico/crd.projectcalico.org_v1/crd.projectcalico.org_networkpolicies.yaml',
    'calico/crd.projectcalico.org_v1/crd.projectcalico.org_globalnetworkpolicies.yaml',
  ];
  for (const f of files) hash.update(readFileSync(join(SCHEMAS_DIR, f)));
  return hash.digest('hex').slice(0, 16);
}

function cachePath(): string {
  return join(CACHE_DIR, `validators-${cacheKey()}.cjs`);
}

/**
 * Compile every validator once and write them as one standalone CommonJS module (called by the vitest
 * globalSetup before any test file runs). Returns the module's path.
 */
export function buildCachedValidators(): string {
  const path = cachePath();
  if (existsSync(path)) return path;
  const standaloneAjv = getAjv({ standalone: true });
  const refs: Record<string, string> = {};
  KINDS.forEach((key, i) => {
    const [apiVersion, kind] = splitKey(key);
    const id = `osm:validator${i}`;
    standaloneAjv.addSchema({ $id: id, ...schemaFor(apiVersion, kind) } as Json);
    refs[key] = id;
  });
  standaloneAjv.addSchema({ $id: 'osm:objectMeta', ...OBJECT_META_SCHEMA });
  refs[OBJECT_META] = 'osm:objectMeta';
  const standaloneCode = ((standaloneCodeModule as unknown as { default?: typeof standaloneCodeModule }).default ?? standaloneCodeModule) as unknown as (
    ajv: Ajv,
    refs: Record<string, string>,
  ) => string;
  const code = standaloneCode(standaloneAjv, refs);
  mkdirSync(CACHE_DIR, { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, code);
  renameSync(tmp, path);
  return path;
}

let cached: Record<string, ValidateFunction> | null | undefined;
function cachedValidators(): Record<string, ValidateFunction> | null {
  if (cached !== undefined) return cached;
  const path = cachePath();
  cached = existsSync(path) ? (require(path) as Record<string, ValidateFunction>) : null;
  return cached;
}

function validatorFor(apiVersion: string, kind: string): ValidateFunction | undefined {
  const key = `${apiVersion}/${kind}`;
  if (validators.has(key)) return validators.get(key);
  const schema = schemaFor(apiVersion, kind);
  if (!schema) return undefined;
  // Without the globalSetup (a file imported outside vitest), compile here as before.
  const fn = cachedValidators()?.[key] ?? getAjv().compile(schema);
  validators.set(key, fn);
  return fn;
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** Label/annotation key: optional DNS-subdomain prefix (≤253) + '/' + name (≤63). */
export function qualifiedNameProblems(key: string): string[] {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : '';
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  const problems: string[] = [];
  if (slash >= 0 && (!prefix || prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) problems.push(`key "${key}": prefix must be a DNS subdomain`);
  if (!name || name.length > 63 || !LABEL_NAME.test(name))
    problems.push(`key "${key}": name part must be ≤63 chars of [A-Za-z0-9_.-], alphanumeric at both ends`);
  return problems;
}

/** Kinds whose names must be DNS labels (they become DNS names or hostnames). */
const LABEL_NAMED = new Set(['Namespace', 'Service', 'VirtualMachine']);

function metadataProblems(object: Json): string[] {
  const meta = (object.metadata ?? {}) as { name?: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  const problems: string[] = [];
  const name = meta.name ?? '';
  const kind = String(object.kind);
  if (LABEL_NAMED.has(kind) ? !(name.length <= 63 && DNS_LABEL.test(name)) : !(name.length <= 253 && DNS_SUBDOMAIN.test(name))) {
    problems.push(`metadata.name "${name}" is not a valid ${LABEL_NAMED.has(kind) ? 'DNS label' : 'DNS subdomain'}`);
  }
  if (meta.namespace !== undefined && !(meta.namespace.length <= 63 && DNS_LABEL.test(meta.namespace)))
    problems.push(`metadata.namespace "${meta.namespace}" is not a DNS label`);
  for (const [k, v] of Object.entries(meta.labels ?? {})) {
    problems.push(...qualifiedNameProblems(k).map((p) => `metadata.labels ${p}`));
    if (typeof v !== 'string' || v.length > 63 || !LABEL_VALUE.test(v)) problems.push(`metadata.labels["${k}"] value "${v}" is not a valid label value`);
  }
  let annotationBytes = 0;
  for (const [k, v] of Object.entries(meta.annotations ?? {})) {
    problems.push(...qualifiedNameProblems(k).map((p) => `metadata.annotations ${p}`));
    if (typeof v !== 'string') problems.push(`metadata.annotations["${k}"] must be a string`);
    annotationBytes += Buffer.byteLength(k) + Buffer.byteLength(String(v));
  }
  if (annotationBytes > 256 * 1024) problems.push(`metadata.annotations total ${annotationBytes} bytes > 256 KiB`);
  return problems;
}

let objectMetaValidator: ValidateFunction | undefined;

/** Every problem found in one object: schema violations (unknown fields included) and metadata rules. */
export function validateObject(object: Json): string[] {
  const apiVersion = String(object.apiVersion);
  const kind = String(object.kind);
  const validate = validatorFor(apiVersion, kind);
  if (!validate) return [`no schema known for ${apiVersion} ${kind}`];
  const problems: string[] = [];
  if (!validate(object)) {
    for (const e of validate.errors ?? []) {
      const extra = e.keyword === 'additionalProperties' ? ` "${(e.params as { additionalProperty: string }).additionalProperty}"` : '';
      problems.push(`${e.instancePath || '(root)'}: ${e.message}${extra}`);
    }
  }
  objectMetaValidator ??= cachedValidators()?.[OBJECT_META] ?? getAjv().compile(OBJECT_META_SCHEMA);
  if (!objectMetaValidator(object.metadata)) {
    for (const e of objectMetaValidator.errors ?? []) problems.push(`/metadata${e.instancePath}: ${e.message}`);
  }
  problems.push(...metadataProblems(object));
  return problems;
}

/** "<kind>/<namespace>/<name>: problem" for every problem in a list of objects. */
export function validateObjects(objects: Json[]): string[] {
  const all: string[] = [];
  for (const o of objects) {
    const meta = (o.metadata ?? {}) as { name?: string; namespace?: string };
    for (const p of validateObject(o)) all.push(`${String(o.kind)} ${meta.namespace ? `${meta.namespace}/` : ''}${meta.name}: ${p}`);
  }
  return all;
}
