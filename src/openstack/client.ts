// A small typed OpenStack client on axios: Keystone v3 authentication, the service catalog, retries with a
// bound, token re-issue, a concurrency bound shared by every request, and the paging conventions of each
// service. The token and the credentials stay in private fields: no message, warning or thrown error
// built here contains them, and axios errors (whose config holds the headers and the auth body) never leave
// this module.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { httpSettings, logRequest } from '../http-settings.js';
import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import type { CloudConfig, EndpointInterface } from './config.js';
import { identityV3Url } from './config.js';
import { OpenStackError, redactUrl } from './errors.js';
import { escapeControl } from '../report/escape.js';
import { checkBody } from './shapes.js';
import { getRequestTimeout } from './request-timeout.js';
import { Limiter } from '../concurrency.js';

export interface CatalogEndpoint {
  id?: string;
  interface: string;
  region_id?: string | null;
  region?: string | null;
  url: string;
}

export interface CatalogService {
  id?: string;
  type: string;
  name?: string;
  endpoints: CatalogEndpoint[];
}

export interface TokenInfo {
  userId: string;
  userName?: string;
  userDomainId?: string;
  projectId?: string;
  projectName?: string;
  projectDomainId?: string;
  projectDomainName?: string;
  domainId?: string;
  roles: { id: string; name: string }[];
  expiresAt: number;
  /** When this client got the token (local clock), to size the refresh margin to the token's lifetime. */
  issuedAt: number;
  catalog: CatalogService[];
}

export interface RetryPolicy {
  /** Attempts in all (first try included). */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export interface ClientOptions {
  retry?: Partial<RetryPolicy>;
  /** Requests in flight at once, over all services. */
  concurrency?: number;
  /** Longest time one HTTP request may take, connection included; 0 = no limit. Default: --request-timeout. */
  timeoutMs?: number;
  /** Re-issue the token when it expires within this margin. */
  refreshMarginMs?: number;
  /** Called for warnings (insecure TLS, ...); must not be given secrets, and is not. */
  onWarning?: (message: string) => void;
}

export interface RequestOptions {
  params?: Record<string, string | number | boolean | undefined>;
  headers?: Record<string, string>;
}

export interface ClientStats {
  /** HTTP requests sent, retries and authentication included. */
  requests: number;
  retries: number;
  authentications: number;
}

const RETRY_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'ECONNABORTED', 'EPIPE', 'EAI_AGAIN', 'ERR_SOCKET_CONNECTION_TIMEOUT']);
const RETRY_STATUS = new Set([429, 500, 502, 503, 504]);
/** Failures that prove a request never reached the server, so even a create may be sent again. */
const NEVER_SENT_CODES = new Set(['ECONNREFUSED', 'EAI_AGAIN']);
const NEVER_DONE_STATUS = new Set([429]);
// Certificate verification failures: OpenSSL's X509_V_ERR_* results as Node names them (without the prefix:
// UNABLE_TO_VERIFY_LEAF_SIGNATURE is what a private CA's certificate gives without its CA bundle, and has no
// CERT in its name), and Node's own host name check (ERR_TLS_CERT_ALTNAME_INVALID).
const TLS_VERIFY_CODE = /CERT|CRL|SSL|TLS|SELF_SIGNED|^UNABLE_TO_|^INVALID_(CA|PURPOSE)$|^PATH_LENGTH_EXCEEDED$|HOSTNAME_MISMATCH/i;
const TLS_HOSTNAME_CODE = new Set(['ERR_TLS_CERT_ALTNAME_INVALID', 'HOSTNAME_MISMATCH']);

/** Largest response body read: a page of 1,000 servers is a few MB; a hostile endpoint must not fill memory. */
const MAX_RESPONSE_BYTES = 256 << 20;

/** Service types by the names operators know them under, for messages. */
const SERVICE_NAMES: Record<string, string> = {
  identity: 'Keystone',
  compute: 'Nova',
  image: 'Glance',
  network: 'Neutron',
  volumev3: 'Cinder',
  'block-storage': 'Cinder',
  volume: 'Cinder',
};

/**
 * Secret-looking values in text a service sent back (some echo the request body in their error message):
 * "password": "…", secret=…, X-Auth-Token: … become [REDACTED]. The client also removes the exact
 * configured secrets (see OpenStackClient.serverText).
 */
export function redactEchoedSecrets(text: string): string {
  return text.replace(/((?:password|passwd|secret|token|x-auth-token|x-subject-token|credential)["']?\s*[:=]\s*["']?)([^"'\s,}&]+)/gi, '$1[REDACTED]');
}

/**
 * The message an OpenStack service put in its error body, whatever the service's envelope: one line, its
 * control characters escaped and anything that looks like a secret redacted, at most 300 characters.
 */
export function errorMessageOf(body: unknown): string | undefined {
  const raw = rawErrorMessageOf(body);
  if (raw === undefined) return undefined;
  const text = escapeControl(redactEchoedSecrets(raw.replace(/\r?\n/g, ' ')));
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

function rawErrorMessageOf(body: unknown): string | undefined {
  if (typeof body === 'string') {
    const text = body
      .replace(/<[^>]+>/g, ' ')
      .replace(/\s+/g, ' ')
      .trim();
    return text ? text.slice(0, 300) : undefined;
  }
  if (typeof body !== 'object' || body === null) return undefined;
  const b = body as Record<string, unknown>;
  if (typeof b.message === 'string') return b.message;
  if (typeof b.description === 'string') return b.description;
  // Keystone {error:{message}}, Nova {forbidden|itemNotFound|computeFault|badRequest:{message}}, Neutron {NeutronError:{message}}
  for (const value of Object.values(b)) {
    if (typeof value === 'object' && value !== null && typeof (value as Record<string, unknown>).message === 'string') {
      return (value as Record<string, string>).message;
    }
  }
  return undefined;
}

/** 90000 → "90s", 120000 → "2m0s" (kubectl's duration style), for messages. */
export function formatDuration(ms: number): string {
  const seconds = ms / 1000;
  if (seconds < 60) return `${Number(seconds.toFixed(3))}s`;
  return `${Math.floor(seconds / 60)}m${Number((seconds % 60).toFixed(3))}s`;
}

/** A first look at a body that is not the JSON expected: its type and its start, escaped. */
function describeBody(res: AxiosResponse): string {
  const type = String(res.headers?.['content-type'] ?? 'no content type').split(';')[0];
  const data: unknown = res.data;
  if (typeof data === 'string' || Buffer.isBuffer(data)) {
    const text = String(data);
    if (!text.trim()) return `${type}, empty`;
    return `${type}: "${escapeControl(redactEchoedSecrets(text.slice(0, 60)))}${text.length > 60 ? '…' : ''}"`;
  }
  return `${type}: ${Array.isArray(data) ? 'a JSON list' : data === null || data === undefined ? 'no body' : `a JSON ${typeof data}`}`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export class OpenStackClient {
  readonly config: CloudConfig;
  readonly stats: ClientStats;
  private readonly http: AxiosInstance;
  private readonly retry: RetryPolicy;
  private readonly limiter: Limiter;
  private readonly refreshMarginMs: number;
  private readonly warn: (message: string) => void;
  /** The secret: never exposed, never logged. */
  #token = '';
  #info: TokenInfo | undefined;
  #reauth: Promise<void> | undefined;
  /** Project id to scope to instead of the configured scope (per-project fallback). */
  private readonly scopeProjectId?: string;

  private constructor(
    config: CloudConfig,
    options: ClientOptions,
    shared?: { http: AxiosInstance; limiter: Limiter; stats: ClientStats },
    scopeProjectId?: string,
  ) {
    this.config = config;
    this.retry = { attempts: 4, baseDelayMs: 250, maxDelayMs: 5_000, ...options.retry };
    this.timeoutMs = Math.max(0, options.timeoutMs ?? httpSettings().requestTimeoutMs ?? getRequestTimeout());
    this.refreshMarginMs = options.refreshMarginMs ?? 60_000;
    this.warn = options.onWarning ?? (() => {});
    this.scopeProjectId = scopeProjectId;
    this.options = options;
    if (shared) {
      this.http = shared.http;
      this.limiter = shared.limiter;
      this.stats = shared.stats;
      return;
    }
    this.stats = { requests: 0, retries: 0, authentications: 0 };
    this.limiter = new Limiter(Math.max(1, options.concurrency ?? 4));
    let ca: Buffer | undefined;
    if (config.cacert) {
      try {
        ca = readFileSync(config.cacert);
      } catch {
        throw new OpenStackError(
          'config',
          `cacert ${config.cacert} of cloud "${config.name}" cannot be read; fix the path in clouds.yaml, OS_CACERT or --os-cacert`,
        );
      }
      // Node ignores a CA bundle it cannot parse and verifies against nothing useful: say so instead.
      if (!ca.toString('latin1').includes('-----BEGIN CERTIFICATE-----')) {
        throw new OpenStackError(
          'config',
          `cacert ${config.cacert} of cloud "${config.name}" holds no PEM certificate (-----BEGIN CERTIFICATE-----); give the CA bundle in PEM form (convert DER with: openssl x509 -inform der -in FILE -out FILE.pem)`,
        );
      }
    }
    if (!config.verify) {
      this.warn(
        `TLS certificate verification is OFF for cloud "${config.name}" (--insecure / verify: false): anyone on the path can read the credentials; use a CA bundle (cacert / OS_CACERT) instead`,
      );
    }
    this.http = axios.create({
      // The request timeout is enforced per attempt in send() (connection, answer and body together).
      timeout: 0,
      maxContentLength: MAX_RESPONSE_BYTES,
      validateStatus: () => true,
      maxRedirects: 0,
      // Keep-alive: a 10,000-server inventory is a few dozen requests per service, each on a warm socket.
      httpAgent: new http.Agent({ keepAlive: true }),
      httpsAgent: new https.Agent({ keepAlive: true, rejectUnauthorized: config.verify, ...(ca ? { ca } : {}) }),
      headers: { Accept: 'application/json', 'User-Agent': 'kubectl-openstack-migrate' },
      proxy: false,
    });
  }

  private readonly options: ClientOptions;
  private readonly timeoutMs: number;

  /**
   * Text a service sent back, fit for a message: control characters escaped, and the configured secrets
   * (password, application credential secret, token) and our own token replaced, should it echo them.
   */
  private serverText(body: unknown): string | undefined {
    let text = errorMessageOf(body);
    if (text === undefined) return undefined;
    const a = this.config.auth;
    for (const secret of [a.password, a.applicationCredentialSecret, a.token, this.#token]) {
      if (typeof secret === 'string' && secret.length >= 4) {
        text = text.split(secret).join('[REDACTED]').split(escapeControl(secret)).join('[REDACTED]');
      }
    }
    return text;
  }

  /** "compute (Nova)" for a URL under the compute endpoint: which service a request went to, for messages. */
  serviceOf(url: string): string {
    const name = (type: string) => (SERVICE_NAMES[type] ? `${type} (${SERVICE_NAMES[type]})` : type);
    for (const [type, override] of Object.entries(this.config.endpointOverrides)) {
      if (override && url.startsWith(override.replace(/\/+$/, ''))) return name(type);
    }
    for (const service of this.#info?.catalog ?? []) {
      for (const ep of service.endpoints ?? []) {
        if (typeof ep.url === 'string' && ep.url && url.startsWith(ep.url.replace(/\/+$/, ''))) return name(service.type);
      }
    }
    return url.startsWith(identityV3Url(this.config.auth.authUrl)) ? name('identity') : 'OpenStack';
  }

  /** The label of a request in messages: service, method and URL (without credentials or query). */
  requestLabel(method: string, url: string): string {
    return `${this.serviceOf(url)} ${method} ${redactUrl(url.split('?', 1)[0] ?? url)}`;
  }

  /** A 2xx answer must carry a JSON object: HTML (a login page), garbage or truncated JSON is an error. */
  private expectJsonObject(res: AxiosResponse, label: string): void {
    const data: unknown = res.data;
    if (typeof data === 'object' && data !== null && !Array.isArray(data) && !Buffer.isBuffer(data)) return;
    throw new OpenStackError(
      'api',
      `${label}: answered ${res.status} with a body that is not a JSON object (${describeBody(res)}); is the URL an OpenStack endpoint (a proxy or login page in the way)?`,
      { status: res.status },
    );
  }

  /** Authenticates and returns a client scoped as the configuration says. */
  static async connect(config: CloudConfig, options: ClientOptions = {}): Promise<OpenStackClient> {
    const client = new OpenStackClient(config, options);
    await client.authenticate();
    return client;
  }

  /** A client for another project of the same user, sharing the connection pool, bound and counters. */
  async rescope(projectId: string): Promise<OpenStackClient> {
    const client = new OpenStackClient(this.config, this.options, { http: this.http, limiter: this.limiter, stats: this.stats }, projectId);
    await client.authenticate();
    return client;
  }

  get token(): TokenInfo {
    if (!this.#info) throw new OpenStackError('auth', 'not authenticated');
    return this.#info;
  }

  /** Safe to serialize: no token. */
  toJSON(): unknown {
    return { cloud: this.config.name, userId: this.#info?.userId, projectId: this.#info?.projectId };
  }

  private authBody(): unknown {
    const a = this.config.auth;
    const domain = (name?: string, id?: string) => (id ? { id } : name ? { name } : undefined);
    let scope: unknown;
    if (this.scopeProjectId) scope = { project: { id: this.scopeProjectId } };
    else if (a.projectId) scope = { project: { id: a.projectId } };
    else if (a.projectName)
      scope = {
        project: {
          name: a.projectName,
          domain: domain(a.projectDomainName, a.projectDomainId) ?? domain(a.userDomainName, a.userDomainId) ?? { id: 'default' },
        },
      };
    else if (a.domainId || a.domainName) scope = { domain: domain(a.domainName, a.domainId) };
    switch (this.config.authType) {
      case 'applicationcredential':
        // An application credential carries its own scope: Keystone rejects a scope in the request.
        return {
          auth: {
            identity: {
              methods: ['application_credential'],
              application_credential: a.applicationCredentialId
                ? { id: a.applicationCredentialId, secret: a.applicationCredentialSecret }
                : {
                    name: a.applicationCredentialName,
                    secret: a.applicationCredentialSecret,
                    user: a.userId ? { id: a.userId } : { name: a.username, domain: domain(a.userDomainName, a.userDomainId) ?? { id: 'default' } },
                  },
            },
          },
        };
      case 'token':
        return { auth: { identity: { methods: ['token'], token: { id: a.token } }, ...(scope ? { scope } : {}) } };
      default:
        return {
          auth: {
            identity: {
              methods: ['password'],
              password: {
                user: a.userId
                  ? { id: a.userId, password: a.password }
                  : { name: a.username, password: a.password, domain: domain(a.userDomainName, a.userDomainId) ?? { id: 'default' } },
              },
            },
            ...(scope ? { scope } : {}),
          },
        };
    }
  }

  /** POST /v3/auth/tokens with the configured credentials, scoped to the configured or the re-scoped project. */
  private async authenticate(): Promise<void> {
    const url = `${identityV3Url(this.config.endpointOverrides.identity ?? this.config.auth.authUrl)}/auth/tokens`;
    const shownUrl = redactUrl(url);
    this.stats.authentications += 1;
    const res = await this.send({ method: 'POST', url, data: this.authBody(), headers: { 'Content-Type': 'application/json' } }, `Keystone at ${shownUrl}`);
    if (res.status === 401) {
      const what =
        this.config.authType === 'applicationcredential'
          ? 'application credential'
          : this.config.authType === 'token'
            ? 'token'
            : 'user name, password and user domain';
      throw new OpenStackError(
        'auth',
        `Keystone at ${shownUrl} rejected the credentials of cloud "${this.config.name}" (401 ${this.serverText(res.data) ?? 'Unauthorized'}); check the ${what}`,
        { status: 401 },
      );
    }
    if (res.status === 403 || res.status === 404) {
      throw new OpenStackError(
        'auth',
        `Keystone at ${shownUrl} refused the requested scope of cloud "${this.config.name}" (${res.status} ${this.serverText(res.data) ?? ''}); check project_name/project_id and their domain`.replace(
          ' )',
          ')',
        ),
        { status: res.status },
      );
    }
    if (res.status !== 201 && res.status !== 200) {
      throw new OpenStackError(
        'api',
        `Keystone at ${shownUrl} answered ${res.status} to authentication (${this.serverText(res.data) ?? 'no message'}); check auth_url points at Keystone v3`,
        { status: res.status },
      );
    }
    const subject = res.headers['x-subject-token'];
    this.expectJsonObject(res, `Keystone at ${shownUrl}`);
    if (typeof subject !== 'string' || !subject) {
      throw new OpenStackError('api', `${shownUrl} did not return a Keystone v3 token; check that auth_url points at Keystone v3`);
    }
    const t = checkBody<{ token: Record<string, any> }>('token', res.data, `Keystone at ${shownUrl}`).token;
    this.#token = subject;
    this.#info = {
      userId: t.user?.id,
      userName: t.user?.name,
      userDomainId: t.user?.domain?.id,
      projectId: t.project?.id,
      projectName: t.project?.name,
      projectDomainId: t.project?.domain?.id,
      projectDomainName: t.project?.domain?.name,
      domainId: t.domain?.id,
      roles: Array.isArray(t.roles) ? t.roles.map((r: { id: string; name: string }) => ({ id: r.id, name: r.name })) : [],
      expiresAt: Date.parse(t.expires_at) || Date.now() + 3_600_000,
      issuedAt: Date.now(),
      catalog: Array.isArray(t.catalog) ? t.catalog : [],
    };
  }

  /** Re-issues the token once for all callers waiting on it. */
  private async reauthenticate(): Promise<void> {
    if (!this.#reauth) {
      // The configured credentials again (a token login can only be renewed within its own lifetime).
      this.#reauth = this.authenticate().finally(() => {
        this.#reauth = undefined;
      });
    }
    await this.#reauth;
  }

  /**
   * The endpoint URL of a service: an override if configured, else the catalog entry for the configured
   * interface and region. `types` lists the service types to accept, first preferred (volumev3 / block-storage).
   */
  endpoint(types: string[]): string {
    for (const type of types) {
      const override = this.config.endpointOverrides[type];
      if (override) return override.replace(/\/+$/, '');
    }
    const iface: EndpointInterface = this.config.interface;
    const region = this.config.regionName;
    const available: string[] = [];
    for (const type of types) {
      for (const service of this.token.catalog.filter((s) => s.type === type)) {
        for (const ep of service.endpoints) available.push(`${ep.interface}@${ep.region_id ?? ep.region ?? '-'}`);
        const match = service.endpoints.find((ep) => ep.interface === iface && (!region || (ep.region_id ?? ep.region) === region));
        if (match) return match.url.replace(/\/+$/, '');
      }
    }
    const why = available.length
      ? `has no ${iface} endpoint${region ? ` in region ${region}` : ''} (it has ${[...new Set(available)].join(', ')})`
      : 'is not in the service catalog';
    throw new OpenStackError(
      'catalog',
      `service ${types[0]} ${why} of cloud "${this.config.name}"; set region_name/interface (OS_REGION_NAME, OS_INTERFACE) or ${types[0]}_endpoint_override`,
    );
  }

  /** One HTTP exchange with the retry policy; no auth header handling here. */
  private async send(
    req: { method: string; url: string; data?: unknown; headers?: Record<string, string>; params?: RequestOptions['params'] },
    what: string,
    idempotent = true,
  ): Promise<AxiosResponse> {
    // A request that is not idempotent (a create) is sent again only when the server cannot have acted on
    // it: the connection was never made, or it was refused as too many (429). After a reset or a 5xx it may
    // have been carried out; the caller looks for what it made before creating again (actions.ts).
    const retryCodes = idempotent ? RETRY_CODES : NEVER_SENT_CODES;
    const retryStatus = idempotent ? RETRY_STATUS : NEVER_DONE_STATUS;
    for (let attempt = 1; ; attempt += 1) {
      let res: AxiosResponse | undefined;
      let code: string | undefined;
      let timedOut = false;
      try {
        this.stats.requests += 1;
        res = await this.limiter.run(async () => {
          // The clock starts when the request is sent, not while it waits for a free slot.
          const abort = this.timeoutMs > 0 ? new AbortController() : undefined;
          const timer =
            abort &&
            setTimeout(() => {
              timedOut = true;
              abort.abort();
            }, this.timeoutMs);
          const started = performance.now();
          try {
            const answer = await this.http.request({
              method: req.method,
              url: req.url,
              data: req.data,
              headers: req.headers,
              params: req.params,
              signal: abort?.signal,
            });
            logRequest(req.method, this.http.getUri({ url: req.url, params: req.params }), answer.status, started);
            return answer;
          } catch (err) {
            logRequest(req.method, this.http.getUri({ url: req.url, params: req.params }), 0, started, timedOut ? 'timeout' : (err as { code?: string }).code);
            throw err;
          } finally {
            clearTimeout(timer);
          }
        });
      } catch (err) {
        code = (err as { code?: string }).code ?? 'ERR';
        if (timedOut) {
          // Not retried: the limit is the user's bound for one request, and a retry would multiply it.
          throw new OpenStackError(
            'unreachable',
            `${what} timed out after ${formatDuration(this.timeoutMs)} without an answer; check that the service is healthy, or raise --request-timeout (0 = no limit)`,
          );
        }
        if (code === 'ERR_BAD_RESPONSE' && /maxContentLength/.test((err as Error).message)) {
          throw new OpenStackError('api', `${what}: the response is larger than ${MAX_RESPONSE_BYTES >> 20} MiB; lower --page-size or check the endpoint`);
        }
        if (TLS_HOSTNAME_CODE.has(code)) {
          // A CA bundle cannot help here: the certificate is valid but issued for another name.
          throw new OpenStackError(
            'unreachable',
            `${what}: TLS verification failed (${code}): the certificate does not name this host; use the host name it was issued for in auth_url, or --insecure for a test cloud`,
          );
        }
        if (TLS_VERIFY_CODE.test(code)) {
          throw new OpenStackError(
            'unreachable',
            `${what}: TLS verification failed (${code}); give the CA bundle with cacert / OS_CACERT, or --insecure for a test cloud`,
          );
        }
        if (!retryCodes.has(code) || attempt >= this.retry.attempts) {
          throw new OpenStackError(
            'unreachable',
            `${what} is unreachable (${code} after ${attempt} attempt${attempt > 1 ? 's' : ''}); check the URL, that the service runs and that no firewall is in the way`,
          );
        }
      }
      if (res && !retryStatus.has(res.status)) return res;
      if (res && attempt >= this.retry.attempts) return res;
      this.stats.retries += 1;
      let delay = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (attempt - 1));
      const retryAfter = Number(res?.headers?.['retry-after']);
      if (Number.isFinite(retryAfter) && retryAfter > 0) delay = Math.min(this.retry.maxDelayMs, retryAfter * 1000);
      await sleep(delay);
    }
  }

  /**
   * GET a service URL with the token; re-issues the token before it expires and once after a 401.
   * Returns the response for 2xx; throws OpenStackError for the rest (403 as kind 'forbidden').
   */
  async get<T = unknown>(url: string, options: RequestOptions = {}, what = ''): Promise<{ data: T; headers: Record<string, string> }> {
    const label = what || this.requestLabel('GET', url);
    if (this.#info) {
      // Renew ahead of expiry; with short-lived tokens the margin shrinks to a quarter of their lifetime.
      const margin = Math.min(this.refreshMarginMs, (this.#info.expiresAt - this.#info.issuedAt) / 4);
      if (this.#info.expiresAt - Date.now() < margin) await this.reauthenticate();
    }
    let res = await this.send({ method: 'GET', url, params: options.params, headers: { ...options.headers, 'X-Auth-Token': this.#token } }, label);
    if (res.status === 401) {
      // The token may have expired or been revoked mid-run: get a new one once, then give up.
      await this.reauthenticate();
      res = await this.send({ method: 'GET', url, params: options.params, headers: { ...options.headers, 'X-Auth-Token': this.#token } }, label);
      if (res.status === 401) {
        throw new OpenStackError(
          'auth',
          `${label}: 401 ${this.serverText(res.data) ?? 'Unauthorized'} even with a new token; check the credentials of cloud "${this.config.name}"`,
          { status: 401 },
        );
      }
    }
    if (res.status >= 200 && res.status < 300) {
      this.expectJsonObject(res, label);
      return { data: res.data as T, headers: res.headers as Record<string, string> };
    }
    const message = this.serverText(res.data) ?? '';
    if (res.status === 403) throw new OpenStackError('forbidden', `${label}: 403 Forbidden${message ? ` (${message})` : ''}`, { status: 403 });
    throw new OpenStackError('api', `${label}: HTTP ${res.status}${message ? ` (${message})` : ''}`, { status: res.status });
  }

  /**
   * Any method with the token (writes: POST actions, PUT, PATCH, DELETE), with the same token handling as
   * get(). Returns every response, 2xx or not, so that callers can tell "already done" (409, 404 on
   * delete) from failures; only transport and authentication failures throw. Added for the workflow
   * actions (src/openstack/actions.ts).
   */
  async request<T = unknown>(
    method: string,
    url: string,
    options: RequestOptions & { data?: unknown; idempotent?: boolean } = {},
    what = '',
  ): Promise<{ status: number; data: T; headers: Record<string, string> }> {
    // POST creates; callers mark the POSTs that are safe to repeat (power actions answer 409 when done).
    const idempotent = options.idempotent ?? method.toUpperCase() !== 'POST';
    const label = what || this.requestLabel(method, url);
    if (this.#info) {
      // Renew ahead of expiry; with short-lived tokens the margin shrinks to a quarter of their lifetime.
      const margin = Math.min(this.refreshMarginMs, (this.#info.expiresAt - this.#info.issuedAt) / 4);
      if (this.#info.expiresAt - Date.now() < margin) await this.reauthenticate();
    }
    const headers = () => ({ ...(options.data !== undefined ? { 'Content-Type': 'application/json' } : {}), ...options.headers, 'X-Auth-Token': this.#token });
    let res = await this.send({ method, url, params: options.params, data: options.data, headers: headers() }, label, idempotent);
    if (res.status === 401) {
      await this.reauthenticate();
      res = await this.send({ method, url, params: options.params, data: options.data, headers: headers() }, label, idempotent);
      if (res.status === 401) {
        throw new OpenStackError(
          'auth',
          `${label}: 401 ${this.serverText(res.data) ?? 'Unauthorized'} even with a new token; check the credentials of cloud "${this.config.name}"`,
          { status: 401 },
        );
      }
    }
    return { status: res.status, data: res.data as T, headers: res.headers as Record<string, string> };
  }
  // --- Added for the migration workflow (import): the token for CDI's importer. ---

  /**
   * The token itself, for a consumer that must authenticate on its own (CDI's importer downloading a Glance
   * image): re-issued first when it would expire within minValidityMs. The caller keeps it in a Secret only.
   */
  async issueToken(minValidityMs = 0): Promise<{ token: string; expiresAt: number }> {
    if (!this.#info || this.#info.expiresAt - Date.now() < Math.max(this.refreshMarginMs, minValidityMs)) await this.reauthenticate();
    return { token: this.#token, expiresAt: this.token.expiresAt };
  }
}
