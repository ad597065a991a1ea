// The work behind `plan`: load, translate, refuse invalid input before writing anything, then write the
// manifests, the report, and (with --apply) the objects into the cluster.
import { writeFile } from 'node:fs/promises';
import yaml from 'js-yaml';
import { MigrateError, fileError } from '../errors.js';
import { loadInventoryFile } from '../inventory/load.js';
import { buildPlan, preparePlan, type Plan } from '../plan/build.js';
import { resourceName } from '../plan/order.js';
import { loadPlanConfigFile, resolvePlanConfig } from '../plan/config.js';
import { streamPlanFiles, type ServerFindingsSink } from '../plan/stream.js';
import { StagedDirectory, bufferedSink, planFileEntries, toJsonList, toYamlDocuments, writePlanDirectory, type TextSink } from '../plan/write.js';
import type { Finding } from '../translate/model.js';
import { assembleReport, buildReport, summaryLine, type PlanReport } from '../report/summary.js';
import { formatReportTable, plainStyle, serverSections, writeReportTable } from '../report/table.js';
import { escapeControl } from '../report/escape.js';
import type { PlanArgs } from './plan.js';
import { note, terminalStyle } from './output.js';
import { TextSpool } from './text-spool.js';
import { limitHeapGrowth } from './heap-growth.js';

/** -n names a namespace of the plan, or the run stops (kubectl: NotFound, exit 1) instead of writing all. */
function checkNamespaceInPlan(namespace: string, objects: Plan['objects'], inventory: string): void {
  const names = objects
    .filter((o) => o.kind === 'Namespace')
    .map((o) => o.metadata.name)
    .sort();
  if (names.includes(namespace)) return;
  const shown = names.slice(0, 10).join(', ') + (names.length > 10 ? `, … (${names.length} in all)` : '');
  throw new MigrateError(
    'invalid-input',
    `namespace "${namespace}" not found in the plan of ${inventory} (its namespaces: ${shown || 'none'}); nothing was written`,
  );
}

function errorsOf(plan: Plan): Finding[] {
  return plan.findings.filter((f) => f.severity === 'error');
}

function invalidInput(inventory: string, errors: Finding[]): MigrateError {
  const lines = errors.map((f) => `  ${escapeControl(f.source)} (${escapeControl(f.sourceName)}): ${escapeControl(f.attribute)}: ${escapeControl(f.reason)}`);
  return new MigrateError('invalid-input', [`${inventory}: ${errors.length} value(s) cannot be migrated as given; nothing was written:`, ...lines].join('\n'));
}

/** The report in the chosen format, handed to `sink` (a table of a large cloud is never one string). */
async function writeReport(
  report: PlanReport,
  format: PlanArgs['reportFormat'],
  sink: TextSink,
  stream: NodeJS.WriteStream,
  showExact: boolean,
): Promise<void> {
  if (format === 'json') sink.write(`${JSON.stringify(report, null, 2)}\n`);
  else if (format === 'yaml') sink.write(yaml.dump(report, { noRefs: true, lineWidth: -1 }));
  else writeReportTable(report, sink.write, await terminalStyle(stream), { showExact });
  sink.end();
}

function streamSink(stream: NodeJS.WritableStream): TextSink {
  return bufferedSink((chunk) => stream.write(chunk));
}

export async function runPlan(args: PlanArgs): Promise<number> {
  limitHeapGrowth();
  const fileConfig = args.config ? await loadPlanConfigFile(args.config) : {};
  const config = resolvePlanConfig(fileConfig, args);
  const inventory = await loadInventoryFile(args.inventory);
  const namespace = args.namespace || undefined;

  let report: PlanReport;
  let identity: Pick<Plan, 'cloud' | 'identity'>;
  let objects: Plan['objects'] = [];
  let written: number;
  // Where the report goes: stdout, unless stdout carries the manifests.
  const reportStream = args.output ? process.stderr : process.stdout;
  // The table report (the default, and no --report file) of a directory plan is written from each
  // server's findings as the server is translated, kept on disk until the table is written (text-spool.ts);
  // the other formats need the findings themselves and keep them (packed) to the end.
  const spooled =
    args.out && !args.apply && args.reportFormat === 'table' && !args.report
      ? { file: new TextSpool(), shown: new TextSpool(), style: await terminalStyle(reportStream) }
      : undefined;
  try {
    if (args.out && !args.apply) {
      // The directory is written namespace by namespace as the servers are translated (see plan/stream.ts);
      // input the target rejects still leaves nothing behind: the staging directory is discarded. (With
      // --apply the objects themselves are needed: the whole plan is built once, below.)
      const builder = preparePlan(inventory, config, { writtenAtOnce: true });
      identity = builder;
      if (namespace) checkNamespaceInPlan(namespace, builder.shared.objects, args.inventory);
      const dir = new StagedDirectory(args.out, builder.planId);
      try {
        let onServerFindings: ServerFindingsSink | undefined;
        if (spooled) {
          // report.txt (plain, every finding) and the report shown (its style, exact ones with --show-exact).
          const sections = serverSections([
            { style: plainStyle, showExact: true },
            { style: spooled.style, showExact: args.showExact },
          ]);
          onServerFindings = (server, findings) => {
            const [file, shown] = sections(server, findings);
            if (file) spooled.file.write(file);
            if (shown) spooled.shown.write(shown);
          };
        }
        const streamed = await streamPlanFiles(
          inventory,
          builder,
          (path, content, release) => {
            // The content is copied to the writing thread: its Buffer is free again at once.
            const wait = dir.write(path, content);
            release();
            return wait;
          },
          namespace,
          {
            onServerFindings,
          },
        );
        if (streamed.errors.length) throw invalidInput(args.inventory, streamed.errors);
        report = assembleReport(streamed);
        written = streamed.written;
        const reportFile = dir.stream('report.txt');
        writeReportTable(report, reportFile.write, plainStyle, {
          showExact: true,
          // report.txt is written synchronously (StagedDirectory.stream): one read Buffer serves.
          serverSections: spooled && (() => spooled.file.replay(reportFile.writeBytes, true)),
        });
        reportFile.end();
        await dir.commit();
      } catch (e) {
        await dir.discard();
        throw e;
      }
    } else {
      const plan = buildPlan(inventory, config);
      identity = plan;
      // Input the target rejects (an unknown disk bus, an impossible CPU topology): nothing is written.
      const errors = errorsOf(plan);
      if (errors.length) throw invalidInput(args.inventory, errors);
      if (namespace) checkNamespaceInPlan(namespace, plan.objects, args.inventory);
      report = buildReport(plan);
      objects = namespace ? plan.objects.filter((o) => !o.metadata.namespace || o.metadata.namespace === namespace) : plan.objects;
      written = objects.length;
      // --out with --apply: the same files and report.txt as the streamed directory, from the one plan.
      if (args.out)
        await writePlanDirectory(
          args.out,
          [...planFileEntries(objects), ['report.txt', formatReportTable(report, plainStyle, { showExact: true })]],
          plan.planId,
        );
      else if (args.output === 'yaml') {
        process.stdout.write(toYamlDocuments(objects));
      } else if (args.output === 'json') {
        process.stdout.write(toJsonList(objects));
      } else if (args.output === 'name') {
        process.stdout.write(objects.map((o) => `${resourceName(o)}\n`).join(''));
      }
    }

    if (args.report) {
      const chunks: string[] = [];
      await writeReport(
        report,
        args.reportFormat,
        { write: (s) => chunks.push(s), writeBytes: (b) => chunks.push(b.toString('utf8')), end: () => {} },
        process.stdout,
        true,
      );
      await writeFile(args.report, chunks.join('')).catch((e: unknown) => {
        throw fileError(e, args.report!, 'write');
      });
    }
    if (spooled) {
      const sink = streamSink(reportStream);
      writeReportTable(report, sink.write, spooled.style, {
        showExact: args.showExact,
        // A chunk the stream did not queue (stdout to a file or, on Linux, a pipe: written at once) is done
        // with, and its Buffer takes the next one.
        serverSections: () => spooled.shown.replay(sink.writeBytes, () => reportStream.writableLength === 0),
      });
      sink.end();
    } else await writeReport(report, args.reportFormat, streamSink(reportStream), reportStream, args.showExact);
  } finally {
    spooled?.file.remove();
    spooled?.shown.remove();
  }
  if (args.out && !args.apply) note(nextStepAfterOut(args, written));

  if (args.apply) {
    const [{ applyPlanObjects }, { contractOfPlan }] = await Promise.all([import('./plan-apply.js'), import('../workflow/plan-contract.js')]);
    const ok = await applyPlanObjects(objects, args, contractOfPlan(identity));
    if (!ok) return 1;
  }

  if (args.strict && (report.summary.lost > 0 || report.summary.serversBlocked > 0)) {
    note(`strict: ${report.summary.lost} attribute(s) lost, ${report.summary.serversBlocked} server(s) blocked (${summaryLine(report)})`);
    return 1;
  }
  return 0;
}

/**
 * What to do with a plan written by --out. Not `kubectl apply -R -f DIR`: the directory holds the
 * VirtualMachines (they would start while their source servers run) and the Services (they would claim
 * floating IPs OpenStack still routes), which `plan --apply` holds back for `import` and `cutover`.
 */
export function nextStepAfterOut(args: Pick<PlanArgs, 'inventory' | 'out'>, written: number): string {
  return [
    `wrote ${written} objects to ${args.out} for review; do not \`kubectl apply\` the directory whole: it would start the VMs and claim the floating IPs`,
    `next: the same command with --apply instead of --out (first with --dry-run=server), e.g. kubectl openstack-migrate plan -i ${args.inventory} --apply --dry-run=server`,
    '      it applies namespaces, RBAC, network policies and Secrets; backup, import and cutover then create the disks, VMs and Services',
  ].join('\n');
}
