// Flags that every command shares, defined once (as kubectl's genericclioptions and virtctl do), spelled
// and read as kubectl spells and reads them: the connection flags, -v, --dry-run, --timeout.
import type { Argv } from 'yargs';
import { MigrateError } from '../errors.js';
import type { KubeConfigOptions } from '../kube/config.js';
import { setHttpSettings } from '../http-settings.js';

export interface GlobalFlags {
  kubeconfig?: string;
  context?: string;
  cluster?: string;
  user?: string;
  namespace?: string;
  server?: string;
  token?: string;
  as?: string;
  asGroup?: string[];
  certificateAuthority?: string;
  insecureSkipTlsVerify?: boolean;
  /** Milliseconds per request (0: no limit), parsed from --request-timeout. */
  requestTimeout?: number;
  v: number;
}

/** Default of --request-timeout: a request that gets no answer this long fails, naming the server. */
export const DEFAULT_REQUEST_TIMEOUT = '60s';

const CONNECTION_GROUP = 'Connection flags (as kubectl):';

export function withGlobalFlags<T>(argv: Argv<T>) {
  return argv
    .option('kubeconfig', {
      type: 'string',
      describe: 'Path to the kubeconfig file (default: $KUBECONFIG or ~/.kube/config)',
      global: true,
      group: CONNECTION_GROUP,
    })
    .option('context', { type: 'string', describe: 'The name of the kubeconfig context to use', global: true, group: CONNECTION_GROUP })
    .option('cluster', { type: 'string', describe: 'The name of the kubeconfig cluster to use', global: true, group: CONNECTION_GROUP })
    .option('user', { type: 'string', describe: 'The name of the kubeconfig user to use', global: true, group: CONNECTION_GROUP })
    .option('namespace', {
      alias: 'n',
      type: 'string',
      describe: 'If present, the namespace scope for this request (default: from the context)',
      global: true,
      group: CONNECTION_GROUP,
    })
    .option('server', {
      alias: 's',
      type: 'string',
      describe: 'The address and port of the Kubernetes API server (http:// for `kubectl proxy`)',
      global: true,
      group: CONNECTION_GROUP,
    })
    .option('token', { type: 'string', describe: 'Bearer token for authentication to the API server', global: true, group: CONNECTION_GROUP })
    .option('as', { type: 'string', describe: 'Username to impersonate for the operation', global: true, group: CONNECTION_GROUP })
    .option('as-group', { type: 'array', string: true, describe: 'Group to impersonate for the operation (repeatable)', global: true, group: CONNECTION_GROUP })
    .option('certificate-authority', { type: 'string', describe: 'Path to a cert file for the certificate authority', global: true, group: CONNECTION_GROUP })
    .option('insecure-skip-tls-verify', {
      type: 'boolean',
      describe: "If true, the server's certificate will not be checked for validity (insecure)",
      global: true,
      group: CONNECTION_GROUP,
    })
    .option('request-timeout', {
      type: 'string',
      default: DEFAULT_REQUEST_TIMEOUT,
      describe: 'How long to wait for one request, to the cluster or to OpenStack (e.g. 1s, 2m, 3h; a bare number is seconds; 0 waits forever)',
      global: true,
      group: CONNECTION_GROUP,
      coerce: (v: unknown) => parseDuration(String(v), '--request-timeout', { bareSeconds: true }),
    })
    .option('v', {
      alias: 'verbose',
      type: 'string',
      default: '0',
      describe:
        'Log level as kubectl: 1 stack traces on errors, 2 steps, 6 one line per request (method, URL, status, latency), 8 request bodies are never printed',
      global: true,
      coerce: parseVerbosity,
    });
}

/** The connection flags as options of loadKubeConfig. */
export function connectionOptions(args: Partial<GlobalFlags>): KubeConfigOptions {
  return {
    kubeconfig: args.kubeconfig,
    context: args.context,
    cluster: args.cluster,
    user: args.user,
    namespace: args.namespace,
    server: args.server,
    token: args.token,
    impersonate: args.as,
    impersonateGroups: args.asGroup,
    certificateAuthority: args.certificateAuthority,
    insecureSkipTlsVerify: args.insecureSkipTlsVerify,
    requestTimeoutMs: args.requestTimeout,
  };
}

/** Applies the flags every request reads (-v, --request-timeout) before a command runs. */
export function applyGlobalFlags(args: { v?: unknown; requestTimeout?: unknown }): void {
  setHttpSettings({
    verbosity: typeof args.v === 'number' ? args.v : 0,
    requestTimeoutMs: typeof args.requestTimeout === 'number' ? args.requestTimeout : undefined,
  });
}

export function parseVerbosity(value: unknown): number {
  const text = String(value);
  if (!/^\d+$/.test(text) || Number(text) > 10) throw new MigrateError('usage', `invalid argument "${text}" for "-v, --v" flag: a log level from 0 to 10`);
  return Number(text);
}

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * A Go duration (time.ParseDuration: "90s", "5m", "1h30m", "1.5h", "300ms") in milliseconds. A bare "0" is
 * zero; other bare numbers are refused (Go says "missing unit"), except where kubectl reads them as seconds
 * (--request-timeout). A malformed value is a usage error (exit 2).
 */
export function parseDuration(text: string, flag: string, options: { bareSeconds?: boolean } = {}): number {
  const value = text.trim();
  if (/^\d+$/.test(value) && (value === '0' || options.bareSeconds)) return Number(value) * 1000;
  const part = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let consumed = 0;
  for (let m = part.exec(value); m; m = part.exec(value)) {
    const ms = UNIT_MS[m[2] ?? ''];
    if (ms === undefined) break; // unreachable: the pattern only matches the units listed
    total += Number(m[1]) * ms;
    consumed = part.lastIndex;
  }
  if (!value || consumed !== value.length) {
    throw new MigrateError('usage', `invalid argument "${text}" for "${flag}" flag: a duration such as 90s, 5m or 1h30m`);
  }
  return Math.round(total);
}

/** A --timeout flag taking a duration; the parsed value is in milliseconds. */
export function timeoutOption<T>(argv: Argv<T>, defaultValue: string, describe: string) {
  return argv.option('timeout', {
    type: 'string',
    default: defaultValue,
    describe: `${describe} (a duration: 90s, 5m, 1h30m)`,
    coerce: (v: unknown) => parseDuration(String(v), '--timeout'),
  });
}

export type DryRun = 'none' | 'client' | 'server';

export function dryRunOption<T>(
  argv: Argv<T>,
  describe = 'Must be "none", "server", or "client". client: print what would be done, send nothing that changes anything; server: submit to the API server without persisting',
) {
  // No yargs default: for a string option given bare, yargs substitutes the default ("none") for the empty
  // value, which would turn a bare --dry-run into a real run wherever normalizeDryRun did not run first.
  return argv
    .option('dry-run', {
      type: 'string',
      describe: `${describe} [default: "none"]`,
      coerce: (v: unknown) => parseDryRun(v),
    })
    .middleware((args) => {
      if (args.dryRun === undefined) Object.assign(args, { dryRun: 'none', 'dry-run': 'none' });
    });
}

export function parseDryRun(value: unknown): DryRun {
  // A bare --dry-run that did not pass through normalizeDryRun (yargs gives "" or true): client, never none.
  if (value === '' || value === true) return 'client';
  if (value === false) return 'none';
  const text = String(value);
  if (text === 'none' || text === 'client' || text === 'server') return text;
  throw new MigrateError('usage', `Invalid dry-run value (${text}). Must be "none", "server", or "client".`);
}

/**
 * kubectl reads a bare `--dry-run` (no value) as `client`, and `--dry-run=true|false` as `client|none`,
 * each with a warning (cmdutil.GetDryRunStrategy). yargs would take the next word as the value, or nothing
 * at all, so the words are rewritten before parsing. Words after `--` are left alone.
 */
export function normalizeDryRun(argv: readonly string[]): { argv: string[]; warnings: string[] } {
  const out: string[] = [];
  const warnings: string[] = [];
  let rest = false;
  for (const word of argv) {
    if (rest || word === '--') {
      rest = true;
      out.push(word);
      continue;
    }
    if (word === '--dry-run') {
      warnings.push('--dry-run is deprecated and can be replaced with --dry-run=client.');
      out.push('--dry-run=client');
      continue;
    }
    const bool = /^--dry-run=(true|false|1|0|t|f|TRUE|FALSE|True|False|T|F)$/.exec(word);
    const given = bool?.[1];
    if (given !== undefined) {
      const on = ['true', '1', 't', 'TRUE', 'True', 'T'].includes(given);
      warnings.push(`--dry-run=${given} is deprecated (boolean value) and can be replaced with --dry-run=${on ? 'client' : 'none'}.`);
      out.push(`--dry-run=${on ? 'client' : 'none'}`);
      continue;
    }
    out.push(word);
  }
  return { argv: out, warnings };
}
