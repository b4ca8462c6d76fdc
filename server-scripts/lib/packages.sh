#!/usr/bin/env bash
# Packages, with apt (sourced through lib.sh).

hd_pkg_version() { # PACKAGE -> installed version, or nothing
  dpkg-query -W -f='${db:Status-Abbrev} ${Version}' "$1" 2>/dev/null | awk '$1 ~ /^ii/ {print $2}' || true
}

hd_pkg_candidate() { # PACKAGE -> candidate version, or nothing
  apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ {print $2}' | grep -v '(none)' || true
}

# apt-get update only when the lists are older than an hour (or missing).
hd_apt_update_if_stale() {
  local newest
  newest=$(find /var/lib/apt/lists -maxdepth 1 -name '*_Packages*' -mmin -60 -print -quit 2>/dev/null || true)
  [[ -n $newest ]] && return 0
  hd_apt_update
}

# Real mirrors flake ("Unable to connect", a short outage): apt retries each download itself
# (Acquire::Retries, with its own back-off), and a run that still fails to fetch gets one fresh
# `apt-get update` and one more try before it gives up, saying so.
readonly HD_APT_NET=(-o Acquire::Retries=4 -o Acquire::http::Timeout=30 -o Acquire::https::Timeout=30)
# apt-get update exits 0 when an index cannot be fetched (it keeps the old lists): treat it as failed.
readonly HD_APT_UPDATE=(apt-get -q --error-on=any "${HD_APT_NET[@]}" -o DPkg::Lock::Timeout=300 update)

hd_apt_fetch_failed() { # true when the last apt output says a download failed (not a dpkg error)
  grep -qiE "Unable to connect|Failed to fetch|Could not resolve|Temporary failure|Connection (timed out|refused|failed)|Unable to fetch|Some index files failed" "$HD_TMP/out"
}

hd_apt_update() {
  hd_run "${HD_APT_UPDATE[@]}" && return 0
  if hd_apt_fetch_failed; then
    hd_log "apt-get update could not reach a mirror; trying once more in 10 s"
    sleep 10
    hd_run "${HD_APT_UPDATE[@]}" && return 0
    hd_fail "apt lists" "apt-get update failed twice, the package mirror is unreachable from this host: $HD_LAST_OUTPUT. Check the host's network and apt sources, then run again; nothing was installed."
  fi
  hd_fail "apt lists" "apt-get update failed: $HD_LAST_OUTPUT"
}

hd_apt() { # apt-get ARGS...; waits for another apt/dpkg (unattended-upgrades) up to 5 minutes
  local -a args=(-q -y "${HD_APT_NET[@]}" -o DPkg::Lock::Timeout=300 -o Dpkg::Options::=--force-confdef
    -o Dpkg::Options::=--force-confold "$@")
  hd_run apt-get "${args[@]}" && return 0
  hd_apt_fetch_failed || return 1
  # The lists may point at files the mirror no longer has, or the mirror blinked: refresh, retry once.
  hd_log "apt-get could not download packages; refreshing the lists and trying once more"
  hd_run "${HD_APT_UPDATE[@]}" || true
  hd_run apt-get "${args[@]}"
}

# Each PACKAGE is installed (one step each; one apt-get run for all the missing ones).
ensure_packages() { # PACKAGE...
  local p v
  local -a missing=()
  for p in "$@"; do
    v=$(hd_pkg_version "$p")
    if [[ -n $v ]]; then hd_ok "package $p" "$v installed"; else missing+=("$p"); fi
  done
  ((${#missing[@]} > 0)) || return 0
  if [[ $HD_CHECK == 1 ]]; then
    for p in "${missing[@]}"; do
      v=$(hd_pkg_candidate "$p")
      hd_changed "package $p" "would install${v:+ $v}"
    done
    return 0
  fi
  hd_apt_update_if_stale
  for p in "${missing[@]}"; do
    # A package unknown to stale-but-recent lists: refresh once before giving up.
    if [[ -z $(hd_pkg_candidate "$p") ]]; then
      hd_apt_update
      [[ -n $(hd_pkg_candidate "$p") ]] ||
        hd_fail "package $p" "not available from this host's apt sources ($(grep -h '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | head -n 3 | tr '\n' ';'))"
    fi
  done
  if ! hd_apt install --no-install-recommends "${missing[@]}"; then
    hd_apt_fetch_failed && hd_fail "package ${missing[0]}" "the packages could not be downloaded, twice: the package mirror is unreachable from this host ($HD_LAST_OUTPUT). Check the host's network and apt sources, then run again; nothing was installed."
    hd_fail "package ${missing[0]}" "apt-get install failed: $HD_LAST_OUTPUT"
  fi
  for p in "${missing[@]}"; do
    v=$(hd_pkg_version "$p")
    [[ -n $v ]] || hd_fail "package $p" "apt-get reported success but the package is not installed"
    hd_changed "package $p" "installed $v"
  done
}

ensure_package_absent() { # PACKAGE (removed, configuration kept)
  local v
  v=$(hd_pkg_version "$1")
  if [[ -z $v ]]; then
    hd_ok "package $1 absent" ""
    return 0
  fi
  if [[ $HD_CHECK != 1 ]]; then
    hd_apt remove "$1" || hd_fail "package $1 absent" "apt-get remove failed: $HD_LAST_OUTPUT"
  fi
  hd_changed "package $1 absent" "removed $v (configuration kept)"
}
