// Which directories `plan --out` may replace, and which leftovers of earlier runs it may remove.
//
// The rule (never delete what this tool did not create): a directory is replaced only when it does not
// exist, is empty, or holds a plan this tool wrote, recognised by its marker file and by holding nothing
// but what a plan holds (cluster/, namespaces/<ns>/*.yaml, report.txt, the marker). Anything else (a
// user's notes.txt, the inventory, the current directory, a file, a symbolic link) stops the run before
// anything is written, with the reason.
import { lstatSync, readFileSync, readdirSync, rmSync, type Stats } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { MigrateError, fileError } from '../errors.js';

/** The marker file in every plan directory this tool writes (no .yaml/.json: `kubectl apply -R` skips it). */
export const PLAN_MARKER = '.kubectl-openstack-migrate-plan';

export function planMarkerText(planId: string): string {
  return `# Written by kubectl openstack-migrate plan. The next \`plan --out\` into this directory replaces it whole.\nplanId: ${planId}\n`;
}

function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw fileError(e, path, 'read');
  }
}

/** The plan id in `dir`'s marker, or undefined when there is no readable marker. */
export function markerPlanId(dir: string): string | undefined {
  try {
    const match = /^planId: (.+)$/m.exec(readFileSync(join(dir, PLAN_MARKER), 'utf8'));
    return match ? match[1] : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Why `dir` (an existing directory) is not a plan this tool wrote, or undefined when it is one: a marker,
 * and only the entries a plan has. A directory is never treated as ours on the marker alone.
 */
function notOurPlan(dir: string): string | undefined {
  const entries = readdirSync(dir, { withFileTypes: true });
  if (!entries.some((e) => e.name === PLAN_MARKER && e.isFile()) || markerPlanId(dir) === undefined) return `holds no plan marker (${PLAN_MARKER})`;
  for (const e of entries) {
    if (e.name === PLAN_MARKER) continue;
    if (e.name === 'report.txt' && e.isFile()) continue;
    if (e.name === 'cluster' && e.isDirectory()) {
      const odd = foreignIn(join(dir, 'cluster'), 0);
      if (odd) return `holds ${odd}, which a plan does not write`;
      continue;
    }
    if (e.name === 'namespaces' && e.isDirectory()) {
      const odd = foreignIn(join(dir, 'namespaces'), 1);
      if (odd) return `holds ${odd}, which a plan does not write`;
      continue;
    }
    return `holds ${join(dir, e.name)}, which a plan does not write`;
  }
  return undefined;
}

/** The first entry under `dir` that a plan does not write: `depth` levels of folders, then only .yaml files. */
function foreignIn(dir: string, depth: number): string | undefined {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, e.name);
    if (depth > 0 && e.isDirectory()) {
      const odd = foreignIn(path, depth - 1);
      if (odd) return odd;
    } else if (depth > 0 || !e.isFile() || !/^\d\d-[a-z-]+\.yaml$/.test(e.name)) {
      return path;
    }
  }
  return undefined;
}

/**
 * Throws (exit 1, nothing written) unless `target` may be replaced by a new plan: it does not exist, or is
 * an empty directory, or a plan this tool wrote. Also refuses the current directory and its ancestors.
 */
export function checkReplaceable(target: string): void {
  const full = resolve(target);
  const cwd = process.cwd();
  const rel = relative(full, cwd);
  if (rel === '' || !(rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel))) {
    throw new MigrateError(
      'invalid-input',
      `--out ${target}: refusing to replace ${rel === '' ? 'the current directory' : 'a directory that contains the current directory'}; give a new or empty directory (e.g. --out plan/)`,
      { where: target },
    );
  }
  if (dirname(full) === full)
    throw new MigrateError('invalid-input', `--out ${target}: refusing to replace the root directory; give a new or empty directory`, { where: target });
  const stat = lstatOrUndefined(full);
  if (!stat) return;
  if (stat.isSymbolicLink())
    throw new MigrateError('invalid-input', `--out ${target} is a symbolic link; give the directory itself, or a new one`, { where: target });
  if (!stat.isDirectory())
    throw new MigrateError('invalid-input', `--out ${target} exists and is not a directory; nothing was written (give a new or empty directory)`, {
      where: target,
    });
  if (readdirSync(full).length === 0) return;
  const why = notOurPlan(full);
  if (why) {
    throw new MigrateError(
      'invalid-input',
      `--out ${target} is not empty and is not a plan written by this tool: it ${why}; nothing was written or deleted (give a new or empty directory, or remove it yourself)`,
      { where: target },
    );
  }
}

/** Is this process id gone (so its leftovers are stale)? Also used for stale inventory temp files (inventory/save.ts). */
export function processGone(pid: number): boolean {
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * Remove what killed earlier runs left beside `target`: `.NAME.tmp-PID` (a plan being written) and
 * `.NAME.old-PID` (the previous plan, during the swap), when that process is gone and the directory is
 * one this tool wrote (empty, or a plan with its marker). Returns the paths removed.
 */
export function removeStaleLeftovers(target: string): string[] {
  const full = resolve(target);
  const parent = dirname(full);
  const name = basename(full);
  const removed: string[] = [];
  let entries: string[];
  try {
    entries = readdirSync(parent);
  } catch {
    return removed;
  }
  const prefix = `.${name}.`;
  for (const entry of entries) {
    if (!entry.startsWith(prefix)) continue;
    const match = /^(tmp|old)-(\d+)$/.exec(entry.slice(prefix.length));
    if (!match || !processGone(Number(match[2]))) continue;
    const path = join(parent, entry);
    const stat = lstatOrUndefined(path);
    if (!stat?.isDirectory()) continue;
    if (readdirSync(path).length > 0 && notOurPlan(path) !== undefined) continue;
    rmSync(path, { recursive: true, force: true });
    removed.push(path);
  }
  return removed;
}
