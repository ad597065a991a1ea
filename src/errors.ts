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

  constructor(file: string, problems: InputProblem[]) {
    const shown = problems.slice(0, 20).map((p) => `  ${file}: ${p.path}: ${p.message}`);
    const more = problems.length > 20 ? [`  … and ${problems.length - 20} more`] : [];
    super('invalid-input', [`${file} is not a valid inventory (${problems.length} problem${problems.length === 1 ? '' : 's'}):`, ...shown, ...more].join('\n'), { where: file });
    this.name = 'InvalidInputError';
    this.problems = problems;
    this.file = file;
  }
}
