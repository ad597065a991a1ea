#!/usr/bin/env bash
# Builds (once, then cached) krew at KREW_VERSION (scripts/versions.env) from the Go module proxy, and prints
# its path. test/integration/kubectl-plugin.test.ts installs every platform of the release with it, as
# krew's own release check does (KREW_ROOT=$(mktemp -d) KREW_OS=<os> KREW_ARCH=<arch> krew install
# --manifest=… --archive=…); scripts/test.sh runs this before the tests. ~90 s on 2 cores the first time.
set -euo pipefail
[ -x /usr/local/go/bin/go ] && export PATH="$PATH:/usr/local/go/bin"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck disable=SC1091
. "$here/scripts/versions.env"
dir="${XDG_CACHE_HOME:-$HOME/.cache}/kubectl-openstack-migrate/bin/krew-$KREW_VERSION"
bin="$dir/krew"
if [ ! -x "$bin" ]; then
  mkdir -p "$dir"
  GOBIN="$dir/.tmp.$$" GOFLAGS=-mod=mod go install -trimpath "sigs.k8s.io/krew/cmd/krew@$KREW_VERSION" >&2
  mv "$dir/.tmp.$$/krew" "$bin"
  rmdir "$dir/.tmp.$$"
fi
echo "$bin"
