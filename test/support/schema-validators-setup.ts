// vitest globalSetup: compile the upstream-schema validators once per run, before any test file starts
// (see test/support/schema-validate.ts for why).
import { buildCachedValidators } from './schema-validate.js';

export default function setup(): void {
  buildCachedValidators();
}
