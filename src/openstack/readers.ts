// The context every service reader gets, and the one rule for degrading: a 403 on a call the inventory can
// live without becomes a warning that names what is missing; everything else propagates.
import type { OpenStackClient } from './client.js';
import { OpenStackError } from './errors.js';

export interface ReadContext {
  client: OpenStackClient;
  pageSize: number;
  /** Admin view: all_tenants / all_projects listings. */
  allProjects: boolean;
  warn: (message: string) => void;
}

/** Runs a read; on 403 warns "<what> not read (403 ...): <consequence>" and returns the fallback. */
export async function orForbidden<T>(ctx: ReadContext, what: string, consequence: string, read: () => Promise<T>, fallback: () => T | Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    if (err instanceof OpenStackError && err.kind === 'forbidden') {
      ctx.warn(`${what}: 403 Forbidden for this user; ${consequence}`);
      return fallback();
    }
    throw err;
  }
}
