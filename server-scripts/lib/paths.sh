#!/usr/bin/env bash
# The root-path rule (sourced through lib.sh; docs/THREAT-MODEL.md). Every helper that writes,
# creates, chowns, chmods, removes or reads config as root calls hd_root_path first.

# The tenant rule: root never resolves a path inside a directory a tenant can write. A tenant
# (or any other local user) who can write a directory on the way can swap a component for a
# symlink between our check and our write, and turn "write the site's config" into "overwrite
# /etc/ld.so.preload" or "hand /etc/shadow to the tenant". So before root writes, creates,
# chowns, chmods, removes or reads config at PATH, every directory from / down to PATH's parent
# must be a real directory (not a symlink), owned by root, that no one else can write (no group
# or other write bit; sticky world-writable directories like /tmp are refused too). Directories
# that do not exist yet are skipped: root makes them itself, under a checked parent. Work that
# must happen inside tenant-writable space is done as the tenant (the site module's
# site_as_tenant), never by root.
hd_root_path() { # STEP PATH: ends the run (nothing touched) unless PATH's parents are root-only
  [[ $2 == /* ]] || hd_fail "$1" "internal error: '$2' is not an absolute path"
  local problem
  problem=$(hd_root_path_problem "$2")
  [[ -z $problem ]] ||
    hd_fail "$1" "refused: $problem. Hostdeck never works as root inside a directory another user can write; nothing was changed there. If this path was changed by hand, restore it (root-owned, not group- or world-writable) and run again."
}

# The first parent of PATH (absolute) that is not a root-owned directory only root can change, as a
# phrase; nothing when they all are. For callers that skip rather than fail (hd_root_path fails).
hd_root_path_problem() { # PATH
  local dir=${1%/*} kind uid mode name
  local -a dirs=(/)
  while [[ -n $dir ]]; do
    dirs+=("$dir")
    dir=${dir%/*}
  done
  while IFS='|' read -r kind uid mode name; do
    if [[ $kind != directory || $uid != 0 ]] || ((8#$mode & 8#1022)); then
      printf '%s is not a directory that only root can change (%s, uid %s, mode %s)' "$name" "$kind" "$uid" "$mode"
      return 0
    fi
  done < <(stat -c '%F|%u|%a|%n' -- "${dirs[@]}" 2>/dev/null || true)
}

# Whether PATH is a plain file (no link) whose parents only root can change: safe for root to read.
hd_root_file() { [[ -f $1 && ! -L $1 && -z $(hd_root_path_problem "$1") ]]; } # PATH
