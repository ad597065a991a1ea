// The table report's per-server text waits in a temporary file (cli/text-spool.ts) until the table above
// it is written: it must come back byte for byte, whole characters per piece, and leave nothing behind.
import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { TextSpool } from '../../../src/cli/text-spool.js';

describe('text spool', () => {
  it('gives back what was written, in pieces of whole characters, even where a character crosses a 1 MiB read', () => {
    const spool = new TextSpool();
    const pieces = ['a'.repeat((1 << 20) - 1), '→ü☃', 'x'.repeat(3 << 20), '\n🙂 end'];
    for (const p of pieces) spool.write(p);
    const back: string[] = [];
    spool.replay((t) => back.push(t));
    expect(back.join('')).toBe(pieces.join(''));
    expect(back.length).toBeGreaterThan(3);
    for (const t of back) expect(t).not.toMatch(/\uFFFD/); // no character cut in two
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
