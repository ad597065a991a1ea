// `npm run bench`: every benchmark of the project, one after the other (they share 2 cores; never in parallel).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const benches = ['bench-plan.mjs', 'bench-inventory.mjs', 'bench-startup.mjs', 'bench-workflow.mjs', 'bench-hostile.mjs'];
let failed = 0;
const build = spawnSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit', cwd: join(here, '..') });
if (build.status !== 0) process.exit(1);
for (const b of benches) {
  const path = join(here, b);
  if (!existsSync(path)) continue;
  console.log(`\n== ${b}`);
  const res = spawnSync(process.execPath, [path], { stdio: 'inherit' });
  if (res.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
