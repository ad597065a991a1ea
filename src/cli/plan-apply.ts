// `plan --apply`: put the plan's objects into the cluster of the current context.
//
// By default only the foundation is applied: namespaces, RBAC, network policies, network attachment
// definitions, Secrets. DataVolumes are created by `import` (it knows the copy to import and the token
// Secret), VirtualMachines and Services by `cutover` (a VM must not start while its source server runs,
// and a Service must not claim the floating IP while OpenStack still routes it). --include-workloads
// applies them too, for a cluster where the source is already retired or for a server-side dry run.
import type { KubeTarget } from '../kube/config.js';
import type { KubeObject } from '../translate/model.js';
import type { PlanContract } from '../workflow/plan-contract.js';
import type { PlanArgs } from './plan.js';
import { note } from './output.js';
import { resourceName } from '../plan/order.js';

export const DEFERRED_KINDS = new Set(['DataVolume', 'VirtualMachine', 'Service']);

export function objectsToApply(objects: KubeObject[], includeWorkloads: boolean): { apply: KubeObject[]; deferred: KubeObject[] } {
  if (includeWorkloads) return { apply: objects, deferred: [] };
  return {
    apply: objects.filter((o) => !DEFERRED_KINDS.has(o.kind)),
    deferred: objects.filter((o) => DEFERRED_KINDS.has(o.kind)),
  };
}

/** The cluster of --kubeconfig/--context/--server..., picked like kubectl: loaded once for the contract and the apply. */
async function clusterOf(args: PlanArgs): Promise<KubeTarget> {
  const [{ loadKubeConfig }, { connectionOptions }, { MigrateError }] = await Promise.all([
    import('../kube/config.js'),
    import('./common-flags.js'),
    import('../errors.js'),
  ]);
  const loaded = loadKubeConfig(connectionOptions(args));
  if (!loaded.ok) throw new MigrateError('kubernetes', loaded.error.message);
  return loaded.value;
}

/**
 * Records the plan in the cluster as the contract backup/import/cutover execute (workflow/plan-contract.ts),
 * before any object is applied: a cluster that holds another plan stops the apply with the difference
 * unless --replan. A server-side dry run only compares; a client dry run does not contact the cluster.
 */
async function recordPlanContract(contract: PlanContract, args: PlanArgs, cluster: KubeTarget): Promise<void> {
  const [{ Kube }, { PlanRecordStore, enforceContract, diffContracts, PLAN_NAMESPACE, planRecordName }] = await Promise.all([
    import('../workflow/kube-ops.js'),
    import('../workflow/plan-contract.js'),
  ]);
  const dryRun = args.dryRun === 'server';
  const outcome = await enforceContract(new PlanRecordStore(new Kube(cluster)), contract, {
    replan: args.replan,
    dryRun,
    inventoryFile: args.inventory,
  });
  const where = `ConfigMap ${PLAN_NAMESPACE}/${planRecordName(contract.cloud)}`;
  if (outcome.action === 'recorded') note(`plan ${contract.planId} ${dryRun ? 'would be recorded' : 'recorded'} in the cluster (${where})`);
  if (outcome.action === 'replanned' && outcome.recorded)
    note(
      `plan ${contract.planId} ${dryRun ? 'would replace' : 'replaces'} ${outcome.recorded.planId} (${where}):\n  ${diffContracts(outcome.recorded, contract).join('\n  ')}`,
    );
}

export async function applyPlanObjects(objects: KubeObject[], args: PlanArgs, contract: PlanContract): Promise<boolean> {
  const { apply, deferred } = objectsToApply(objects, args.includeWorkloads);
  if (args.dryRun === 'client') {
    for (const o of apply) note(`${resourceName(o)}${o.metadata.namespace ? ` -n ${o.metadata.namespace}` : ''} would be applied (dry run)`);
  } else {
    const cluster = await clusterOf(args);
    await recordPlanContract(contract, args, cluster);
    const { applyPlanToCluster } = await import('../kube/plan-apply.js');
    const outcome = await applyPlanToCluster(apply, cluster, {
      dryRun: args.dryRun === 'server' ? 'server' : 'none',
      forceConflicts: args.forceConflicts,
    });
    for (const line of outcome.lines) note(line);
    if (!outcome.ok) return false;
  }
  if (deferred.length) {
    const count = (kind: string) => deferred.filter((o) => o.kind === kind).length;
    note(
      `deferred: ${count('DataVolume')} DataVolumes (created by import), ${count('VirtualMachine')} VirtualMachines and ${count('Service')} Services (created by cutover); --include-workloads applies them now`,
    );
  }
  return true;
}
