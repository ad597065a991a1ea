// The per-request timeout of every OpenStack client of this process: kubectl's --request-timeout, set once
// by the CLI (a global flag), read by OpenStackClient when its options do not give one. A module of its
// own, without dependencies, so that the CLI can set it without loading the HTTP client.

/** Default: a request that has had no answer in a minute is not going to get one. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;

let requestTimeoutMs = DEFAULT_REQUEST_TIMEOUT_MS;

export function setRequestTimeout(ms: number): void {
  requestTimeoutMs = ms;
}

export function getRequestTimeout(): number {
  return requestTimeoutMs;
}

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * kubectl's --request-timeout syntax: a Go duration (30s, 1m, 1m30s, 1.5h, 500ms) or a whole number of
 * seconds; 0 means no timeout. Returns milliseconds, or throws Error with the reason.
 */
export function parseRequestTimeout(value: unknown): number {
  const text = String(value).trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const parts = /^(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|ms|s|m|h)/;
  let rest = text;
  let total = 0;
  if (!rest) throw new Error(`invalid --request-timeout "${text}": give a duration such as 30s, 1m or 0 (no timeout)`);
  while (rest) {
    const m = parts.exec(rest);
    if (!m) throw new Error(`invalid --request-timeout "${text}": give a duration such as 30s, 1m or 0 (no timeout)`);
    const unit = /(ns|us|µs|ms|s|m|h)$/.exec(m[0])![1]!;
    total += Number(m[0].slice(0, -unit.length)) * UNIT_MS[unit]!; // the pattern matched one of UNIT_MS's units
    rest = rest.slice(m[0].length);
  }
  return Math.round(total);
}
