# shellcheck shell=bash
# Source this after the npm install: makes sure Electron's runtime binary is present. `./dev.sh test`
# (and CI) install with ELECTRON_SKIP_BINARY_DOWNLOAD=1, as build machines without GitHub access must,
# so `./dev.sh start` run afterwards finds the electron package without its binary. Then it fetches
# the binary (Electron's own installer, ELECTRON_MIRROR is honoured); when that cannot be done, it
# says so in one sentence with what to do instead, and returns 1. Never a stack trace.
hd_electron_ok() { node -e 'require("electron")' >/dev/null 2>&1; }

hd_ensure_electron() {
  hd_electron_ok && return 0
  if [ ! -f node_modules/electron/install.js ]; then
    echo "Hostdeck cannot open its window: the electron package is missing from node_modules; run ./dev.sh start again (it reinstalls the packages)." >&2
    return 1
  fi
  echo "Electron's runtime is not installed yet (the tests install without it): downloading it…" >&2
  local log why
  log=$(mktemp)
  if env -u ELECTRON_SKIP_BINARY_DOWNLOAD node node_modules/electron/install.js >"$log" 2>&1 && hd_electron_ok; then
    rm -f "$log"
    return 0
  fi
  why=$(grep -m 1 -v '^[[:space:]]*at ' "$log" | cut -c1-160 || true)
  rm -f "$log"
  echo "Hostdeck cannot open its window on this machine: Electron's runtime could not be downloaded${why:+ ($why)}. Run ./dev.sh start where Electron's release downloads are reachable (or set ELECTRON_MIRROR to a mirror you can reach); here, ./dev.sh test still builds the app and runs every test." >&2
  return 1
}
