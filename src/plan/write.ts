// Writing a plan: to a directory that `kubectl apply -R -f` applies in the right order, or to one stream.
//
// Layout (kubectl walks a directory in lexical order and applies in that order):
//   <out>/cluster/00-namespaces.yaml, 10-global-network-policies.yaml   cluster-scoped objects first
//   <out>/namespaces/<namespace>/20-secrets.yaml … 80-virtual-machines.yaml
//   <out>/report.txt                                                    ignored by kubectl (not .yaml/.json)
// "cluster" sorts before "namespaces", and the numeric prefixes order files inside a folder.
import { closeSync, existsSync, mkdirSync, openSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, basename, resolve } from 'node:path';
import { pushYaml } from './yaml.js';
import type { KubeObject } from '../translate/model.js';
import { fileError } from '../errors.js';
import { fileStemFor } from './order.js';
import { PLAN_MARKER, checkReplaceable, planMarkerText, removeStaleLeftovers } from './owned-directory.js';

export function toYamlDocuments(objects: KubeObject[]): string {
  const out: string[] = [];
  for (const o of objects) {
    out.push('---\n');
    pushYaml(o, out);
  }
  return out.join('');
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

/** Files being written at once: enough to keep one core busy creating files, not both. */
const WRITE_CONCURRENCY = 2;
/**
 * Bytes of queued content above which write() asks its caller to wait. A few namespaces' files keep the
 * two writers busy; more only holds memory outside the heap (16 MB here, with the Buffers waiting for a
 * collection, made 40-60 MB of a 10,000-server plan's resident memory).
 */
const MAX_BACKLOG = 4 << 20;

/**
 * A plan directory being written: files go into a fresh temporary directory beside `out`, which commit()
 * swaps in, so a failed or killed run leaves either the previous directory or the new one, never half of
 * one. `out` is replaced only when it is new, empty or a plan this tool wrote (owned-directory.ts): the
 * constructor throws otherwise, before anything is written; it also removes what killed runs left beside
 * `out`. The marker file (with the plan id) is the staging directory's first file, so that a leftover
 * staging directory is recognisable as ours too. Writes are queued and run in the background (the libuv thread pool) while the caller goes on
 * translating: creating a plan's ~1,600 files is mostly kernel time (about 1 ms per file on some disks),
 * which then overlaps with the translation instead of adding to it.
 */
export class StagedDirectory {
  readonly target: string;
  readonly staging: string;
  private readonly folders = new Map<string, Promise<unknown>>();
  /** Path, content, and what to call once the content is no longer read (written, or failed). */
  private readonly queue: [string, string | Buffer, (() => void) | undefined][] = [];
  private next = 0;
  private backlog = 0;
  private running = 0;
  private failure: { error: unknown } | undefined;
  private waiters: (() => void)[] = [];

  constructor(out: string, planId: string) {
    this.target = resolve(out);
    checkReplaceable(out);
    removeStaleLeftovers(this.target);
    this.staging = join(dirname(this.target), `.${basename(this.target)}.tmp-${process.pid}`);
    // Our own pid: only a run of this process can have left it (a previous plan in the same test process).
    rmSync(this.staging, { recursive: true, force: true });
    // mkdir returns the first folder it had to create: when that is above the staging directory (the
    // parent of `out` did not exist), discard() removes it too, so a failed plan leaves nothing behind.
    let created: string | undefined;
    try {
      created = mkdirSync(this.staging, { recursive: true });
    } catch (e) {
      throw fileError(e, this.staging, 'create');
    }
    this.createdAbove = created !== undefined && created !== this.staging ? created : undefined;
    try {
      writeFileSync(join(this.staging, PLAN_MARKER), planMarkerText(planId));
    } catch (e) {
      rmSync(this.createdAbove ?? this.staging, { recursive: true, force: true });
      throw fileError(e, join(this.staging, PLAN_MARKER), 'write');
    }
  }

  private readonly createdAbove: string | undefined;

  private folderOf(full: string): Promise<unknown> {
    const folder = dirname(full);
    let made = this.folders.get(folder);
    if (!made) this.folders.set(folder, (made = mkdir(folder, { recursive: true })));
    return made;
  }

  /**
   * Queue one file. Returns a promise when the queue is long: the caller should await it before making
   * more content, so that memory stays bounded when the disk is slower than the translation. `written` is
   * called once `content` is no longer read (written, or the write failed), so its memory can be reused.
   */
  write(path: string, content: string | Buffer, written?: () => void): Promise<void> | undefined {
    if (this.failure) throw this.failure.error;
    this.queue.push([path, content, written]);
    this.backlog += content.length;
    this.pump();
    if (this.backlog <= MAX_BACKLOG) return undefined;
    return this.until(() => this.backlog <= MAX_BACKLOG / 2);
  }

  private pump(): void {
    while (this.running < WRITE_CONCURRENCY && this.next < this.queue.length) {
      const [path, content, written] = this.queue[this.next]!; // next < queue.length: still queued
      this.queue[this.next++] = undefined as unknown as [string, string | Buffer, undefined];
      this.running++;
      const full = join(this.staging, path);
      (async () => {
        await this.folderOf(full);
        await writeFile(full, content);
      })()
        .catch((error: unknown) => {
          this.failure ??= { error: fileError(error, full, 'write') };
        })
        .finally(() => {
          written?.();
          this.running--;
          this.backlog -= content.length;
          if (this.next === this.queue.length) {
            this.queue.length = 0;
            this.next = 0;
          }
          this.pump();
          const waiters = this.waiters;
          this.waiters = [];
          for (const wake of waiters) wake();
        });
    }
  }

  private async until(done: () => boolean): Promise<void> {
    while (!done() && !this.failure) await new Promise<void>((wake) => this.waiters.push(wake));
    if (this.failure) throw this.failure.error;
  }

  /** Every queued file written (or the first write error thrown). */
  flush(): Promise<void> {
    return this.until(() => this.running === 0 && this.next === this.queue.length);
  }

  /** A file written piece by piece, synchronously (the report): `write` buffers, `end` flushes and closes. */
  stream(path: string): TextSink {
    const full = join(this.staging, path);
    let fd: number;
    try {
      mkdirSync(dirname(full), { recursive: true });
      fd = openSync(full, 'w');
    } catch (e) {
      throw fileError(e, full, 'write');
    }
    const sink = bufferedSink(
      (chunk) => {
        try {
          writeSync(fd, chunk);
        } catch (e) {
          throw fileError(e, full, 'write');
        }
      },
      undefined,
      true, // written synchronously
    );
    return {
      write: sink.write,
      writeBytes: sink.writeBytes,
      end() {
        sink.end();
        closeSync(fd);
      },
    };
  }

  async commit(): Promise<void> {
    await this.flush();
    // Checked again: another process may have put something there while the plan was being written.
    checkReplaceable(this.target);
    try {
      if (existsSync(this.target)) {
        const old = join(dirname(this.target), `.${basename(this.target)}.old-${process.pid}`);
        renameSync(this.target, old);
        renameSync(this.staging, this.target);
        rmSync(old, { recursive: true, force: true });
      } else {
        mkdirSync(dirname(this.target), { recursive: true });
        renameSync(this.staging, this.target);
      }
    } catch (e) {
      throw fileError(e, this.target, 'replace');
    }
  }

  /** Wait for the writes in flight, then remove the staging directory. */
  async discard(): Promise<void> {
    this.queue.length = 0;
    this.next = 0;
    while (this.running > 0) await new Promise<void>((wake) => this.waiters.push(wake));
    rmSync(this.createdAbove ?? this.staging, { recursive: true, force: true });
  }
}

export interface TextSink {
  write(text: string): void;
  /**
   * Bytes already encoded (UTF-8), after the text written so far. The chunk is the sink's to keep, except
   * for the synchronous file sink of StagedDirectory.stream, which is done with it when it returns.
   */
  writeBytes(chunk: Buffer): void;
  end(): void;
}

/**
 * Collects small pieces of text, encoded into a Buffer as they come, and hands them on in chunks of at
 * most `size` bytes (a longer piece alone). Not a string grown by `+=`: that is a tree of thousands of
 * pieces that lives until flushed, long enough for V8 to move it to the old generation, and a 1 MB flat
 * copy when written (at 10,000 servers the report's chunks were most of what `plan` promoted). Each chunk
 * is the callee's to keep (a stream may queue it) unless `reuse`: a callee that is done with the chunk
 * when it returns (a synchronous write) lets the next pieces go into the same Buffer.
 */
export function bufferedSink(flush: (chunk: Buffer) => void, size = 1 << 20, reuse = false): TextSink {
  let buffer: Buffer | undefined;
  let at = 0;
  const hand = () => {
    if (buffer && at) flush(buffer.subarray(0, at));
    if (!reuse) buffer = undefined;
    at = 0;
  };
  return {
    write(text: string) {
      // UTF-8 takes at most 3 bytes per UTF-16 unit: whether a piece fits is known without encoding it.
      if (at + text.length * 3 > size) {
        hand();
        if (text.length * 3 > size) {
          flush(Buffer.from(text, 'utf8'));
          return;
        }
      }
      buffer ??= Buffer.allocUnsafe(size);
      at += buffer.write(text, at);
    },
    writeBytes(chunk: Buffer) {
      hand();
      flush(chunk);
    },
    end: hand,
  };
}

/** Write all files as one StagedDirectory (see there). */
export async function writePlanDirectory(out: string, files: Iterable<[string, string]>, planId: string): Promise<void> {
  const dir = new StagedDirectory(out, planId);
  try {
    for (const [path, content] of files) await dir.write(path, content);
    await dir.commit();
  } catch (e) {
    await dir.discard();
    throw e;
  }
}
