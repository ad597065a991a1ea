// The plan of a large cloud, written namespace by namespace. buildPlan holds every object of the plan at
// once (48,000 objects for 10,000 servers: most of the CLI's memory and garbage-collection time); here
// the shared objects (namespaces, RBAC, policies, NADs, Services) are made first, as in buildPlan, then
// the servers of one namespace are translated, their files written, and their objects dropped. The
// files hold exactly what planFileEntries(buildPlan(...).objects) gives, and the findings come out
// grouped as buildReport groups them, so the directory and the report are byte-identical either way.
import type { Inventory, Server } from '../inventory/types.js';
import type { Finding, PlanObject } from '../translate/model.js';
import type { ReportParts } from '../report/summary.js';
import { PackedFindings } from '../report/packed-findings.js';
import { sortFindings, type PlanBuilder } from './build.js';
import { join } from 'node:path';
import { fileStemFor, kindRank } from './order.js';
import { toYaml } from './yaml.js';

interface Entry {
  rank: number;
  name: string;
  stem: string;
  yaml: string;
}

export interface StreamedPlan extends ReportParts {
  /** Findings of severity "error", in plan order: the plan must not be used when there is any. */
  errors: Finding[];
  /** Objects handed to `emit` (all of them, or those of `namespace` and the cluster-scoped ones). */
  written: number;
}

/**
 * Buffers for file contents, used again once their file is written. A file's Buffer usually outlives two
 * young-generation collections while it waits in the writer's queue, so V8 moves it to the old generation
 * and frees its memory only at the next full collection: at 10,000 servers 40-57 MB of written files
 * waited there. Reused, the Buffers in use stay near the writer's backlog (plan/write.ts MAX_BACKLOG).
 */
export class BufferPool {
  private readonly free: Buffer[] = [];
  private freeBytes = 0;
  constructor(private readonly maxFreeBytes = 8 << 20) {}

  /** A Buffer of at least `size` bytes (its contents are garbage). */
  take(size: number): Buffer {
    let best = -1;
    for (let i = 0; i < this.free.length; i++) {
      const length = this.free[i]!.length; // i < free.length
      if (length >= size && (best < 0 || length < this.free[best]!.length)) best = i;
    }
    if (best >= 0) {
      const buffer = this.free[best]!;
      this.free.splice(best, 1);
      this.freeBytes -= buffer.length;
      return buffer;
    }
    // Whole 64 KiB steps, so that a freed Buffer also fits files a little larger than its own.
    return Buffer.allocUnsafe(Math.max(1, Math.ceil(size / 65_536)) * 65_536);
  }

  /** `buffer` is no longer read by anyone. */
  give(buffer: Buffer): void {
    if (this.freeBytes + buffer.length > this.maxFreeBytes) return;
    this.free.push(buffer);
    this.freeBytes += buffer.length;
  }
}

/**
 * The file's bytes (what toYamlDocuments gives, UTF-8), written into a Buffer of `pool` rather than
 * joined into one string: a string of a few hundred KB is allocated straight into V8's old generation and
 * stays there until the next full collection.
 */
function documents(list: Entry[], pool: BufferPool): { content: Buffer; buffer: Buffer } {
  let size = 0;
  for (const e of list) size += 4 + Buffer.byteLength(e.yaml);
  const buffer = pool.take(size);
  let at = 0;
  for (const e of list) {
    at += buffer.write('---\n', at, 'latin1');
    at += buffer.write(e.yaml, at);
  }
  return { content: buffer.subarray(0, at), buffer };
}

/**
 * Translate every server of the inventory, one namespace at a time, and hand each file of the plan
 * directory (relative path, content) to `emit`. With `namespace`, only the files of that namespace and
 * the cluster-scoped ones are emitted (every server is still translated: the report covers them all).
 * `emit` may return a promise to say "wait before making more". `content` may be read until `release`
 * is called, after which its memory holds the next files; an `emit` that never calls it may keep it.
 */
export async function streamPlanFiles(
  inventory: Inventory,
  builder: PlanBuilder,
  emit: (path: string, content: Buffer, release: () => void) => Promise<void> | undefined | void,
  namespace?: string,
): Promise<StreamedPlan> {
  const pool = new BufferPool();
  // A server's findings are packed as they come (report/packed-findings.ts): they are kept to the end.
  const byServer = new Map<string, PackedFindings>();
  const bySource = new Map<string, Finding[]>();
  const errors: Finding[] = [];
  const objectsByKind: Record<string, number> = {};
  let objects = 0;
  let written = 0;

  const addFinding = (f: Finding) => {
    if (f.severity === 'error') errors.push(f);
    if (f.serverId) {
      let packed = byServer.get(f.serverId);
      if (!packed) byServer.set(f.serverId, (packed = new PackedFindings(f.serverId)));
      packed.add(f);
      return;
    }
    const list = bySource.get(f.source);
    if (list) list.push(f);
    else bySource.set(f.source, [f]);
  };
  for (const f of builder.shared.findings) addFinding(f);

  // Objects by namespace ("" for cluster-scoped ones), each list in production order.
  const batches = new Map<string, { objects: PlanObject[]; servers: Server[] }>();
  const batch = (ns: string) => {
    let b = batches.get(ns);
    if (!b) batches.set(ns, (b = { objects: [], servers: [] }));
    return b;
  };
  for (const o of builder.shared.objects) batch(o.metadata.namespace ?? '').objects.push(o);
  const namespaceOf = new Map(builder.servers.map((s) => [s.id, s.namespace]));
  for (const server of inventory.servers) batch(namespaceOf.get(server.id) ?? '').servers.push(server);

  for (const ns of [...batches.keys()].sort()) {
    const b = batches.get(ns)!;
    batches.delete(ns);
    const write = namespace === undefined || ns === '' || ns === namespace;
    // Each object becomes its YAML text as soon as it is made: the objects die young (cheap for the
    // garbage collector) and only the text waits for the rest of its namespace.
    const entries: Entry[] = [];
    const add = (o: PlanObject) => {
      objectsByKind[o.kind] = (objectsByKind[o.kind] ?? 0) + 1;
      if (write) entries.push({ rank: kindRank(o), name: o.metadata.name, stem: fileStemFor(o), yaml: toYaml(o) });
    };
    for (const o of b.objects) add(o);
    for (const server of b.servers) {
      const part = builder.translate(server);
      for (const o of part.objects) {
        // The file an object goes to depends on its namespace; a server's objects live in its own.
        if ((o.metadata.namespace ?? '') !== ns) throw new Error(`internal: ${o.kind} ${o.metadata.name} of server ${server.id} is not in namespace ${ns}`);
        add(o);
      }
      objects += part.objects.length;
      for (const f of part.findings) addFinding(f);
    }
    objects += b.objects.length;
    if (!write) continue;
    written += entries.length;
    // The plan's order (orderObjects: a stable sort on kind rank, namespace, name) restricted to one
    // namespace, with the objects in production order, then one file per kind as planFileEntries lays out.
    entries.sort((x, y) => x.rank - y.rank || (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
    const files = new Map<string, Entry[]>();
    for (const e of entries) {
      const list = files.get(e.stem);
      if (list) list.push(e);
      else files.set(e.stem, [e]);
    }
    const folder = ns ? join('namespaces', ns) : 'cluster';
    for (const [stem, list] of files) {
      const { content, buffer } = documents(list, pool);
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        pool.give(buffer);
      };
      const wait = emit(join(folder, `${stem}.yaml`), content, release);
      if (wait) await wait; // the writer's queue is full
    }
  }

  // buildPlan sorts findings by source (stable); a server's packed list holds its findings in production
  // order and groups them by source when it gives them back (PackedFindings.toArray), the same order.
  return {
    planId: builder.planId,
    cloud: builder.cloud,
    servers: builder.servers,
    byServer,
    bySource,
    objectsByKind,
    objects,
    errors: sortFindings(errors),
    written,
  };
}
