// What `plan --apply` does once the plan is built: apply to the cluster the CLI picked like kubectl (one
// load of the kubeconfig serves the plan contract and the apply), and turn the report into kubectl-style
// lines and an exit status. The CLI prints the lines; nothing here prints.
import type { KubeObject } from '../translate/model.js';
import { type ApplyReport, type ApplyResult, applyObjects } from './apply.js';
import { KubeClient } from './client.js';
import type { KubeTarget } from './config.js';
import { resourceName } from '../plan/order.js';

export interface PlanApplyFlags {
  /** kubectl's --dry-run: "server" asks the server to validate without storing; "none" applies. */
  dryRun?: 'server' | 'none';
  forceConflicts?: boolean;
}

export interface PlanApplyOutcome {
  /** False when anything was missing, rejected or in conflict. */
  ok: boolean;
  lines: string[];
  report?: ApplyReport;
  /** Where it went: "context (server)" */
  target?: string;
}

export function formatApplyReport(report: ApplyReport, dryRun: boolean): string[] {
  if (report.missingApis.length || report.apiErrors.length) {
    return [
      'nothing was applied:',
      ...report.missingApis.map((m) => `  missing ${m.apiVersion} ${m.kind}: ${m.message}`),
      ...report.apiErrors.map((e) => `  ${e.message}`),
    ];
  }
  const suffix = dryRun ? ' (server dry run)' : '';
  return report.results.map((r) => {
    const where = r.namespace ? ` -n ${r.namespace}` : '';
    const text = r.status === 'conflict' || r.status === 'error' || r.status === 'skipped' ? `${r.status}: ${r.message}` : r.status;
    return `${resourceName(r)}${where} ${text}${suffix}`;
  });
}

/** Applies the objects to cluster, a kubeconfig target the caller loaded (loadKubeConfig). */
export async function applyPlanToCluster(objects: readonly KubeObject[], cluster: KubeTarget, flags: PlanApplyFlags = {}): Promise<PlanApplyOutcome> {
  const target = `${cluster.contextName} (${cluster.server})`;
  const dryRun = flags.dryRun === 'server';
  let report: ApplyReport;
  try {
    report = await applyObjects(new KubeClient(cluster), objects, { dryRun: dryRun ? 'server' : undefined, forceConflicts: flags.forceConflicts });
  } catch (err) {
    return { ok: false, target, lines: [`cannot reach ${target}: ${err instanceof Error ? err.message : String(err)}`] };
  }
  const ok = !report.missingApis.length && !report.apiErrors.length && report.results.every((r) => r.status !== 'error' && r.status !== 'conflict');
  const lines = formatApplyReport(report, dryRun);
  const conflicts = report.results.filter((r) => r.status === 'conflict').length;
  if (conflicts) lines.push(`${conflicts} object(s) changed by another field manager were left as they are; re-run with --force-conflicts to take them over`);
  return { ok, lines, report, target };
}
