// The human report: one table row per VM (like `kubectl get`), then each VM's findings that are not exact,
// then the findings about other objects. Colour is passed in, so this stays pure and testable.
import type { Finding, Severity } from '../translate/model.js';
import { summaryLine, type PlanReport } from './summary.js';

export interface Style {
  bold(s: string): string;
  severity(severity: Severity, s: string): string;
}

export const plainStyle: Style = { bold: (s) => s, severity: (_v, s) => s };

/** Left-aligned columns separated by three spaces, as kubectl prints. */
export function formatColumns(rows: string[][]): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]))).join('   ').trimEnd());
}

function verdict(severity: Severity): string {
  return { info: 'ready', warning: 'warnings', blocker: 'BLOCKED', error: 'ERROR' }[severity];
}

function findingLine(f: Finding, style: Style): string {
  const target = f.target ? ` → ${f.target}` : '';
  return `    ${style.severity(f.severity, f.outcome.padEnd(11))} ${f.attribute}${target}: ${f.reason}`;
}

export function formatReportTable(report: PlanReport, style: Style = plainStyle, options: { showExact?: boolean } = {}): string {
  const lines: string[] = [];
  const header = ['NAMESPACE', 'VM', 'SERVER', 'STATUS', 'EXACT', 'APPROX', 'LOST', 'VERDICT'];
  const rows = report.servers.map((s) => [
    s.namespace, s.vmName, s.name, s.status, String(s.counts.exact), String(s.counts.approximate), String(s.counts.lost), verdict(s.severity),
  ]);
  const table = formatColumns([header, ...rows]);
  lines.push(style.bold(table[0]));
  table.slice(1).forEach((line, i) => lines.push(style.severity(report.servers[i].severity, line)));

  const detail = (findings: Finding[]) =>
    findings.filter((f) => options.showExact || f.outcome !== 'exact' || f.severity !== 'info').map((f) => findingLine(f, style));
  for (const s of report.servers) {
    const shown = detail(s.findings);
    if (!shown.length) continue;
    lines.push('', style.bold(`${s.namespace}/${s.vmName} (server ${s.name}, ${s.id}):`), ...shown);
  }
  for (const o of report.others) {
    const shown = detail(o.findings);
    if (!shown.length) continue;
    lines.push('', style.bold(`${o.source} (${o.sourceName}):`), ...shown);
  }
  lines.push('', summaryLine(report));
  return `${lines.join('\n')}\n`;
}
