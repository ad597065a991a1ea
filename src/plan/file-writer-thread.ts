// Files written by a worker thread, so that creating them (kernel time: folders, inodes, page-cache
// copies, and the writeback throttling of a large plan) overlaps with the translation on the main thread
// instead of adding to it. Written synchronously on the main thread, a 10,000-server plan's 1,800 files
// (74 MB) cost it 0.13-0.8 s, and deleting the previous plan at commit 0.06-0.27 s (ext4, 2 cores). Not
// the libuv thread pool: each step of a pooled write (mkdir, open, write, close) goes on only when the
// main thread returns to its event loop, which the translation of a namespace does not do, so the queue
// filled and the main thread then sat idle while it drained (0.6 s idle and 0.3 s spent starting opens).
// The worker needs nothing from the main thread between files: it takes them from its message queue and
// writes each synchronously.
import { Worker } from 'node:worker_threads';
import { MigrateError } from '../errors.js';

/**
 * The worker's program (CommonJS, evaluated: the single-file binary has no second file to load it from).
 * In: {files: [{id, path, end}], bytes: ArrayBuffer} (file i is bytes[files[i-1].end, files[i].end); its
 * folders are made as needed), or {files: [{id, remove}]} (delete a tree).
 * Out: {ids, bytes, error?: {id, message, code, syscall, errno}}: after a failure the rest is not written.
 * The bytes go back, to be reused for the next batches or freed by the main thread's collector: this
 * thread allocates so little that its own collections, which would free them, are rare (they held
 * 50-60 MB of a large plan's files).
 */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { mkdirSync, rmSync, writeFileSync } = require('node:fs');
const { dirname } = require('node:path');
const folders = new Set();
parentPort.on('message', (m) => {
  const bytes = m.bytes && new Uint8Array(m.bytes);
  const ids = [];
  let error;
  let start = 0;
  for (const f of m.files) {
    ids.push(f.id);
    if (error) continue;
    try {
      if (f.remove !== undefined) rmSync(f.remove, { recursive: true, force: true });
      else {
        const folder = dirname(f.path);
        if (!folders.has(folder)) {
          mkdirSync(folder, { recursive: true });
          folders.add(folder);
        }
        writeFileSync(f.path, bytes.subarray(start, f.end));
        start = f.end;
      }
    } catch (e) {
      error = { id: f.id, message: String(e && e.message), code: e && e.code, syscall: e && e.syscall, errno: e && e.errno };
    }
  }
  parentPort.postMessage({ ids, error, bytes: m.bytes }, m.bytes ? [m.bytes] : []);
});
`;

/**
 * Bytes handed to the worker and not yet written, above which write() asks its caller to wait. Small: the
 * worker keeps up, and each MB in flight is resident memory (10,000 servers: 4 MB of backlog in 1 MB
 * batches peaked at 273-287 MB, 1 MB in 256 KB batches at 260-263 MB, in the same time).
 */
const MAX_BACKLOG = 1 << 20;
/**
 * Files are sent in batches of about this many bytes: one message (and one wake-up of the worker) per
 * file cost the main thread ~0.3 ms each on two busy cores, 0.6 s for a 10,000-server plan's 1,800 files.
 */
const BATCH_BYTES = 256 << 10;
/** Batch buffers kept for reuse once written. */
const MAX_SPARE = 2;

interface Pending {
  size: number;
  /** The file or tree, for the error. */
  path: string;
}

interface Reply {
  ids: number[];
  bytes?: ArrayBuffer;
  error?: { id: number; message: string; code?: string; syscall?: string; errno?: number };
}

/** The first failure: the file (or tree) it concerns, and why. */
export interface FileWriteFailure {
  /** The operating system's error (code, syscall), or a MigrateError when the thread itself failed. */
  error: NodeJS.ErrnoException | MigrateError;
  path: string;
}

export class FileWriterThread {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private backlog = 0;
  private failed: FileWriteFailure | undefined;
  private waiters: (() => void)[] = [];
  private closing = false;
  /** The batch being filled: its files and their bytes, one after the other. */
  private batch: ({ id: number; path: string; end: number } | { id: number; remove: string })[] = [];
  private batchBytes: Buffer | undefined;
  /** Batch buffers the worker gave back, for the next batches. */
  private readonly spare: ArrayBuffer[] = [];
  private batchEnd = 0;

  constructor() {
    // No options of this process (execArgv: []): `node --input-type=module` would make the worker's
    // CommonJS program a module, in which require is not defined.
    this.worker = new Worker(WORKER_SOURCE, { eval: true, execArgv: [] });
    // Never what keeps the process alive: every caller waits for what it queued (flush, remove).
    this.worker.unref();
    this.worker.on('message', (reply: Reply) => this.settle(reply));
    // The worker itself failed (it could not start, or stopped): the files still pending are not written.
    this.worker.on('error', (error) => this.lost(error.message));
    this.worker.on('exit', (code) => {
      if (!this.closing) this.lost(`the file-writing thread stopped (exit code ${code})`);
    });
  }

  /** The first failure so far (the caller names the file it concerns). */
  get failure(): FileWriteFailure | undefined {
    return this.failed;
  }

  /**
   * Queue one file (its folders are made as needed). `content` is copied: the caller may reuse it at once.
   * Returns a promise when the backlog is long: the caller should await it before making more content, so
   * that memory stays bounded when the disk is slower than the translation.
   */
  write(path: string, content: string | Uint8Array): Promise<void> | undefined {
    const bytes = typeof content === 'string' ? Buffer.from(content) : content;
    if (this.batchBytes && this.batchEnd + bytes.length > this.batchBytes.length) this.send();
    this.batchBytes ??= this.batchBuffer(bytes.length);
    this.batchBytes.set(bytes, this.batchEnd);
    this.batchEnd += bytes.length;
    this.batch.push({ id: this.track(path, bytes.length), path, end: this.batchEnd });
    if (this.batchEnd >= BATCH_BYTES) this.send();
    if (this.backlog <= MAX_BACKLOG) return undefined;
    this.send();
    return this.until(() => this.backlog <= MAX_BACKLOG / 2);
  }

  /** Delete a tree (as rm -rf); resolves once it is gone, with the error when it could not be. */
  async remove(path: string): Promise<NodeJS.ErrnoException | MigrateError | undefined> {
    const id = this.track(path, 0);
    this.batch.push({ id, remove: path });
    this.send();
    await this.until(() => !this.pending.has(id));
    return this.failed?.path === path ? this.failed.error : undefined;
  }

  /** Resolves once every file queued so far is written, or at the first failure (see `failure`). */
  flush(): Promise<void> {
    this.send();
    return this.until(() => this.pending.size === 0);
  }

  /** Stop the worker (what is still queued is dropped). */
  async close(): Promise<void> {
    this.closing = true;
    await this.worker.terminate();
  }

  private track(path: string, size: number): number {
    const id = this.nextId++;
    this.pending.set(id, { size, path });
    this.backlog += size;
    return id;
  }

  private send(): void {
    if (this.batch.length === 0) return;
    const bytes = this.batchBytes?.buffer as ArrayBuffer | undefined; // allocUnsafeSlow: not shared
    this.worker.postMessage({ files: this.batch, bytes }, bytes ? [bytes] : []);
    this.batch = [];
    this.batchBytes = undefined;
    this.batchEnd = 0;
  }

  /**
   * A batch's Buffer: one the worker gave back, or a new one. allocUnsafeSlow: with an ArrayBuffer of its
   * own, which can be moved to the worker (a pooled small Buffer shares one with others).
   */
  private batchBuffer(atLeast: number): Buffer {
    const size = Math.max(BATCH_BYTES, atLeast);
    const reused = this.spare.findIndex((b) => b.byteLength >= size);
    if (reused >= 0) return Buffer.from(this.spare.splice(reused, 1)[0]!); // found at reused
    return Buffer.allocUnsafeSlow(size);
  }

  private settle(reply: Reply): void {
    // Kept for the next batches (a few): new ones each time waited as external memory for collections.
    if (reply.bytes && this.spare.length < MAX_SPARE) this.spare.push(reply.bytes);
    for (const id of reply.ids) {
      const pending = this.pending.get(id);
      if (!pending) continue;
      this.pending.delete(id);
      this.backlog -= pending.size;
      if (reply.error?.id === id) this.fail(Object.assign(new Error(reply.error.message), reply.error), pending.path);
    }
    this.wake();
  }

  private fail(error: NodeJS.ErrnoException, path: string): void {
    this.failed ??= { error, path };
    this.wake();
  }

  /** The worker is gone (it could not start, or stopped): the first file it had not written is named. */
  private lost(reason: string): void {
    const [first] = this.pending.values();
    const path = first?.path ?? '';
    this.failed ??= {
      error: new MigrateError('internal', `cannot write ${path}: the thread writing the plan's files failed: ${reason}`, { where: path }),
      path,
    };
    this.wake();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  private async until(done: () => boolean): Promise<void> {
    while (!done() && !this.failed) await new Promise<void>((wake) => this.waiters.push(wake));
  }
}
