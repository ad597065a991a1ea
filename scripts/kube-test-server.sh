#!/usr/bin/env bash
# Builds (once per machine) the upstream kube-apiserver and etcd used by the integration tests, and
# prints the directory holding them. Binaries are cached under
#   ${XDG_CACHE_HOME:-~/.cache}/kubectl-openstack-migrate/bin/<version>/
# so only the first run pays for the build (several minutes on 2 cores). Nothing built here is
# committed: the sources come from the Go module proxy at the versions pinned in scripts/versions.env.
#
# Usage: scripts/kube-test-server.sh [ensure|paths|bindir|clean]
#   ensure (default)  build what is missing, then print KUBE_APISERVER=... and ETCD=... lines
#   paths             print the paths without building (exit 1 if a binary is missing)
#   bindir            print the cache directory that holds the per-version binary directories
#   clean             remove the cached binaries of the pinned versions
set -euo pipefail
[ -x /usr/local/go/bin/go ] && export PATH="$PATH:/usr/local/go/bin"  # where the machine image installs Go

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
. "$here/versions.env"

cache_root="${XDG_CACHE_HOME:-$HOME/.cache}/kubectl-openstack-migrate"
kube_dir="$cache_root/bin/kube-apiserver-$KUBE_VERSION"
etcd_dir="$cache_root/bin/etcd-$ETCD_VERSION"
kube_bin="$kube_dir/kube-apiserver"
etcd_bin="$etcd_dir/etcd"

log() { printf '[kube-test-server] %s\n' "$*" >&2; }

print_paths() {
  printf 'KUBE_APISERVER=%s\nETCD=%s\n' "$kube_bin" "$etcd_bin"
}

# A throwaway module that requires k8s.io/kubernetes and pins every staging module (which the
# kubernetes go.mod points at ./staging/... via replace directives that `go install` refuses) to
# the matching published k8s.io/* release.
build_kube_apiserver() {
  local work; work="$(mktemp -d)"
  trap 'rm -rf "$work"; trap - RETURN' RETURN
  log "building kube-apiserver $KUBE_VERSION (staging $KUBE_STAGING_VERSION) in $work"
  local started=$SECONDS
  (
    cd "$work"
    go mod init kube-test-server-build >/dev/null 2>&1
    local gomod
    gomod="$(go mod download -json "k8s.io/kubernetes@$KUBE_VERSION" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\{0,1\}$/\1/p')"
    [ -f "$gomod" ] || { log "could not download go.mod of k8s.io/kubernetes@$KUBE_VERSION"; exit 1; }
    # Every `k8s.io/x => ./staging/src/k8s.io/x` line of upstream's go.mod becomes a pin to k8s.io/x@staging.
    local mods
    mods="$(sed -n 's#^[[:space:]]*\(k8s\.io/[^[:space:]]*\)[[:space:]]*=>[[:space:]]*\./staging/.*#\1#p' "$gomod")"
    [ -n "$mods" ] || { log "no staging replace directives found in $gomod"; exit 1; }
    local args=(-require="k8s.io/kubernetes@$KUBE_VERSION")
    local m
    for m in $mods; do args+=(-replace="$m=$m@$KUBE_STAGING_VERSION"); done
    go mod edit "${args[@]}"
    go mod edit -tool=k8s.io/kubernetes/cmd/kube-apiserver
    go mod tidy
    # The same version stamps upstream's hack/lib/version.sh sets, so /version reports the release.
    local minor="${KUBE_VERSION#v1.}"; minor="${minor%%.*}"
    local pkg=k8s.io/component-base/version
    CGO_ENABLED=0 go build -trimpath -o "$work/kube-apiserver" \
      -ldflags "-s -w -X $pkg.gitVersion=$KUBE_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z" \
      k8s.io/kubernetes/cmd/kube-apiserver
  )
  mkdir -p "$kube_dir"
  mv "$work/kube-apiserver" "$kube_bin.tmp" && mv "$kube_bin.tmp" "$kube_bin"
  log "kube-apiserver built in $((SECONDS - started))s -> $kube_bin"
}

# etcd's server module also carries replace directives to sibling directories; the same trick.
build_etcd() {
  local work; work="$(mktemp -d)"
  trap 'rm -rf "$work"; trap - RETURN' RETURN
  log "building etcd $ETCD_VERSION in $work"
  local started=$SECONDS
  (
    cd "$work"
    go mod init etcd-test-server-build >/dev/null 2>&1
    local gomod
    gomod="$(go mod download -json "go.etcd.io/etcd/server/v3@$ETCD_VERSION" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\{0,1\}$/\1/p')"
    [ -f "$gomod" ] || { log "could not download go.mod of go.etcd.io/etcd/server/v3@$ETCD_VERSION"; exit 1; }
    local args=(-require="go.etcd.io/etcd/server/v3@$ETCD_VERSION")
    local m
    for m in $(sed -n 's#^[[:space:]]*\(go\.etcd\.io/etcd/[^[:space:]]*\)[[:space:]]*=>[[:space:]]*\.\./.*#\1#p' "$gomod"); do
      args+=(-replace="$m=$m@$ETCD_VERSION")
    done
    go mod edit "${args[@]}"
    go mod edit -tool=go.etcd.io/etcd/server/v3
    go mod tidy
    CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$work/etcd" go.etcd.io/etcd/server/v3
  )
  mkdir -p "$etcd_dir"
  mv "$work/etcd" "$etcd_bin.tmp" && mv "$etcd_bin.tmp" "$etcd_bin"
  log "etcd built in $((SECONDS - started))s -> $etcd_bin"
}

cmd="${1:-ensure}"
case "$cmd" in
  paths)
    print_paths
    [ -x "$kube_bin" ] && [ -x "$etcd_bin" ]
    ;;
  bindir)
    printf '%s\n' "$cache_root/bin"
    ;;
  clean)
    rm -rf "$kube_dir" "$etcd_dir"
    ;;
  ensure)
    command -v go >/dev/null || { log "go is required to build the test API server"; exit 1; }
    mkdir -p "$cache_root"
    # Two test runs (or CI and a developer) must not build into the same place at once.
    exec 9>"$cache_root/build.lock"
    flock 9
    [ -x "$etcd_bin" ] || build_etcd
    [ -x "$kube_bin" ] || build_kube_apiserver
    print_paths
    ;;
  *)
    echo "usage: $0 [ensure|paths|bindir|clean]" >&2
    exit 2
    ;;
esac
