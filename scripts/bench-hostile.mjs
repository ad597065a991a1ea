// Benchmark of hostile input (issue 11 item 5): each case runs the real CLI in a fresh process and
// reports its wall time, peak resident memory (maxRSS), exit code and the first line it printed.
//   alias bomb      a 1.07 MB inventory whose one 1 MiB string is aliased 2,000 times (2 GB expanded):
//                   must end with one line, fast, in bounded memory;
//   100 MB inventory  10,000 generated servers, each with a ~7 KB description (a 100 MB JSON file):
//                   planned into a directory, memory bounded by the file, not by anything it expands to.
// Usage: node scripts/bench-hostile.mjs (after npm run build)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateInventory } from './generate-inventory.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const child = `
const t0 = performance.now();
const { main } = await import(${JSON.stringify(join(root, 'dist/cli/main.js'))});
const code = await main(process.argv.slice(1));
const ms = performance.now() - t0;
process.stderr.write('\\n' + JSON.stringify({ code, ms, maxRssBytes: process.resourceUsage().maxRSS * 1024 }) + '\\n');
`;

function run(args) {
  const res = spawnSync(process.execPath, ['--input-type=module', '-e', child, '--', ...args], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 1 << 30,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const lines = res.stderr.trim().split('\n');
  const last = lines.filter((l) => l.startsWith('{"code"')).pop();
  if (!last) return { code: res.status, ms: NaN, maxRssBytes: NaN, first: lines[0] ?? '' };
  return { ...JSON.parse(last), first: lines.find((l) => l.startsWith('error:')) ?? lines[0] };
}

const work = mkdtempSync(join(tmpdir(), 'bench-hostile-'));
const rows = [];
try {
  // The alias bomb of the issue.
  const big = 'x'.repeat(1 << 20);
  let bomb = `apiVersion: openstack-migrate.io/v1alpha1\nkind: Inventory\nschemaVersion: 1\nmetadata:\n  cloud: bomb\n  note: &big "${big}"\nservers:\n`;
  for (let i = 0; i < 2000; i++) bomb += `  - *big\n`;
  const bombFile = join(work, 'bomb.yaml');
  writeFileSync(bombFile, bomb);
  rows.push({ case: 'alias bomb (1 MiB × 2,000 aliases)', size: statSync(bombFile).size, ...run(['plan', '-i', bombFile, '-o', 'name']) });

  // 100 MB of inventory: 10,000 servers with long descriptions.
  const inv = generateInventory({ servers: 10_000, securityGroups: 2_000, seed: 42 });
  const base = JSON.stringify(inv).length;
  const pad = Math.max(0, Math.ceil((100e6 - base) / inv.servers.length));
  for (const s of inv.servers) s.description = 'd'.repeat(pad);
  const invFile = join(work, 'inv-100mb.json');
  writeFileSync(invFile, JSON.stringify(inv));
  rows.push({
    case: '100 MB inventory (10k servers, long descriptions)',
    size: statSync(invFile).size,
    ...run(['plan', '-i', invFile, '--out', join(work, 'plan')]),
  });
} finally {
  rmSync(work, { recursive: true, force: true });
}

console.log(
  `load average at the end: ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);
console.log('| case | file | exit | wall ms | max RSS MB | first line |');
console.log('|---|---:|---:|---:|---:|---|');
for (const r of rows) {
  console.log(
    `| ${r.case} | ${(r.size / 1e6).toFixed(2)} MB | ${r.code} | ${Math.round(r.ms)} | ${Math.round(r.maxRssBytes / 2 ** 20)} | ${String(r.first).slice(0, 110)} |`,
  );
}
