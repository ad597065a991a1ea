// Plan options from a plan config file (YAML, kind PlanConfig) and from flags; flags win over the file,
// the file over the defaults.
import { checkStorageOptions } from './limits.js';
import { readFile } from 'node:fs/promises';
import yaml from 'js-yaml';
import { Ajv } from 'ajv';
import { InvalidInputError, MigrateError } from '../errors.js';
import { defaultPlanConfig } from '../translate/defaults.js';
import type { AccessMode, NetworkTarget, PlanConfig } from '../translate/model.js';

const strMap = { type: 'object', additionalProperties: { type: 'string' } };
const networkTarget = {
  oneOf: [
    { type: 'object', required: ['type'], properties: { type: { const: 'pod' } }, additionalProperties: false },
    {
      type: 'object',
      required: ['type', 'networkName'],
      properties: { type: { const: 'multus' }, networkName: { type: 'string', minLength: 1 }, generate: { type: 'boolean' } },
      additionalProperties: false,
    },
  ],
};

const planConfigSchema = {
  type: 'object',
  required: ['apiVersion', 'kind'],
  additionalProperties: false,
  properties: {
    apiVersion: { const: 'openstack-migrate.io/v1alpha1' },
    kind: { const: 'PlanConfig' },
    namespaceTemplate: { type: 'string', minLength: 1 },
    roleMapping: strMap,
    storageClassName: { type: 'string' },
    accessModes: { type: 'array', items: { enum: ['ReadWriteOnce', 'ReadWriteMany', 'ReadOnlyMany', 'ReadWriteOncePod'] } },
    volumeMode: { enum: ['Filesystem', 'Block'] },
    volumeTypeStorageClasses: strMap,
    networkMap: { type: 'object', additionalProperties: networkTarget },
    nadCniType: { enum: ['bridge', 'macvlan', 'ovn-k8s-cni-overlay'] },
    loadBalancer: {
      type: 'object',
      additionalProperties: false,
      properties: { mode: { enum: ['metallb', 'spec', 'none'] }, externalTrafficPolicy: { enum: ['Local', 'Cluster'] } },
    },
    nodeSelectorMapping: { type: 'object', additionalProperties: strMap },
    availabilityZoneLabel: { type: 'string', minLength: 1 },
    persistentEfi: { type: 'boolean' },
    calicoApiVersion: { enum: ['projectcalico.org/v3', 'crd.projectcalico.org/v1'] },
    guestDatasource: { enum: ['configdrive', 'nocloud', 'as-source'] },
    novaMachineType: { type: 'string', minLength: 1 },
    planId: { type: 'string', pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$', maxLength: 63 },
  },
};

const validatePlanConfig = new Ajv({ allErrors: true, strict: false }).compile(planConfigSchema);

export async function loadPlanConfigFile(file: string): Promise<Partial<PlanConfig>> {
  let data: unknown;
  try {
    data = yaml.load(await readFile(file, 'utf8'), { filename: file });
  } catch (e) {
    throw new MigrateError('invalid-input', `cannot read plan config ${file}: ${(e as Error).message.split('\n')[0]}`, { where: file });
  }
  if (!validatePlanConfig(data)) {
    throw new InvalidInputError(
      file,
      (validatePlanConfig.errors ?? []).map((e) => ({ path: e.instancePath.slice(1).replace(/\//g, '.') || '(top level)', message: `${e.message}${e.params && 'additionalProperty' in e.params ? ` "${e.params.additionalProperty}"` : ''}` })),
      'plan config (kind: PlanConfig)',
    );
  }
  const { apiVersion: _a, kind: _k, ...options } = data as Record<string, unknown>;
  return options as Partial<PlanConfig>;
}

/** Options given as flags (already parsed); undefined means "not given". */
export interface PlanFlags {
  storageClass?: string;
  accessMode?: string[];
  volumeMode?: 'Filesystem' | 'Block';
  namespaceTemplate?: string;
  roleMapping?: string[];
  loadBalancerMode?: 'metallb' | 'spec' | 'none';
  nodeSelector?: string[];
  networkMap?: string[];
  guestDatasource?: PlanConfig['guestDatasource'];
  novaMachineType?: string;
}

function pairs(values: string[] | undefined, flag: string): [string, string][] {
  return (values ?? []).map((v) => {
    const at = v.indexOf('=');
    if (at <= 0) throw new MigrateError('usage', `--${flag} ${v}: expected KEY=VALUE`);
    return [v.slice(0, at), v.slice(at + 1)];
  });
}

/** --network-map NET=pod | NET=multus:NAD[:generate] */
export function parseNetworkTarget(value: string, flag = 'network-map'): NetworkTarget {
  if (value === 'pod') return { type: 'pod' };
  const m = /^multus:(?<name>[^:]+)(?<generate>:generate)?$/.exec(value);
  if (m?.groups?.name) return { type: 'multus', networkName: m.groups.name, generate: Boolean(m.groups.generate) };
  throw new MigrateError('usage', `--${flag}: "${value}" is not a network target; use "pod" or "multus:<nad-name>[:generate]"`);
}

const ACCESS_MODES: readonly AccessMode[] = ['ReadWriteOnce', 'ReadWriteMany', 'ReadOnlyMany', 'ReadWriteOncePod'];
/** --access-mode is free text on the command line; the config file's schema already limits it to these. */
function accessModeFlag(value: string): AccessMode {
  const mode = ACCESS_MODES.find((m) => m === value);
  if (!mode) throw new MigrateError('usage', `--access-mode: "${value}" is not an access mode; use one of ${ACCESS_MODES.join(', ')}`);
  return mode;
}

export function resolvePlanConfig(file: Partial<PlanConfig>, flags: PlanFlags): PlanConfig {
  const base = defaultPlanConfig();
  const config: PlanConfig = {
    ...base,
    ...file,
    loadBalancer: { ...base.loadBalancer, ...file.loadBalancer },
    roleMapping: file.roleMapping ?? base.roleMapping,
  };
  if (flags.storageClass !== undefined) config.storageClassName = flags.storageClass;
  if (flags.accessMode?.length) config.accessModes = flags.accessMode.map(accessModeFlag);
  if (flags.volumeMode) config.volumeMode = flags.volumeMode;
  if (flags.namespaceTemplate) config.namespaceTemplate = flags.namespaceTemplate;
  if (flags.guestDatasource) config.guestDatasource = flags.guestDatasource;
  if (flags.novaMachineType) config.novaMachineType = flags.novaMachineType;
  if (flags.loadBalancerMode) config.loadBalancer = { ...config.loadBalancer, mode: flags.loadBalancerMode };
  if (flags.roleMapping?.length) config.roleMapping = { ...config.roleMapping, ...Object.fromEntries(pairs(flags.roleMapping, 'role-mapping')) };
  // --node-selector 'hw:cpu_policy=dedicated,cpumanager=true[,other=label]': the extra spec (optionally
  // with its value) before the first comma, node labels after it.
  for (const entry of flags.nodeSelector ?? []) {
    const [spec, ...labels] = entry.split(',');
    if (!spec || !labels.length) throw new MigrateError('usage', `--node-selector ${entry}: expected EXTRA_SPEC[=VALUE],LABEL=VALUE[,LABEL=VALUE]`);
    config.nodeSelectorMapping = { ...config.nodeSelectorMapping, [spec]: Object.fromEntries(pairs(labels, 'node-selector')) };
  }
  for (const [net, target] of pairs(flags.networkMap, 'network-map')) {
    config.networkMap = { ...config.networkMap, [net]: parseNetworkTarget(target) };
  }
  if (!/\{(project|projectId)\}/.test(config.namespaceTemplate)) {
    throw new MigrateError('usage', `namespace template "${config.namespaceTemplate}" must contain {project} or {projectId}, or every project would share one namespace`);
  }
  // Values every DataVolume would carry: refused now rather than by the apiserver on each one.
  checkStorageOptions({ storageClass: config.storageClassName, accessModes: config.accessModes });
  return config;
}
