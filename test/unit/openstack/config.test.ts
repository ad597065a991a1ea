import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { identityV3Url, loadCloudConfig, type ConfigInput } from '../../../src/openstack/config.js';
import { OpenStackError } from '../../../src/openstack/errors.js';

function dirWith(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'osconf-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const CLOUDS = `clouds:
  prod:
    auth:
      auth_url: https://keystone.example.com:5000
      username: ops
      project_name: infra
      user_domain_name: Corp
      project_domain_name: Corp
    region_name: RegionA
    interface: internal
    compute_endpoint_override: https://nova.example.com/v2.1
  appcred:
    auth_type: v3applicationcredential
    auth:
      auth_url: https://keystone.example.com/v3
      application_credential_id: ac1
  multi:
    regions: [RegionB, RegionC]
    auth: {auth_url: 'https://k/v3', username: u, password: p}
`;
const SECURE = `clouds:
  prod:
    auth:
      password: from-secure
  appcred:
    auth:
      application_credential_secret: ac-secret
`;

function load(input: Partial<ConfigInput>, files: Record<string, string> = { 'clouds.yaml': CLOUDS, 'secure.yaml': SECURE }) {
  const dir = dirWith(files);
  return loadCloudConfig({ cwd: dir, home: join(dir, 'nohome'), etcDir: join(dir, 'noetc'), env: {}, ...input });
}

describe('loadCloudConfig: the OpenStack CLI precedence (flags > OS_* > secure.yaml > clouds.yaml)', () => {
  it.each([
    ['clouds.yaml + secure.yaml merged', {}, { password: 'from-secure', projectName: 'infra', region: 'RegionA' }],
    ['OS_* over the file', { env: { OS_PASSWORD: 'from-env', OS_REGION_NAME: 'RegionZ' } }, { password: 'from-env', projectName: 'infra', region: 'RegionZ' }],
    [
      'flags over OS_*',
      { env: { OS_PASSWORD: 'from-env' }, flags: { OS_PASSWORD: 'from-flag', OS_PROJECT_NAME: 'other' } },
      { password: 'from-flag', projectName: 'other', region: 'RegionA' },
    ],
    ['OS_CLOUD selects the cloud', { env: { OS_CLOUD: 'prod' }, cloud: undefined }, { password: 'from-secure', projectName: 'infra', region: 'RegionA' }],
    ['empty env values count as unset', { env: { OS_PASSWORD: '' } }, { password: 'from-secure', projectName: 'infra', region: 'RegionA' }],
  ] as const)('%s', (_name, input, expected) => {
    const c = load({ cloud: 'prod', ...input } as Partial<ConfigInput>);
    expect({ password: c.auth.password, projectName: c.auth.projectName, region: c.regionName }).toEqual(expected);
    expect(c.interface).toBe('internal');
    expect(c.endpointOverrides.compute).toBe('https://nova.example.com/v2.1');
    expect(c.authType).toBe('password');
  });

  it('an application credential, secret from secure.yaml', () => {
    const c = load({ cloud: 'appcred' });
    expect(c.authType).toBe('applicationcredential');
    expect(c.auth.applicationCredentialSecret).toBe('ac-secret');
  });

  it('the first of `regions` is the default region', () => {
    expect(load({ cloud: 'multi' }).regionName).toBe('RegionB');
  });

  it('environment-only: the "envvars" cloud, token auth inferred, interface and TLS settings', () => {
    const c = loadCloudConfig({
      env: { OS_AUTH_URL: 'https://k:5000/v3', OS_TOKEN: 'tok', OS_PROJECT_ID: 'p1', OS_INTERFACE: 'adminURL', OS_INSECURE: 'true', OS_CACERT: '/etc/ca.pem' },
      cwd: '/nonexistent',
    });
    expect(c).toMatchObject({ name: 'envvars', authType: 'token', interface: 'admin', verify: false, cacert: '/etc/ca.pem' });
    expect(c.auth).toMatchObject({ token: 'tok', projectId: 'p1' });
  });

  it('OS_CLIENT_CONFIG_FILE comes first in the search path', () => {
    const other = dirWith({ 'mine.yaml': 'clouds:\n  x:\n    auth: {auth_url: "https://mine/v3", username: u, password: p}\n' });
    const c = load({ cloud: 'x', env: { OS_CLIENT_CONFIG_FILE: join(other, 'mine.yaml') } });
    expect(c.auth.authUrl).toBe('https://mine/v3');
  });

  it('--insecure and verify: false turn verification off; a verify path is a CA bundle', () => {
    expect(load({ cloud: 'prod', insecure: true }).verify).toBe(false);
    const c = load(
      { cloud: 'v' },
      { 'clouds.yaml': 'clouds:\n  v:\n    verify: /etc/ssl/ca.pem\n    auth: {auth_url: "https://k/v3", username: u, password: p}\n' },
    );
    expect(c).toMatchObject({ verify: true, cacert: '/etc/ssl/ca.pem' });
  });

  it.each([
    ['unknown cloud', { cloud: 'nope' }, 'unknown-cloud', /cloud "nope" is not defined in .*clouds\.yaml \(defined: prod, appcred, multi\)/],
    ['no cloud and no OS_AUTH_URL', {}, 'config', /no cloud selected: pass --os-cloud/],
    ['missing password', { cloud: 'prod' }, 'config', /has no password; set it in secure\.yaml/],
    ['bad interface', { cloud: 'prod', env: { OS_INTERFACE: 'private' } }, 'config', /interface "private" is not one of public, internal, admin/],
    ['bad auth_type', { cloud: 'prod', env: { OS_AUTH_TYPE: 'v3oidcpassword' } }, 'config', /auth_type "v3oidcpassword" is not supported/],
  ] as const)('error: %s', (name, input, kind, pattern) => {
    const files: Record<string, string> = name === 'missing password' ? { 'clouds.yaml': CLOUDS } : { 'clouds.yaml': CLOUDS, 'secure.yaml': SECURE };
    const err = (() => {
      try {
        load(input as Partial<ConfigInput>, files);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(OpenStackError);
    expect((err as OpenStackError).kind).toBe(kind);
    expect((err as Error).message).toMatch(pattern);
    expect((err as Error).message).not.toContain('\n');
  });

  it('error: malformed clouds.yaml names the file and the line', () => {
    expect(() => load({ cloud: 'prod' }, { 'clouds.yaml': 'clouds:\n  prod:\n    auth: [unclosed\n' })).toThrow(
      /clouds\.yaml is not valid YAML \(.* at line \d+\); fix it/,
    );
    expect(() => load({ cloud: 'prod' }, { 'clouds.yaml': 'clouds: [1, 2]\n' })).toThrow(/has no "clouds:" mapping/);
  });

  it('identityV3Url appends /v3 to an unversioned auth URL', () => {
    expect(identityV3Url('https://k:5000')).toBe('https://k:5000/v3');
    expect(identityV3Url('https://k/identity/v3/')).toBe('https://k/identity/v3');
  });
});
