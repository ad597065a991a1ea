// The plan of a large cloud, written namespace by namespace. buildPlan holds every object of the plan at
// once (48,000 objects for 10,000 servers: most of the CLI's memory and garbage-collection time); here
// the shared objects (namespaces, RBAC, policies, NADs, Services) are made first, as in buildPlan, then
// the servers of one namespace are translated, their files written, and their objects dropped. The
// files hold exactly what planFileEntries(buildPlan(...).objects) gives, and the findings come out
// grouped as buildReport groups them, so the directory and the report are byte-identical either way.
import type { Inventory, Server } from '../inventory/types.js';
import type { PlannedServer } from './build.js';
import type { Finding, PlanObject } from '../translate/model.js';
import type { ReportParts } from '../report/summary.js';
import { PackedFindings, TalliedFindings, TextInterner, tallyOf } from '../report/packed-findings.js';
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
 * Buffers for file contents, used again once their file is written. A new Buffer per file, freed by a
 * full collection only once it has outlived two young-generation ones (an emit that queues its files),
 * held 40-57 MB of written files at 10,000 servers; reused, the Buffers in use stay near what the emit
 * callee holds at once (none for plan/write.ts's StagedDirectory, which copies each file for its thread).
 */
export class BufferPool {
  private readonly free: Buffer[] = [];
  private freeBytes = 0;
  constructor(private readonly maxFreeBytes = 4 << 20) {}

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
 * Called with each server's findings (in the order buildReport gives them) right after the server is
 * translated, servers in report order (namespace, then VM name): a caller that turns them into the
 * report's text at once need not keep them (cli/plan-run.ts).
 */
export type ServerFindingsSink = (server: PlannedServer, findings: Finding[]) => void;

/**
 * Translate every server of the inventory, one namespace at a time, and hand each file of the plan
 * directory (relative path, content) to `emit`. With `namespace`, only the files of that namespace and
 * the cluster-scoped ones are emitted (every server is still translated: the report covers them all).
 * `emit` may return a promise to say "wait before making more". `content` may be read until `release`
 * is called, after which its memory holds the next files; an `emit` that never calls it may keep it.
 * The builder's shared objects are taken out of it (builder.shared.objects is empty afterwards).
 * Servers are translated in report order. With `onServerFindings`, each server's findings go there
 * and only their tally is kept (TalliedFindings); otherwise they are kept packed (PackedFindings).
 */
export async function streamPlanFiles(
  inventory: Inventory,
  builder: PlanBuilder,
  emit: (path: string, content: Buffer, release: () => void) => Promise<void> | undefined | void,
  namespace?: string,
  options: { onServerFindings?: ServerFindingsSink } = {},
): Promise<StreamedPlan> {
  const pool = new BufferPool();
  const onServerFindings = options.onServerFindings;
  // A server's findings are packed as they come (report/packed-findings.ts) and kept to the end, or
  // handed to onServerFindings once the server is translated and only tallied.
  const byServer = new Map<string, PackedFindings | TalliedFindings>();
  const texts = new TextInterner();
  const sharedByServer = new Map<string, Finding[]>();
  const bySource = new Map<string, Finding[]>();
  const errors: Finding[] = [];
  const objectsByKind: Record<string, number> = {};
  let objects = 0;
  let written = 0;

  // Every finding passes here exactly once, whichever way it goes on: the errors, in plan order.
  const noteError = (f: Finding) => {
    if (f.severity === 'error') errors.push(f);
  };
  const addFinding = (f: Finding) => {
    noteError(f);
    if (f.serverId) {
      if (onServerFindings) {
        const list = sharedByServer.get(f.serverId);
        if (list) list.push(f);
        else sharedByServer.set(f.serverId, [f]);
        return;
      }
      let packed = byServer.get(f.serverId) as PackedFindings | undefined;
      if (!packed) byServer.set(f.serverId, (packed = new PackedFindings(f.serverId, texts)));
      packed.add(f);
      return;
    }
    const list = bySource.get(f.source);
    if (list) list.push(f);
    else bySource.set(f.source, [f]);
  };
  for (const f of builder.shared.findings) addFinding(f);

  // Objects by namespace ("" for cluster-scoped ones), each list in production order, and the servers of
  // each namespace in report order (builder.servers is sorted by namespace, then VM name).
  const batches = new Map<string, { objects: PlanObject[]; servers: PlannedServer[] }>();
  const batch = (ns: string) => {
    let b = batches.get(ns);
    if (!b) batches.set(ns, (b = { objects: [], servers: [] }));
    return b;
  };
  for (const o of builder.shared.objects) batch(o.metadata.namespace ?? '').objects.push(o);
  // Taken out of the builder, so that each is freed once its namespace is written (10,000 servers: ~21 MB
  // of objects that otherwise stayed alive to the end).
  builder.shared.objects.length = 0;
  const serverById = new Map<string, Server>(inventory.servers.map((s) => [s.id, s]));
  const serverNamespaces: string[] = [];
  for (const planned of builder.servers) {
    const b = batch(planned.namespace);
    if (b.servers.length === 0) serverNamespaces.push(planned.namespace);
    b.servers.push(planned);
  }
  // Namespaces without servers first (the files do not depend on the order), then those with servers in
  // report order: the servers' findings then come out in the report's order.
  const withServers = new Set(serverNamespaces);
  const order = [...[...batches.keys()].filter((ns) => !withServers.has(ns)).sort(), ...serverNamespaces];

  for (const ns of order) {
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
    for (const planned of b.servers) {
      const server = serverById.get(planned.id)!; // builder.servers lists the inventory's servers
      const part = builder.translate(server);
      for (const o of part.objects) {
        // The file an object goes to depends on its namespace; a server's objects live in its own.
        if ((o.metadata.namespace ?? '') !== ns) throw new Error(`internal: ${o.kind} ${o.metadata.name} of server ${server.id} is not in namespace ${ns}`);
        add(o);
      }
      objects += part.objects.length;
      if (!onServerFindings) {
        for (const f of part.findings) addFinding(f);
        continue;
      }
      // The server's findings as buildReport lists them: the shared modules' first (they ran first),
      // then its translation's, grouped by source (sortFindings is stable).
      const shared = sharedByServer.get(server.id);
      sharedByServer.delete(server.id);
      const own: Finding[] = shared ?? [];
      for (const f of part.findings) {
        if (f.serverId === undefined) addFinding(f);
        else if (f.serverId !== server.id) throw new Error(`internal: server ${server.id}'s translation made a finding about server ${f.serverId}`);
        else {
          noteError(f);
          own.push(f);
        }
      }
      const findings = shared ? sortFindings(own) : own;
      byServer.set(server.id, new TalliedFindings(tallyOf(findings)));
      onServerFindings(planned, findings);
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
