// Writing a plan: to a directory that `kubectl apply -R -f` applies in the right order, or to one stream.
//
// Layout (kubectl walks a directory in lexical order and applies in that order):
//   <out>/cluster/00-namespaces.yaml, 10-global-network-policies.yaml   cluster-scoped objects first
//   <out>/namespaces/<namespace>/20-secrets.yaml … 80-virtual-machines.yaml
//   <out>/report.txt                                                    ignored by kubectl (not .yaml/.json)
// "cluster" sorts before "namespaces", and the numeric prefixes order files inside a folder.
import { mkdir, rename, rm, writeFile, stat } from 'node:fs/promises';
import { dirname, join, basename, resolve } from 'node:path';
import { toYaml } from './yaml.js';
import type { KubeObject } from '../translate/model.js';
import { fileStemFor } from './order.js';

export function toYamlDocuments(objects: KubeObject[]): string {
  return objects.map((o) => `---\n${toYaml(o)}`).join('');
}

export function toJsonList(objects: KubeObject[]): string {
  return `${JSON.stringify({ apiVersion: 'v1', kind: 'List', metadata: {}, items: objects }, null, 2)}\n`;
}

/**
 * Relative file path and content of each file of the plan, one file at a time, so that a large plan never
 * holds all of its YAML in memory at once. Objects must already be ordered.
 */
export function* planFileEntries(objects: KubeObject[]): Generator<[string, string]> {
  const groups = new Map<string, KubeObject[]>();
  for (const object of objects) {
    const folder = object.metadata.namespace ? join('namespaces', object.metadata.namespace) : 'cluster';
    const path = join(folder, `${fileStemFor(object)}.yaml`);
    const list = groups.get(path) ?? [];
    list.push(object);
    groups.set(path, list);
  }
  for (const path of [...groups.keys()].sort()) yield [path, toYamlDocuments(groups.get(path)!)];
}

/** Relative file path → content, for the whole plan. */
export function planFiles(objects: KubeObject[]): Map<string, string> {
  return new Map(planFileEntries(objects));
}

/**
 * Write all files into a fresh temporary directory beside `out`, then swap it in: a failed or killed
 * run leaves either the previous directory or the new one, never half of one.
 */
export async function writePlanDirectory(out: string, files: Iterable<[string, string]>): Promise<void> {
  const target = resolve(out);
  const staging = join(dirname(target), `.${basename(target)}.tmp-${process.pid}`);
  await rm(staging, { recursive: true, force: true });
  try {
    for (const [path, content] of files) {
      const full = join(staging, path);
      await mkdir(dirname(full), { recursive: true });
      await writeFile(full, content);
    }
    const exists = await stat(target).then(() => true, () => false);
    if (exists) {
      const old = join(dirname(target), `.${basename(target)}.old-${process.pid}`);
      await rename(target, old);
      await rename(staging, target);
      await rm(old, { recursive: true, force: true });
    } else {
      await mkdir(dirname(target), { recursive: true });
      await rename(staging, target);
    }
  } catch (e) {
    await rm(staging, { recursive: true, force: true });
    throw e;
  }
}
