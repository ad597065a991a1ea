// The work behind `plan`: load, translate, refuse invalid input before writing anything, then write the
// manifests, the report, and (with --apply) the objects into the cluster.
import { writeFile } from 'node:fs/promises';
import yaml from 'js-yaml';
import { MigrateError } from '../errors.js';
import { loadInventoryFile } from '../inventory/load.js';
import { buildPlan, type Plan } from '../plan/build.js';
import { resourceName } from '../plan/order.js';
import { loadPlanConfigFile, resolvePlanConfig } from '../plan/config.js';
import { planFileEntries, toJsonList, toYamlDocuments, writePlanDirectory } from '../plan/write.js';
import { buildReport, summaryLine, type PlanReport } from '../report/summary.js';
import { formatReportTable } from '../report/table.js';
import type { PlanArgs } from './plan.js';
import { note, terminalStyle } from './output.js';


function errorsOf(plan: Plan): string[] {
  return plan.findings
    .filter((f) => f.severity === 'error')
    .map((f) => `  ${f.source} (${f.sourceName}): ${f.attribute}: ${f.reason}`);
}

async function formatReport(report: PlanReport, format: PlanArgs['reportFormat'], stream: NodeJS.WriteStream, showExact: boolean): Promise<string> {
  if (format === 'json') return `${JSON.stringify(report, null, 2)}\n`;
  if (format === 'yaml') return yaml.dump(report, { noRefs: true, lineWidth: -1 });
  return formatReportTable(report, await terminalStyle(stream), { showExact });
}

export async function runPlan(args: PlanArgs): Promise<number> {
  const fileConfig = args.config ? await loadPlanConfigFile(args.config) : {};
  const config = resolvePlanConfig(fileConfig, args);
  const inventory = await loadInventoryFile(args.inventory);
  const plan = buildPlan(inventory, config);

  // Input the target rejects (an unknown disk bus, an impossible CPU topology): nothing is written.
  const errors = errorsOf(plan);
  if (errors.length) {
    throw new MigrateError('invalid-input', [`${args.inventory}: ${errors.length} value(s) cannot be migrated as given; nothing was written:`, ...errors].join('\n'));
  }

  const report = buildReport(plan);
  const objects = args.namespace ? plan.objects.filter((o) => !o.metadata.namespace || o.metadata.namespace === args.namespace) : plan.objects;

  // Where the report goes: stdout, unless stdout carries the manifests.
  const reportStream = args.output ? process.stderr : process.stdout;
  if (args.out) {
    const reportText = formatReportTable(report, { bold: (s) => s, severity: (_v, s) => s }, { showExact: true });
    await writePlanDirectory(args.out, (function* () {
      yield* planFileEntries(objects);
      yield ['report.txt', reportText] as [string, string];
    })());
  } else if (args.output === 'yaml') {
    process.stdout.write(toYamlDocuments(objects));
  } else if (args.output === 'json') {
    process.stdout.write(toJsonList(objects));
} else if (args.output === 'name') {
    process.stdout.write(objects.map((o) => `${resourceName(o)}\n`).join(''));
  }

  if (args.report) await writeFile(args.report, await formatReport(report, args.reportFormat, process.stdout, true));
  reportStream.write(await formatReport(report, args.reportFormat, reportStream, args.showExact));
  if (args.out) note(`wrote ${objects.length} objects to ${args.out} (apply with: kubectl apply -R -f ${args.out})`);

  if (args.apply) {
    const { applyPlanObjects } = await import('./plan-apply.js');
    const ok = await applyPlanObjects(objects, args);
    if (!ok) return 1;
  }

  if (args.strict && (report.summary.lost > 0 || report.summary.serversBlocked > 0)) {
    note(`strict: ${report.summary.lost} attribute(s) lost, ${report.summary.serversBlocked} server(s) blocked (${summaryLine(report)})`);
    return 1;
  }
  return 0;
}
