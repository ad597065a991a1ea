// The one semaphore and worker pool (src/concurrency.ts). No timers: each task waits on a promise the test
// resolves, so the bound is observed exactly and nothing depends on the machine's speed.
import { describe, expect, it } from 'vitest';
import { inPool, Limiter } from '../../src/concurrency.js';

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return { open, opened };
}

describe('Limiter and inPool', () => {
  it('never has more than max in flight, and lets the waiting ones run in order', async () => {
    const limiter = new Limiter(2);
    const gates = [gate(), gate(), gate(), gate()];
    const started: number[] = [];
    const runs = gates.map((g, i) =>
      limiter.run(async () => {
        started.push(i);
        await g.opened;
        return i;
      }),
    );
    await Promise.resolve();
    expect(started).toEqual([0, 1]);
    gates[1]!.open();
    await runs[1];
    await Promise.resolve();
    expect(started).toEqual([0, 1, 2]);
    for (const g of gates) g.open();
    expect(await Promise.all(runs)).toEqual([0, 1, 2, 3]);
    expect(limiter.maxSeen).toBe(2);
  });

  it('inPool keeps the input order and the bound', async () => {
    let inFlight = 0;
    let most = 0;
    const out = await inPool([5, 1, 4, 2, 3], 2, async (n, i) => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      for (let k = 0; k < n; k++) await Promise.resolve();
      inFlight -= 1;
      return `${i}:${n}`;
    });
    expect(out).toEqual(['0:5', '1:1', '2:4', '3:2', '4:3']);
    expect(most).toBe(2);
    expect(await inPool([], 3, async () => 1)).toEqual([]);
  });
});
