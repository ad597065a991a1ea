// Records the HTTP(S) requests this process sends, by wrapping node:http's and node:https's request():
// the project's KubeClient and client-node's Watch (through node-fetch) both go through them. Observation
// only: each request is sent unchanged. One helper for the tests that prove what the plugin sends (dry
// runs that write nothing, the RBAC verbs a run needs).
import http from 'node:http';
import https from 'node:https';

/** One request as sent. */
export interface SentRequest {
  method: string;
  /** scheme://host:port */
  origin: string;
  path: string;
  /** Path and query, as the server sees it. */
  url: string;
  watch: boolean;
  /** The bearer token of the Authorization header, if any. */
  token?: string;
  /** The response status, once it came. */
  status?: number;
}

type RequestFn = typeof http.request;

/** The URL and options of a request() call: (url[, options][, callback]) or (options[, callback]). */
function describe(args: unknown[], defaultProtocol: string): { url?: URL; options?: http.RequestOptions } {
  const [first, second] = args;
  const options = (typeof second === 'object' && second !== null ? second : undefined) as http.RequestOptions | undefined;
  if (first instanceof URL) return { url: first, options };
  if (typeof first === 'string') return { url: new URL(first), options };
  const o = first as (http.RequestOptions & { protocol?: string }) | undefined;
  if (!o?.path) return { options: o };
  const host = o.hostname ?? o.host ?? 'localhost';
  return { url: new URL(`${o.protocol ?? defaultProtocol}//${host}${o.port ? `:${o.port}` : ''}${o.path}`), options: o };
}

function headerValue(headers: http.OutgoingHttpHeaders | readonly string[] | undefined, name: string): string | undefined {
  if (!headers || Array.isArray(headers)) return undefined;
  const found = Object.entries(headers as http.OutgoingHttpHeaders).find(([k]) => k.toLowerCase() === name);
  const value = found?.[1];
  return Array.isArray(value) ? value[0] : value === undefined ? undefined : String(value);
}

/** Calls onSent for every request sent from now on (its status is filled in when the response comes); returns the stop function. */
export function observeRequests(onSent: (request: SentRequest) => void): () => void {
  const wrap = (module: { request: RequestFn }, protocol: string) => {
    const real = module.request;
    module.request = function (this: unknown, ...args: unknown[]) {
      const req = (real as (...a: unknown[]) => http.ClientRequest).apply(this, args);
      const { url, options } = describe(args, protocol);
      if (url) {
        const auth = headerValue(options?.headers, 'authorization');
        const sent: SentRequest = {
          method: options?.method ?? 'GET',
          origin: url.origin,
          path: url.pathname,
          url: url.pathname + url.search,
          watch: url.searchParams.get('watch') === 'true',
          ...(auth?.startsWith('Bearer ') ? { token: auth.slice('Bearer '.length) } : {}),
        };
        req.once('response', (res: http.IncomingMessage) => {
          sent.status = res.statusCode;
        });
        onSent(sent);
      }
      return req;
    } as RequestFn;
    return () => {
      module.request = real;
    };
  };
  const restore = [wrap(http, 'http:'), wrap(https as unknown as { request: RequestFn }, 'https:')];
  return () => {
    for (const r of restore) r();
  };
}

/** The requests sent to one server (origin) from now on. */
export function recordRequestsTo(origin: string): { requests: SentRequest[]; stop: () => void } {
  const requests: SentRequest[] = [];
  const stop = observeRequests((r) => {
    if (r.origin === new URL(origin).origin) requests.push(r);
  });
  return { requests, stop };
}
