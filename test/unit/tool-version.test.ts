// The plan id hashes TOOL_VERSION (src/plan/plan-id.ts); `version --client` and the release read
// package.json. A version bump in one place only would give plans an id of another version.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { clientVersion } from '../../src/cli/version.js';
import { TOOL_GIT_VERSION } from '../../src/plan/plan-id.js';
import { TOOL_VERSION } from '../../src/tool-version.js';

describe('tool version', () => {
  it('is package.json version, and what version --client prints is what plans record', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(TOOL_VERSION).toBe(pkg.version);
    expect(clientVersion().gitVersion).toBe(TOOL_GIT_VERSION);
  });
});
