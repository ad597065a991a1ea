// Benchmark of `plan` (issue 2): synthetic clouds of 1k / 10k / 50k servers, each planned by a fresh
// process running the real CLI (load + validate + translate + write the directory + report), measuring
// wall time and peak resident memory (maxRSS) of that process. Targets for 10k servers / 2k security
// groups: < 2 s and < 300 MB on a 2-core machine; growth should be linear.
// Usage: node scripts/bench-plan.mjs [--sizes 1000,10000,50000] [--runs 3]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir, cpus, loadavg } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateInventory } from './generate-inventory.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, def) => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1] : def; };
const sizes = opt('sizes', '1000,10000,50000').split(',').map(Number);
const runs = Number(opt('runs', '3'));
// --root DIR: benchmark the build in another checkout (e.g. the previous commit) on the same inputs.
const cliRoot = opt('root', root);

// The child: run the CLI's main() in-process, then print its own peak RSS (bytes) and wall time.
const child = `
const t0 = performance.now();
const { main } = await import(${JSON.stringify(join(cliRoot, 'dist/cli/main.js'))});
const code = await main(process.argv.slice(1));
const ms = performance.now() - t0;
const cpu = process.cpuUsage();
process.stderr.write(JSON.stringify({ code, ms, cpuMs: (cpu.user + cpu.system) / 1000, maxRssBytes: process.resourceUsage().maxRSS * 1024 }) + '\\n');
`;

const work = mkdtempSync(join(tmpdir(), 'bench-plan-'));
const results = [];
for (const servers of sizes) {
  const securityGroups = Math.max(10, Math.round(servers / 5));
  const inv = generateInventory({ servers, securityGroups, seed: 42 });
  const file = join(work, `inv-${servers}.json`);
  writeFileSync(file, JSON.stringify(inv));
  const samples = [];
  for (let r = 0; r < runs; r++) {
    const out = join(work, `plan-${servers}`);
    const res = spawnSync(process.execPath, ['--input-type=module', '-e', child, '--', 'plan', '-i', file, '--out', out], {
      cwd: root, encoding: 'utf8', maxBuffer: 1 << 30, stdio: ['ignore', 'ignore', 'pipe'],
    });
    const last = res.stderr.trim().split('\n').filter((l) => l.startsWith('{')).pop();
    if (!last) throw new Error(`plan failed for ${servers} servers:\n${res.stderr}`);
    const m = JSON.parse(last);
    if (m.code !== 0) throw new Error(`plan exited ${m.code} for ${servers} servers:\n${res.stderr}`);
    samples.push(m);
    rmSync(out, { recursive: true, force: true });
  }
  samples.sort((a, b) => a.ms - b.ms);
  const median = samples[Math.floor(samples.length / 2)];
  const objects = inv.servers.length;
  const cpuSorted = samples.map((x) => x.cpuMs).sort((a, b) => a - b);
  results.push({ servers, securityGroups, rules: inv.securityGroups.reduce((n, g) => n + g.rules.length, 0), medianMs: Math.round(median.ms), minMs: Math.round(samples[0].ms), medianCpuMs: Math.round(cpuSorted[Math.floor(cpuSorted.length / 2)]), maxRssMB: Math.round(Math.max(...samples.map((s) => s.maxRssBytes)) / 1e6), msPerServer: +(median.ms / objects).toFixed(3) });
}
rmSync(work, { recursive: true, force: true });

// The machine may be shared: the load average says how much the figures are worth.
console.log(`plan benchmark (${cpus().length} cores, node ${process.version}, median of ${runs} runs, whole CLI: load + validate + translate + write + report; load average at the end ${loadavg().map((l) => l.toFixed(2)).join(' ')})`);
// cpu-ms (user + system, all threads) depends much less than wall time on what else the machine runs.
console.log('servers  security-groups  rules    wall-ms  best-ms  cpu-ms   ms/server  max-RSS-MB');
for (const r of results) console.log(`${String(r.servers).padEnd(8)} ${String(r.securityGroups).padEnd(16)} ${String(r.rules).padEnd(8)} ${String(r.medianMs).padEnd(8)} ${String(r.minMs).padEnd(8)} ${String(r.medianCpuMs).padEnd(8)} ${String(r.msPerServer).padEnd(10)} ${r.maxRssMB}`);
const tenK = results.find((r) => r.servers === 10000);
if (tenK) console.log(`target 10k servers: < 2000 ms and < 300 MB → ${tenK.medianMs < 2000 && tenK.maxRssMB < 300 ? 'MET' : 'NOT MET'} (${tenK.medianMs} ms, ${tenK.maxRssMB} MB)`);
console.log(JSON.stringify({ benchmark: 'plan', results }));
