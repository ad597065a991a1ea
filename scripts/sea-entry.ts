// Entry of the single-file build (scripts/package.sh): the launcher's job, in a form esbuild can bundle to
// CommonJS (Node's single-executable applications run one CommonJS script; no top-level await there).
import { main } from '../src/cli/main.js';

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
