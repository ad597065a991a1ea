// Writing an inventory file: atomically (a temporary file beside it, then rename), into a file only (never
// a directory), and without leaving temporary files behind, even from runs that were killed.
import { closeSync, lstatSync, openSync, readSync, readdirSync, rmSync, statSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { MigrateError, fileError } from '../errors.js';
import { processGone } from '../plan/owned-directory.js';
import { INVENTORY_API_VERSION } from './types.js';

/** The temporary file a run of process `pid` writes before renaming it to `file`. */
function tempFileOf(file: string, pid: number): string {
  return join(dirname(file), `.${basename(file)}.${pid}.tmp`);
}

/**
 * Throws unless `file` can be the inventory file: a path that names a file (not a directory, not `/`,
 * not ending in a slash), whose folder exists. Call it before the (long) collection, and again on save.
 */
export function checkInventoryTarget(file: string): void {
  const full = resolve(file);
  const isDir = (() => {
    try {
      return statSync(full).isDirectory();
    } catch {
      return false;
    }
  })();
  if (isDir || /[/\\]$/.test(file) || basename(full) === '') {
    throw new MigrateError('usage', `inventory file ${file} is a directory; give a file name, e.g. ${join(file, 'inventory.yaml')}`, { where: file });
  }
  try {
    if (!statSync(dirname(full)).isDirectory()) throw new Error('not a directory');
  } catch {
    throw new MigrateError('usage', `cannot write inventory file ${file}: folder ${dirname(full)} does not exist`, { where: file });
  }
}

/** Does the file start as an inventory this tool writes (YAML or JSON), or is it empty (killed before writing)? */
function looksLikeOurInventory(path: string): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const head = Buffer.alloc(200);
    const n = readSync(fd, head, 0, head.length, 0);
    const text = head.subarray(0, n).toString('utf8');
    return n === 0 || text.startsWith(`apiVersion: ${INVENTORY_API_VERSION}`) || text.startsWith(`{\n  "apiVersion": "${INVENTORY_API_VERSION}"`);
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Remove `.NAME.PID.tmp` files that killed runs left beside `file` (their process gone, their content ours). */
export function removeStaleTempFiles(file: string): string[] {
  const full = resolve(file);
  const prefix = `.${basename(full)}.`;
  const removed: string[] = [];
  let entries: string[];
  try {
    entries = readdirSync(dirname(full));
  } catch {
    return removed;
  }
  for (const entry of entries) {
    if (!entry.startsWith(prefix) || !entry.endsWith('.tmp')) continue;
    const pid = entry.slice(prefix.length, -'.tmp'.length);
    if (!/^\d+$/.test(pid) || !processGone(Number(pid))) continue;
    const path = join(dirname(full), entry);
    if (!lstatSync(path).isFile() || !looksLikeOurInventory(path)) continue;
    rmSync(path, { force: true });
    removed.push(path);
  }
  return removed;
}

/** Write `text` to `file` atomically (temporary file + rename); the temporary file never outlives a failure. */
export async function writeInventoryText(text: string, file: string): Promise<void> {
  checkInventoryTarget(file);
  removeStaleTempFiles(file);
  const tmp = tempFileOf(resolve(file), process.pid);
  try {
    await writeFile(tmp, text, { mode: 0o644 });
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw fileError(e, file, 'write');
  }
}
