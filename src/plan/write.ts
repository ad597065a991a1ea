// Writing a plan: to a directory that `kubectl apply -R -f` applies in the right order, or to one stream.
//
// Layout (kubectl walks a directory in lexical order and applies in that order):
//   <out>/cluster/00-namespaces.yaml, 10-global-network-policies.yaml   cluster-scoped objects first
//   <out>/namespaces/<namespace>/20-secrets.yaml … 80-virtual-machines.yaml
//   <out>/report.txt                                                    ignored by kubectl (not .yaml/.json)
// "cluster" sorts before "namespaces", and the numeric prefixes order files inside a folder.
import { closeSync, existsSync, mkdirSync, openSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join, basename, resolve } from 'node:path';
import { pushYaml } from './yaml.js';
import { FileWriterThread } from './file-writer-thread.js';
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

/**
 * A plan directory being written: files go into a fresh temporary directory beside `out`, which commit()
 * swaps in, so a failed or killed run leaves either the previous directory or the new one, never half of
 * one. `out` is replaced only when it is new, empty or a plan this tool wrote (owned-directory.ts): the
 * constructor throws otherwise, before anything is written; it also removes what killed runs left beside
 * `out`. The marker file (with the plan id) is the staging directory's first file, so that a leftover
 * staging directory is recognisable as ours too.
 * Files are written by a worker thread (plan/file-writer-thread.ts) while the caller goes on translating.
 */
export class StagedDirectory {
  readonly target: string;
  readonly staging: string;
  private readonly writer: FileWriterThread;

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
    this.writer = new FileWriterThread();
  }

  private readonly createdAbove: string | undefined;

  /**
   * Queue one file (its folders are made as needed); `content` may be reused as soon as this returns.
   * Returns a promise when the queue is long: the caller should await it before making more content, so
   * that memory stays bounded when the disk is slower than the translation.
   */
  write(path: string, content: string | Uint8Array): Promise<void> | undefined {
    this.throwIfFailed();
    return this.writer.write(join(this.staging, path), content);
  }

  private throwIfFailed(): void {
    const failure = this.writer.failure;
    if (failure) throw fileError(failure.error, failure.path, 'write');
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
    await this.writer.flush();
    this.throwIfFailed();
    let old: string | undefined;
    // Checked again: another process may have put something there while the plan was being written.
    checkReplaceable(this.target);
    try {
      if (existsSync(this.target)) {
        old = join(dirname(this.target), `.${basename(this.target)}.old-${process.pid}`);
        renameSync(this.target, old);
        renameSync(this.staging, this.target);
      } else {
        mkdirSync(dirname(this.target), { recursive: true });
        renameSync(this.staging, this.target);
      }
    } catch (e) {
      await this.writer.close();
      throw fileError(e, this.target, 'replace');
    }
    // The previous plan, now beside the new one, is deleted by the worker too.
    const failure = old === undefined ? undefined : await this.writer.remove(old);
    await this.writer.close();
    if (failure) throw fileError(failure, old!, 'remove'); // failure only when old was removed
  }

  /** Stop writing and remove the staging directory. */
  async discard(): Promise<void> {
    await this.writer.close();
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
