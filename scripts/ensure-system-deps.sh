#!/usr/bin/env bash
# Installs the Debian packages the tests need, when they are missing:
#   chromium    the end-to-end tests drive Debian's Chromium through playwright-core
#   iproute2    `ip`, to bring up loopback in the test's own network namespace
#   util-linux  `unshare`, to create that namespace (and `runuser`, to run PostgreSQL as its own user)
#   postgresql  the store's tests also run against a real PostgreSQL server, started per test run
#               from /usr/lib/postgresql/<version>/bin (test/support/postgres.ts)
#   espeak-ng   text to speech for the IVR's "talk" prompts (server/calls/prompts.ts); the server runs
#               without it (a chime stands in), the tests check the real speech
# and, through scripts/ensure-edge-deps.sh, the SIP edge (Kamailio, rtpengine) and baresip.
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v ip >/dev/null 2>&1 || need+=(iproute2)
command -v unshare >/dev/null 2>&1 || need+=(util-linux)
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || need+=(postgresql)
command -v espeak-ng >/dev/null 2>&1 || need+=(espeak-ng)
for pkg in "$@"; do need+=("$pkg"); done
if ((${#need[@]})); then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo=sudo
  echo "Installing Debian packages: ${need[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi
bash "$(dirname "$0")/ensure-edge-deps.sh"
