#!/usr/bin/env bash
# The whole test suite, exactly what CI runs (.ci/run calls `npm test`, which calls this):
#   1. type-check and build;
#   2. build (first run only, then cached) the upstream kube-apiserver + etcd the integration tests use;
#   3. start the minicloud (a real OpenStack Zed on loopback) unless it is already up;
#   4. run every vitest project: unit + integration.
# Set OSM_SKIP_MINICLOUD=1 to run without the OpenStack end-to-end suite (it is then reported as skipped).
set -euo pipefail
cd "$(dirname "$0")/.."
here=$(pwd)
shared=${OSM_SHARED_DIR:-$here/../shared}

step() { printf '\n==> %s\n' "$*" >&2; }

step "type-check and build"
npm run --silent build

step "kube-apiserver and etcd for the integration tests"
bash scripts/kube-test-server.sh ensure
export OSM_KUBE_BIN_DIR
OSM_KUBE_BIN_DIR=$(bash scripts/kube-test-server.sh bindir)

if [ "${OSM_SKIP_MINICLOUD:-0}" != "1" ]; then
  step "minicloud (real OpenStack Zed on 127.0.0.1)"
  if [ -f /tmp/minicloud/clouds.yaml ] && curl -fsS -o /dev/null --max-time 5 http://127.0.0.1:5000/v3; then
    echo "minicloud is already up" >&2
  else
    sudo_cmd=""; [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
    $sudo_cmd bash "$shared/minicloud/up.sh"
  fi
  export OSM_MINICLOUD=1 OS_CLIENT_CONFIG_FILE=/tmp/minicloud/clouds.yaml
fi

step "tests"
npx vitest run "$@"
