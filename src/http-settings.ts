// Settings every HTTP client of the plugin reads (the Kubernetes client and the OpenStack client), set
// once from the command line (src/cli/common-flags.ts): the per-request timeout and kubectl's -v level.
// From -v 6 each request is logged as kubectl's round_trippers.go logs it: method, URL, status and
// latency, on stderr. Never a header or a body: tokens and passwords travel there, not in URLs.

export interface HttpSettings {
  verbosity: number;
  /** Milliseconds one request may take; 0 waits forever; undefined: the client's own default. */
  requestTimeoutMs?: number;
}

const settings: HttpSettings = { verbosity: 0 };

export function setHttpSettings(next: Partial<HttpSettings>): void {
  Object.assign(settings, next);
}

export function httpSettings(): Readonly<HttpSettings> {
  return settings;
}

/** Query parameters whose values are secrets in some API (signed URLs, tokens in a query): shown as ***. */
const SECRET_QUERY = /^(token|access_token|password|secret|signature|x-amz-signature|temp_url_sig|sig)$/i;

/** The URL without userinfo and with secret-looking query values masked. */
export function loggableUrl(url: string | URL): string {
  let u: URL;
  try {
    u = new URL(String(url));
  } catch {
    return String(url);
  }
  u.username = '';
  u.password = '';
  for (const key of [...u.searchParams.keys()]) if (SECRET_QUERY.test(key)) u.searchParams.set(key, '***');
  return u.href;
}

function klogHeader(now: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `I${p(now.getMonth() + 1)}${p(now.getDate())} ${p(now.getHours())}:${p(now.getMinutes())}:${p(now.getSeconds())}.${p(now.getMilliseconds(), 3)}000 ${String(process.pid).padStart(7)} round_trippers.go:632]`;
}

/**
 * One line per finished request at -v 6 and above, as kubectl prints it:
 *   I1129 21:30:00.123000   12345 round_trippers.go:632] GET https://host:6443/api/v1/namespaces 200 OK in 5 milliseconds
 * `status` is 0 (with `error`) when no answer came.
 */
export function logRequest(method: string, url: string | URL, status: number, startedAt: number, error?: string): void {
  if (settings.verbosity < 6) return;
  const ms = Math.round(performance.now() - startedAt);
  const outcome = status ? `${status} ${STATUS_TEXT[status] ?? ''}`.trimEnd() : `(no response: ${error ?? 'error'})`;
  process.stderr.write(`${klogHeader(new Date())} ${method.toUpperCase()} ${loggableUrl(url)} ${outcome} in ${ms} milliseconds\n`);
}

const STATUS_TEXT: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  202: 'Accepted',
  204: 'No Content',
  300: 'Multiple Choices',
  301: 'Moved Permanently',
  302: 'Found',
  304: 'Not Modified',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  409: 'Conflict',
  410: 'Gone',
  413: 'Request Entity Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};
