#!/usr/bin/env bash
# The whole test suite, exactly what CI runs (.ci/run calls `npm test`, which calls this):
#   1. type-check and build, then lint (Biome);
#   2. start the minicloud (a real OpenStack Zed on loopback) in the background unless it is up, and
#      meanwhile build (first run only, then cached) the upstream kube-apiserver + etcd;
#      and the Debian guest image of the guest-boot tests (scripts/guest-image.sh; first run only, then cached);
#   3. run every vitest project: unit + integration (real kube-apiserver, local OpenStack API server,
#      and the minicloud end-to-end suites), and beside them, in a second process, the guest boots.
# OSM_SKIP_MINICLOUD=1 runs without the minicloud suites (they are then reported as skipped).
# Extra arguments go to vitest (e.g. `npm test -- test/unit`).
set -euo pipefail
cd "$(dirname "$0")/.."
here=$(pwd)
shared=${OSM_SHARED_DIR:-$here/../shared}

step() { printf '\n==> %s (%s)\n' "$*" "$(date +%T)" >&2; }

step "type-check (sources and tests) and build"
npm run --silent build
npx tsc -p tsconfig.test.json

step "lint and format check (biome.json)"
npm run --silent lint

minicloud_pid=""
if [ "${OSM_SKIP_MINICLOUD:-0}" != "1" ]; then
  if [ -f /tmp/minicloud/clouds.yaml ] && curl -fsS -o /dev/null --max-time 5 http://127.0.0.1:5000/v3; then
    echo "minicloud is already up" >&2
  else
    step "starting the minicloud in the background (log: /tmp/minicloud-up.log)"
    sudo_cmd=""; [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
    $sudo_cmd bash "$shared/minicloud/up.sh" > /tmp/minicloud-up.log 2>&1 &
    minicloud_pid=$!
  fi
fi

# The guest image is mostly downloads and dpkg: it is built while the API server compiles, not after it.
step "guest image for the guest-boot tests, in the background (built once, then cached; log: /tmp/guest-image.log)"
bash scripts/guest-image.sh ensure > /tmp/guest-image.log 2>&1 &
guest_image_pid=$!

step "kube-apiserver and etcd for the integration tests (built once, then cached)"
bash scripts/kube-test-server.sh ensure
OSM_KUBE_BIN_DIR=$(bash scripts/kube-test-server.sh bindir)
export OSM_KUBE_BIN_DIR

step "waiting for the guest image"
if ! wait "$guest_image_pid"; then
  tail -n 30 /tmp/guest-image.log >&2
  echo "error: the guest image could not be built (see /tmp/guest-image.log)" >&2
  exit 1
fi

if [ "${OSM_SKIP_MINICLOUD:-0}" != "1" ]; then
  if [ -n "$minicloud_pid" ]; then
    step "waiting for the minicloud"
    if ! wait "$minicloud_pid"; then
      tail -n 30 /tmp/minicloud-up.log >&2
      echo "error: the minicloud did not start (see /tmp/minicloud-up.log)" >&2
      exit 1
    fi
  fi
  export OSM_MINICLOUD=1 OS_CLIENT_CONFIG_FILE=/tmp/minicloud/clouds.yaml
fi

step "the YAML reader kubectl uses, for the manifest writer's tests (built once, then cached)"
OSM_K8S_YAML_DECODE=$(bash scripts/k8s-yaml-decode.sh)
export OSM_K8S_YAML_DECODE

step "krew, to install the release archives (built once, then cached)"
bash scripts/krew.sh >/dev/null

step "tests"
# Extra arguments: exactly the vitest run asked for.
if [ $# -gt 0 ]; then
  exec npx vitest run "$@"
fi
# The whole suite: the guest boots (QEMU TCG, one core, ~12 minutes) run in a second vitest process beside
# unit + integration. In one process vitest 4 runs a project with fileParallelism: false (integration) in a
# phase of its own, so the boots would only start after it (checked with a two-project toy config).
guest_log=$(mktemp /tmp/kom-guest-tests.XXXXXX)
npx vitest run --project guest > "$guest_log" 2>&1 &
guest_pid=$!
trap 'kill "$guest_pid" 2>/dev/null || true' EXIT
suite_status=0
npx vitest run --project unit --project integration || suite_status=$?
step "waiting for the guest-boot tests (their output follows; log: $guest_log)"
guest_status=0
wait "$guest_pid" || guest_status=$?
trap - EXIT
cat "$guest_log"
if [ "$suite_status" != 0 ] || [ "$guest_status" != 0 ]; then
  echo "error: tests failed (unit + integration: exit $suite_status; guest boots: exit $guest_status)" >&2
  exit 1
fi
