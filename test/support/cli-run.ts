// Runs the CLI in this process as `kubectl openstack-migrate <args>` would, capturing what it prints.
// In-process (not a child) so that tests are fast and can share the test servers' state.
import { main } from '../../src/cli/main.js';

export interface CliRun {
  code: number;
  out: string;
  err: string;
}

/** With `echo` the output also reaches the real stdout/stderr (for debugging a test). */
export async function runCli(args: string[], options: { echo?: boolean } = {}): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const capture = (sink: string[], real: typeof process.stdout.write) =>
    ((chunk: unknown, ...rest: unknown[]) => {
      sink.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
      if (options.echo) return (real as (...a: unknown[]) => boolean)(chunk, ...rest);
      const done = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
      done?.();
      return true;
    }) as typeof process.stdout.write;
  const [stdout, stderr] = [process.stdout.write.bind(process.stdout), process.stderr.write.bind(process.stderr)];
  process.stdout.write = capture(out, stdout);
  process.stderr.write = capture(err, stderr);
  let code: number;
  try {
    code = await main(args);
  } finally {
    process.stdout.write = stdout;
    process.stderr.write = stderr;
    process.exitCode = undefined;
  }
  return { code, out: out.join(''), err: err.join('') };
}
