// krew-manifest.yaml against a JSON schema of krew's Plugin v1alpha2 (scripts/krew-plugin.schema.json,
// written from krew's Go types and validation). The negative rows prove the schema refuses what krew refuses.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import yaml from 'js-yaml';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import pkg from '../../../package.json' with { type: 'json' };

const schema = JSON.parse(readFileSync('scripts/krew-plugin.schema.json', 'utf8')) as object;
const ajv = new Ajv({ allErrors: true });
addFormats.default(ajv);
const validate = ajv.compile(schema);

type Manifest = {
  metadata: { name: string };
  spec: {
    version: string;
    caveats: string;
    platforms: { selector: unknown; sha256: string; bin: string; uri: string; files: { from: string; to: string }[] }[];
  } & Record<string, unknown>;
} & Record<string, unknown>;
const manifest = yaml.load(readFileSync('krew-manifest.yaml', 'utf8')) as Manifest;

function errorsOf(m: unknown): string[] {
  return validate(m) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

describe('krew-manifest.yaml', () => {
  it('is a valid krew Plugin', () => {
    expect(errorsOf(manifest)).toEqual([]);
  });

  it('is named so krew links kubectl-openstack_migrate, the name `kubectl openstack-migrate` runs', () => {
    // krew: the link in ~/.krew/bin is "kubectl-" + name with dashes as underscores.
    expect(`kubectl-${manifest.metadata.name.replaceAll('-', '_')}`).toBe('kubectl-openstack_migrate');
  });

  it('has the version of package.json and ships the binary, and the completion helper where it can run', () => {
    expect(manifest.spec.version).toBe(`v${pkg.version}`);
    for (const p of manifest.spec.platforms) {
      expect(p.uri).toContain(`/v${pkg.version}/`);
      const { os } = (p.selector as { matchLabels: { os: string } }).matchLabels;
      // Windows: the .exe only (the completion helper is a /bin/sh script); krew links bin as given.
      if (os === 'windows') expect(p).toMatchObject({ bin: 'kubectl-openstack-migrate.exe', files: [{ from: 'kubectl-openstack-migrate.exe', to: '.' }] });
      else expect(p.files.map((f) => f.from)).toEqual([p.bin, 'kubectl_complete-openstack_migrate']);
    }
    // Each platform built and smoke-tested by scripts/release.sh (docs/packaging.md: why no darwin).
    expect(manifest.spec.platforms.map((p) => p.selector)).toEqual([
      { matchLabels: { os: 'linux', arch: 'amd64' } },
      { matchLabels: { os: 'linux', arch: 'arm64' } },
      { matchLabels: { os: 'windows', arch: 'amd64' } },
    ]);
  });

  it('lists in its caveats what must be installed in the cluster', () => {
    for (const word of ['KubeVirt', 'CDI', 'Calico', 'ICMP']) expect(manifest.spec.caveats).toContain(word);
  });

  const platform = () => structuredClone(manifest.spec.platforms[0]);
  const withSpec = (patch: Record<string, unknown>) => ({ ...manifest, spec: { ...manifest.spec, ...patch } });
  const withPlatform = (patch: Record<string, unknown>) => withSpec({ platforms: [{ ...platform(), ...patch }] });

  it.each<[string, unknown, RegExp]>([
    ['wrong apiVersion', { ...manifest, apiVersion: 'krew.googlecontainertools.github.com/v1alpha1' }, /apiVersion/],
    ['wrong kind', { ...manifest, kind: 'Plugins' }, /kind/],
    ['unsafe name', { ...manifest, metadata: { name: 'open stack' } }, /metadata\/name/],
    ['Windows device name', { ...manifest, metadata: { name: 'con' } }, /metadata\/name/],
    ['version without v', withSpec({ version: '0.1.0' }), /spec\/version/],
    ['version not semver', withSpec({ version: 'v0.1' }), /spec\/version/],
    ['no shortDescription', withSpec({ shortDescription: '' }), /shortDescription/],
    ['no platforms', withSpec({ platforms: [] }), /platforms/],
    ['unknown spec field', withSpec({ shortDesc: 'x' }), /additional properties/],
    ['sha256 upper case', withPlatform({ sha256: 'A'.repeat(64) }), /sha256/],
    ['sha256 too short', withPlatform({ sha256: 'a'.repeat(63) }), /sha256/],
    ['no bin', withPlatform({ bin: '' }), /bin/],
    ['no files', withPlatform({ files: [] }), /files/],
    ['no selector', withSpec({ platforms: [{ ...platform(), selector: undefined }] }), /selector/],
    ['empty selector', withPlatform({ selector: {} }), /selector/],
    ['empty matchLabels', withPlatform({ selector: { matchLabels: {} } }), /matchLabels/],
    ['selector key other than os/arch', withPlatform({ selector: { matchLabels: { os: 'linux', distro: 'debian' } } }), /matchLabels/],
  ])('refuses a manifest with %s', (_name, bad, where) => {
    const errors = errorsOf(JSON.parse(JSON.stringify(bad)));
    expect(errors.join('\n')).toMatch(where);
  });

  it('accepts matchExpressions selectors, as krew does', () => {
    expect(errorsOf(withPlatform({ selector: { matchExpressions: [{ key: 'os', operator: 'In', values: ['linux', 'darwin'] }] } }))).toEqual([]);
  });
});
