# shellcheck shell=bash
# Source this: puts a Node >= 22.12 first on PATH. When the machine's Node is older (Debian 12 ships
# 18/20), installs Node 22 from the npm registry's `node` package into a per-user cache (~5 s, once),
# and points native builds at its headers instead of an inherited ~/.npmrc nodedir.
hd_node_ok() {
  command -v node >/dev/null 2>&1 &&
    node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=12)?0:1)'
}

if ! hd_node_ok; then
  if ! command -v npm >/dev/null 2>&1; then
    echo "Hostdeck needs Node.js >= 22.12 (or any Node with npm, to fetch one). Install Node.js first." >&2
    # shellcheck disable=SC2317 # exit is reached when the file is run instead of sourced
    return 1 2>/dev/null || exit 1
  fi
  hd_tools="${HOSTDECK_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/hostdeck-tools}/node22"
  hd_find_node() { find "$hd_tools/node_modules" -path '*/include/node/node_api.h' -print -quit 2>/dev/null; }
  if [ -z "$(hd_find_node)" ]; then
    echo "Installing Node 22 into $hd_tools (the machine's Node is $(node --version 2>/dev/null || echo missing))…" >&2
    mkdir -p "$hd_tools"
    npm install --prefix "$hd_tools" --no-save --no-audit --no-fund --loglevel=error node@22 >&2
  fi
  hd_node_home="$(dirname "$(dirname "$(dirname "$(hd_find_node)")")")"
  export PATH="$hd_node_home/bin:$PATH"
  export npm_config_nodedir="$hd_node_home"
  hash -r
  # shellcheck disable=SC2317 # exit is reached when the file is run instead of sourced
  hd_node_ok || { echo "Node 22 install in $hd_tools did not work; remove that folder and retry." >&2; return 1 2>/dev/null || exit 1; }
fi
