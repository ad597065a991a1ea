// A thin JSON-over-HTTPS client for the Kubernetes API. The kubeconfig's TLS and credentials come from
// @kubernetes/client-node (client certs, tokens, exec plugins); the bodies are sent and read as plain
// JSON. apply/read-back (apply.ts, readback.ts) use request() and bypass the typed serializers of the
// generated client on purpose: they drop fields their models do not know and rewrite timestamps, and
// apply/read-back must see exactly what the server has. The workflow's object calls go through client-node's
// KubernetesObjectApi (objects.ts), whose requests travel through exchange() below all the same.
import http from 'node:http';
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import type { KubeTarget } from './config.js';
import { httpSettings, logRequest, loggableUrl } from '../http-settings.js';

/** Per-request limit when neither the target nor --request-timeout sets one. */
const DEFAULT_TIMEOUT_MS = 60_000;

export interface KubeResponse {
  status: number;
  /** Parsed JSON body, or the raw text when the body was not JSON. */
  body: unknown;
}

/** The server's Status object, as sent with error responses. */
export interface KubeStatus {
  kind: 'Status';
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: { name?: string; group?: string; kind?: string; causes?: { reason?: string; message?: string; field?: string }[] };
}

/** A response as it came: status, headers (lower-case names) and the body text. */
export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  text: string;
}

export interface RequestOptions {
  query?: Record<string, string | boolean | undefined>;
  body?: unknown;
  contentType?: string;
}

export class KubeClient {
  readonly namespace: string;
  private readonly kc: KubeConfig;
  private readonly server: URL;
  private readonly impersonateGroups: string[];
  private readonly timeoutMs: number | undefined;

  constructor(target: KubeTarget) {
    this.kc = target.kc;
    this.namespace = target.namespace;
    this.server = new URL(target.server);
    this.impersonateGroups = target.impersonateGroups ?? [];
    this.timeoutMs = target.requestTimeoutMs;
  }

  /** The API server's URL that request paths are appended to (no trailing slash). */
  get baseUrl(): string {
    return this.server.href.replace(/\/$/, '');
  }

  /** The API server's URL, as errors name it. */
  get serverUrl(): string {
    return loggableUrl(this.server).replace(/\/$/, '');
  }

  /** One request to a path of the API server; the body is parsed as JSON when it is JSON. */
  async request(method: string, path: string, options: RequestOptions = {}): Promise<KubeResponse> {
    const url = new URL(this.baseUrl + path);
    for (const [key, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const payload = options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    const res = await this.exchange(method, url, {
      headers: { Accept: 'application/json', ...(payload !== undefined ? { 'Content-Type': options.contentType ?? 'application/json' } : {}) },
      body: payload,
    });
    let body: unknown = res.text;
    try {
      body = res.text ? JSON.parse(res.text) : undefined;
    } catch {
      // not JSON (e.g. /readyz): keep the text
    }
    return { status: res.status, body };
  }

  /**
   * The one transport of every Kubernetes request of the plugin (this client's request(), and
   * client-node's KubernetesObjectApi through objects.ts): the kubeconfig's TLS and credentials,
   * Impersonate-Group, plain http for `kubectl proxy`, --request-timeout, and the -v request line.
   */
  async exchange(method: string, url: URL, options: { headers?: Record<string, string>; body?: string } = {}): Promise<RawResponse> {
    const opts: https.RequestOptions = { method, headers: { ...options.headers } };
    // Fills in ca/cert/key/servername and the Authorization header from the current context.
    await this.kc.applyToHTTPSOptions(opts);
    const payload = options.body;
    const headers = (opts.headers ?? {}) as Record<string, string | string[]>;
    if (this.impersonateGroups.length) headers['Impersonate-Group'] = this.impersonateGroups;
    if (payload !== undefined) headers['Content-Length'] = String(Buffer.byteLength(payload));
    opts.headers = headers;
    const plain = url.protocol === 'http:';
    // client-node always hands over an https.Agent; a plain-http server (kubectl proxy) needs node's own.
    if (plain) delete opts.agent;
    const transport = plain ? http : https;
    const timeoutMs = this.timeoutMs ?? httpSettings().requestTimeoutMs ?? DEFAULT_TIMEOUT_MS;
    const started = performance.now();
    const server = this.serverUrl;
    return new Promise<RawResponse>((resolve, reject) => {
      const fail = (err: Error & { code?: string }) => {
        logRequest(method, url, 0, started, err.code ?? err.message);
        reject(new Error(connectionErrorText(method, url, server, err), { cause: err }));
      };
      const req = transport.request(url, opts, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', fail);
        res.on('end', () => {
          logRequest(method, url, res.statusCode ?? 0, started);
          const responseHeaders: Record<string, string> = {};
          for (const [key, value] of Object.entries(res.headers)) {
            if (value !== undefined) responseHeaders[key] = Array.isArray(value) ? value.join(', ') : value;
          }
          resolve({ status: res.statusCode ?? 0, headers: responseHeaders, text: Buffer.concat(chunks).toString('utf8') });
        });
      });
      req.on('error', fail);
      if (timeoutMs > 0) {
        req.setTimeout(timeoutMs, () =>
          req.destroy(Object.assign(new Error(`timed out after ${formatMs(timeoutMs)} (--request-timeout)`), { code: 'ETIMEDOUT' })),
        );
      }
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }
}

export function isStatus(body: unknown): body is KubeStatus {
  return typeof body === 'object' && body !== null && (body as { kind?: unknown }).kind === 'Status';
}

/** The server's message for a failed response, or a short description when it sent none. */
export function statusMessage(res: KubeResponse): string {
  if (isStatus(res.body) && res.body.message) return res.body.message;
  if (typeof res.body === 'string' && res.body.trim()) return `HTTP ${res.status}: ${res.body.trim().slice(0, 300)}`;
  return `HTTP ${res.status}`;
}

function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/** A failed exchange, naming the API server as kubectl does ("Unable to connect to the server: ..."). */
export function connectionErrorText(method: string, url: URL, server: string, err: Error & { code?: string }): string {
  const why = err.code === 'ECONNREFUSED' ? 'connection refused' : err.code === 'ENOTFOUND' ? 'no such host' : err.message;
  return `Unable to connect to the server ${server}: ${method} ${loggableUrl(url)}: ${why}`;
}
