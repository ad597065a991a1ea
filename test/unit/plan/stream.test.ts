// The CLI writes large plans namespace by namespace (plan/stream.ts) instead of through buildPlan: the
// files, the findings, the report and the plan id must be exactly what the whole-plan path gives.
import { describe, expect, it, beforeAll } from 'vitest';
import type { VirtualMachine } from '../../../src/kube-types/index.js';
import { at, must } from '../../support/must.js';
import yaml from 'js-yaml';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadInventoryFile } from '../../../src/inventory/load.js';
import type { Inventory } from '../../../src/inventory/types.js';
import { buildPlan, preparePlan } from '../../../src/plan/build.js';
import { inventoryDigestOf as planIdOf } from '../../../src/plan/plan-id.js';
import { BufferPool, streamPlanFiles } from '../../../src/plan/stream.js';
import { StagedDirectory, bufferedSink, planFileEntries } from '../../../src/plan/write.js';
import { assembleReport, buildReport } from '../../../src/report/summary.js';
import { type Style, formatReportTable, plainStyle, serverSection, serverSections, writeReportTable } from '../../../src/report/table.js';

const EXAMPLE = join(import.meta.dirname, '../../../examples/cloud.yaml');
let inventory: Inventory;

beforeAll(async () => {
  inventory = await loadInventoryFile(EXAMPLE);
});

async function streamed(inv: Inventory, namespace?: string) {
  const files = new Map<string, string>();
  const result = await streamPlanFiles(
    inv,
    preparePlan(inv, undefined, { writtenAtOnce: true }),
    (path, content) => {
      expect(files.has(path), path).toBe(false);
      files.set(path, content.toString('utf8'));
    },
    namespace,
  );
  return { files, result };
}

describe('plan written namespace by namespace', () => {
  it('gives the same files as the whole plan', async () => {
    const plan = buildPlan(inventory);
    const { files, result } = await streamed(inventory);
    const expected = new Map(planFileEntries(plan.objects));
    expect([...files.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [path, content] of expected) expect(files.get(path), path).toBe(content);
    expect(result.written).toBe(plan.objects.length);
    expect(result.objects).toBe(plan.objects.length);
  });

  it('gives the same report, as data and as text (with and without exact mappings)', async () => {
    const plan = buildPlan(inventory);
    const { result } = await streamed(inventory);
    const whole = buildReport(plan);
    const parts = assembleReport(result);
    expect(JSON.stringify(parts)).toBe(JSON.stringify(whole));
    // --report-format yaml: the packed findings are read back through their getter by js-yaml too.
    expect(yaml.dump(parts, { noRefs: true, lineWidth: -1 })).toBe(yaml.dump(whole, { noRefs: true, lineWidth: -1 }));
    for (const showExact of [true, false]) {
      const pieces: string[] = [];
      writeReportTable(parts, (s) => pieces.push(s), undefined, { showExact });
      expect(pieces.join('')).toBe(formatReportTable(whole, undefined, { showExact }));
      expect(pieces.length).toBeGreaterThan(1);
    }
  });

  it('hands each server its findings in report order, and the report written from them is the same text', async () => {
    const plan = buildPlan(inventory);
    const whole = buildReport(plan);
    const builder = preparePlan(inventory, undefined, { writtenAtOnce: true });
    const seen: { id: string; findings: string }[] = [];
    const sections = [true, false].map((showExact) => ({ showExact, render: serverSection(plainStyle, showExact), text: [] as string[] }));
    const result = await streamPlanFiles(inventory, builder, () => {}, undefined, {
      onServerFindings: (server, findings) => {
        seen.push({ id: server.id, findings: JSON.stringify(findings) });
        for (const s of sections) s.text.push(s.render(server, findings));
      },
    });
    // Every server once, in the report's order, with exactly the findings the whole plan reports for it.
    expect(seen.map((s) => s.id)).toEqual(whole.servers.map((s) => s.id));
    for (const [i, server] of whole.servers.entries()) expect(seen[i]!.findings, server.id).toBe(JSON.stringify(server.findings));
    // The shared objects were handed over to the writer.
    expect(builder.shared.objects).toEqual([]);
    // Only tallies were kept: the table, counts and summary are the same; the findings cannot be read.
    const report = assembleReport(result);
    expect(report.summary).toEqual(whole.summary);
    expect(() => report.servers[0]!.findings).toThrow(/written into the report's text/);
    for (const s of sections) {
      const pieces: string[] = [];
      writeReportTable(report, (t) => pieces.push(t), plainStyle, { showExact: s.showExact, serverSections: (write) => write(s.text.join('')) });
      expect(pieces.join('')).toBe(formatReportTable(whole, plainStyle, { showExact: s.showExact }));
    }
  });

  it('writes one server section for several reports at once, each as it would be alone', () => {
    const whole = buildReport(buildPlan(inventory));
    const marked: Style = { bold: (t) => `<b>${t}</b>`, severity: (v, t) => `<${v}>${t}</${v}>` };
    const variants = [
      { style: plainStyle, showExact: true },
      { style: marked, showExact: false },
      { style: marked, showExact: true },
    ];
    const together = serverSections(variants);
    let shown = 0;
    for (const server of whole.servers) {
      const texts = together(server, server.findings);
      for (const [i, v] of variants.entries()) expect(texts[i], `${server.id} ${i}`).toBe(serverSection(v.style, v.showExact)(server, server.findings));
      if (texts[1]) shown++;
    }
    expect(shown).toBeGreaterThan(0);
  });

  it('shares one frozen set of hardware objects between servers of a flavor and image only when written at once', () => {
    const vmsOf = (writtenAtOnce: boolean) => {
      const builder = preparePlan(inventory, undefined, { writtenAtOnce });
      return inventory.servers.flatMap((s) => builder.translate(s).objects.filter((o) => o.kind === 'VirtualMachine')) as VirtualMachine[];
    };
    const cpuOf = (vm: VirtualMachine) => vm.spec.template?.spec?.domain.cpu;
    const shared = vmsOf(true);
    const pairs = shared.flatMap((a, i) =>
      shared
        .slice(i + 1)
        .filter((b) => cpuOf(a) === cpuOf(b))
        .map((b) => [a, b] as const),
    );
    expect(pairs.length).toBeGreaterThan(0);
    const [first] = at(pairs, 0, 'a pair of VMs sharing their CPU');
    const sharedCpu = must(cpuOf(first), 'domain.cpu');
    expect(Object.isFrozen(sharedCpu)).toBe(true);
    expect(() => {
      sharedCpu.sockets = 99;
    }).toThrow(TypeError);
    // The whole plan's objects are each VM's own, free to change (tests and callers do).
    const own = vmsOf(false);
    own.forEach((a, i) => {
      for (const b of own.slice(i + 1)) expect(cpuOf(a)).not.toBe(cpuOf(b));
    });
    expect(Object.isFrozen(cpuOf(at(own, 0, 'VM')))).toBe(false);
    expect(JSON.stringify(own)).toBe(JSON.stringify(shared));
  });

  it("writes the same files through the staged directory, reusing each file's memory once it is written", async () => {
    const plan = buildPlan(inventory);
    const out = join(mkdtempSync(join(tmpdir(), 'stream-')), 'plan');
    const dir = new StagedDirectory(out, 'test-plan');
    let released = 0;
    await streamPlanFiles(inventory, preparePlan(inventory, undefined, { writtenAtOnce: true }), (path, content, release) => {
      const wait = dir.write(path, content);
      released++;
      release();
      return wait;
    });
    await dir.commit();
    const expected = new Map(planFileEntries(plan.objects));
    expect(released).toBe(expected.size);
    for (const [path, content] of expected) expect(readFileSync(join(out, path), 'utf8'), path).toBe(content);
  });

  it('emits only one namespace (and the cluster-scoped files) when asked, but reports every server', async () => {
    const plan = buildPlan(inventory);
    const namespace = plan.objects.find((o) => o.kind === 'VirtualMachine')!.metadata.namespace!;
    const { files, result } = await streamed(inventory, namespace);
    const expected = new Map(planFileEntries(plan.objects.filter((o) => !o.metadata.namespace || o.metadata.namespace === namespace)));
    expect([...files.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [path, content] of expected) expect(files.get(path)).toBe(content);
    expect(assembleReport(result).servers).toHaveLength(inventory.servers.length);
  });

  it('collects the findings that make the input invalid, in plan order', async () => {
    const broken = structuredClone(inventory);
    const flavor = broken.flavors.find((f) => broken.servers.some((s) => s.flavorId === f.id))!;
    flavor.extraSpecs = { ...flavor.extraSpecs, 'hw:cpu_sockets': '3', 'hw:cpu_cores': '5', 'hw:cpu_threads': '7' };
    for (const i of broken.images) i.properties = { ...i.properties, hw_disk_bus: 'floppy' };
    const plan = buildPlan(broken);
    const errors = plan.findings.filter((f) => f.severity === 'error');
    expect(errors.length).toBeGreaterThan(0);
    const { result } = await streamed(broken);
    expect(JSON.stringify(result.errors)).toBe(JSON.stringify(errors));
  });
});

describe('inventory digest (part of the plan id)', () => {
  const reference = (inv: Inventory) => {
    const { metadata, ...content } = inv;
    return createHash('sha256')
      .update(JSON.stringify({ cloud: metadata.cloud, content }))
      .digest('hex')
      .slice(0, 10);
  };

  it('is the hash of the inventory as one JSON text, though it is hashed piece by piece', () => {
    expect(planIdOf(inventory)).toBe(reference(inventory));
  });

  it('follows JSON.stringify on absent values and non-ASCII text', () => {
    const odd = structuredClone(inventory) as Inventory & Record<string, unknown>;
    (odd.servers[0] as unknown as Record<string, unknown>).description = undefined;
    odd.servers[0]!.name = 'Zoë ☃ \ud800';
    (odd as Record<string, unknown>).extra = undefined;
    (odd.metadata as unknown as Record<string, unknown>).cloud = undefined;
    (odd.volumes as unknown[]).push(undefined);
    expect(planIdOf(odd)).toBe(reference(odd));
    expect(planIdOf(odd)).not.toBe(planIdOf(inventory));
  });
});

describe('buffer pool of the plan directory writer', () => {
  it('gives back a freed buffer for a file that fits, the smallest that fits, and keeps at most its limit', () => {
    const pool = new BufferPool(300_000);
    const a = pool.take(10);
    const b = pool.take(100_000);
    expect(a.length).toBe(65_536);
    expect(b.length).toBe(131_072); // whole 64 KiB steps
    pool.give(b);
    pool.give(a);
    expect(pool.take(1_000)).toBe(a);
    expect(pool.take(70_000)).toBe(b);
    expect(pool.take(70_000)).not.toBe(b);
    const c = pool.take(200_000);
    const d = pool.take(200_000);
    pool.give(c);
    pool.give(d); // over the limit: left to the garbage collector
    expect(pool.take(200_000)).toBe(c);
    expect(pool.take(200_000)).not.toBe(d);
  });
});

describe('buffered text sink', () => {
  it('hands on the UTF-8 bytes of the pieces in chunks of at most its size (a longer piece alone), each a Buffer of its own', () => {
    const chunks: Buffer[] = [];
    const asHanded: string[] = [];
    const sink = bufferedSink((chunk) => {
      chunks.push(chunk);
      asHanded.push(chunk.toString('utf8'));
    }, 16);
    const pieces = ['ab', 'c→d', 'ü', 'a piece longer than sixteen bytes', 'x', '☃', 'yz'];
    for (const p of pieces) sink.write(p);
    sink.writeBytes(Buffer.from('[bytes]'));
    sink.write('tail');
    pieces.push('[bytes]', 'tail');
    sink.end();
    sink.end(); // nothing more
    expect(Buffer.concat(chunks).toString('utf8')).toBe(pieces.join(''));
    expect(chunks.length).toBeGreaterThan(2);
    for (const c of chunks) expect(c.length <= 16 || c.toString() === 'a piece longer than sixteen bytes', c.toString()).toBe(true);
    // A stream may queue a chunk: later pieces must not overwrite it.
    expect(chunks.map((c) => c.toString('utf8'))).toEqual(asHanded);
  });

  it('fills one Buffer again when its callee is done with each chunk on return', () => {
    const buffers = new Set<ArrayBufferLike>();
    let text = '';
    const sink = bufferedSink(
      (chunk) => {
        buffers.add(chunk.buffer);
        text += chunk.toString('utf8');
      },
      4096,
      true,
    );
    for (let i = 0; i < 1000; i++) sink.write(`line ${i}\n`);
    sink.end();
    expect(text).toBe(Array.from({ length: 1000 }, (_, i) => `line ${i}\n`).join(''));
    expect(buffers.size).toBe(1);
  });
});

describe('staged plan directory', () => {
  it('writes files on its thread into the staging directory and swaps them in on commit', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'staged-'));
    const out = join(parent, 'plan');
    const dir = new StagedDirectory(out, 'test-plan');
    for (let i = 0; i < 50; i++) await dir.write(`namespaces/ns-${i % 7}/f-${i}.yaml`, i % 2 ? `file ${i}\n` : Buffer.from(`file ${i}\n`));
    const report = dir.stream('report.txt');
    report.write('a');
    report.write('b\n');
    report.end();
    await dir.commit();
    expect(readdirSync(parent)).toEqual(['plan']);
    expect(readFileSync(join(out, 'namespaces/ns-3/f-10.yaml'), 'utf8')).toBe('file 10\n');
    expect(readFileSync(join(out, 'namespaces/ns-4/f-11.yaml'), 'utf8')).toBe('file 11\n');
    expect(readFileSync(join(out, 'report.txt'), 'utf8')).toBe('ab\n');
  });

  it('leaves nothing behind when discarded', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'staged-'));
    const dir = new StagedDirectory(join(parent, 'plan'), 'test-plan');
    dir.write('a/b.yaml', 'x');
    await dir.discard();
    expect(readdirSync(parent)).toEqual([]);
    expect(existsSync(join(parent, 'plan'))).toBe(false);
  });

  it('removes the folders it had to create for a discarded plan', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'staged-'));
    const dir = new StagedDirectory(join(parent, 'new/deeper/plan'), 'test-plan');
    dir.write('a/b.yaml', 'x');
    await dir.discard();
    expect(readdirSync(parent)).toEqual([]);
  });
});
