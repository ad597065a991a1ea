#!/usr/bin/env bash
# Builds the release archive of this platform and writes krew-manifest.yaml from the archives present.
#
#   scripts/release.sh [--out DIR] [--manifest FILE] [--base-url URL] [--archive-only] [--no-build]
#
#   --out DIR        where archives go (default build/release)
#   --manifest FILE  the krew manifest to update (default krew-manifest.yaml)
#   --base-url URL   release download URL; <URL>/v<version>/<archive> (default: GitHub releases of the project)
#   --archive-only   build this platform's archive, leave the manifest alone
#   --no-build       archive build/ as it is (default: scripts/package.sh first, which rebuilds if sources changed)
#
# Other platforms: run `scripts/release.sh --archive-only` on each (macOS: GNU tar as gtar, `brew install
# gnu-tar`), copy the archives into build/release/ here, then run scripts/release.sh: every archive of the
# current version becomes one platform entry (selector os/arch, uri, sha256).
#
# Archives are reproducible from a given binary: file order, owners and mtimes are fixed, and gzip stores no
# name or time. The binary's build date is SOURCE_DATE_EPOCH (default: the time of the last commit), and the
# bundle inside it is reproducible, but the binary as a whole is not: V8's code cache in the SEA blob
# differs from build to build (it is kept: it saves ~50 ms of every start).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

out="build/release"
manifest="krew-manifest.yaml"
base_url="https://github.com/openstack-migrate/kubectl-openstack-migrate/releases/download"
archive_only=0
no_build=0
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out="$2"; shift 2 ;;
    --manifest) manifest="$2"; shift 2 ;;
    --base-url) base_url="${2%/}"; shift 2 ;;
    --archive-only) archive_only=1; shift ;;
    --no-build) no_build=1; shift ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "release.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

log() { printf '[release] %s\n' "$*" >&2; }

if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
  SOURCE_DATE_EPOCH="$(git log -1 --format=%ct 2>/dev/null || date +%s)"
fi
export SOURCE_DATE_EPOCH

if [ "$no_build" = 0 ]; then bash scripts/package.sh; fi
[ -x build/kubectl-openstack-migrate ] || { echo "release.sh: build/kubectl-openstack-migrate is missing (npm run package)" >&2; exit 1; }

tar_cmd=tar
if [ "$(uname -s)" = Darwin ]; then tar_cmd=gtar; fi

version="v$(node -p 'require("./package.json").version')"
os="$(node -p 'process.platform')"
arch="$(node -p '({x64: "amd64", arm64: "arm64", arm: "arm", ia32: "386"})[process.arch] ?? process.arch')"
archive="kubectl-openstack-migrate_${version}_${os}_${arch}.tar.gz"
mkdir -p "$out"

# The symlink kubectl-openstack_migrate stays out: krew links the plugin name itself.
"$tar_cmd" --sort=name --mtime="@$SOURCE_DATE_EPOCH" --owner=0 --group=0 --numeric-owner --format=gnu \
  -C build -cf - kubectl-openstack-migrate kubectl_complete-openstack_migrate | gzip -9n >"$out/$archive"
log "$out/$archive ($(du -h "$out/$archive" | cut -f1)) sha256 $(sha256sum "$out/$archive" | cut -d' ' -f1)"

if [ "$archive_only" = 1 ]; then exit 0; fi

# Rewrite version and platforms from the archives of this version; validate against krew's Plugin schema.
node --input-type=module - "$manifest" "$out" "$version" "$base_url" <<'EOF'
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';

const [manifestPath, out, version, baseUrl] = process.argv.slice(2);
const text = readFileSync(manifestPath, 'utf8');
const header = text.match(/^(#.*\n)*/)[0];
const manifest = yaml.load(text);

const pattern = new RegExp(`^kubectl-openstack-migrate_${version.replace(/[.+]/g, '\\$&')}_([a-z0-9]+)_([a-z0-9]+)\\.tar\\.gz$`);
const platforms = readdirSync(out)
  .map((name) => ({ name, match: name.match(pattern) }))
  .filter((a) => a.match)
  .sort((a, b) => a.name.localeCompare(b.name))
  .map(({ name, match: [, os, arch] }) => ({
    selector: { matchLabels: { os, arch } },
    uri: `${baseUrl}/${version}/${name}`,
    sha256: createHash('sha256').update(readFileSync(join(out, name))).digest('hex'),
    bin: 'kubectl-openstack-migrate',
    files: [
      { from: 'kubectl-openstack-migrate', to: '.' },
      { from: 'kubectl_complete-openstack_migrate', to: '.' },
    ],
  }));
manifest.spec.version = version;
manifest.spec.platforms = platforms;

const schema = JSON.parse(readFileSync(new URL('scripts/krew-plugin.schema.json', `file://${process.cwd()}/`), 'utf8'));
const ajv = new Ajv.default({ allErrors: true });
addFormats.default(ajv);
const validate = ajv.compile(schema);
if (!validate(manifest)) {
  for (const e of validate.errors) process.stderr.write(`${manifestPath}: ${e.instancePath || '/'} ${e.message}\n`);
  process.exit(1);
}
writeFileSync(manifestPath, header + yaml.dump(manifest, { lineWidth: -1, noRefs: true }));
process.stderr.write(`[release] ${manifestPath}: ${version}, ${platforms.map((p) => `${p.selector.matchLabels.os}/${p.selector.matchLabels.arch}`).join(', ')}\n`);
EOF
