#!/usr/bin/env node
// Start-up time of the plugin: median wall time of `--help` and `version --client` over N runs, for the
// single binary (build/, from `npm run package`) and the npm launcher (bin/, from `npm run build`).
// Goal: median under 150 ms on 2 cores. Exit code 1 when a median misses the goal (CI can gate on it).
// Wall time depends on what else the machine runs; the CPU time of the child (user+sys, from
// /proc/self/stat on Linux, 10 ms ticks) does much less, and `node -e 0` is measured as the floor.
//
//   node scripts/bench-startup.mjs [--runs N] [--goal MS] [--json] [--exe PATH]...
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import os from 'node:os';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '21' },
    goal: { type: 'string', default: '150' },
    json: { type: 'boolean', default: false },
    exe: { type: 'string', multiple: true },
  },
});
const runs = Number(values.runs);
const goal = Number(values.goal);

/** What to measure: explicit --exe paths, else whichever of the two builds exist. */
function targets() {
  if (values.exe?.length) return values.exe.map((p) => ({ name: p, argv: [p] }));
  const found = [];
  const sea = `${root}build/kubectl-openstack-migrate`;
  if (existsSync(sea)) found.push({ name: 'single binary (build/)', argv: [sea] });
  if (existsSync(`${root}dist/cli/main.js`))
    found.push({ name: 'node launcher (bin/ + dist/)', argv: [process.execPath, `${root}bin/kubectl-openstack-migrate`] });
  if (!found.length) {
    process.stderr.write('nothing to measure: run `npm run package` (single binary) or `npm run build` (dist/) first\n');
    process.exit(2);
  }
  return found;
}

const commands = [['--help'], ['version', '--client']];

/** CPU time (ms) of this process's waited-for children so far; undefined where /proc is missing. */
function childCpuMs() {
  try {
    // Fields after the command name: cutime and cstime are the 14th and 15th (clock ticks, 100 Hz on Linux).
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
    return (Number(fields[13]) + Number(fields[14])) * 10;
  } catch {
    return undefined;
  }
}

function time(argv) {
  const cpu0 = childCpuMs();
  const start = process.hrtime.bigint();
  // NO_COLOR and a pipe: the common scripted case; stdout is read and dropped.
  const res = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (res.status !== 0) throw new Error(`${argv.join(' ')} exited ${res.status}: ${res.stderr}`);
  const cpu1 = childCpuMs();
  return { ms, cpu: cpu0 === undefined || cpu1 === undefined ? undefined : cpu1 - cpu0 };
}

function stats(samples) {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  return { median: at(0.5), p90: at(0.9), min: s[0], max: s[s.length - 1] };
}

const results = [];
const floor = { name: 'floor: node -e 0', argv: [process.execPath, '-e', '0'] };
for (const target of [floor, ...targets()]) {
  for (const command of target === floor ? [[]] : commands) {
    const argv = [...target.argv, ...command];
    time(argv); // warm the page cache; not counted
    const samples = Array.from({ length: runs }, () => time(argv));
    const cpu = samples.every((s) => s.cpu !== undefined) ? stats(samples.map((s) => s.cpu)).median : undefined;
    results.push({ target: target.name, command: command.join(' '), runs, ...stats(samples.map((s) => s.ms)), cpuMedian: cpu, floor: target === floor });
  }
}
const [loadAvg1] = os.loadavg();

const fmt = (n) => n.toFixed(1).padStart(7);
if (values.json) {
  process.stdout.write(`${JSON.stringify({ cpus: os.cpus().length, loadAvg1, node: process.version, goalMs: goal, results }, null, 2)}\n`);
} else {
  process.stdout.write(
    `${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? 'unknown'}), load average ${loadAvg1.toFixed(2)}, node ${process.version}; ${runs} runs each; goal: median < ${goal} ms\n`,
  );
  process.stdout.write(`${'target'.padEnd(30)} ${'command'.padEnd(18)}  median     p90     min     max   cpu median (ms)\n`);
  for (const r of results) {
    const mark = r.floor ? '' : r.median < goal ? 'ok' : 'SLOW';
    process.stdout.write(
      `${r.target.padEnd(30)} ${r.command.padEnd(18)} ${fmt(r.median)} ${fmt(r.p90)} ${fmt(r.min)} ${fmt(r.max)} ${r.cpuMedian === undefined ? '      -' : fmt(r.cpuMedian)}  ${mark}\n`,
    );
  }
}
process.exitCode = results.every((r) => r.floor || r.median < goal) ? 0 : 1;
