#!/usr/bin/env bash
# Linux users (sourced through lib.sh).

# A Linux user (and its group) exists with HOME and SHELL. KIND is `system` or `normal`.
ensure_user() { # NAME HOME SHELL KIND
  local name=$1 home=$2 shell=$3 kind=$4 entry
  [[ $name =~ ^[a-z_][a-z0-9_-]{0,30}$ ]] || hd_fail "user $name" "invalid user name"
  if entry=$(getent passwd "$name"); then
    local -a f
    IFS=: read -r -a f <<<"$entry"
    if [[ ${f[5]} == "$home" && ${f[6]} == "$shell" ]]; then
      hd_ok "user $name" "uid ${f[2]}"
      return 0
    fi
    [[ $HD_CHECK == 1 ]] || hd_run usermod --home "$home" --shell "$shell" -- "$name" ||
      hd_fail "user $name" "usermod failed: $HD_LAST_OUTPUT"
    hd_changed "user $name" "home/shell ${f[5]}:${f[6]} -> $home:$shell"
    return 0
  fi
  if [[ $HD_CHECK != 1 ]]; then
    local -a args=(--home-dir "$home" --shell "$shell" --user-group)
    [[ $kind == system ]] && args+=(--system --no-create-home) || args+=(--create-home)
    hd_run useradd "${args[@]}" -- "$name" || hd_fail "user $name" "useradd failed: $HD_LAST_OUTPUT"
  fi
  hd_changed "user $name" "create ($kind, home $home)"
}

# No user NAME (nor its group). Its processes are killed first: userdel refuses while any runs.
ensure_user_absent() { # NAME [DETAIL of the change, default "removed"]
  local name=$1 step="user $1 absent"
  [[ $name =~ ^[a-z_][a-z0-9_-]{0,30}$ ]] || hd_fail "$step" "invalid user name"
  if ! getent passwd "$name" >/dev/null; then
    hd_ok "$step" ""
    return 0
  fi
  if [[ $HD_CHECK != 1 ]]; then
    if command -v pkill >/dev/null; then pkill -KILL -u "$name" 2>/dev/null || true; fi
    hd_run userdel -- "$name" || hd_fail "$step" "userdel failed: $HD_LAST_OUTPUT"
  fi
  hd_changed "$step" "${2:-removed}"
}
