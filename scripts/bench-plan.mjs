// Benchmark of `plan` (issue 2): synthetic clouds of 1k / 10k / 50k servers, each planned by a fresh
// process running the real CLI (load + validate + translate + write the directory + report), measuring
// wall time and peak resident memory (maxRSS) of that process. Targets for 10k servers / 2k security
// groups: < 2 s and < 300 MB on a 2-core machine; growth should be linear.
// Usage: node scripts/bench-plan.mjs [--sizes 1000,10000,50000] [--runs 3] [--format json|yaml] [--baseline]
// --format yaml writes the synthetic inventory as YAML (as `inventory` writes it by default), and
// --baseline also measures, in the same kind of child, a bare js-yaml load + dump of the same file (the
// least any YAML-to-YAML tool must do), and prints plan's wall time and peak RSS as a ratio of that (issue 13).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir, cpus, loadavg } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dump } from 'js-yaml';
import { generateInventory } from './generate-inventory.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const sizes = opt('sizes', '1000,10000,50000').split(',').map(Number);
const runs = Number(opt('runs', '3'));
// --root DIR: benchmark the build in another checkout (e.g. the previous commit) on the same inputs.
const cliRoot = opt('root', root);
const format = opt('format', 'json');
const baseline = args.includes('--baseline');

// The child: run the CLI's main() in-process, then print its own peak RSS (bytes) and wall time.
const child = `
const t0 = performance.now();
const { main } = await import(${JSON.stringify(join(cliRoot, 'dist/cli/main.js'))});
const code = await main(process.argv.slice(1));
const ms = performance.now() - t0;
const cpu = process.cpuUsage();
process.stderr.write(JSON.stringify({ code, ms, cpuMs: (cpu.user + cpu.system) / 1000, maxRssBytes: process.resourceUsage().maxRSS * 1024 }) + '\\n');
`;

// The baseline child: read the file, js-yaml load, js-yaml dump, write one file; same measurements.
const baselineChild = `
const t0 = performance.now();
const { readFileSync, writeFileSync } = await import('node:fs');
const yaml = (await import(${JSON.stringify(join(cliRoot, 'node_modules/js-yaml/dist/js-yaml.mjs'))})).default;
const [file, out] = process.argv.slice(1);
writeFileSync(out, yaml.dump(yaml.load(readFileSync(file, 'utf8')), { noRefs: true, lineWidth: -1 }));
const ms = performance.now() - t0;
const cpu = process.cpuUsage();
process.stderr.write(JSON.stringify({ code: 0, ms, cpuMs: (cpu.user + cpu.system) / 1000, maxRssBytes: process.resourceUsage().maxRSS * 1024 }) + '\\n');
`;

function measure(script, argv) {
  const res = spawnSync(process.execPath, ['--input-type=module', '-e', script, '--', ...argv], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 1 << 30,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const last = res.stderr
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .pop();
  if (!last) throw new Error(`${argv.join(' ')} failed:\n${res.stderr}`);
  return JSON.parse(last);
}

const work = mkdtempSync(join(tmpdir(), 'bench-plan-'));
const results = [];
for (const servers of sizes) {
  const securityGroups = Math.max(10, Math.round(servers / 5));
  const inv = generateInventory({ servers, securityGroups, seed: 42 });
  const file = join(work, `inv-${servers}.${format}`);
  writeFileSync(file, format === 'yaml' ? dump(inv, { noRefs: true, lineWidth: -1 }) : JSON.stringify(inv));
  const samples = [];
  const baseSamples = [];
  for (let r = 0; r < runs; r++) {
    const out = join(work, `plan-${servers}`);
    const m = measure(child, ['plan', '-i', file, '--out', out]);
    if (m.code !== 0) throw new Error(`plan exited ${m.code} for ${servers} servers`);
    samples.push(m);
    rmSync(out, { recursive: true, force: true });
    // Interleaved with the plan runs, so both see the same load on a shared machine.
    if (baseline) {
      baseSamples.push(measure(baselineChild, [file, join(work, 'baseline.yaml')]));
      rmSync(join(work, 'baseline.yaml'), { force: true });
    }
  }
  // Each plan run against the baseline run right after it (same load on the machine): how much the
  // ratio moves from run to run, beside the ratio of the medians.
  const pairRatios = baseline ? samples.map((m, i) => m.ms / baseSamples[i].ms).sort((a, b) => a - b) : [];
  samples.sort((a, b) => a.ms - b.ms);
  const median = samples[Math.floor(samples.length / 2)];
  const objects = inv.servers.length;
  const cpuSorted = samples.map((x) => x.cpuMs).sort((a, b) => a - b);
  results.push({
    servers,
    securityGroups,
    rules: inv.securityGroups.reduce((n, g) => n + g.rules.length, 0),
    medianMs: Math.round(median.ms),
    minMs: Math.round(samples[0].ms),
    medianCpuMs: Math.round(cpuSorted[Math.floor(cpuSorted.length / 2)]),
    maxRssMB: Math.round(Math.max(...samples.map((s) => s.maxRssBytes)) / 1e6),
    msPerServer: +(median.ms / objects).toFixed(3),
  });
  if (baseline) {
    const sortedBase = [...baseSamples].sort((a, b) => a.ms - b.ms);
    const b = sortedBase[Math.floor(sortedBase.length / 2)];
    Object.assign(results.at(-1), {
      baselineMs: Math.round(b.ms),
      baselineCpuMs: Math.round(b.cpuMs),
      baselineMaxRssMB: Math.round(Math.max(...baseSamples.map((s) => s.maxRssBytes)) / 1e6),
      ratioWall: +(median.ms / b.ms).toFixed(2),
      ratioCpu: +(cpuSorted[Math.floor(cpuSorted.length / 2)] / b.cpuMs).toFixed(2),
      pairRatiosWall: pairRatios.map((r) => +r.toFixed(2)),
    });
  }
}
rmSync(work, { recursive: true, force: true });

// The machine may be shared: the load average says how much the figures are worth.
console.log(
  `plan benchmark (${format} inventory, ${cpus().length} cores, node ${process.version}, median of ${runs} runs, whole CLI: load + validate + translate + write + report; load average at the end ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')})`,
);
// cpu-ms (user + system, all threads) depends much less than wall time on what else the machine runs.
console.log('servers  security-groups  rules    wall-ms  best-ms  cpu-ms   ms/server  max-RSS-MB');
for (const r of results)
  console.log(
    `${String(r.servers).padEnd(8)} ${String(r.securityGroups).padEnd(16)} ${String(r.rules).padEnd(8)} ${String(r.medianMs).padEnd(8)} ${String(r.minMs).padEnd(8)} ${String(r.medianCpuMs).padEnd(8)} ${String(r.msPerServer).padEnd(10)} ${r.maxRssMB}`,
  );
const tenK = results.find((r) => r.servers === 10000);
if (baseline) {
  console.log('baseline: bare js-yaml load + dump of the same file (median wall / CPU / max RSS) and plan as a multiple of it');
  for (const r of results)
    console.log(
      `${String(r.servers).padEnd(8)} js-yaml ${r.baselineMs} ms / ${r.baselineCpuMs} cpu-ms / ${r.baselineMaxRssMB} MB → plan ${r.ratioWall}× wall, ${r.ratioCpu}× CPU; run by run ${r.pairRatiosWall.join(', ')}× wall`,
    );
}
if (tenK)
  console.log(
    `target 10k servers: < 2000 ms and < 300 MB → ${tenK.medianMs < 2000 && tenK.maxRssMB < 300 ? 'MET' : 'NOT MET'} (${tenK.medianMs} ms, ${tenK.maxRssMB} MB)`,
  );
console.log(JSON.stringify({ benchmark: 'plan', results }));
