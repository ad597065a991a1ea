// `plan --apply`: put the plan's objects into the cluster of the current context.
//
// By default only the foundation is applied: namespaces, RBAC, network policies, network attachment
// definitions, Secrets. DataVolumes are created by `import` (it knows the copy to import and the token
// Secret), VirtualMachines and Services by `cutover` (a VM must not start while its source server runs,
// and a Service must not claim the floating IP while OpenStack still routes it). --include-workloads
// applies them too, for a cluster where the source is already retired or for a server-side dry run.
import type { KubeObject } from '../translate/model.js';
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

export async function applyPlanObjects(objects: KubeObject[], args: PlanArgs): Promise<boolean> {
  const { apply, deferred } = objectsToApply(objects, args.includeWorkloads);
  if (args.dryRun === 'client') {
    for (const o of apply) note(`${resourceName(o)}${o.metadata.namespace ? ` -n ${o.metadata.namespace}` : ''} would be applied (dry run)`);
  } else {
    const { applyPlanToCluster } = await import('../kube/plan-apply.js');
    const { connectionOptions } = await import('./common-flags.js');
    const outcome = await applyPlanToCluster(apply, {
      ...connectionOptions(args),
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
