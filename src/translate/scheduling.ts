// Where the VM may run: flavor extra specs → nodeSelector (configurable mapping and
// aggregate_instance_extra_specs), availability zone → node affinity, server group → pod (anti-)affinity.
// Also the extra specs that concern devices or quotas the cluster cannot give (PCI passthrough, vGPU,
// traits, quota:*), which become findings.
import type { Affinity } from '../kube-types/index.js';
import type { Server, ServerGroup } from '../inventory/types.js';
import type { PlanConfig } from './model.js';
import { LABELS, toLabelValue } from './naming.js';
import { type ServerFacts, spec, specAttr } from './server-facts.js';

export interface SchedulingResult {
  nodeSelector?: Record<string, string>;
  affinity?: Affinity;
  /** Labels the VM template needs so that server-group terms of its peers select it. */
  templateLabels: Record<string, string>;
}

const T = 'spec.template.spec';
/** Nova's default availability zone name (nova.conf default_availability_zone): no real placement. */
const NOVA_DEFAULT_AZ = 'nova';
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export function isLabelKey(key: string): boolean {
  const parts = key.split('/');
  if (parts.length > 2) return false;
  const [prefix, name] = parts.length === 2 ? parts : [undefined, parts[0]];
  if (name === undefined || name.length > 63 || !QUALIFIED_NAME.test(name)) return false;
  return prefix === undefined || (prefix.length <= 253 && DNS_SUBDOMAIN.test(prefix));
}
export function isLabelValue(value: string): boolean {
  return value === '' || (value.length <= 63 && QUALIFIED_NAME.test(value));
}

/** The server-group membership label value: the group id as a label value. */
export function serverGroupLabelValue(group: Pick<ServerGroup, 'id'>): string {
  return toLabelValue(group.id);
}

export function translateScheduling(
  facts: ServerFacts,
  config: Pick<PlanConfig, 'nodeSelectorMapping' | 'availabilityZoneLabel'>,
  group: ServerGroup | undefined,
): SchedulingResult {
  const { findings } = facts;
  const nodeSelector: Record<string, string> = {};
  const templateLabels: Record<string, string> = {};
  let affinity: Affinity | undefined;
  const setSelector = (attr: string, key: string, value: string, reason: string) => {
    if (!isLabelKey(key) || !isLabelValue(value)) {
      findings.lost(attr, `"${key}=${value}" is not a valid node label; no selector added`);
      return;
    }
    if (nodeSelector[key] !== undefined && nodeSelector[key] !== value) {
      findings.blocker(attr, `node label ${key} is asked to be both "${nodeSelector[key]}" and "${value}"; no node can match`);
      return;
    }
    nodeSelector[key] = value;
    findings.exact(attr, `${T}.nodeSelector.${key}`, reason);
  };

  for (const key of Object.keys(facts.flavor.extraSpecs).sort()) {
    const value = String(facts.flavor.extraSpecs[key]);
    const attr = specAttr(key);
    const mapped = config.nodeSelectorMapping[`${key}=${value}`] ?? config.nodeSelectorMapping[key];
    if (mapped !== undefined) {
      spec(facts, key);
      for (const [label, labelValue] of Object.entries(mapped).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
        setSelector(attr, label, labelValue, `mapped by the plan's node-selector mapping to nodes labelled ${label}=${labelValue}`);
      }
      continue;
    }
    if (key.startsWith('aggregate_instance_extra_specs:')) {
      spec(facts, key);
      const label = key.slice('aggregate_instance_extra_specs:'.length);
      // AggregateInstanceExtraSpecsFilter matches host aggregate metadata; the same key on node labels.
      setSelector(attr, label, value, `nodes must carry the label ${label}=${value}, as the host aggregate carried the metadata`);
    } else if (key.startsWith('pci_passthrough:')) {
      spec(facts, key);
      findings.blocker(attr, `PCI passthrough (${value}) needs hostDevices/gpus permitted in the KubeVirt CR and a matching resource name; map it by hand`);
    } else if (/^resources\d*:(VGPU|PGPU)$/.test(key)) {
      spec(facts, key);
      findings.blocker(attr, `${key.split(':')[1]}=${value}: a (v)GPU needs spec.domain.devices.gpus with a device-plugin resource name; map it by hand`);
    } else if (/^(resources|trait)\d*:/.test(key)) {
      spec(facts, key);
      findings.lost(
        attr,
        `Placement ${key.startsWith('trait') ? 'trait' : 'resource'} ${key}=${value} has no node label here; add a node-selector mapping for it`,
      );
    } else if (key.startsWith('quota:') && key !== 'quota:cpu_quota' && key !== 'quota:cpu_period') {
      spec(facts, key);
      findings.lost(attr, `libvirt tuning ${key}=${value} (shares, I/O or bandwidth limits) has no KubeVirt field`, 'info');
    } else if (key === 'quota:cpu_period') {
      // read with quota:cpu_quota in cpu.ts; reported there.
      if (facts.flavor.extraSpecs['quota:cpu_quota'] === undefined) {
        spec(facts, key);
        findings.lost(attr, 'a CFS period without a quota caps nothing', 'info');
      }
    }
  }

  const az = facts.server.availabilityZone;
  if (az) {
    if (az === NOVA_DEFAULT_AZ) {
      findings.approximate('server.availability_zone', undefined, `"${az}" is Nova's default zone (no placement constraint); no node affinity`, 'info');
    } else if (!isLabelValue(az)) {
      findings.lost('server.availability_zone', `zone "${az}" is not a valid label value; no node affinity`);
    } else {
      affinity = {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{ matchExpressions: [{ key: config.availabilityZoneLabel, operator: 'In', values: [az] }] }],
          },
        },
      };
      findings.exact('server.availability_zone', `${T}.affinity.nodeAffinity`, `nodes labelled ${config.availabilityZoneLabel}=${az}`);
    }
  }

  if (group) {
    const labelValue = serverGroupLabelValue(group);
    templateLabels[LABELS.serverGroup] = labelValue;
    const term = { labelSelector: { matchLabels: { [LABELS.serverGroup]: labelValue } }, topologyKey: 'kubernetes.io/hostname' };
    const attr = `serverGroup/${group.id}.policy`;
    const hard = group.policy === 'affinity' || group.policy === 'anti-affinity';
    const kind = group.policy.endsWith('anti-affinity') ? 'podAntiAffinity' : 'podAffinity';
    const rule = hard
      ? { requiredDuringSchedulingIgnoredDuringExecution: [term] }
      : { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: term }] };
    affinity = { ...(affinity ?? {}), [kind]: rule };
    findings.exact(attr, `${T}.affinity.${kind}`, `${group.policy} of server group "${group.name}" on kubernetes.io/hostname`);
    if (group.rules?.maxServerPerHost !== undefined && group.rules.maxServerPerHost > 1) {
      findings.lost(
        `serverGroup/${group.id}.rules.max_server_per_host`,
        `at most ${group.rules.maxServerPerHost} members per host cannot be expressed with pod anti-affinity (one per host); planned as one per host`,
      );
    }
  }
  const result: SchedulingResult = { templateLabels };
  if (Object.keys(nodeSelector).length > 0) result.nodeSelector = nodeSelector;
  if (affinity) result.affinity = affinity;
  return result;
}

/** True when Nova would have started the server: ACTIVE or power state RUNNING. */
export function wasRunning(server: Pick<Server, 'status' | 'powerState'>): boolean {
  if (server.powerState !== undefined) return server.powerState === 1;
  return server.status.toUpperCase() === 'ACTIVE';
}
