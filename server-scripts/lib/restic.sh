#!/usr/bin/env bash
# The host's restic repository (sourced through lib.sh): made by the backup module, read by it and
# by the site module (a release restored from a snapshot). Root-only: the repository, its password
# file and restic's cache.
# shellcheck disable=SC2034 # globals here are read by the modules

readonly HD_RESTIC_REPO=/var/backups/hostdeck/restic
readonly HD_RESTIC_PASS=/etc/hostdeck/backup/restic.pass
readonly HD_RESTIC_CACHE=/var/cache/hostdeck/restic
readonly HD_RE_SNAPSHOT='^[0-9a-f]{8,64}$'

# Copies other hosts keep here (backup accept): one chroot per source, /<root>/hd-off-<name>/repo,
# written over SFTP by that host and nobody else.
readonly HD_OFFSITE_ROOT=/var/backups/hostdeck-offsite
readonly HD_RE_OFFSITE_NAME='^[a-z0-9]{8}$'
# Set by hd_restic_use_offsite: the copy this run reads instead of the host's own repository.
HD_RESTIC_OFFSITE_USER=''
HD_RESTIC_OFFSITE_PW=''

# restic with this host's repository, password file and cache; output on stderr unless redirected.
# Reading another host's copy (which that host, maybe compromised, wrote), restic runs as the copy's
# own account (root never opens a path in a directory someone else writes), without capabilities,
# root's descriptors (the protocol stream, the host lock) or a cache, in a scope of its own with a
# memory, task and time bound (a hostile copy cannot exhaust the host), its password in the
# environment (never argv).
hd_restic() {
  if [[ -n $HD_RESTIC_OFFSITE_USER ]]; then
    (
      cd /
      ((HD_OUT <= 2)) || exec {HD_OUT}>&-
      [[ -z ${HD_LOCK_FD-} ]] || exec {HD_LOCK_FD}>&-
      RESTIC_PASSWORD=$HD_RESTIC_OFFSITE_PW exec systemd-run --scope --quiet --collect -p MemoryMax=1G -p TasksMax=256 -p RuntimeMaxSec=6h -- \
      setpriv --reuid="$HD_RESTIC_OFFSITE_USER" --regid="$HD_RESTIC_OFFSITE_USER" --clear-groups \
      --no-new-privs --inh-caps=-all --bounding-set=-all -- \
      restic --repo "$HD_OFFSITE_ROOT/$HD_RESTIC_OFFSITE_USER/repo" --no-cache "$@"
    )
    return
  fi
  # (HD_RESTIC_TIMEOUT=N: given up after N seconds, for reads restic would otherwise retry for a
  # minute, such as a lock file that went away meanwhile)
  ${HD_RESTIC_TIMEOUT:+timeout "$HD_RESTIC_TIMEOUT"} restic --repo "$HD_RESTIC_REPO" \
    --password-file "$HD_RESTIC_PASS" --cache-dir "$HD_RESTIC_CACHE" "$@"
}

hd_restic_ready() {
  command -v restic >/dev/null || return 1
  if [[ -n $HD_RESTIC_OFFSITE_USER ]]; then hd_restic cat config >/dev/null 2>&1; return; fi
  [[ -f $HD_RESTIC_REPO/config && -f $HD_RESTIC_PASS ]]
}

# Options of the verbs that can read another host's copy instead of this host's repository.
hd_restic_offsite_option() {
  hd_option offsite "^([a-z0-9]{8})?\$" '' "read the copy of another host's backups kept here (backup accept --source NAME) instead of this host's; its password on the first line of stdin"
}

# With --offsite NAME: the copy must be here, and its password arrives on stdin (validation time).
hd_restic_use_offsite() {
  local name=${HD_OPT[offsite]-}
  [[ -n $name ]] || return 0
  getent passwd "hd-off-$name" >/dev/null ||
    hd_usage_fail "offsite" "this host keeps no copy of another host's backups named $name"
  hd_read_password "offsite copy password (stdin)"
  HD_RESTIC_OFFSITE_USER="hd-off-$name"
  HD_RESTIC_OFFSITE_PW=$HD_SECRET
}

# The full id of the snapshot of SITE and PART (db or files) whose id starts with PREFIX, or nothing.
hd_restic_snapshot_id() { # SITE PART PREFIX
  local found
  found=$(hd_restic snapshots --tag "hd-site=$1,hd-part=$2" --json 2>/dev/null |
    grep -o "\"id\":\"${3}[0-9a-f]*\"" | head -n 1 || true)
  found=${found#\"id\":\"}
  printf '%s' "${found%\"}"
}

# The one path SNAPSHOT was taken of (a site's directory), or nothing.
hd_restic_snapshot_path() { # SNAPSHOT
  hd_restic snapshots --json "$1" 2>/dev/null | sed -n 's/.*"paths":\["\([^"]*\)"\].*/\1/p' | head -n 1
}

# SITE's snapshots, one "<run> <part> <id> <time>" line each (part: db or files; from the
# hd-run= and hd-part= tags backup run gives them).
hd_restic_parts() { # SITE
  hd_restic snapshots --tag "hd-site=$1" --json 2>/dev/null | sed 's/},{/}\n{/g' |
    sed -n 's/.*"time":"\([^"]*\)".*"hd-run=\([^"]*\)".*"hd-part=\(db\|files\)".*"id":"\([0-9a-f]\{64\}\)".*/\2 \3 \4 \1/p'
}

# Whether PATH is in SNAPSHOT (restic ls succeeds for a path it does not have, listing nothing).
hd_restic_has() { # SNAPSHOT PATH
  # (grep reads the whole listing: -q would stop early and kill restic with SIGPIPE, which
  # pipefail turns into "not there" for any listing longer than a pipe holds)
  hd_restic ls "$1" "$2" 2>/dev/null | grep -xF -- "$2" >/dev/null
}

# Bytes (file contents plus a tar header of 1 KiB each) and entries under PATH in SNAPSHOT.
# Fails when restic cannot list it. (%.0f: mawk's %d stops at 2^31-1.)
hd_restic_size_of() { # SNAPSHOT PATH -> "BYTES ENTRIES"
  hd_restic ls --json --recursive "$1" "$2" 2>/dev/null |
    awk -F'"size":' '/"struct_type":"node"/ { n++; if (NF > 1) { split($2, a, /[,}]/); b += a[1] } } END { printf "%.0f %.0f\n", b + n * 1024, n }'
}

# Refuses (with how much is needed and where) unless the filesystem holding DIR has NEED bytes
# free plus a margin of 5% of its size or 256 MiB, whichever is less.
hd_require_space() { # STEP DIR NEED_BYTES WHAT
  local avail size margin
  read -r avail size < <(df -B1 --output=avail,size -- "$2" | tail -n 1)
  margin=$((size / 20))
  ((margin < 268435456)) || margin=268435456
  if (($3 + margin > avail)); then
    hd_fail "$1" "not enough disk space for $4: it needs $(hd_human "$(($3 + margin))") free on the filesystem of $2, which has $(hd_human "$avail"). Free some space (old releases, logs) and try again. Nothing was changed."
  fi
}

hd_human() { numfmt --to=iec-i --suffix=B --format='%.1f' -- "$1" 2>/dev/null || printf '%s bytes' "$1"; }

# A site's own backup schedule (backup schedule --site): a timer and service of its own, instead
# of the server's timer. Named here because the site module removes them with the site.
hd_backup_site_unit() { printf 'hostdeck-backup-site-%s' "$1"; } # SITE

# SITE backs up with the server's schedule again: its own timer and service gone (if any).
hd_backup_site_schedule_absent() { # SITE
  local unit dir=/etc/systemd/system
  unit=$(hd_backup_site_unit "$1")
  if [[ ! -e $dir/$unit.timer && ! -e $dir/$unit.service ]]; then
    hd_ok "backup schedule of $1" "the server's"
    return 0
  fi
  [[ $HD_CHECK == 1 ]] || systemctl disable --now -- "$unit.timer" >/dev/null 2>&1 || true
  ensure_file_absent "$dir/$unit.timer"
  ensure_file_absent "$dir/$unit.service"
  hd_daemon_reload "the site's own backup schedule removed"
  HD_STATE_NAME=backup hd_state_set "schedule:$1" ''
  HD_STATE_NAME=backup hd_state_set "schedule-since:$1" ''
}
