#!/usr/bin/env bash
# The host lock (sourced through lib.sh): one run at a time per host, exit 3 when it is not to be had.
# shellcheck disable=SC2034 # globals here are set for, or read by, the modules and other lib parts

# The lock file lives in the world-writable /run/lock: it is created 0600 and must be a plain
# root-owned file, or any local user could hold it (or swap in a symlink) and block every run.
hd_lock() { # TIMEOUT_SECONDS
  local dir=/run/lock lock owner='' t0=$EPOCHREALTIME waited
  [[ -d $dir ]] || dir=/var/lock
  lock=$dir/hostdeck.lock
  if [[ -L $lock || (-e $lock && (! -f $lock || ! -O $lock)) ]]; then
    hd_fail "host lock" "$lock is not a plain root-owned file (someone else made it); remove it and run again" 3
  fi
  mkdir -p /run/hostdeck
  chmod 0700 /run/hostdeck
  HD_OWNER_FILE=/run/hostdeck/lock-owner
  umask 077
  exec {HD_LOCK_FD}>>"$lock"
  umask 022
  chmod 0600 "$lock"
  if ! flock -w "$1" "$HD_LOCK_FD"; then
    owner=$(head -c 300 "$HD_OWNER_FILE" 2>/dev/null || true)
    hd_fail "host lock" "another Hostdeck run still holds the host lock after $1 s (${owner:-holder unknown}). Wait for it to finish, or retry with a longer --lock-timeout." 3
  fi
  # Who holds the lock, for the message a waiting run gives up with; emptied at exit.
  printf 'pid %s running %s %s since %(%Y-%m-%dT%H:%M:%S%z)T' "$$" "$HD_MODULE" "$HD_VERB" -1 \
    >"$HD_OWNER_FILE"
  HD_LOCKED=1
  waited=$(((${EPOCHREALTIME/./} - ${t0/./}) / 1000))
  if [[ $HD_CHECK != 1 ]]; then
    mkdir -p "$HD_LOG_DIR"
    chmod 0750 "$HD_LOG_DIR"
    [[ -e $HD_LOG_DIR/hostdeck.log ]] || (umask 077 && : >>"$HD_LOG_DIR/hostdeck.log")
  fi
  hd_log "start $HD_MODULE $HD_VERB (waited ${waited} ms for the host lock)"
}
