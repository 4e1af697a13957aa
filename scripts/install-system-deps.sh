#!/bin/sh
# Installs the Debian packages named as arguments when their commands are missing, e.g.
#   sh scripts/install-system-deps.sh chromium espeak-ng
# chromium: Playwright drives it in the end-to-end tests (Playwright's own browser download is
# not used); espeak-ng: the speech engine that works fully offline; redis-server and prometheus:
# the operations tests (several sidecar processes on one Redis; the dashboard's queries).
set -e
missing=""
for package in "$@"; do
  command -v "$package" >/dev/null 2>&1 || missing="$missing $package"
done
[ -z "$missing" ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
  echo "Missing:$missing. This is not a Debian-like system: install them with your package manager." >&2
  exit 1
fi
echo "Installing Debian packages:$missing"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
