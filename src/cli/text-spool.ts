// Text kept in a temporary file until it can be written in its place. The table report of a large plan
// lists every server's row (whose column widths depend on all servers) before the servers' findings, but
// the findings are known one server at a time as the plan is written: holding them all in memory was the
// largest part of `plan`'s memory (10,000 servers: 336,000 findings, ~55 MB live). Their report text is
// written here instead, server by server, and copied into the report once the table is written.
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileError } from '../errors.js';
import { bufferedSink, type TextSink } from '../plan/write.js';

export class TextSpool {
  /** The private folder holding the file (removed by remove()). */
  readonly folder: string;
  private readonly file: string;
  private fd: number | undefined;
  private readonly sink: TextSink;

  /** A new, empty spool in a private folder of the system's temporary directory. */
  constructor() {
    try {
      this.folder = mkdtempSync(join(tmpdir(), 'kubectl-openstack-migrate-'));
      this.file = join(this.folder, 'report-text');
      this.fd = openSync(this.file, 'w+', 0o600);
    } catch (e) {
      throw fileError(e, tmpdir(), 'create a temporary file in');
    }
    this.sink = bufferedSink(
      (chunk) => {
        try {
          writeSync(this.fd!, chunk); // open until remove()
        } catch (e) {
          throw fileError(e, this.file, 'write');
        }
      },
      undefined,
      true, // written synchronously
    );
  }

  write(text: string): void {
    this.sink.write(text);
  }

  /**
   * Everything written so far, as UTF-8 bytes handed to `write` in chunks of up to 1 MiB. Bytes, not
   * text: decoded, each chunk would be a 1 MB string, which V8 allocates straight into its old generation
   * and frees only at its next full collection. Each chunk is a Buffer of its own (the callee may queue
   * it, as a stream does), unless `reuse` says, after a chunk was handed on, that the callee is done with
   * it (a synchronous write; a stream whose queue is empty again): then the next chunk is read into the
   * same Buffer, so that copying 44 MB takes 1 MiB.
   */
  replay(write: (chunk: Buffer) => void, reuse: boolean | (() => boolean) = false): void {
    this.sink.end();
    let position = 0;
    let buffer: Buffer | undefined;
    for (;;) {
      buffer ??= Buffer.allocUnsafe(1 << 20);
      let read: number;
      try {
        read = readSync(this.fd!, buffer, 0, buffer.length, position);
      } catch (e) {
        throw fileError(e, this.file, 'read');
      }
      if (read === 0) break;
      position += read;
      write(buffer.subarray(0, read));
      if (!(typeof reuse === 'function' ? reuse() : reuse)) buffer = undefined;
    }
  }

  /** Close and delete the file (idempotent). */
  remove(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    rmSync(this.folder, { recursive: true, force: true });
  }
}
