// The human report: one table row per VM (like `kubectl get`), then each VM's findings that are not exact,
// then the findings about other objects. Colour is passed in, so this stays pure and testable.
import type { Finding, Severity } from '../translate/model.js';
import { summaryLine, type PlanReport, type ServerReport } from './summary.js';
import { escapeControl as esc } from './escape.js';

export interface Style {
  bold(s: string): string;
  severity(severity: Severity, s: string): string;
}

export const plainStyle: Style = { bold: (s) => s, severity: (_v, s) => s };

/** Left-aligned columns separated by three spaces, as kubectl prints. */
export function formatColumns(rows: string[][]): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  }
  return rows.map((row) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('   ')
      .trimEnd(),
  );
}

function verdict(severity: Severity): string {
  return { info: 'ready', warning: 'warnings', blocker: 'BLOCKED', error: 'ERROR' }[severity];
}

/** The styled outcome column of a finding's line, made once per severity × outcome. */
function outcomeColumns(style: Style): (f: Finding) => string {
  const columns = new Map<string, string>();
  return (f) => {
    const key = `${f.severity}|${f.outcome}`;
    let column = columns.get(key);
    if (column === undefined) columns.set(key, (column = `    ${style.severity(f.severity, f.outcome.padEnd(11))} `));
    return column;
  };
}

/** The rest of a finding's line (the same in every style). */
function findingText(f: Finding): string {
  // Names and values from the cloud are in these texts: control characters escaped (see escape.ts).
  return f.target ? `${esc(f.attribute)} → ${esc(f.target)}: ${esc(f.reason)}` : `${esc(f.attribute)}: ${esc(f.reason)}`;
}

/** Is the finding left out of a report that does not show exact mappings? */
function exactOnly(f: Finding): boolean {
  return f.outcome === 'exact' && f.severity === 'info';
}

export function formatReportTable(report: PlanReport, style: Style = plainStyle, options: { showExact?: boolean } = {}): string {
  const chunks: string[] = [];
  writeReportTable(report, (s) => chunks.push(s), style, options);
  return chunks.join('');
}

/**
 * The same text as formatReportTable, handed to `write` a piece at a time: a large cloud's report (tens
 * of MB with every exact mapping) goes to its file or stdout without ever being one string.
 * `serverSections`, when given, writes the per-server sections in place of the servers' own findings:
 * the directory writer renders each server's section as it is translated (serverSection) and keeps the
 * text on disk, not the findings in memory (cli/plan-run.ts).
 */
export function writeReportTable(
  report: PlanReport,
  write: (text: string) => void,
  style: Style = plainStyle,
  options: { showExact?: boolean; serverSections?: (write: (text: string) => void) => void } = {},
): void {
  const header = ['NAMESPACE', 'VM', 'SERVER', 'STATUS', 'EXACT', 'APPROX', 'LOST', 'VERDICT'];
  const rows = report.servers.map((s) => [
    s.namespace,
    s.vmName,
    esc(s.name),
    esc(s.status),
    String(s.counts.exact),
    String(s.counts.approximate),
    String(s.counts.lost),
    verdict(s.severity),
  ]);
  const table = formatColumns([header, ...rows]);
  const [headerLine = '', ...lines] = table;
  let out = `${style.bold(headerLine)}\n`;
  report.servers.forEach((server, i) => {
    out += `${style.severity(server.severity, lines[i] ?? '')}\n`;
  });
  write(out);

  const showExact = options.showExact === true;
  if (options.serverSections) options.serverSections(write);
  else {
    const section = serverSection(style, showExact);
    for (const s of report.servers) {
      const text = section(s, s.findings);
      if (text) write(text);
    }
  }
  const others = findingsSection(style, showExact);
  for (const o of report.others) {
    const text = others(`${esc(o.source)} (${esc(o.sourceName)}):`, o.findings);
    if (text) write(text);
  }
  write(`\n${summaryLine(report)}\n`);
}

/** A heading and the findings under it ('' when none is shown: exact ones only with showExact). */
function findingsSection(style: Style, showExact: boolean): (heading: string, findings: Finding[]) => string {
  const column = outcomeColumns(style);
  return (heading, findings) => {
    let text = '';
    for (const f of findings) {
      if (!showExact && exactOnly(f)) continue;
      text += `${column(f)}${findingText(f)}\n`;
    }
    return text ? `\n${style.bold(heading)}\n${text}` : '';
  };
}

type SectionServer = Pick<ServerReport, 'namespace' | 'vmName' | 'name' | 'id'>;

/** The report text of one server's findings, as writeReportTable writes it ('' when nothing is shown). */
export function serverSection(style: Style, showExact: boolean): (server: SectionServer, findings: Finding[]) => string {
  const section = serverSections([{ style, showExact }]);
  return (s, findings) => section(s, findings)[0]!; // one text per variant
}

/**
 * One server's section in several reports at once (report.txt with every finding, stdout without the
 * exact ones): each finding's text is escaped once for all of them.
 */
export function serverSections(variants: { style: Style; showExact: boolean }[]): (server: SectionServer, findings: Finding[]) => string[] {
  const columns = variants.map((v) => outcomeColumns(v.style));
  return (s, findings) => {
    const texts = variants.map(() => '');
    for (const f of findings) {
      const hidden = exactOnly(f);
      let text: string | undefined;
      for (let i = 0; i < variants.length; i++) {
        if (hidden && !variants[i]!.showExact) continue;
        text ??= findingText(f);
        texts[i] += `${columns[i]!(f)}${text}\n`;
      }
    }
    const heading = `${s.namespace}/${s.vmName} (server ${esc(s.name)}, ${esc(s.id)}):`;
    return texts.map((text, i) => (text ? `\n${variants[i]!.style.bold(heading)}\n${text}` : ''));
  };
}
