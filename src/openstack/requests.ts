// What every OpenStack write and lookup of the workflow shares: the error of an unexpected status, a
// create that survives a lost answer (createOnce), and polling (OpenStack has no watch API). The calls
// themselves live with their service, reads and writes side by side (compute.ts, image.ts, volume.ts,
// network.ts), as gophercloud keeps them.
import { errorMessageOf } from './client.js';
import { OpenStackError } from './errors.js';

export function fail(what: string, res: { status: number; data: unknown }): never {
  const message = errorMessageOf(res.data);
  const kind = res.status === 403 ? 'forbidden' : 'api';
  throw new OpenStackError(kind, `${what}: HTTP ${res.status}${message ? ` (${message})` : ''}`, { status: res.status });
}

export function expectStatus(what: string, res: { status: number; data: unknown }, ok: number[]): void {
  if (!ok.includes(res.status)) fail(what, res);
}

/**
 * A create whose answer may have been lost (the connection dropped, or a 5xx) may still have been carried
 * out: the client does not send creates again on its own (client.ts), so here the deterministic name is
 * looked up first, and the create is sent again only when nothing by that name exists. A customer's disk is
 * never copied twice into their quota.
 */
export async function createOnce<T>(create: () => Promise<T>, lookup: () => Promise<T | undefined>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await create();
    } catch (err) {
      const answerLost = err instanceof OpenStackError && (err.kind === 'unreachable' || (err.status !== undefined && err.status >= 500));
      if (!answerLost) throw err;
      const made = await lookup();
      if (made !== undefined) return made;
      if (attempt >= attempts) throw err;
      await new Promise((r) => setTimeout(r, 200 * attempt));
    }
  }
}

export interface WaitOptions {
  timeoutMs?: number;
  /** First interval; grows ×1.5 up to maxIntervalMs. */
  intervalMs?: number;
  maxIntervalMs?: number;
  signal?: AbortSignal;
  onPoll?: (status: string) => void;
}

/**
 * Polls `read` until `done` holds, throwing when `failed` names a terminal error status or when the time is
 * up. OpenStack has no watch API, so polling with a growing interval is the only way.
 */
export async function waitFor<T extends { status: string }>(
  what: string,
  read: () => Promise<T | undefined>,
  done: (v: T) => boolean,
  failed: (v: T) => string | undefined,
  options: WaitOptions = {},
): Promise<T> {
  const timeout = options.timeoutMs ?? 3_600_000;
  const max = options.maxIntervalMs ?? 15_000;
  let interval = options.intervalMs ?? 1_000;
  const deadline = Date.now() + timeout;
  let last = '';
  for (;;) {
    if (options.signal?.aborted) throw new OpenStackError('api', `${what}: aborted while waiting (last status ${last || 'unknown'})`);
    const value = await read();
    if (!value) throw new OpenStackError('api', `${what} disappeared while waiting for it (last status ${last || 'unknown'})`, { status: 404 });
    last = value.status;
    options.onPoll?.(last);
    if (done(value)) return value;
    const why = failed(value);
    if (why) throw new OpenStackError('api', `${what}: ${why}`);
    if (Date.now() + interval > deadline)
      throw new OpenStackError('api', `${what}: still ${last} after ${Math.round(timeout / 1000)}s; raise the timeout or check the service`);
    await new Promise((r) => setTimeout(r, interval));
    interval = Math.min(max, Math.ceil(interval * 1.5));
  }
}

/** Waits until GET answers 404, for deletes that must finish before the next one (volume before its snapshot). */
export async function waitGone(what: string, read: () => Promise<{ status: string } | undefined>, options: WaitOptions = {}): Promise<void> {
  const timeout = options.timeoutMs ?? 600_000;
  const deadline = Date.now() + timeout;
  let interval = options.intervalMs ?? 1_000;
  for (;;) {
    const v = await read();
    if (!v) return;
    if (v.status.startsWith('error')) throw new OpenStackError('api', `${what}: delete failed (status ${v.status})`);
    if (Date.now() + interval > deadline) throw new OpenStackError('api', `${what}: still ${v.status} ${Math.round(timeout / 1000)}s after the delete`);
    await new Promise((r) => setTimeout(r, interval));
    interval = Math.min(options.maxIntervalMs ?? 10_000, Math.ceil(interval * 1.5));
  }
}
