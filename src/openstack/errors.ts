// Typed errors of the OpenStack client. Each message is one line: what is wrong, then what to do.
// They never carry a password, token or secret: messages are built from names and URLs only, and
// URLs pass through redactUrl first (a clouds.yaml auth_url may hold user:password@).
import { MigrateError } from '../errors.js';

export type OpenStackErrorKind =
  | 'config' // clouds.yaml / secure.yaml / flags are missing or malformed
  | 'unknown-cloud' // --os-cloud names a cloud that no clouds.yaml defines
  | 'unreachable' // connection refused, DNS, TLS, timeout
  | 'auth' // 401 from Keystone (wrong password, expired or revoked credential)
  | 'forbidden' // 403 on a call the inventory cannot do without
  | 'catalog' // the service is not in the catalog for this region/interface
  | 'api'; // any other HTTP error

export class OpenStackError extends MigrateError {
  readonly kind: OpenStackErrorKind;
  /** HTTP status when the error came from a response. */
  readonly status?: number;

  constructor(kind: OpenStackErrorKind, message: string, options: { status?: number; where?: string; cause?: unknown } = {}) {
    super('openstack', message, { where: options.where, cause: options.cause, exitCode: 1 });
    this.name = 'OpenStackError';
    this.kind = kind;
    this.status = options.status;
  }
}

/** Drops user info and query strings that could hold credentials from a URL before it is shown. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return url.replace(/\/\/[^/@]*@/, '//');
  }
}
