// Stand-in, in the single binary (scripts/package.sh), for the optional modules that dependencies load
// inside try/catch and that are not installed: supports-color (debug, under axios' follow-redirects),
// encoding (node-fetch, under @kubernetes/client-node), bufferutil and utf-8-validate (ws).
// Left as real require() calls, each one makes Node print its four-line single-executable warning
// ("Currently the require() provided to the main script ... only supports loading built-in modules")
// before it fails; this module fails the same way — as a missing module — without going through require.
const error = new Error('Cannot find module (optional; not part of the single binary)');
error.code = 'MODULE_NOT_FOUND';
throw error;
