// The plan is the contract: the resolved plan configuration, the inventory it was made from and the tool
// version, recorded once in the cluster (ConfigMap `plan-<cloud>` in namespace openstack-migrate, beside
// the per-server state ConfigMaps), so that backup, import, cutover and status all execute the plan that
// was reviewed. A command given other options, another inventory or run by another version stops with a
// readable diff; `--replan` records the new plan on purpose (docs/workflow.md, "The plan is the contract").
// The contract and its diff are pure; PlanRecordStore reads and writes the ConfigMap.
import { MigrateError } from '../errors.js';
import type { Plan } from '../plan/build.js';
import { canonicalJson, planIdOf } from '../plan/plan-id.js';
import type { PlanConfig } from '../translate/model.js';
import { LABELS, MANAGER, toDnsLabel } from '../translate/naming.js';
import type { Cluster } from './cluster.js';

export const PLAN_NAMESPACE = 'openstack-migrate';
export const PLAN_COMPONENT = 'plan';

export interface PlanContract {
  /** The plan id (plan/plan-id.ts): sha256 (16 hex) over inventory digest + configuration + tool version. */
  planId: string;
  cloud: string;
  /** Digest of the inventory content (the plan's own inventory hash: collection time excluded). */
  inventoryDigest: string;
  toolVersion: string;
  /** The resolved configuration: defaults, then the --config file, then the flags. */
  config: PlanConfig;
}

export interface RecordedPlan extends PlanContract {
  recordedAt: string;
  /** The inventory file the plan was recorded from (informational). */
  inventoryFile?: string;
}

/**
 * The contract of a plan: the same id as the plan's labels and report (plan/plan-id.ts), with what it was
 * made of. `config.planId`, a name the user gave the plan, is the id when set, and is recorded (and diffed).
 */
export function planContract(input: { cloud: string; inventoryDigest: string; config: PlanConfig; toolVersion: string }): PlanContract {
  const config = JSON.parse(canonicalJson(input.config)) as PlanConfig;
  const planId = config.planId ?? planIdOf({ inventoryDigest: input.inventoryDigest, config, toolVersion: input.toolVersion });
  return { planId, cloud: input.cloud, inventoryDigest: input.inventoryDigest, toolVersion: input.toolVersion, config };
}

/** The contract of a built plan: what `plan` printed and labelled is what the workflow records. */
export function contractOfPlan(plan: Pick<Plan, 'cloud' | 'identity'>): PlanContract {
  return planContract({ cloud: plan.cloud, ...plan.identity });
}

/** Leaf values of a configuration by dotted path (`loadBalancer.mode`, `networkMap.ext-net`). */
function leaves(value: unknown, path = '', out = new Map<string, string>()): Map<string, string> {
  if (value && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length > 0) {
    for (const [k, v] of Object.entries(value)) leaves(v, path ? `${path}.${k}` : k, out);
  } else if (value !== undefined) out.set(path, JSON.stringify(value));
  return out;
}

/** What differs between the recorded plan and this one, one line per difference ("field: recorded → now"). */
export function diffContracts(recorded: PlanContract, now: PlanContract): string[] {
  const lines: string[] = [];
  if (recorded.inventoryDigest !== now.inventoryDigest) lines.push(`inventory: content ${recorded.inventoryDigest} → ${now.inventoryDigest}`);
  if (recorded.toolVersion !== now.toolVersion) lines.push(`tool version: ${recorded.toolVersion} → ${now.toolVersion}`);
  const a = leaves(recorded.config);
  const b = leaves(now.config);
  for (const key of [...new Set([...a.keys(), ...b.keys()])].sort()) {
    if (a.get(key) !== b.get(key)) lines.push(`config ${key}: ${a.get(key) ?? '(unset)'} → ${b.get(key) ?? '(unset)'}`);
  }
  return lines;
}

export function planRecordName(cloud: string): string {
  return `plan-${toDnsLabel(cloud || 'cloud', 58)}`;
}

/** The recorded plan, or undefined when none is recorded (or the object is not one). */
export function parsePlanRecord(data: Record<string, string> | undefined): RecordedPlan | undefined {
  const text = data?.['plan.json'];
  if (!text) return undefined;
  try {
    const parsed = JSON.parse(text) as RecordedPlan;
    return parsed && typeof parsed.planId === 'string' && parsed.config && typeof parsed.config === 'object' ? parsed : undefined;
  } catch {
    return undefined;
  }
}

export class PlanRecordStore {
  constructor(private readonly kube: Pick<Cluster, 'get' | 'create' | 'mergePatch'>) {}

  async load(cloud: string): Promise<RecordedPlan | undefined> {
    const cm = await this.kube.get('ConfigMap', PLAN_NAMESPACE, planRecordName(cloud));
    const parsed = parsePlanRecord(cm?.data as Record<string, string> | undefined);
    if (cm && !parsed)
      throw new MigrateError(
        'conflict',
        `ConfigMap ${PLAN_NAMESPACE}/${planRecordName(cloud)} does not hold a recorded plan (data plan.json); remove it or pass --replan`,
      );
    return parsed;
  }

  async save(plan: RecordedPlan): Promise<void> {
    const name = planRecordName(plan.cloud);
    const data = { 'plan.json': JSON.stringify(plan, null, 2), 'plan-id': plan.planId };
    await this.kube.create('Namespace', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: PLAN_NAMESPACE, labels: { [LABELS.managedBy]: MANAGER } } });
    const { created } = await this.kube.create('ConfigMap', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, namespace: PLAN_NAMESPACE, labels: { [LABELS.managedBy]: MANAGER, [LABELS.component]: PLAN_COMPONENT } },
      data,
    });
    if (!created) await this.kube.mergePatch('ConfigMap', PLAN_NAMESPACE, name, { data });
  }
}

export type ContractOutcome = { action: 'recorded' | 'matches' | 'replanned'; recorded?: RecordedPlan };

/**
 * Holds a command to the recorded plan: records it when there is none (unless dryRun), accepts it when it
 * is the same, records the new one with `replan`, and otherwise stops with the diff (exit 1).
 */
export async function enforceContract(
  store: Pick<PlanRecordStore, 'load' | 'save'>,
  contract: PlanContract,
  options: { replan?: boolean; dryRun?: boolean; inventoryFile?: string; now?: () => Date },
): Promise<ContractOutcome> {
  const recorded = await store.load(contract.cloud);
  const record = (): RecordedPlan => ({
    ...contract,
    recordedAt: (options.now?.() ?? new Date()).toISOString(),
    ...(options.inventoryFile ? { inventoryFile: options.inventoryFile } : {}),
  });
  if (!recorded) {
    if (!options.dryRun) await store.save(record());
    return { action: 'recorded' };
  }
  // Same content, not only the same id: a plan named by the user (config.planId) keeps its id when its
  // inventory or options change.
  const diff = diffContracts(recorded, contract);
  if (recorded.planId === contract.planId && diff.length === 0) return { action: 'matches', recorded };
  if (options.replan) {
    if (!options.dryRun) await store.save(record());
    return { action: 'replanned', recorded };
  }
  throw new MigrateError(
    'conflict',
    [
      `this plan (${contract.planId}) is not the plan recorded in the cluster (${recorded.planId}, ConfigMap ${PLAN_NAMESPACE}/${planRecordName(contract.cloud)}, recorded ${recorded.recordedAt}${recorded.inventoryFile ? ` from ${recorded.inventoryFile}` : ''}):`,
      ...diff.map((l) => `  ${l}`),
      'Run with the recorded inventory and options (give no plan option to use the recorded ones), or pass --replan to record this plan instead.',
    ].join('\n'),
  );
}
