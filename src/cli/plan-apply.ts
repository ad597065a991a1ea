// `plan --apply`: hand the plan's objects to the Kubernetes shell. Filled in by the apply module.
import type { KubeObject } from '../translate/model.js';
import type { PlanArgs } from './plan.js';
import { MigrateError } from '../errors.js';

export async function applyPlanObjects(_objects: KubeObject[], _args: PlanArgs): Promise<boolean> {
  throw new MigrateError('not-implemented', '--apply is not available in this version yet; write the plan with --out and use kubectl apply -R -f');
}
