// The fidelity report as data: per VM and per other source object, counts and findings. The table, the
// JSON report and --strict all read this one structure.
import type { Plan } from '../plan/build.js';
import type { Finding, Outcome, Severity } from '../translate/model.js';

export interface Counts {
  exact: number;
  approximate: number;
  lost: number;
}

export interface ServerReport {
  id: string;
  name: string;
  status: string;
  namespace: string;
  vmName: string;
  counts: Counts;
  /** Worst severity among its findings. */
  severity: Severity;
  findings: Finding[];
}

export interface SourceReport {
  source: string;
  sourceName: string;
  counts: Counts;
  severity: Severity;
  findings: Finding[];
}

export interface PlanReport {
  apiVersion: 'openstack-migrate.io/v1alpha1';
  kind: 'PlanReport';
  planId: string;
  cloud: string;
  summary: {
    servers: number;
    serversReady: number;
    serversWithWarnings: number;
    serversBlocked: number;
    errors: number;
    objects: number;
    objectsByKind: Record<string, number>;
  } & Counts;
  servers: ServerReport[];
  /** Findings about projects, security groups, floating IPs, role assignments, …, grouped by object. */
  others: SourceReport[];
}

const SEVERITY_RANK: Record<Severity, number> = { info: 0, warning: 1, blocker: 2, error: 3 };

export function worstSeverity(findings: Finding[]): Severity {
  let worst: Severity = 'info';
  for (const f of findings) if (SEVERITY_RANK[f.severity] > SEVERITY_RANK[worst]) worst = f.severity;
  return worst;
}

function count(findings: Finding[]): Counts {
  const counts: Counts = { exact: 0, approximate: 0, lost: 0 };
  for (const f of findings) counts[f.outcome as Outcome]++;
  return counts;
}

export function buildReport(plan: Plan): PlanReport {
  const byServer = new Map<string, Finding[]>();
  const bySource = new Map<string, Finding[]>();
  for (const f of plan.findings) {
    if (f.serverId) {
      const list = byServer.get(f.serverId) ?? [];
      list.push(f);
      byServer.set(f.serverId, list);
    } else {
      const list = bySource.get(f.source) ?? [];
      list.push(f);
      bySource.set(f.source, list);
    }
  }
  const servers: ServerReport[] = plan.servers.map((s) => {
    const findings = byServer.get(s.id) ?? [];
    return { ...s, counts: count(findings), severity: worstSeverity(findings), findings };
  });
  const others: SourceReport[] = [...bySource.entries()]
    .map(([source, findings]) => ({ source, sourceName: findings[0].sourceName, counts: count(findings), severity: worstSeverity(findings), findings }))
    .sort((a, b) => (a.source < b.source ? -1 : a.source > b.source ? 1 : 0));

  const objectsByKind: Record<string, number> = {};
  for (const o of plan.objects) objectsByKind[o.kind] = (objectsByKind[o.kind] ?? 0) + 1;
  const total = count(plan.findings);
  return {
    apiVersion: 'openstack-migrate.io/v1alpha1',
    kind: 'PlanReport',
    planId: plan.planId,
    cloud: plan.cloud,
    summary: {
      servers: servers.length,
      serversReady: servers.filter((s) => s.severity === 'info').length,
      serversWithWarnings: servers.filter((s) => s.severity === 'warning').length,
      serversBlocked: servers.filter((s) => s.severity === 'blocker' || s.severity === 'error').length,
      errors: plan.findings.filter((f) => f.severity === 'error').length,
      objects: plan.objects.length,
      objectsByKind: Object.fromEntries(Object.entries(objectsByKind).sort(([a], [b]) => (a < b ? -1 : 1))),
      ...total,
    },
    servers,
    others,
  };
}

export function summaryLine(report: PlanReport): string {
  const s = report.summary;
  return (
    `plan ${report.planId}: ${s.servers} servers (${s.serversReady} ready, ${s.serversWithWarnings} with warnings, ${s.serversBlocked} blocked), ` +
    `${s.objects} objects; attributes: ${s.exact} exact, ${s.approximate} approximate, ${s.lost} lost` +
    (s.errors ? `; ${s.errors} errors` : '')
  );
}
