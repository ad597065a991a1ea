// Errors are values with a code, the object and field they are about, and an exit code the CLI uses.
// The CLI prints `error: <message>` and exits with `exitCode`; no stack trace unless -v.

export type ErrorCode =
  | 'usage' // bad flags or arguments (exit 2, like kubectl)
  | 'invalid-input' // inventory / plan config / manifest is wrong
  | 'not-implemented'
  | 'openstack'
  | 'kubernetes'
  | 'conflict'
  | 'internal';

export class MigrateError extends Error {
  readonly code: ErrorCode;
  readonly exitCode: number;
  /** Where the problem is: file, JSON path, or "<kind>/<id>". */
  readonly where?: string;

  constructor(code: ErrorCode, message: string, options: { where?: string; exitCode?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MigrateError';
    this.code = code;
    this.where = options.where;
    this.exitCode = options.exitCode ?? (code === 'usage' || code === 'not-implemented' ? 2 : 1);
  }
}

/** One problem in an input file: where, and what is wrong. */
export interface InputProblem {
  /** JSON path in the file, e.g. servers[3].flavorId */
  path: string;
  message: string;
}

export class InvalidInputError extends MigrateError {
  readonly problems: InputProblem[];
  readonly file: string;

  /** `what` names the kind of file ("inventory", "plan config"), so that the message says what was read. */
  constructor(file: string, problems: InputProblem[], what = 'inventory') {
    const shown = problems.slice(0, 20).map((p) => `  ${file}: ${p.path}: ${p.message}`);
    const more = problems.length > 20 ? [`  … and ${problems.length - 20} more`] : [];
    // One problem: one line. Several: a heading and one line each.
    const [only] = problems;
    super(
      'invalid-input',
      problems.length === 1 && only
        ? `${file} is not a valid ${what}: ${only.path}: ${only.message}`
        : [`${file} is not a valid ${what} (${problems.length} problems):`, ...shown, ...more].join('\n'),
      { where: file },
    );
    this.name = 'InvalidInputError';
    this.problems = problems;
    this.file = file;
  }
}

/** What the file-system errors users meet mean, in words (the code is kept in brackets for searching). */
const ERRNO_TEXT: Record<string, string> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EBUSY: 'resource busy or locked',
  EROFS: 'read-only file system',
  ENOENT: 'no such file or directory',
  EISDIR: 'is a directory',
  ENOTDIR: 'a part of the path is not a directory',
  EEXIST: 'already exists',
  ENOTEMPTY: 'directory not empty',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in the system',
  EXDEV: 'cannot move across file systems',
  EIO: 'input/output error',
  ENAMETOOLONG: 'file name too long',
  ELOOP: 'too many symbolic links',
  EFBIG: 'file too large',
};

/** An error of the operating system (fs, sockets): it has an errno code such as ENOSPC. */
export function isSystemError(error: unknown): error is NodeJS.ErrnoException {
  return (
    error instanceof Error &&
    typeof (error as NodeJS.ErrnoException).code === 'string' &&
    /^E[A-Z0-9]+$/.test((error as NodeJS.ErrnoException).code!) &&
    'syscall' in error
  );
}

/**
 * One line for a file-system error: what could not be done to which path, and why in words:
 * "cannot write plan/namespaces/a/20-secrets.yaml: no space left on device (ENOSPC)". `path` is the file
 * the caller was working on (Node's own error has none for write(2)).
 */
export function describeSystemError(error: NodeJS.ErrnoException, path?: string, action?: string): string {
  const code = error.code ?? 'EUNKNOWN';
  const verb =
    action ??
    (
      {
        open: 'open',
        read: 'read',
        write: 'write',
        mkdir: 'create',
        rename: 'rename',
        rmdir: 'remove',
        unlink: 'remove',
        scandir: 'read',
        stat: 'read',
        lstat: 'read',
        copyfile: 'copy',
        access: 'access',
      } as Record<string, string>
    )[error.syscall ?? ''] ??
    'use';
  const where = path ?? error.path;
  const reason = ERRNO_TEXT[code] ?? error.message.replace(/^[A-Z0-9]+: /, '').split(',')[0];
  const dest = (error as { dest?: string }).dest;
  return `cannot ${verb}${where ? ` ${where}` : ''}${dest ? ` to ${dest}` : ''}: ${reason} (${code})`;
}

/** A file-system error as a MigrateError (exit 1) with the path in its one-line message. */
export function fileError(error: unknown, path: string, action?: string): unknown {
  if (error instanceof MigrateError || !isSystemError(error)) return error;
  return new MigrateError('invalid-input', describeSystemError(error, path, action), { where: path, cause: error });
}
