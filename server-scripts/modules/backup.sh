#!/usr/bin/env bash
# backup: encrypted, deduplicated snapshots of the host's sites with restic (Debian's package).
# One repository per host, /var/backups/hostdeck/restic (root-only), its password made by the app
# (kept in its vault) and given once on stdin (--password-stdin); the host keeps a root-only copy
# in /etc/hostdeck/backup/restic.pass so runs scheduled on the host work while the laptop is closed.
#
# A run of one site makes two snapshots tagged with the site, the run and the part: the database,
# streamed from mariadb-dump --single-transaction into restic --stdin, and the site's files (not
# tmp/). Every stage's exit status is checked (never trusting a pipe), the dump must end with
# mariadb-dump's completion line, and a run that fails anywhere forgets what it had written: there
# is never an empty or partial "successful" snapshot. Each run's result is recorded on the host.
# shellcheck disable=SC2034 # backup_VERBS and HD_STATE_NAME are read by hostdeck.sh and lib/state.sh
# shellcheck disable=SC2030,SC2031 # `all` backs each site up in a subshell on purpose: what it sets stays there
set -Eeuo pipefail

readonly BACKUP_REPO=$HD_RESTIC_REPO
readonly BACKUP_ETC=${HD_RESTIC_PASS%/*}
readonly BACKUP_PASS=$HD_RESTIC_PASS
readonly BACKUP_CACHE=$HD_RESTIC_CACHE
readonly BACKUP_RE_SLUG='^[a-z]([a-z0-9-]{0,27}[a-z0-9])?$'
readonly BACKUP_RE_KEEP='^[0-9]{1,3}$'
# systemd calendar expressions: the shorthands, or "*-*-* 03:00:00"-style (checked again by systemd-analyze).
readonly BACKUP_RE_SCHEDULE='^(hourly|daily|weekly|monthly|[*0-9,/-]{1,20} [*0-9,/:-]{1,20}|[A-Z][a-z]{2}(,[A-Z][a-z]{2}){0,6} [*0-9,/:-]{1,20})$'
readonly BACKUP_READ_PERCENT=10  # of the data read back by the weekly sampled check
readonly BACKUP_READ_EVERY=604800 # seconds between sampled reads (auto)

backup_VERBS="run all prune restore check schedule key offsite copy accept revoke"

backup_options_install() {
  hd_flag password-stdin "read the repository password from the first line of stdin"
  hd_option schedule "^\$|$BACKUP_RE_SCHEDULE" '' "a systemd calendar expression (daily, or '*-*-* 03:00:00'; default: as recorded, else daily)"
  hd_flag no-schedule "make the repository only: leave the timer as it is (none yet: none made)"
  backup_options_keep "the retention the timer's prune applies (kept on the host)"
}
# The retention: each rule from its option, else as install last recorded it, else the default.
backup_options_keep() { # WHAT
  local re='^([0-9]{1,3})?$'
  hd_option keep-last "$re" '' "how many of the newest runs to keep (1-999; default 3): $1"
  hd_option keep-daily "$re" '' "days to keep one run of (0-999; default 7): $1"
  hd_option keep-weekly "$re" '' "weeks to keep one run of (0-999; default 4): $1"
  hd_option keep-monthly "$re" '' "months to keep one run of (0-999; default 6): $1"
}
backup_options_prune() { backup_options_keep "this prune only (default: the host's recorded retention)"; }
backup_validate_install() { backup_validate_keep && backup_validate_password; }
backup_validate_prune() { backup_validate_keep; }
backup_validate_keep() { # -> BACKUP_KEEP: last daily weekly monthly
  local recorded name i=0
  local -a keep=(3 7 4 6) had=()
  recorded=$(hd_state_get retention)
  [[ $recorded =~ ^[0-9]{1,3}( [0-9]{1,3}){3}$ ]] && read -r -a had <<<"$recorded" && keep=("${had[@]}")
  for name in last daily weekly monthly; do
    [[ -z ${HD_OPT[keep-$name]} ]] || keep[i]=$((10#${HD_OPT[keep-$name]}))
    i=$((i + 1))
  done
  # The newest good run is never pruned: at least one is always kept.
  ((keep[0] >= 1)) || hd_usage_fail "keep-last" "--keep-last must be at least 1: the newest backup is never pruned"
  BACKUP_KEEP=("${keep[@]}")
}
BACKUP_KEEP=()
backup_options_schedule() {
  backup_option_site "$BACKUP_RE_SLUG"
  hd_option schedule "^\$|$BACKUP_RE_SCHEDULE" '' "the site's own systemd calendar expression (hourly, or '*-*-* 03:00:00')"
  hd_flag default "back the site up on the server's schedule again"
}
backup_validate_schedule() {
  backup_validate_run
  [[ -n ${HD_OPT[schedule]} || ${HD_OPT[default]} == 1 ]] || hd_usage_fail "schedule" "give --schedule EXPR or --default"
  [[ -z ${HD_OPT[schedule]} || ${HD_OPT[default]} != 1 ]] || hd_usage_fail "schedule" "--schedule and --default exclude each other"
}
backup_options_check() {
  hd_option read-data '^(auto|[0-9]{1,3})$' auto "percent of the data to read back and verify (0-100), or auto: $BACKUP_READ_PERCENT% when the last read is a week old, else none"
}
backup_validate_check() {
  [[ ${HD_OPT[read-data]} == auto ]] || ((10#${HD_OPT[read-data]} <= 100)) ||
    hd_usage_fail "read-data" "--read-data is a percentage (0-100) or auto"
}
backup_option_site() { hd_option site "$1" '' "a site slug (lower case, 2-29 characters)"; }
backup_options_status() {
  backup_option_site "^($BACKUP_RE_SLUG)?\$"
  hd_restic_offsite_option
}
backup_validate_status() { hd_restic_use_offsite; }
backup_options_run() {
  backup_option_site "$BACKUP_RE_SLUG"
  hd_flag final "the last backup before the site is deleted (tagged hd-final=yes; never pruned)"
}
backup_options_restore() {
  backup_option_site "$BACKUP_RE_SLUG"
  hd_option snapshot "$HD_RE_SNAPSHOT" '' "a snapshot id (8-64 hex digits)"
  hd_option from-site "^($BACKUP_RE_SLUG)?\$" '' "the site the snapshot is of, when not --site (another site, or one deleted since)"
  hd_restic_offsite_option
}

backup_validate_password() {
  if [[ ${HD_OPT[password-stdin]} == 1 ]]; then
    hd_read_password "repository password (stdin)"
  elif [[ ! -f $BACKUP_PASS ]]; then
    hd_usage_fail "repository password (stdin)" "no repository password on this host yet: pass --password-stdin and the password on the first line of stdin"
  fi
}
backup_validate_run() { [[ -n ${HD_OPT[site]} ]] || hd_usage_fail "site" "--site is required"; }
backup_validate_restore() {
  backup_validate_run
  [[ -n ${HD_OPT[snapshot]} ]] || hd_usage_fail "snapshot" "--snapshot is required"
  [[ -z ${HD_OPT[offsite]} || -n ${HD_OPT[from-site]} ]] ||
    hd_usage_fail "from-site" "a restore from another host's copy names the site it is of (--from-site)"
  hd_restic_use_offsite
}


backup_require_repo() {
  command -v restic >/dev/null || hd_fail "package restic" "not installed; run: backup install"
  hd_restic_ready || hd_fail "restic repository" "no repository on this host; run: backup install"
}

backup_install() {
  ensure_packages restic
  ensure_dir /var/backups/hostdeck 0700 root root
  ensure_dir "$BACKUP_REPO" 0700 root root
  ensure_dir "$BACKUP_ETC" 0700 root root
  ensure_dir /var/cache/hostdeck 0700 root root
  ensure_dir "$BACKUP_CACHE" 0700 root root
  if [[ ${HD_OPT[password-stdin]} == 1 ]]; then
    if [[ -f $BACKUP_REPO/config && -f $BACKUP_PASS && $(cat "$BACKUP_PASS") != "$HD_SECRET" ]]; then
      hd_fail "restic password" "this host's repository has another password than the one Hostdeck keeps for it; nothing was changed (restore the vault's copy or move $BACKUP_REPO away to start a new repository)"
    fi
    ensure_file "$BACKUP_PASS" 0600 root root "$HD_SECRET"
  fi
  backup_ensure_repo
  local retention="${BACKUP_KEEP[*]}"
  if [[ $(hd_state_get retention) == "$retention" ]]; then
    hd_ok "retention" "$(backup_retention_text)"
  else
    [[ $HD_CHECK == 1 ]] || hd_state_set retention "$retention"
    hd_changed "retention" "$(backup_retention_text)"
  fi
  if [[ ${HD_OPT[no-schedule]} == 1 ]]; then
    hd_ok "backup timer" "left as it is (--no-schedule)"
  else
    backup_ensure_timer
  fi
  hd_state_set wanted enabled
}

# A timer on the host runs every site's backup, then the retention, the repository check and the
# restore drills that are due (weekly; site drill --due), while the laptop is closed:
# Persistent= catches a run missed while the host was off, a randomized delay spreads the fleet, a
# timeout ends a run that hangs. The prune runs only when every backup succeeded (never rotate after
# a failure). Scheduled runs use the scripts of the last `backup install`.
backup_ensure_timer() {
  local schedule=${HD_OPT[schedule]}
  [[ -n $schedule ]] || schedule=$(hd_state_get schedule)
  [[ -n $schedule ]] || schedule=daily
  backup_ensure_timer_unit hostdeck-backup "$schedule" 30min '' \
    "back up every site, copy offsite, apply the retention, check the repository, drill restores" \
    "backup all" "-backup copy" "backup prune" "backup check" "site drill --due"
}

# A oneshot service running hostdeck.sh with each ARGS in turn (6 h timeout, idle I/O, niced) and
# its timer (Persistent=, a randomized delay), enabled; the schedule recorded as schedule<KEY>, and
# since when as schedule-since<KEY> (KEY: '' for the server's, :<site> for a site's own).
backup_ensure_timer_unit() { # UNIT SCHEDULE DELAY KEY WHAT ARGS...
  local unit=$1 schedule=$2 delay=$3 key=$4 what=$5 exec='' line
  shift 5
  [[ $HD_CHECK == 1 ]] || systemd-analyze calendar "$schedule" >/dev/null 2>&1 ||
    hd_fail "backup schedule" "systemd does not understand the schedule '$schedule'" 2
  # ("-ARGS": a failure of that step, recorded on the host, does not stop the ones after it)
  for line in "$@"; do
    if [[ $line == -* ]]; then exec+="ExecStart=-/bin/bash $HD_DIR/hostdeck.sh ${line#-}"$'\n'; else exec+="ExecStart=/bin/bash $HD_DIR/hostdeck.sh $line"$'\n'; fi
  done
  ensure_file "/etc/systemd/system/$unit.service" 0644 root root "# $HD_MANAGED_MARK (backup module).
[Unit]
Description=Hostdeck: $what
After=network-online.target mariadb.service

[Service]
Type=oneshot
${exec}TimeoutStartSec=6h
Nice=10
IOSchedulingClass=idle
"
  local service_changed=$HD_FILE_CHANGED
  ensure_file "/etc/systemd/system/$unit.timer" 0644 root root "# $HD_MANAGED_MARK (backup module).
[Unit]
Description=Hostdeck: $what ($schedule)

[Timer]
OnCalendar=$schedule
Persistent=true
RandomizedDelaySec=$delay
AccuracySec=1min

[Install]
WantedBy=timers.target
"
  if ((service_changed == 1 || HD_FILE_CHANGED == 1)); then hd_daemon_reload "the timer $unit changed"; fi
  ensure_service "$unit.timer" enabled active
  [[ $(hd_state_get "schedule$key") == "$schedule" ]] ||
    hd_state_set "schedule-since$key" "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  hd_state_set "schedule$key" "$schedule"
}

backup_ensure_repo() {
  local step="restic repository"
  if [[ -f $BACKUP_REPO/config ]]; then
    if [[ $HD_CHECK == 1 ]] || hd_run hd_restic cat config; then
      hd_ok "$step" "$BACKUP_REPO"
      return 0
    fi
    hd_fail "$step" "$BACKUP_REPO exists but cannot be opened with the password on this host: ${HD_LAST_OUTPUT:-restic cat config failed}"
  fi
  if [[ $HD_CHECK == 1 ]]; then
    hd_changed "$step" "would create $BACKUP_REPO (encrypted, compressed)"
    return 0
  fi
  hd_run hd_restic init --repository-version 2 ||
    hd_fail "$step" "restic init failed: $HD_LAST_OUTPUT"
  hd_changed "$step" "created $BACKUP_REPO (encrypted, compressed)"
}

backup_retention_text() {
  printf 'the newest %s run(s), one a day for %s day(s), a week for %s week(s), a month for %s month(s); final backups always' \
    "${BACKUP_KEEP[@]}"
}

backup_enable() { backup_install; }
backup_disable() { hd_ok "backups" "nothing runs on its own yet: schedules arrive with the backup timers"; }

backup_remove() {
  # The repository holds the only copies of past sites: removing it is never a side effect.
  hd_ok "restic repository" "kept: delete $BACKUP_REPO by hand if you mean to lose every snapshot"
  hd_state_set wanted ''
}

backup_status() {
  local v ready=no
  HD_STATE_NAME=backup
  v=$(hd_pkg_version restic)
  [[ -n $v ]] && hd_restic_ready && ready=yes
  hd_status installed "$([[ -n $v ]] && echo yes || echo no)"
  hd_status version "$v"
  hd_status enabled "$ready"
  hd_status active "$ready"
  hd_status drift none
  hd_status schedule "$(hd_state_get schedule)"
  hd_status retention "$(hd_state_get retention)"
  hd_status schedule-since "$(hd_state_get schedule-since)"
  hd_status next-run "$(systemctl show -P NextElapseUSecRealtime hostdeck-backup.timer 2>/dev/null || true)"
  hd_status last-scheduled "$(systemctl show -P Result hostdeck-backup.service 2>/dev/null || true)"
  hd_status last-check "$(hd_state_get last-check)"
  hd_status last-read "$(hd_state_get last-read)"
  hd_status offsite "$(hd_state_get offsite)"
  hd_status last-copy "$(hd_state_get last-copy)"
  [[ $ready != yes || -n ${HD_OPT[offsite]} ]] || hd_status locks "$(backup_locks)"
  # One listing of the repository (status takes no host lock): every site it holds snapshots of
  # (deleted ones too, for restoring one elsewhere), and below the one site's snapshots.
  local all='' listed=no
  if [[ $ready == yes ]] && all=$(hd_restic snapshots --json 2>"$HD_TMP/err"); then
    listed=yes
    hd_status sites "$(grep -o '"hd-site=[a-z0-9-]*"' <<<"$all" | sed 's/^"hd-site=//; s/"$//' | sort -u | paste -sd, -)"
  fi
  [[ -n ${HD_OPT[site]} ]] || return 0
  hd_status site-schedule "$(hd_state_get "schedule:${HD_OPT[site]}")"
  hd_status site-schedule-since "$(hd_state_get "schedule-since:${HD_OPT[site]}")"
  hd_status site-next-run "$(systemctl show -P NextElapseUSecRealtime "$(hd_backup_site_unit "${HD_OPT[site]}").timer" 2>/dev/null || true)"
  hd_status last-run "$(hd_state_get "last-run:${HD_OPT[site]}")"
  hd_status last-failure "$(hd_state_get "last-failure:${HD_OPT[site]}")"
  hd_status last-drill "$(HD_STATE_NAME="site-${HD_OPT[site]}" hd_state_get last-drill)"
  [[ $ready == yes ]] || return 0
  [[ $listed == yes ]] || hd_fail "snapshots" "restic snapshots failed: $(tail -n 1 "$HD_TMP/err")"
  # The site's snapshots as restic lists them (one JSON array, its objects in restic's order).
  hd_status snapshots "[$(sed 's/^\[//; s/\]$//; s/},{/}\n{/g' <<<"$all" | grep -F -- "\"hd-site=${HD_OPT[site]}\"" | paste -sd, -)]"
}

# The repository's locks as "pid@host since state" (comma separated), state alive or gone (its
# process, on this host) or elsewhere (another host's, which cannot be judged here); no restic start
# when there are none. A gone one is stale: the next run removes it (backup_tidy). Only locks older
# than a few seconds are read (a listing running beside this one holds one for a moment), each with
# a time bound: restic retries a file that went away meanwhile for about a minute.
backup_locks() {
  local f id lock pid host since state me
  local -a out=()
  me=$(hostname)
  while IFS= read -r f; do
    id=${f##*/}
    [[ $id =~ ^[0-9a-f]{64}$ ]] || continue
    lock=$(HD_RESTIC_TIMEOUT=10 hd_restic --no-lock cat lock "$id" 2>/dev/null | tr -d '\n') || continue
    pid=$(sed -n 's/.*"pid": *\([0-9]*\).*/\1/p' <<<"$lock")
    host=$(sed -n 's/.*"hostname": *"\([A-Za-z0-9._-]*\)".*/\1/p' <<<"$lock")
    since=$(sed -n 's/.*"time": *"\([0-9T:-]*\)[.0-9]*\([Z+:0-9-]*\)".*/\1\2/p' <<<"$lock")
    [[ $pid =~ ^[0-9]+$ && -n $host ]] || continue
    if [[ $host != "$me" ]]; then
      state=elsewhere
    elif kill -0 "$pid" 2>/dev/null; then
      state=alive
    else
      state=gone
    fi
    out+=("$pid@$host $since $state")
  done < <(find "$BACKUP_REPO/locks" -maxdepth 1 -type f ! -newermt '-5 seconds' 2>/dev/null)
  local IFS=,
  printf '%s' "${out[*]}"
}

# The site's tenant, as the site module recorded it; fails for a site this host does not have.
backup_site() { # -> BACKUP_TENANT BACKUP_DIR BACKUP_DB
  local slug=${HD_OPT[site]}
  HD_STATE_NAME="site-$slug"
  BACKUP_TENANT=$(hd_state_get tenant)
  HD_STATE_NAME=backup
  [[ -n $BACKUP_TENANT ]] || hd_fail "site $slug" "no such site on this host" 2
  BACKUP_DIR="/srv/tenants/$BACKUP_TENANT/$slug"
  BACKUP_DB="hd_${slug//-/_}"
  [[ -d $BACKUP_DIR && ! -L $BACKUP_DIR ]] || hd_fail "site $slug" "$BACKUP_DIR is missing"
}

# The snapshot id in restic's --json backup output (its summary line), or nothing.
backup_snapshot_of() { # FILE
  sed -n 's/.*"message_type":"summary".*"snapshot_id":"\([0-9a-f]\{8,64\}\)".*/\1/p' "$1" | tail -n 1
}

# The bytes restic read, from the same summary line.
backup_bytes_of() { # FILE
  sed -n 's/.*"total_bytes_processed":\([0-9]*\).*/\1/p' "$1" | tail -n 1
}

# Forgets (and prunes nothing of) the snapshots this run wrote, then records and reports the failure.
backup_abort() { # STEP REASON SNAPSHOT...
  local step=$1 reason=$2
  shift 2
  local s
  for s in "$@"; do
    [[ -n $s ]] && { hd_run hd_restic forget "$s" || true; }
  done
  hd_state_set "last-failure:${HD_OPT[site]}" "$(date -u +%Y-%m-%dT%H:%M:%SZ) $reason"
  hd_fail "$step" "$reason; nothing of this run was kept"
}

# A run killed part-way (the host lost power, restic was killed) leaves a lock and maybe one part of
# its run: the files part runs while the dump streams, so a run cut short always leaves a lock. The
# host lock is ours, so no other run of this host is alive: restic unlock removes only locks whose
# process is gone, and a run with one part is an unfinished one, forgotten. Without a lock file
# (the common case) this costs no restic start at all.
backup_tidy() { # SLUG
  local before after
  before=$(find "$BACKUP_REPO/locks" -type f 2>/dev/null | wc -l)
  if ((before == 0)); then
    hd_ok "repository locks" "none"
    return 0
  fi
  hd_run hd_restic unlock || hd_fail "repository locks" "restic unlock failed: $HD_LAST_OUTPUT"
  after=$(find "$BACKUP_REPO/locks" -type f 2>/dev/null | wc -l)
  if ((after < before)); then
    hd_changed "repository locks" "removed $((before - after)) stale lock(s) of a run that is gone"
  else
    hd_ok "repository locks" "$after held by running processes"
  fi
  local -a unfinished=()
  mapfile -t unfinished < <(hd_restic_parts "$1" |
    awk '{ n[$1]++; id[$1] = id[$1] " " $3 } END { for (r in n) if (n[r] < 2) print id[r] }' | tr ' ' '\n' | grep . || true)
  if ((${#unfinished[@]} == 0)); then
    hd_ok "unfinished runs" "none"
    return 0
  fi
  hd_run hd_restic forget "${unfinished[@]}" || hd_fail "unfinished runs" "restic forget failed: $HD_LAST_OUTPUT"
  hd_changed "unfinished runs" "forgot ${#unfinished[@]} snapshot(s) of a run that never finished"
}

backup_run() {
  backup_require_repo
  backup_site
  backup_tidy "${HD_OPT[site]}"
  local slug=${HD_OPT[site]} run tags db_snap='' files_snap='' bytes
  run=$(date -u +%Y%m%dT%H%M%SZ)-$$ # unique even for two runs in one second
  tags="hd-site=$slug,hd-run=$run"
  [[ ${HD_OPT[final]-0} == 1 ]] && tags+=",hd-final=yes"
  local -a st=()
  local files_rc=0 files_pid tail_pid
  hd_mariadb_wait # "Back up now" right after a reboot: the dump would find no socket yet

  # The files (not tmp/) in the background while the database streams: both only read, and
  # restic's locks for backups are shared. restic's exit 3 means some files could not be read.
  hd_restic backup --one-file-system --exclude "$BACKUP_DIR/tmp" --tag "$tags,hd-part=files" --json \
    "$BACKUP_DIR" >"$HD_TMP/files.json" 2>"$HD_TMP/files.err" &
  files_pid=$!

  # The database, streamed: every stage of the pipe must succeed, and the dump must be whole (its
  # last line, kept by tee on the way through, is mariadb-dump's completion line).
  {
    mariadb-dump --single-transaction --quick --routines --triggers --events --skip-dump-date \
      --databases "$BACKUP_DB" 2>"$HD_TMP/dump.err" |
      tee >(tail -n 1 >"$HD_TMP/dump.tail") |
      hd_restic backup --stdin --stdin-filename "$slug.sql" --tag "$tags,hd-part=db" --json \
        >"$HD_TMP/db.json" 2>"$HD_TMP/db.err"
    st=("${PIPESTATUS[@]}")
    tail_pid=$!
  } || true
  # $! is the process substitution's tail (bash >= 4.4): let it write the last line down.
  if [[ $tail_pid != "$files_pid" ]]; then wait "$tail_pid" 2>/dev/null || true; fi
  wait "$files_pid" || files_rc=$?
  db_snap=$(backup_snapshot_of "$HD_TMP/db.json")
  files_snap=$(backup_snapshot_of "$HD_TMP/files.json")
  if [[ ${st[0]-1} != 0 ]]; then
    backup_abort "database $BACKUP_DB" "mariadb-dump failed (exit ${st[0]-?}): $(tail -n 1 "$HD_TMP/dump.err")" "$db_snap" "$files_snap"
  fi
  if [[ ${st[1]-1} != 0 || ${st[2]-1} != 0 || -z $db_snap ]]; then
    backup_abort "database $BACKUP_DB" "restic could not store the dump (exit ${st[2]-?}): $(tail -n 1 "$HD_TMP/db.err")" "$db_snap" "$files_snap"
  fi
  if ! grep -q '^-- Dump completed' "$HD_TMP/dump.tail" 2>/dev/null; then
    backup_abort "database $BACKUP_DB" "the dump does not end with mariadb-dump's completion line" "$db_snap" "$files_snap"
  fi
  bytes=$(backup_bytes_of "$HD_TMP/db.json")
  hd_changed "database $BACKUP_DB" "snapshot ${db_snap:0:8}, ${bytes:-?} bytes dumped"
  if [[ $files_rc != 0 || -z $files_snap ]]; then
    backup_abort "files $BACKUP_DIR" "restic backup exited $files_rc: $(grep -v '^{' "$HD_TMP/files.err" | tail -n 1)" "$db_snap" "$files_snap"
  fi
  bytes=$(backup_bytes_of "$HD_TMP/files.json")
  hd_changed "files $BACKUP_DIR" "snapshot ${files_snap:0:8}, ${bytes:-?} bytes read"

  hd_state_set "last-run:$slug" "$run $db_snap $files_snap"
  hd_state_set "last-failure:$slug" ''
  hd_status run "$run"
}

# A site's own schedule: a timer of its own runs the site's backup and the offsite copy (Persistent=,
# a randomized delay, a timeout), and the server's timer leaves the site out of `all`; the server's
# retention, check and drills still cover it.
backup_schedule() {
  backup_require_repo
  backup_site
  local slug=${HD_OPT[site]} schedule=${HD_OPT[schedule]}
  if [[ ${HD_OPT[default]} == 1 ]]; then
    hd_backup_site_schedule_absent "$slug"
    return 0
  fi
  backup_ensure_timer_unit "$(hd_backup_site_unit "$slug")" "$schedule" 10min ":$slug" \
    "back up site $slug on its own schedule, copy offsite" "backup run --site $slug" "backup copy"
}

# The sites this host has (the site module's records), one slug a line.
backup_host_sites() {
  local f slug
  for f in "$HD_STATE_DIR"/site-*.state; do
    [[ -f $f ]] || continue
    slug=${f##*/site-}
    slug=${slug%.state}
    [[ $slug =~ $BACKUP_RE_SLUG ]] && printf '%s\n' "$slug"
  done
  return 0
}

# How many snapshots a site has in the repository.
backup_snapshot_count() { # SLUG
  hd_restic snapshots --tag "hd-site=$1" --json 2>/dev/null | grep -o '"short_id"' | wc -l
}

# `all`: every site this host has, each in its own subshell so one failure does not stop the others; the
# run fails (and the timer's prune does not run) if any site failed.
backup_all() {
  backup_require_repo
  local slug
  local -a sites=() failed=()
  mapfile -t sites < <(backup_host_sites)
  if ((${#sites[@]} == 0)); then
    hd_ok "sites" "none on this host"
    return 0
  fi
  local own=0
  for slug in "${sites[@]}"; do
    if [[ -n $(hd_state_get "schedule:$slug") ]]; then
      hd_ok "site $slug" "left to its own schedule ($(hd_state_get "schedule:$slug"))"
      own=$((own + 1))
      continue
    fi
    HD_OPT[site]=$slug
    hd_subshell backup_run
    ((HD_SUB_RC == 0)) || failed+=("$slug")
  done
  ((${#failed[@]} == 0)) || hd_fail "backups" "${#failed[@]} of ${#sites[@]} site(s) failed: ${failed[*]}"
  local done_text="$((${#sites[@]} - own)) site(s) backed up"
  ((own == 0)) || done_text+="; $own on their own schedule"
  hd_ok "backups" "$done_text"
}

# Retention, per site and part: restic forget with the keep rules (newest runs always kept), then
# one prune of what no snapshot uses any more. Separate from backing up.
backup_prune() {
  backup_require_repo
  local -a keep=(--keep-last "${BACKUP_KEEP[0]}" --keep-daily "${BACKUP_KEEP[1]}"
    --keep-weekly "${BACKUP_KEEP[2]}" --keep-monthly "${BACKUP_KEEP[3]}")
  local slug before after removed=0
  local -a sites=()
  mapfile -t sites < <(backup_host_sites)
  for slug in "${sites[@]}"; do
    before=$(backup_snapshot_count "$slug")
    if [[ $HD_CHECK != 1 ]]; then
      hd_run hd_restic forget --tag "hd-site=$slug" --group-by host,paths --keep-tag hd-final=yes "${keep[@]}" ||
        hd_fail "retention $slug" "restic forget failed: $HD_LAST_OUTPUT"
    fi
    after=$(backup_snapshot_count "$slug")
    if ((after < before)); then
      removed=$((removed + before - after))
      hd_changed "retention $slug" "$((before - after)) snapshot(s) forgotten, $after kept"
    else
      hd_ok "retention $slug" "$after snapshot(s) kept"
    fi
  done
  if ((removed == 0)); then
    hd_ok "repository space" "nothing to free"
    backup_prune_offsite "${keep[@]}"
    return 0
  fi
  [[ $HD_CHECK == 1 ]] || hd_run hd_restic prune || hd_fail "repository space" "restic prune failed: $HD_LAST_OUTPUT"
  hd_changed "repository space" "packs no snapshot uses any more removed"
  backup_prune_offsite "${keep[@]}"
}

# The repository's own check (restic check: its structure and indexes), and a share of the data
# read back and verified against its hashes: --read-data N, or auto (a sampled read once a week).
# The result is recorded on the host (last-check; last-read when data was read), failures too.
backup_check() {
  backup_require_repo
  local pct=${HD_OPT[read-data]} now last what
  now=$(date -u +%s)
  if [[ $pct == auto ]]; then
    last=$(hd_state_get last-read)
    last=$(date -u -d "${last:-1970-01-01T00:00:00Z}" +%s 2>/dev/null || echo 0)
    pct=0
    ((now - last < BACKUP_READ_EVERY)) || pct=$BACKUP_READ_PERCENT
  fi
  pct=$((10#$pct))
  local -a args=(check)
  what="structure and indexes"
  if ((pct > 0)); then
    args+=("--read-data-subset=$pct%")
    what+=", $pct% of the data read back"
  fi
  if [[ $HD_CHECK == 1 ]]; then
    hd_ok "repository check" "would check the $what"
    return 0
  fi
  local stamp
  stamp=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  hd_tmpdir
  if ! hd_restic "${args[@]}" >"$HD_TMP/check.out" 2>&1; then
    local why
    why=$(grep -v '^\[' "$HD_TMP/check.out" | grep -iE 'error|fatal|not match|missing|damaged' | head -n 3 | tr '\n' ' ')
    [[ -n $why ]] || why=$(tail -n 1 "$HD_TMP/check.out")
    hd_state_set last-check "$stamp failed $what: ${why% }"
    hd_fail "repository check" "restic found errors ($what): ${why% }. Do not prune; restore from the laptop's copy if a snapshot is damaged"
  fi
  hd_state_set last-check "$stamp ok $what"
  ((pct == 0)) || hd_state_set last-read "$stamp"
  hd_ok "repository check" "no errors ($what)"
}

# A client option file (0600, in the run's private scratch dir) for the site's database user, with
# the password from root's shared/.env; the password is masked in every line this run prints.
backup_site_client() {
  local env="$BACKUP_DIR/shared/.env" pw
  pw=$(hd_site_env_password "$env") ||
    hd_fail "database $BACKUP_DB" "$env is not root's (an older site layout): run the site's update first"
  [[ -n $pw ]] || hd_fail "database $BACKUP_DB" "no database password in $env"
  HD_REDACT+=("$pw")
  hd_client_cnf "$HD_TMP/site.cnf" "$BACKUP_DB" "$pw" "$BACKUP_DB"
}

# Database restore: a safety run of the current state first, then the snapshot's dump replayed.
backup_restore() {
  backup_require_repo
  backup_site
  local slug=${HD_OPT[site]} snap=${HD_OPT[snapshot]} found from=${HD_OPT[from-site]:-${HD_OPT[site]}}
  found=$(hd_restic_snapshot_id "$from" db "$snap")
  [[ -n $found ]] || hd_fail "snapshot $snap" "no database snapshot of $from has that id" 2
  local where=''
  [[ -z ${HD_OPT[offsite]} ]] || where=" (in the copy of another host's backups)"
  hd_ok "snapshot ${found:0:8}" "database snapshot of $from$where"
  # The safety run goes to this host's own repository, whichever one the snapshot comes from.
  local offsite_user=$HD_RESTIC_OFFSITE_USER
  HD_RESTIC_OFFSITE_USER=''
  backup_run
  HD_RESTIC_OFFSITE_USER=$offsite_user
  # The dump is replayed as the site's own database user, never as root: whatever the tenant put
  # in its database can do no more on the way back than the tenant could already. The client runs
  # as root on the host, so no client command hidden in the dump may run (hd_replay_client). It
  # loads into the site's database whichever site it was made of (hd_dump_retarget).
  backup_site_client
  local -a st=()
  {
    hd_restic dump "$found" "/$from.sql" 2>"$HD_TMP/rdump.err" |
      hd_dump_retarget "hd_${from//-/_}" "$BACKUP_DB" |
      hd_replay_client --defaults-extra-file="$HD_TMP/site.cnf" 2>"$HD_TMP/load.err"
    st=("${PIPESTATUS[@]}")
  } || true
  if [[ ${st[0]-1} != 0 || ${st[1]-1} != 0 || ${st[2]-1} != 0 ]]; then
    hd_fail "database $BACKUP_DB" "restore failed (restic exit ${st[0]-?}, mariadb exit ${st[2]-?}): $(tail -n 1 "$HD_TMP/load.err" "$HD_TMP/rdump.err" | grep -v '^==>' | grep -v '^$' | tail -n 1); the safety snapshot above holds what was there"
  fi
  hd_changed "database $BACKUP_DB" "restored from snapshot ${found:0:8}${HD_OPT[from-site]:+ of site $from}"
}

# shellcheck source=../backup/offsite.sh
source "$HD_DIR/backup/offsite.sh"
