// One watch connection through client-node's Watch, with the kubeconfig's TLS and credentials and the
// Impersonate-Group headers of --as-group (as for every request): the workflow (import, cutover, status)
// waits on events instead of polling.
import type https from 'node:https';
import { KubeConfig, Watch } from '@kubernetes/client-node';
import { KubeClient, statusMessage } from './client.js';
import type { KubeTarget } from './config.js';
import { MigrateError } from '../errors.js';

/**
 * The target's kubeconfig for Watch, which sends what applyToFetchOptions gives: client-node adds
 * Impersonate-User (--as) but has no Impersonate-Group, which KubeClient adds to its own requests.
 */
class WatchConfig extends KubeConfig {
  constructor(
    kc: KubeConfig,
    private readonly groups: readonly string[],
  ) {
    super();
    this.loadFromOptions({ clusters: kc.clusters, users: kc.users, contexts: kc.contexts, currentContext: kc.getCurrentContext() });
  }

  override async applyToFetchOptions(opts: https.RequestOptions): ReturnType<KubeConfig['applyToFetchOptions']> {
    const init = await super.applyToFetchOptions(opts);
    const headers = init.headers as { append(name: string, value: string): void } | undefined;
    for (const group of this.groups) headers?.append('Impersonate-Group', group);
    return init;
  }
}

function watchConfig(target: KubeTarget): KubeConfig {
  return target.impersonateGroups?.length ? new WatchConfig(target.kc, target.impersonateGroups) : target.kc;
}

/** An object as a watch event carries it: the server's JSON. */
export interface WatchedObject {
  metadata?: { resourceVersion?: string };
}

/** The server answered a watch request with something else than a stream (403, 404, 500, ...). */
export class WatchRefusedError extends MigrateError {
  constructor(
    readonly path: string,
    readonly httpStatus: number,
    reason: string,
  ) {
    super('kubernetes', `watch ${path}: HTTP ${httpStatus}: ${reason}`);
  }
  /** Retrying cannot help: the credentials or their permissions are wrong. */
  get permanent(): boolean {
    return this.httpStatus === 401 || this.httpStatus === 403;
  }
}

/**
 * One watch connection through client-node's Watch (the kubeconfig's TLS and credentials, as for every
 * request): calls onEvent for each event until it returns a value, the server closes the stream (server
 * timeout), the version expires (410: `expired`), or the signal aborts (then throws the abort reason).
 */
export async function openWatch<O extends WatchedObject, T>(
  target: KubeTarget,
  path: string,
  query: { resourceVersion: string; fieldSelector?: string; labelSelector?: string },
  onEvent: (type: string, obj: O) => T | undefined,
  signal?: AbortSignal,
): Promise<{ value?: T; expired?: boolean; resourceVersion: string }> {
  signal?.throwIfAborted();
  const params: Record<string, string> = {
    allowWatchBookmarks: 'true',
    resourceVersion: query.resourceVersion,
    // The server ends the stream after this many seconds; the caller re-watches from the last version.
    timeoutSeconds: '240',
    ...(query.fieldSelector ? { fieldSelector: query.fieldSelector } : {}),
    ...(query.labelSelector ? { labelSelector: query.labelSelector } : {}),
  };
  let rv = query.resourceVersion;
  return new Promise((resolve, reject) => {
    let settled = false;
    let controller: AbortController | undefined;
    const finish = (out: { value?: T; expired?: boolean; resourceVersion: string } | Error) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      controller?.abort();
      if (out instanceof Error) reject(out);
      else resolve(out);
    };
    const onAbort = () => finish(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
    signal?.addEventListener('abort', onAbort, { once: true });
    const refused = async (status: number) => {
      // Watch reports only the status line: ask once more for the server's own reason (a stream, should the
      // server allow it this time, ends after a second).
      const res = await new KubeClient(target).request('GET', path, { query: { ...params, watch: 'true', timeoutSeconds: '1' } }).catch(() => undefined);
      finish(new WatchRefusedError(path, status, res && res.status === status ? statusMessage(res) : `HTTP ${status}`));
    };
    new Watch(watchConfig(target))
      .watch(
        path,
        params,
        (type: string, object: O & { code?: number }) => {
          if (settled) return;
          if (type === 'ERROR') {
            // 410 Gone: the version is too old; the caller reads again.
            finish({ expired: true, resourceVersion: rv });
            return;
          }
          rv = object?.metadata?.resourceVersion ?? rv;
          if (type === 'BOOKMARK') return;
          let value: T | undefined;
          try {
            value = onEvent(type, object);
          } catch (err) {
            finish(err as Error);
            return;
          }
          if (value !== undefined) finish({ value, resourceVersion: rv });
        },
        (err: unknown) => {
          if (settled) return;
          const status = (err as { statusCode?: number } | null)?.statusCode;
          if (status) void refused(status);
          else if (err && (err as { name?: string }).name !== 'AbortError') finish(err as Error);
          else finish({ resourceVersion: rv });
        },
      )
      .then(
        (c) => {
          controller = c;
          if (settled) c.abort();
        },
        (err: unknown) => finish(err as Error),
      );
  });
}
