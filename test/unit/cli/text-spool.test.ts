// The table report's per-server text waits in a temporary file (cli/text-spool.ts) until the table above
// it is written: it must come back byte for byte, whole characters per piece, and leave nothing behind.
import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { TextSpool } from '../../../src/cli/text-spool.js';

describe('text spool', () => {
  it('gives back the UTF-8 bytes of what was written, in chunks of at most 1 MiB that stay as they were handed', () => {
    const spool = new TextSpool();
    const pieces = ['a'.repeat((1 << 20) - 1), '→ü☃', 'x'.repeat(3 << 20), '\n🙂 end'];
    for (const p of pieces) spool.write(p);
    const back: Buffer[] = [];
    const asHanded: string[] = [];
    spool.replay((chunk) => {
      back.push(chunk);
      asHanded.push(chunk.toString('latin1'));
    });
    expect(Buffer.concat(back).toString('utf8')).toBe(pieces.join(''));
    expect(back.length).toBeGreaterThan(3);
    for (const c of back) expect(c.length).toBeLessThanOrEqual(1 << 20);
    // A stream may queue a chunk (stdout): the next reads must not overwrite it.
    expect(back.map((c) => c.toString('latin1'))).toEqual(asHanded);
    spool.remove();
  });

  it('reads every chunk into one Buffer when asked to reuse it', () => {
    const spool = new TextSpool();
    spool.write('y'.repeat(5 << 20));
    const buffers = new Set<ArrayBufferLike>();
    let bytes = 0;
    spool.replay((chunk) => {
      buffers.add(chunk.buffer);
      bytes += chunk.length;
    }, true);
    expect(bytes).toBe(5 << 20);
    expect(buffers.size).toBe(1);
    // Asked after each chunk: a callee that still holds one gets a new Buffer for the next.
    const held = new Set<ArrayBufferLike>();
    let calls = 0;
    spool.replay(
      (chunk) => held.add(chunk.buffer),
      () => ++calls % 2 === 0,
    );
    expect(calls).toBe(5);
    expect(held.size).toBe(3);
    spool.remove();
  });

  it('removes its file and folder, once or twice', () => {
    const spool = new TextSpool();
    spool.write('text');
    expect(existsSync(spool.folder)).toBe(true);
    spool.remove();
    spool.remove();
    expect(existsSync(spool.folder)).toBe(false);
  });
});
