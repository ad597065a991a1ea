#!/usr/bin/env bash
# The Wine prefix in which the windows/amd64 binary is smoke-tested (scripts/package.sh PLATFORM=windows/amd64,
# test/integration/kubectl-plugin.test.ts). Created once (wineboot, ~15 s and ~700 MB), then reused; prints
# its path.
#
#   WINEPREFIX=$(bash scripts/wine-prefix.sh) WINEDEBUG=-all wine kubectl-openstack-migrate.exe version --client
#
# Needs Debian's wine and wine64 (.ci/run installs them); no 32-bit wine (wine32:i386) is needed for a
# 64-bit exe. The prefix claims Windows 10: Wine 8 defaults to Windows 7, and Node 20 refuses to start on
# anything older than Windows 8.1 ("Node.js is only supported on Windows 8.1, Windows Server 2012 R2, or
# higher"). wine-mono and wine-gecko are not installed (mscoree and mshtml disabled while booting): nothing
# here is .NET or HTML, and their installers would try to download them.
set -euo pipefail

cache_root="${XDG_CACHE_HOME:-$HOME/.cache}/kubectl-openstack-migrate"
prefix="$cache_root/wine-prefix"
ready="$prefix/.kom-ready"

if [ ! -f "$ready" ]; then
  command -v wine >/dev/null || { echo "wine-prefix.sh: wine is not installed (apt-get install wine wine64)" >&2; exit 1; }
  mkdir -p "$cache_root"
  exec 9>"$cache_root/wine-prefix.lock"
  flock 9
  if [ ! -f "$ready" ]; then
    rm -rf "$prefix"
    export WINEPREFIX="$prefix" WINEARCH=win64 WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
    printf '[wine-prefix] creating %s\n' "$prefix" >&2
    wineboot --init >/dev/null 2>&1
    winecfg /v win10 >/dev/null 2>&1
    # wineboot returns before the wineserver has written the registry to disk.
    wineserver -w
    grep -q '"ProductName"="Microsoft Windows 10"' "$prefix/system.reg" || { echo "wine-prefix.sh: $prefix was not set to Windows 10" >&2; exit 1; }
    touch "$ready"
  fi
fi
printf '%s\n' "$prefix"
