// Plan options from a plan config file (YAML, kind PlanConfig) and from flags; flags win over the file,
// the file over the defaults.
import { checkStorageOptions } from './limits.js';
import { readFile } from 'node:fs/promises';
import yaml from 'js-yaml';
import { Ajv, type ValidateFunction } from 'ajv';
import { InvalidInputError, MigrateError } from '../errors.js';
import { defaultPlanConfig } from '../translate/defaults.js';
import type { AccessMode, NetworkTarget, PlanConfig } from '../translate/model.js';

const strMap = { type: 'object', additionalProperties: { type: 'string' } };
const vlanId = { type: 'integer', minimum: 1, maximum: 4094 };
const cidrList = { type: 'array', items: { type: 'string', pattern: '^[0-9a-fA-F:.]+/[0-9]{1,3}$' } };
const networkTarget = {
  oneOf: [
    { type: 'object', required: ['type'], properties: { type: { const: 'pod' } }, additionalProperties: false },
    {
      type: 'object',
      required: ['type', 'networkName'],
      properties: {
        type: { const: 'multus' },
        networkName: { type: 'string', minLength: 1 },
        generate: { type: 'boolean' },
        cluster: {
          oneOf: [
            { type: 'object', required: ['kind'], additionalProperties: false, properties: { kind: { const: 'ovn-layer2' } } },
            {
              type: 'object',
              required: ['kind'],
              additionalProperties: false,
              properties: { kind: { const: 'ovn-localnet' }, vlanId: vlanId, physicalNetworkName: { type: 'string', minLength: 1 } },
            },
            {
              type: 'object',
              required: ['kind', 'bridge'],
              additionalProperties: false,
              properties: { kind: { const: 'bridge-vlan' }, bridge: { type: 'string', pattern: '^[^/\\s]{1,15}$' }, vlanId: vlanId },
            },
          ],
        },
      },
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
    multiNetworkPolicy: { type: 'boolean' },
    multiNetworkPolicyPlugins: { type: 'array', items: { type: 'string', minLength: 1 } },
    podCidrs: cidrList,
    serviceCidrs: cidrList,
  },
};

// Compiled when a config file is read, not when the module loads: every command imports this module, and
// compiling took ~80 ms of each run's start.
let compiledPlanConfigValidator: ValidateFunction | undefined;
function planConfigValidator(): ValidateFunction {
  return (compiledPlanConfigValidator ??= new Ajv({ allErrors: true, strict: false }).compile(planConfigSchema));
}

export async function loadPlanConfigFile(file: string): Promise<Partial<PlanConfig>> {
  let data: unknown;
  try {
    data = yaml.load(await readFile(file, 'utf8'), { filename: file });
  } catch (e) {
    throw new MigrateError('invalid-input', `cannot read plan config ${file}: ${(e as Error).message.split('\n')[0]}`, { where: file });
  }
  const validatePlanConfig = planConfigValidator();
  if (!validatePlanConfig(data)) {
    throw new InvalidInputError(
      file,
      (validatePlanConfig.errors ?? []).map((e) => ({
        path: e.instancePath.slice(1).replace(/\//g, '.') || '(top level)',
        message: `${e.message}${e.params && 'additionalProperty' in e.params ? ` "${e.params.additionalProperty}"` : ''}`,
      })),
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
  multiNetworkPolicy?: boolean;
  multiNetworkPolicyPlugins?: string[];
  podCidr?: string[];
  serviceCidr?: string[];
}

function pairs(values: string[] | undefined, flag: string): [string, string][] {
  return (values ?? []).map((v) => {
    const at = v.indexOf('=');
    if (at <= 0) throw new MigrateError('usage', `--${flag} ${v}: expected KEY=VALUE`);
    return [v.slice(0, at), v.slice(at + 1)];
  });
}

const TARGET_USAGE =
  '"pod", "multus:<nad-name>[:generate]", "ovn-layer2[:<nad-name>]", "ovn-localnet[:<nad-name>][:vlan=N][:physnet=NAME]" or "bridge:<bridge>[:vlan=N][:<nad-name>]"';

/**
 * --network-map NET=pod | NET=multus:NAD[:generate] | NET=ovn-layer2[:NAD] | NET=ovn-localnet[:NAD][:vlan=N][:physnet=P]
 * | NET=bridge:BRIDGE[:vlan=N][:NAD]. The last three generate a NAD that reaches every node (docs/networking.md);
 * NAD defaults to the name the plan gives the Neutron network ('' below).
 */
export function parseNetworkTarget(value: string, flag = 'network-map'): NetworkTarget {
  if (value === 'pod') return { type: 'pod' };
  const [, networkName, generate] = /^multus:([^:]+)(:generate)?$/.exec(value) ?? [];
  if (networkName !== undefined) return { type: 'multus', networkName, generate: Boolean(generate) };
  const [kind, ...rest] = value.split(':');
  const bad = () => new MigrateError('usage', `--${flag}: "${value}" is not a network target; use ${TARGET_USAGE}`);
  const options = new Map<string, string>();
  const names: string[] = [];
  for (const part of rest) {
    const eq = part.indexOf('=');
    if (eq > 0) options.set(part.slice(0, eq), part.slice(eq + 1));
    else if (part) names.push(part);
    else throw bad();
  }
  const vlan = options.has('vlan') ? Number(options.get('vlan')) : undefined;
  if (vlan !== undefined && !(Number.isInteger(vlan) && vlan >= 1 && vlan <= 4094)) throw bad();
  const known = (...keys: string[]) => {
    for (const k of options.keys()) if (!keys.includes(k)) throw bad();
  };
  if (kind === 'ovn-layer2' && names.length <= 1) {
    known();
    return { type: 'multus', networkName: names[0] ?? '', generate: true, cluster: { kind: 'ovn-layer2' } };
  }
  if (kind === 'ovn-localnet' && names.length <= 1) {
    known('vlan', 'physnet');
    const cluster: { kind: 'ovn-localnet'; vlanId?: number; physicalNetworkName?: string } = { kind: 'ovn-localnet' };
    if (vlan !== undefined) cluster.vlanId = vlan;
    if (options.get('physnet')) cluster.physicalNetworkName = options.get('physnet');
    return { type: 'multus', networkName: names[0] ?? '', generate: true, cluster };
  }
  const [bridge] = names;
  if (kind === 'bridge' && bridge !== undefined && names.length <= 2 && /^[^/\s]{1,15}$/.test(bridge)) {
    known('vlan');
    return {
      type: 'multus',
      networkName: names[1] ?? '',
      generate: true,
      cluster: vlan === undefined ? { kind: 'bridge-vlan', bridge } : { kind: 'bridge-vlan', bridge, vlanId: vlan },
    };
  }
  throw bad();
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
  if (flags.multiNetworkPolicy !== undefined) config.multiNetworkPolicy = flags.multiNetworkPolicy;
  if (flags.multiNetworkPolicyPlugins?.length) config.multiNetworkPolicyPlugins = flags.multiNetworkPolicyPlugins.flatMap((v) => v.split(',')).filter(Boolean);
  if (flags.podCidr?.length) config.podCidrs = flags.podCidr.flatMap((v) => v.split(',')).filter(Boolean);
  if (flags.serviceCidr?.length) config.serviceCidrs = flags.serviceCidr.flatMap((v) => v.split(',')).filter(Boolean);
  for (const cidr of [...config.podCidrs, ...config.serviceCidrs]) {
    if (!/^[0-9a-fA-F:.]+\/\d{1,3}$/.test(cidr)) throw new MigrateError('usage', `--pod-cidr/--service-cidr ${cidr}: expected a CIDR such as 10.244.0.0/16`);
  }
  if (!/\{(project|projectId)\}/.test(config.namespaceTemplate)) {
    throw new MigrateError(
      'usage',
      `namespace template "${config.namespaceTemplate}" must contain {project} or {projectId}, or every project would share one namespace`,
    );
  }
  // Values every DataVolume would carry: refused now rather than by the apiserver on each one.
  checkStorageOptions({ storageClass: config.storageClassName, accessModes: config.accessModes });
  return config;
}
