#!/usr/bin/env bash
# The two commands a newcomer runs:
#   ./dev.sh start   install what the app needs (Node >= 22.12, npm packages), build, open the window
#   ./dev.sh test    install what the tests need (Debian packages, Node, npm packages), run every tier
# Everything else is plain npm scripts (see README.md).
set -Eeuo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

install_deps() {
  # npm ci when node_modules is missing or older than the lockfile. Electron's runtime binary is
  # never fetched by npm (its postinstall would fail the whole install where the download is not
  # reachable): `start` fetches it on its own (scripts/ensure-electron.sh), the tests never need it.
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    ELECTRON_SKIP_BINARY_DOWNLOAD=1 npm ci --no-audit --no-fund
  fi
}

case "${1:-}" in
  start)
    # shellcheck source=scripts/ensure-node.sh
    source scripts/ensure-node.sh
    install_deps
    # shellcheck source=scripts/ensure-electron.sh
    source scripts/ensure-electron.sh
    hd_ensure_electron || exit 1
    exec npm start
    ;;
  test)
    bash scripts/ensure-system.sh
    # shellcheck source=scripts/ensure-node.sh
    source scripts/ensure-node.sh
    install_deps
    exec npm test
    ;;
  *)
    echo "usage: ./dev.sh start | ./dev.sh test" >&2
    exit 2
    ;;
esac
