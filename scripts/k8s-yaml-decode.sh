#!/usr/bin/env bash
# Builds (once, then cached) the test program that reads YAML as kubectl does (sigs.k8s.io/yaml, from the
# Go module proxy at the version pinned in test/support/k8s-yaml-decode/go.mod), and prints its path.
# Used by test/unit/plan/yaml-go.test.ts; scripts/test.sh runs it before the tests.
set -euo pipefail
[ -x /usr/local/go/bin/go ] && export PATH="$PATH:/usr/local/go/bin"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
src="$here/test/support/k8s-yaml-decode"
version=$(awk '/sigs.k8s.io\/yaml v/ {print $3}' "$src/go.mod")
# The source's hash is part of the name: an edited program is rebuilt.
hash=$(cat "$src/main.go" "$src/go.mod" "$src/go.sum" | sha256sum | cut -c1-12)
dir="${XDG_CACHE_HOME:-$HOME/.cache}/kubectl-openstack-migrate/bin/k8s-yaml-decode-$version-$hash"
bin="$dir/k8s-yaml-decode"
if [ ! -x "$bin" ]; then
  mkdir -p "$dir"
  (cd "$src" && GOFLAGS=-mod=mod go build -trimpath -o "$bin.tmp.$$" . && mv "$bin.tmp.$$" "$bin")
fi
echo "$bin"
