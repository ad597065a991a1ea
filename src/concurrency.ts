// The one semaphore and the one worker pool of the project: the OpenStack client bounds its requests in
// flight with Limiter, import bounds its disk imports with it, and backup and cutover run servers through
// inPool. (Kept here rather than in one of the shells, so that openstack/ and workflow/ share it.)

/** A counting semaphore: at most `max` calls of run() in flight; the others wait in arrival order. */
export class Limiter {
  private active = 0;
  private readonly queue: (() => void)[] = [];
  /** The most calls seen in flight at once (for tests and the benchmark). */
  maxSeen = 0;
  constructor(readonly max: number) {}
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.max) await new Promise<void>((resolve) => this.queue.push(resolve));
    this.active += 1;
    this.maxSeen = Math.max(this.maxSeen, this.active);
    try {
      return await fn();
    } finally {
      this.active -= 1;
      this.queue.shift()?.();
    }
  }
}

/** Runs `fn` over items with at most `parallel` in flight, keeping the input order in the output. */
export async function inPool<T, R>(items: readonly T[], parallel: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) out[i] = await fn(items[i] as T, i);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(Math.max(1, parallel), items.length)) }, worker));
  return out;
}
