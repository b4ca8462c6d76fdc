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
set -Eeuo pipefail

readonly BACKUP_REPO=/var/backups/hostdeck/restic
readonly BACKUP_ETC=/etc/hostdeck/backup
readonly BACKUP_PASS=$BACKUP_ETC/restic.pass
readonly BACKUP_CACHE=/var/cache/hostdeck/restic
readonly BACKUP_RE_SLUG='^[a-z]([a-z0-9-]{0,27}[a-z0-9])?$'
readonly BACKUP_RE_SNAPSHOT='^[0-9a-f]{8,64}$'

backup_VERBS="run restore"

backup_options_install() {
  hd_flag password-stdin "read the repository password from the first line of stdin"
}
backup_options_status() { hd_option site "^($BACKUP_RE_SLUG)?\$" '' "a site slug (lower case, 2-29 characters)"; }
backup_options_run() { hd_option site "$BACKUP_RE_SLUG" '' "a site slug (lower case, 2-29 characters)"; }
backup_options_restore() {
  backup_options_run
  hd_option snapshot "$BACKUP_RE_SNAPSHOT" '' "a snapshot id (8-64 hex digits)"
}

backup_validate_install() {
  if [[ ${HD_OPT[password-stdin]} == 1 ]]; then
    hd_read_secret "repository password (stdin)" "$HD_RE_PASSWORD" "16-128 characters of A-Z a-z 0-9 ._~@%^*+=:,/-"
  elif [[ ! -f $BACKUP_PASS ]]; then
    hd_usage_fail "repository password (stdin)" "no repository password on this host yet: pass --password-stdin and the password on the first line of stdin"
  fi
}
backup_validate_run() { [[ -n ${HD_OPT[site]} ]] || hd_usage_fail "site" "--site is required"; }
backup_validate_restore() {
  backup_validate_run
  [[ -n ${HD_OPT[snapshot]} ]] || hd_usage_fail "snapshot" "--snapshot is required"
}

# restic with this host's repository, password file and cache; output on stderr unless redirected.
backup_restic() { restic --repo "$BACKUP_REPO" --password-file "$BACKUP_PASS" --cache-dir "$BACKUP_CACHE" "$@"; }

backup_require_repo() {
  command -v restic >/dev/null || hd_fail "package restic" "not installed; run: backup install"
  [[ -f $BACKUP_REPO/config && -f $BACKUP_PASS ]] ||
    hd_fail "restic repository" "no repository on this host; run: backup install"
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
  hd_state_set wanted enabled
}

backup_ensure_repo() {
  local step="restic repository"
  if [[ -f $BACKUP_REPO/config ]]; then
    if [[ $HD_CHECK == 1 ]] || hd_run backup_restic cat config; then
      hd_ok "$step" "$BACKUP_REPO"
      return 0
    fi
    hd_fail "$step" "$BACKUP_REPO exists but cannot be opened with the password on this host: ${HD_LAST_OUTPUT:-restic cat config failed}"
  fi
  if [[ $HD_CHECK == 1 ]]; then
    hd_changed "$step" "would create $BACKUP_REPO (encrypted, compressed)"
    return 0
  fi
  hd_run backup_restic init --repository-version 2 ||
    hd_fail "$step" "restic init failed: $HD_LAST_OUTPUT"
  hd_changed "$step" "created $BACKUP_REPO (encrypted, compressed)"
}

backup_enable() { backup_install; }
backup_disable() { hd_ok "backups" "nothing runs on its own yet: schedules arrive with the backup timers"; }

backup_remove() {
  # The repository holds the only copies of past sites: removing it is never a side effect.
  hd_ok "restic repository" "kept: delete $BACKUP_REPO by hand if you mean to lose every snapshot"
  hd_state_set wanted ''
}

backup_status() {
  local v
  v=$(hd_pkg_version restic)
  hd_status installed "$([[ -n $v ]] && echo yes || echo no)"
  hd_status version "$v"
  if [[ -n $v && -f $BACKUP_REPO/config && -f $BACKUP_PASS ]]; then
    hd_status enabled yes
    hd_status active yes
  else
    hd_status enabled no
    hd_status active no
  fi
  hd_status drift none
  [[ -n ${HD_OPT[site]} ]] || return 0
  HD_STATE_NAME=backup
  hd_status last-run "$(hd_state_get "last-run:${HD_OPT[site]}")"
  hd_status last-failure "$(hd_state_get "last-failure:${HD_OPT[site]}")"
  # The site's snapshots as restic lists them (one JSON array); status takes no host lock.
  if [[ -n $v && -f $BACKUP_REPO/config && -f $BACKUP_PASS ]]; then
    local out
    out=$(backup_restic snapshots --tag "hd-site=${HD_OPT[site]}" --json 2>"$HD_TMP/err") ||
      hd_fail "snapshots" "restic snapshots failed: $(tail -n 1 "$HD_TMP/err")"
    hd_status snapshots "$out"
  fi
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

# Forgets (and prunes nothing of) the snapshots this run wrote, then records and reports the failure.
backup_abort() { # STEP REASON SNAPSHOT...
  local step=$1 reason=$2
  shift 2
  local s
  for s in "$@"; do
    [[ -n $s ]] && { hd_run backup_restic forget "$s" || true; }
  done
  hd_state_set "last-failure:${HD_OPT[site]}" "$(date -u +%Y-%m-%dT%H:%M:%SZ) $reason"
  hd_fail "$step" "$reason; nothing of this run was kept"
}

backup_run() {
  backup_require_repo
  backup_site
  local slug=${HD_OPT[site]} run tags db_snap='' files_snap='' bytes
  run=$(date -u +%Y%m%dT%H%M%SZ)-$$ # unique even for two runs in one second
  tags="hd-site=$slug,hd-run=$run"
  local -a st=()

  # 1. The database, streamed: both ends of the pipe must succeed, and the dump must be whole.
  {
    mariadb-dump --single-transaction --quick --routines --triggers --events --skip-dump-date \
      --databases "$BACKUP_DB" 2>"$HD_TMP/dump.err" |
      backup_restic backup --stdin --stdin-filename "$slug.sql" --tag "$tags,hd-part=db" --json \
        >"$HD_TMP/db.json" 2>"$HD_TMP/db.err"
    st=("${PIPESTATUS[@]}")
  } || true
  db_snap=$(backup_snapshot_of "$HD_TMP/db.json")
  if [[ ${st[0]-1} != 0 ]]; then
    backup_abort "database $BACKUP_DB" "mariadb-dump failed (exit ${st[0]-?}): $(tail -n 1 "$HD_TMP/dump.err")" "$db_snap"
  fi
  if [[ ${st[1]-1} != 0 || -z $db_snap ]]; then
    backup_abort "database $BACKUP_DB" "restic could not store the dump (exit ${st[1]-?}): $(tail -n 1 "$HD_TMP/db.err")" "$db_snap"
  fi
  if ! backup_restic dump "$db_snap" "/$slug.sql" 2>/dev/null | tail -n 1 | grep -q '^-- Dump completed'; then
    backup_abort "database $BACKUP_DB" "the stored dump does not end with mariadb-dump's completion line" "$db_snap"
  fi
  bytes=$(sed -n 's/.*"total_bytes_processed":\([0-9]*\).*/\1/p' "$HD_TMP/db.json" | tail -n 1)
  hd_changed "database $BACKUP_DB" "snapshot ${db_snap:0:8}, ${bytes:-?} bytes dumped"

  # 2. The files (not tmp/). restic's exit 3 means some files could not be read: not a backup.
  local rc=0
  backup_restic backup --one-file-system --exclude "$BACKUP_DIR/tmp" --tag "$tags,hd-part=files" --json \
    "$BACKUP_DIR" >"$HD_TMP/files.json" 2>"$HD_TMP/files.err" || rc=$?
  files_snap=$(backup_snapshot_of "$HD_TMP/files.json")
  if [[ $rc != 0 || -z $files_snap ]]; then
    backup_abort "files $BACKUP_DIR" "restic backup exited $rc: $(grep -v '^{' "$HD_TMP/files.err" | tail -n 1)" "$db_snap" "$files_snap"
  fi
  bytes=$(sed -n 's/.*"total_bytes_processed":\([0-9]*\).*/\1/p' "$HD_TMP/files.json" | tail -n 1)
  hd_changed "files $BACKUP_DIR" "snapshot ${files_snap:0:8}, ${bytes:-?} bytes read"

  hd_state_set "last-run:$slug" "$run $db_snap $files_snap"
  hd_state_set "last-failure:$slug" ''
  hd_status run "$run"
}

# A client option file (0600, in the run's private scratch dir) for the site's database user, with
# the password from root's shared/.env; the password is masked in every line this run prints.
backup_site_client() {
  local env="$BACKUP_DIR/shared/.env" pw
  [[ -z $(hd_root_path_problem "$env") && -f $env && ! -L $env ]] ||
    hd_fail "database $BACKUP_DB" "$env is not root's (an older site layout): run the site's update first"
  pw=$(sed -n 's/^DB_PASSWORD="\(.*\)"$/\1/p' "$env" | head -n 1)
  [[ -n $pw ]] || hd_fail "database $BACKUP_DB" "no database password in $env"
  HD_REDACT+=("$pw")
  (umask 077 && printf '[client]\nuser=%s\npassword=%s\n' "$BACKUP_DB" "$pw" >"$HD_TMP/site.cnf")
}

# Database restore: a safety run of the current state first, then the snapshot's dump replayed.
backup_restore() {
  backup_require_repo
  backup_site
  local slug=${HD_OPT[site]} snap=${HD_OPT[snapshot]} found
  found=$(backup_restic snapshots --tag "hd-site=$slug,hd-part=db" --json 2>/dev/null |
    grep -o "\"id\":\"${snap}[0-9a-f]*\"" | head -n 1 || true)
  [[ -n $found ]] || hd_fail "snapshot $snap" "no database snapshot of $slug has that id" 2
  found=${found#\"id\":\"}
  found=${found%\"}
  hd_ok "snapshot ${found:0:8}" "database snapshot of $slug"
  backup_run
  # The dump is replayed as the site's own database user, never as root: whatever the tenant put
  # in its database can do no more on the way back than the tenant could already.
  backup_site_client
  local -a st=()
  {
    backup_restic dump "$found" "/$slug.sql" 2>"$HD_TMP/rdump.err" |
      mariadb --defaults-extra-file="$HD_TMP/site.cnf" 2>"$HD_TMP/load.err"
    st=("${PIPESTATUS[@]}")
  } || true
  if [[ ${st[0]-1} != 0 || ${st[1]-1} != 0 ]]; then
    hd_fail "database $BACKUP_DB" "restore failed (restic exit ${st[0]-?}, mariadb exit ${st[1]-?}): $(tail -n 1 "$HD_TMP/load.err" "$HD_TMP/rdump.err" | grep -v '^==>' | grep -v '^$' | tail -n 1); the safety snapshot above holds what was there"
  fi
  hd_changed "database $BACKUP_DB" "restored from snapshot ${found:0:8}"
}
