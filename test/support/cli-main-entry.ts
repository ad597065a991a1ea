// The CLI as the launcher runs it (bin/kubectl-openstack-migrate), from the sources: for tests that need a
// real process (closed pipes, a full disk on stdout).
import { main } from '../../src/cli/main.js';

process.exitCode = await main();
