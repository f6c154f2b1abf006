#!/usr/bin/env bash
# Installs the SIP edge's Debian packages when they are missing (as root, or with sudo):
#   kamailio kamailio-websocket-modules kamailio-tls-modules
#               the SIP edge (deploy/edge/kamailio.cfg): UDP, TCP and TLS for desk phones and carriers
#   rtpengine-daemon
#               the media relay behind it, run in userspace (--table=-1): plain RTP outside,
#               ICE and DTLS-SRTP toward the switch
#   baresip-core
#               a real SIP phone and carrier for the integration tests (test/support/baresip.ts)
# `npm run edge` runs it before starting the edge; scripts/ensure-system-deps.sh runs it for the tests.
set -euo pipefail
need=()
command -v kamailio >/dev/null 2>&1 || need+=(kamailio)
compgen -G '/usr/lib/*/kamailio/modules/websocket.so' >/dev/null || need+=(kamailio-websocket-modules)
compgen -G '/usr/lib/*/kamailio/modules/tls.so' >/dev/null || need+=(kamailio-tls-modules)
command -v rtpengine >/dev/null 2>&1 || need+=(rtpengine-daemon)
command -v baresip >/dev/null 2>&1 || need+=(baresip-core)
if ((${#need[@]})); then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo=sudo
  echo "Installing Debian packages: ${need[*]}"
  $sudo apt-get update -qq
  # Their recommended packages (a recording daemon, GUI front-ends) are not needed.
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
