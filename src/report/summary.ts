// The fidelity report as data: per VM and per other source object, counts and findings. The table, the
// JSON report and --strict all read this one structure.
import type { Plan } from '../plan/build.js';
import type { Finding, Severity } from '../translate/model.js';
import { type FindingTally, type PackedFindings, TalliedFindings, tallyOf } from './packed-findings.js';

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

export function buildReport(plan: Plan): PlanReport {
  const byServer = new Map<string, Finding[]>();
  const bySource = new Map<string, Finding[]>();
  for (const f of plan.findings) {
    if (f.serverId) {
      const list = byServer.get(f.serverId);
      if (list) list.push(f);
      else byServer.set(f.serverId, [f]);
    } else {
      const list = bySource.get(f.source);
      if (list) list.push(f);
      else bySource.set(f.source, [f]);
    }
  }
  const objectsByKind: Record<string, number> = {};
  for (const o of plan.objects) objectsByKind[o.kind] = (objectsByKind[o.kind] ?? 0) + 1;
  return assembleReport({ planId: plan.planId, cloud: plan.cloud, servers: plan.servers, byServer, bySource, objectsByKind, objects: plan.objects.length });
}

/** What a report is made of, for callers that never hold the whole plan (the CLI's directory writer). */
export interface ReportParts {
  planId: string;
  cloud: string;
  servers: Plan['servers'];
  /**
   * Findings with a server id, per server, in plan order (sorted by source, then production order); packed
   * (packed-findings.ts) by the directory writer, whose report then makes each server's objects as it is written;
   * or only tallied, when the directory writer wrote them into the report's text as they came (the report's
   * `findings` of such a server cannot be read: only writeReportTable with `serverSections` can write it).
   */
  byServer: Map<string, Finding[] | PackedFindings | TalliedFindings>;
  /** Findings without a server id, per source, each list in production order. */
  bySource: Map<string, Finding[]>;
  /** Objects per kind (any key order) and in all. */
  objectsByKind: Record<string, number>;
  objects: number;
}

export function assembleReport(parts: ReportParts): PlanReport {
  const { byServer, bySource } = parts;
  const total: Counts = { exact: 0, approximate: 0, lost: 0 };
  let errors = 0;
  const add = (t: FindingTally) => {
    total.exact += t.exact;
    total.approximate += t.approximate;
    total.lost += t.lost;
    errors += t.errors;
  };
  // Every server's list tallied once, whatever its form (objects, packed, or only tallied as it was written).
  const tallies = new Map<Finding[] | PackedFindings | TalliedFindings, FindingTally>();
  for (const list of byServer.values()) {
    const t = Array.isArray(list) ? tallyOf(list) : list instanceof TalliedFindings ? list.counts : list.tally();
    tallies.set(list, t);
    add(t);
  }
  const servers: ServerReport[] = parts.servers.map((s) => {
    const list = byServer.get(s.id) ?? [];
    const { exact, approximate, lost, severity } = tallies.get(list) ?? tallyOf([]); // a server without findings is not in byServer
    const counts = { exact, approximate, lost };
    if (Array.isArray(list)) return { ...s, counts, severity, findings: list };
    if (list instanceof TalliedFindings) {
      return {
        ...s,
        counts,
        severity,
        get findings(): Finding[] {
          throw new Error(`internal: the findings of server ${s.id} were written into the report's text as they came, not kept`);
        },
      };
    }
    // Made when read (the report writers read each server's findings once), so never all at once.
    return {
      ...s,
      counts,
      severity,
      get findings() {
        return list.toArray();
      },
    };
  });
  const others: SourceReport[] = [...bySource.entries()]
    .map(([source, findings]) => {
      const t = tallyOf(findings);
      add(t);
      return {
        source,
        sourceName: findings[0]?.sourceName ?? '',
        counts: { exact: t.exact, approximate: t.approximate, lost: t.lost },
        severity: t.severity,
        findings,
      };
    })
    .sort((a, b) => (a.source < b.source ? -1 : a.source > b.source ? 1 : 0));

  return {
    apiVersion: 'openstack-migrate.io/v1alpha1',
    kind: 'PlanReport',
    planId: parts.planId,
    cloud: parts.cloud,
    summary: {
      servers: servers.length,
      serversReady: servers.filter((s) => s.severity === 'info').length,
      serversWithWarnings: servers.filter((s) => s.severity === 'warning').length,
      serversBlocked: servers.filter((s) => s.severity === 'blocker' || s.severity === 'error').length,
      errors,
      objects: parts.objects,
      objectsByKind: Object.fromEntries(Object.entries(parts.objectsByKind).sort(([a], [b]) => (a < b ? -1 : 1))),
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
