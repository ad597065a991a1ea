import { beforeAll, describe, expect, it } from 'vitest';
import yaml from 'js-yaml';
import { clientVersion, formatVersion, formatVersionText, goArch, goOs, type VersionInfo } from '../../../src/cli/version.js';
import { runMain } from './run-main.js';
import pkg from '../../../package.json' with { type: 'json' };

describe('version', () => {
  it.each([
    ['x64', 'amd64'],
    ['arm64', 'arm64'],
    ['ia32', '386'],
    ['arm', 'arm'],
    ['riscv64', 'riscv64'],
  ])('names Node arch %s as Go/krew arch %s', (node, go) => {
    expect(goArch(node)).toBe(go);
  });

  it.each([
    ['linux', 'linux'],
    ['darwin', 'darwin'],
    ['win32', 'windows'],
    ['sunos', 'solaris'],
  ])('names Node platform %s as Go/krew os %s', (node, go) => {
    expect(goOs(node)).toBe(go);
  });

  it('describes this build like kubectl clientVersion', () => {
    const v = clientVersion();
    expect(v.gitVersion).toBe(`v${pkg.version}`);
    expect([v.major, v.minor]).toEqual(pkg.version.split('.').slice(0, 2));
    expect(v.nodeVersion).toBe(process.version);
    expect(v.platform).toBe(`${goOs(process.platform)}/${goArch(process.arch)}`);
    // From the source tree the commit comes from git; a 40-hex id or "unknown" outside a clone.
    expect(v.gitCommit).toMatch(/^([0-9a-f]{40}|unknown)$/);
    expect(['clean', 'dirty', 'unknown']).toContain(v.gitTreeState);
  });

  const info: VersionInfo = {
    clientVersion: {
      major: '1',
      minor: '2',
      gitVersion: 'v1.2.3',
      gitCommit: 'abc',
      gitTreeState: 'clean',
      buildDate: '2024-01-02T03:04:05Z',
      nodeVersion: 'v20.1.0',
      platform: 'linux/amd64',
    },
  };

  it('prints JSON and YAML that parse back to the same object', async () => {
    expect(JSON.parse(await formatVersion(info, 'json'))).toEqual(info);
    expect(yaml.load(await formatVersion(info, 'yaml'))).toEqual(info);
  });

  it('prints one line per fact without -o, the server version only when known', () => {
    expect(formatVersionText(info)).toBe('Client Version: v1.2.3\nGit Commit: abc\nBuild Date: 2024-01-02T03:04:05Z\nNode Version: v20.1.0\n');
    expect(formatVersionText({ ...info, serverVersion: { gitVersion: 'v1.34.4' } })).toContain('Server Version: v1.34.4\n');
  });

  it('`version --client -o json` exits 0 with clientVersion only', async () => {
    const run = await runMain(['version', '--client', '-o', 'json']);
    expect(run.code).toBe(0);
    const parsed = JSON.parse(run.stdout) as VersionInfo;
    expect(Object.keys(parsed)).toEqual(['clientVersion']);
    expect(parsed.clientVersion.gitVersion).toBe(`v${pkg.version}`);
  });

  // `version` loads src/kube (and @kubernetes/client-node, hundreds of modules) only when it asks the API
  // server; loading them inside the test took 2–4.5 s on a loaded 2-core machine, near the 5 s test
  // timeout. They are loaded here, where loading is what is being waited for.
  beforeAll(async () => {
    await import('../../../src/kube/index.js');
  }, 60_000);

  it('without --client asks the API server, and fails like kubectl when there is none', async () => {
    const run = await runMain(['version', '--kubeconfig', '/nonexistent/kubeconfig']);
    expect(run.code).toBe(1);
    // The client part is still printed before the error.
    expect(run.stdout).toContain(`Client Version: v${pkg.version}`);
    expect(run.stderr).toMatch(/^error: .*kubeconfig/m);
  });
});
