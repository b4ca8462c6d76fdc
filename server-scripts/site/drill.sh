#!/usr/bin/env bash
# The restore drill (sourced by modules/site.sh): the site's newest backup run (or the one named)
# restored into a scratch copy beside it and served, then removed. It proves the backup restores:
#   database  the run's dump replayed into a throwaway database hd__drill_<random>, as a
#             throwaway user of that name that may touch nothing else (the client sandboxed); the
#             restored tables must be the dump's, and their row counts are compared with the live
#             database
#   files     the run's release and uploads/storage unpacked by the tenant (sandboxed) into
#             /srv/tenants/<tenant>/<site>--drill/ (a root skeleton like the site's), its settings
#             pointing at the throwaway database
#   serving   hostdeck-php@<site>--drill as the tenant on a free loopback port (guarded like a site),
#             its home page asked for under the site's domain
# Everything the drill made is removed at the end, whatever happened (an exit hook). The result,
# "restorable as of <run>, the drill took N s" or what failed, is recorded on the host (last-drill)
# where backup status reads it. `drill --due` drills every site whose last drill is a week old.

# Throwaway database and user names start with this; no site's can ("hd_" + a slug, which starts
# with a letter). Each drill gets a new random one, so a session a tenant kept open from its own
# drill can never see another's restored data.
readonly SITE_DRILL_PREFIX=hd__drill_
readonly SITE_DRILL_EVERY=604800

site_options_drill() {
  hd_flag due "drill every site of this host whose last drill is a week old or that has none (no --site)"
  hd_option snapshot "$HD_RE_SNAPSHOT" '' "the files snapshot of the run to drill (default: the newest complete run)"
}

site_drill() {
  if [[ ${HD_OPT[due]} == 1 ]]; then
    site_drill_due
    return 0
  fi
  HD_EXIT_HOOKS+=(site_drill_end)
  site_drill_one
}

site_drill_isolated() { # in a subshell of its own (drill --due): its cleanup at its own exit
  trap site_drill_end EXIT
  site_drill_one
}

site_drill_one() {
  site_load
  hd_restic_ready || hd_fail "drill" "this host has no backup repository (set up backups first)" 2
  SITE_DRILL_T0=$SECONDS
  SITE_DRILL_LIVE=$SITE_DIR
  SITE_DRILL_INSTANCE="$SITE--drill" # "--" is in no slug: no site has this name
  SITE_DRILL_DIR="$SITE_TENANTS/$TENANT/$SITE_DRILL_INSTANCE"
  site_drill_pick
  if [[ $HD_CHECK == 1 ]]; then
    hd_changed "drill" "would restore run $SITE_DRILL_RUN into a scratch copy, serve it, and remove it"
    return 0
  fi
  SITE_DRILL_STARTED=1
  site_drill_database
  site_drill_files
  site_drill_serve
  SITE_DRILL_OK=1
}
SITE_DRILL_OK=0
SITE_DRILL_STARTED=0
SITE_DRILL_RUN=''
SITE_DRILL_DETAIL=''

# The run to drill: the files snapshot named by --snapshot, or the newest run with both parts.
site_drill_pick() {
  local want=${HD_OPT[snapshot]} run part id time
  local -A db=() files=() at=()
  while read -r run part id time; do
    [[ $part == db ]] && db[$run]=$id
    [[ $part == files ]] && files[$run]=$id
    at[$run]=$time
  done < <(hd_restic_parts "$SITE")
  SITE_DRILL_RUN=''
  for run in $(printf '%s\n' "${!files[@]}" | sort -r); do
    [[ -n ${db[$run]-} ]] || continue
    if [[ -z $want || ${files[$run]} == "$want"* ]]; then
      SITE_DRILL_RUN=$run
      break
    fi
  done
  if [[ -z $SITE_DRILL_RUN ]]; then
    [[ -n $want ]] && hd_fail "drill" "no complete backup run of $SITE has the files snapshot $want" 2
    hd_fail "drill" "$SITE has no complete backup run yet (back it up first)" 2
  fi
  SITE_DRILL_DB_SNAP=${db[$SITE_DRILL_RUN]}
  SITE_SNAPSHOT=${files[$SITE_DRILL_RUN]}
  hd_ok "backup run" "$SITE_DRILL_RUN (database ${SITE_DRILL_DB_SNAP:0:8}, files ${SITE_SNAPSHOT:0:8}, taken ${at[$SITE_DRILL_RUN]})"
}

# The dump replayed into the throwaway database as its throwaway user, which may touch nothing
# else: the dump's CREATE DATABASE and USE lines are dropped and its definers renamed, nothing else
# is changed, and the client runs with --sandbox (no client command hidden in the dump runs).
site_drill_database() {
  # shellcheck disable=SC2153 # SITE_DB is set by site_names (modules/site.sh)
  local step="drill database" pw live=$SITE_DB
  # random bytes as hex (od reads a fixed count: nothing in these pipes is cut short)
  SITE_DRILL_DB=$SITE_DRILL_PREFIX$(od -An -N5 -tx1 /dev/urandom | tr -d ' \n')
  pw=$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')
  SITE_DRILL_PW=$pw
  HD_REDACT+=("$pw")
  site_drill_drop_database
  hd_sql_or_fail "$step" "CREATE DATABASE \`$SITE_DRILL_DB\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci; CREATE USER '$SITE_DRILL_DB'@'localhost' IDENTIFIED BY '$pw'; GRANT ALL PRIVILEGES ON \`$SITE_DRILL_DB\`.* TO '$SITE_DRILL_DB'@'localhost'"
  hd_tmpdir
  hd_client_cnf "$HD_TMP/drill.cnf" "$SITE_DRILL_DB" "$pw" "$SITE_DRILL_DB"
  local -a st=()
  {
    hd_restic dump "$SITE_DRILL_DB_SNAP" "/$SITE.sql" 2>"$HD_TMP/drill-dump.err" |
      tee >(grep -c '^CREATE TABLE ' >"$HD_TMP/drill-tables" || true) |
      hd_dump_retarget "$live" "$SITE_DRILL_DB" |
      hd_replay_client --defaults-extra-file="$HD_TMP/drill.cnf" 2>"$HD_TMP/drill-load.err"
    st=("${PIPESTATUS[@]}")
  } || true
  if [[ ${st[0]-1} != 0 || ${st[1]-1} != 0 || ${st[2]-1} != 0 || ${st[3]-1} != 0 ]]; then
    hd_fail "$step" "the backup's database does not restore (restic exit ${st[0]-?}, mariadb exit ${st[3]-?}): $(cat "$HD_TMP/drill-load.err" "$HD_TMP/drill-dump.err" | grep -v '^$' | tail -n 1)"
  fi
  # The restored tables must be the ones the dump made; their rows are compared with the live
  # database's (as the site's own user), which may have changed since the backup.
  local restored now tables rows differ
  restored=$(site_drill_counts "$HD_TMP/drill.cnf") || hd_fail "$step" "counting the restored rows failed"
  local live_pw
  live_pw=$(hd_site_env_password "$SITE_DRILL_LIVE/shared/.env") || live_pw=''
  hd_client_cnf "$HD_TMP/live.cnf" "$SITE_DB" "$live_pw" "$SITE_DB"
  now=$(site_drill_counts "$HD_TMP/live.cnf") || now=''
  tables=$(grep -c . <<<"$restored" || true)
  # (the count comes from a process substitution, which may still be finishing)
  local i=0 dumped=''
  while [[ ! -s $HD_TMP/drill-tables ]] && ((i++ < 50)); do sleep 0.1; done
  read -r dumped <"$HD_TMP/drill-tables" || true
  ((tables == ${dumped:-0})) ||
    hd_fail "$step" "the backup's dump makes ${dumped:-0} table(s) but $tables were restored"
  rows=$(awk -F'\t' '{ n += $2 } END { printf "%.0f", n }' <<<"$restored")
  # Tables whose "name<TAB>rows" line is not in both lists (missing, extra, or other counts).
  differ=$(awk -F'\t' 'NR == FNR { a[$0] = 1; n[$1] = 1; next } { if (!($0 in a)) d[$1] = 1; n[$1] = 1; b[$0] = 1 }
    END { for (l in a) if (!(l in b)) { split(l, f, "\t"); d[f[1]] = 1 } c = 0; for (t in d) if (t != "") c++; print c }' \
    <(printf '%s\n' "$restored") <(printf '%s\n' "$now"))
  SITE_DRILL_DETAIL="$tables table(s), $rows row(s)"
  if ((differ == 0)); then
    hd_ok "$step" "restored: $tables table(s), $rows row(s), the same as the live database"
  else
    hd_ok "$step" "restored: $tables table(s), $rows row(s); $differ table(s) differ from the live database now (it changed since the backup)"
  fi
}

# "<table>\t<rows>" per base table of the client's database, as that client (never root: table
# names are the tenant's; the statements are built in SQL with the names quoted there).
# (--raw: the generated statements come out as SQL made them, not with -B's escaping; the replay
# client: no client command runs, whatever a table is called.)
site_drill_counts() { # CNF
  local q="SELECT CONCAT('SELECT ', QUOTE(TABLE_NAME), ', COUNT(*) FROM \`', REPLACE(TABLE_NAME, '\`', '\`\`'), '\`;') FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME"
  printf '%s\n' "$q" | hd_replay_client --defaults-extra-file="$1" -N -B --raw 2>/dev/null |
    hd_replay_client --defaults-extra-file="$1" -N -B 2>/dev/null
}

# The scratch copy: root's skeleton beside the site, the release and shared directories unpacked by
# the tenant, and root's settings files written for the throwaway database.
site_drill_files() {
  local d=$SITE_DRILL_DIR rel dir shared=''
  hd_root_path "drill copy" "$d"
  rm -rf --one-file-system -- "$d"
  mkdir -m 0750 -- "$d" "$d/releases" "$d/shared"
  chown -h "root:$TUSER" -- "$d" "$d/releases" "$d/shared"
  rel=$(site_snapshot_release "$SITE_DRILL_LIVE") || hd_fail "files" "the backup has no release to restore (its current is '${rel:0:80}')"
  # The tenant's tasks of the drill may write into the drill copy only.
  SITE_DIR=$d
  site_tenant_dir "$d/tmp"
  chmod 0700 -- "$d/tmp"
  site_tenant_dir "$d/releases/$rel"
  site_unpack_snapshot_dir "files" "$SITE_DRILL_LIVE/releases/$rel" "$d/releases/$rel" ||
    hd_fail "files" "the backup's release $rel does not restore: $HD_LAST_OUTPUT"
  for dir in uploads storage; do
    hd_restic_has "$SITE_SNAPSHOT" "$SITE_DRILL_LIVE/shared/$dir" || continue
    site_tenant_dir "$d/shared/$dir"
    site_unpack_snapshot_dir "files" "$SITE_DRILL_LIVE/shared/$dir" "$d/shared/$dir" ||
      hd_fail "files" "the backup's shared/$dir does not restore: $HD_LAST_OUTPUT"
    shared+=" and shared/$dir"
  done
  ln -s -- "releases/$rel" "$d/current"
  site_drill_settings
  # Laravel's cached configuration holds the live database and paths: the copy must read its own.
  hd_run site_as_tenant "$d/releases/$rel" rm -f bootstrap/cache/config.php ||
    hd_fail "files" "clearing the release's cached configuration failed: $HD_LAST_OUTPUT"
  local entries sizes
  sizes=$(hd_restic_size_of "$SITE_SNAPSHOT" "$SITE_DRILL_LIVE") || hd_fail "files" "restic cannot list the backup's files"
  read -r _ entries <<<"$sizes"
  SITE_DRILL_DETAIL+=", $entries file(s) and folder(s)"
  hd_ok "files" "release $rel$shared restored by $TUSER into $d"
}

# shared/.env (and WordPress's wp-config.php) of the live site, pointing at the throwaway database.
# Rewritten line by line in the shell: the throwaway password is on no command line.
site_drill_settings() {
  local f src line out
  for f in .env wp-config.php; do
    src="$SITE_DRILL_LIVE/shared/$f"
    hd_root_file "$src" || continue
    out=''
    while IFS= read -r line || [[ -n $line ]]; do
      case $line in
      DB_DATABASE=* | DB_USERNAME=*) line="${line%%=*}=$SITE_DRILL_DB" ;;
      DB_PASSWORD=*) line="DB_PASSWORD=\"$SITE_DRILL_PW\"" ;;
      "define('DB_NAME', "* | "define('DB_USER', "*) line="${line%%, *}, '$SITE_DRILL_DB');" ;;
      "define('DB_PASSWORD', "*) line="define('DB_PASSWORD', '$SITE_DRILL_PW');" ;;
      esac
      out+=$line$'\n'
    done <"$src"
    printf '%s' "$out" | (umask 027 && cat >"$SITE_DRILL_DIR/shared/$f")
    chown -h "root:$TUSER" -- "$SITE_DRILL_DIR/shared/$f"
    chmod 0640 -- "$SITE_DRILL_DIR/shared/$f"
  done
}

# hostdeck-php@<site>--drill as the tenant, on a free port the guard covers, its home page asked for.
site_drill_serve() {
  local port code i instance=$SITE_DRILL_INSTANCE domain
  port=$(site_drill_free_port) || hd_fail "serve" "no free loopback port in 20000-29999 for the drill"
  domain=$(site_primary_host)
  # The env file and php.ini of the scratch copy, rendered like the site's (its own paths and port).
  local site=$SITE
  SITE=$instance
  site_render_env
  site_render_ini
  SITE=$site
  rm -rf -- "${SITE_INI_DIR:?}/$instance"
  mkdir -m 0750 -- "$SITE_INI_DIR/$instance"
  chown -h "root:$TUSER" -- "$SITE_INI_DIR/$instance"
  printf '%s' "$SITE_INI" | (umask 027 && cat >"$SITE_INI_DIR/$instance/50-hostdeck.ini")
  chown -h "root:$TUSER" -- "$SITE_INI_DIR/$instance/50-hostdeck.ini"
  printf '%s' "${SITE_ENV/HOSTDECK_PHP_LISTEN=127.0.0.1:$(site_state port)/HOSTDECK_PHP_LISTEN=127.0.0.1:$port}" |
    (umask 077 && cat >"$SITE_ENV_DIR/$instance.env")
  chmod 0640 -- "$SITE_ENV_DIR/$instance.env"
  hd_run systemctl daemon-reload || hd_fail "serve" "systemctl daemon-reload failed: $HD_LAST_OUTPUT"
  hd_site_guard_reload || hd_fail "serve" "the site guard did not take the drill's port: $HD_LAST_OUTPUT"
  hd_run systemctl start -- "hostdeck-php@$instance.service" ||
    hd_fail "serve" "hostdeck-php@$instance did not start: $HD_LAST_OUTPUT (see: journalctl -u hostdeck-php@$instance)"
  for ((i = 0; i < 50; i++)); do
    code=$(site_http_code "http://127.0.0.1:$port/" -H "Host: $domain")
    [[ $code =~ ^[1-4][0-9][0-9]$ ]] && break
    sleep 0.2
  done
  [[ $code =~ ^[23][0-9][0-9]$ ]] ||
    hd_fail "serve" "the restored copy does not serve its home page (HTTP ${code:-none} from 127.0.0.1:$port for $domain; see: journalctl -u hostdeck-php@$instance)"
  # It was the drill's own PHP that answered (the tenant could have bound the port first).
  local cgroup listener
  cgroup=$(systemctl show -P ControlGroup -- "hostdeck-php@$instance.service")
  listener=$(ss -Hltnp "sport = :$port" | sed -n 's/.*pid=\([0-9]*\).*/\1/p' | head -n 1)
  [[ -n $listener && -n $cgroup ]] && grep -qxF -- "$listener" "/sys/fs/cgroup$cgroup/cgroup.procs" 2>/dev/null ||
    grep -qsF -- ":$cgroup" "/proc/${listener:-0}/cgroup" ||
    hd_fail "serve" "127.0.0.1:$port is answered by a process outside hostdeck-php@$instance (pid ${listener:-unknown}): the drill proves nothing; stop it and drill again"
  SITE_DRILL_DETAIL+=", home page HTTP $code"
  hd_ok "serve" "the restored copy answers its home page for $domain (HTTP $code)"
}

site_drill_free_port() {
  local port used
  used=$(cat "$SITE_ENV_DIR"/*.env 2>/dev/null | sed -n 's/^HOSTDECK_PHP_LISTEN=127\.0\.0\.1://p')
  for ((port = 20000; port < 30000; port++)); do
    grep -qx -- "$port" <<<"$used" && continue
    [[ -z $(ss -Hltn "sport = :$port" 2>/dev/null) ]] || continue
    printf '%s' "$port"
    return 0
  done
  return 1
}

# Every throwaway database and user of a drill (this one's and any a killed run left), their
# sessions ended first: dropping a user does not end what it has open.
site_drill_drop_database() {
  local name id
  hd_sql "SELECT ID FROM information_schema.PROCESSLIST WHERE USER LIKE 'hd\\_\\_drill\\_%'" || return 0
  for id in $HD_SQL_OUT; do
    [[ $id =~ ^[0-9]+$ ]] && { hd_sql "KILL CONNECTION $id" || true; }
  done
  hd_sql "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 'hd\\_\\_drill\\_%' UNION SELECT User FROM mysql.user WHERE User LIKE 'hd\\_\\_drill\\_%'" || return 0
  for name in $HD_SQL_OUT; do
    [[ $name =~ ^hd__drill_[0-9a-f]{1,20}$ ]] || continue
    hd_sql "DROP DATABASE IF EXISTS \`$name\`; DROP USER IF EXISTS '$name'@'localhost'" || true
  done
}

# Exit hook: everything the drill made goes, and the outcome is recorded, whatever happened.
site_drill_end() {
  ((SITE_DRILL_STARTED == 1)) || return 0
  local instance=$SITE_DRILL_INSTANCE stamp took
  systemctl stop -- "hostdeck-php@$instance.service" >/dev/null 2>&1 || true
  rm -f -- "$SITE_ENV_DIR/$instance.env"
  rm -rf -- "${SITE_INI_DIR:?}/$instance"
  systemctl daemon-reload >/dev/null 2>&1 || true
  systemctl reset-failed -- "hostdeck-php@$instance.service" >/dev/null 2>&1 || true
  { hd_site_guard_installed && hd_site_guard_reload; } >/dev/null 2>&1 || true
  site_drill_drop_database
  [[ -n $SITE_DRILL_DIR && $SITE_DRILL_DIR == "$SITE_TENANTS"/*/*--drill ]] && rm -rf --one-file-system -- "$SITE_DRILL_DIR"
  rm -rf --one-file-system -- "/var/lib/hostdeck-php/$instance"
  # In a subshell (drill --due) the run's own cleanup at exit would not see what this drill staged.
  ((BASH_SUBSHELL == 0 || ${#HD_CLEANUP[@]} == 0)) || rm -rf -- "${HD_CLEANUP[@]}"
  stamp=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  took=$((SECONDS - SITE_DRILL_T0))
  local left
  left=$(site_drill_leftovers)
  if [[ -n $left ]]; then
    SITE_DRILL_OK=0
    HD_LAST_FAILED="cleanup: left behind: $left"
    hd_step failed "cleanup" "the drill's copy was not all removed: $left"
  fi
  if ((SITE_DRILL_OK == 1)); then
    hd_state_set last-drill "$stamp ok run $SITE_DRILL_RUN restorable ($SITE_DRILL_DETAIL); the drill took $took s"
    hd_step ok "drill" "run $SITE_DRILL_RUN is restorable: $SITE_DRILL_DETAIL; the drill took $took s and its copy is gone"
  else
    hd_state_set last-drill "$stamp failed run $SITE_DRILL_RUN: ${HD_LAST_FAILED:-see the log of its job}; the drill took $took s"
  fi
}
SITE_DRILL_T0=0
SITE_DRILL_DIR=''
SITE_DRILL_INSTANCE=''
SITE_DRILL_DB=''

# What of a drill is still there: its copy, unit files, unit, throwaway databases or users.
site_drill_leftovers() {
  local -a left=()
  [[ -e $SITE_DRILL_DIR ]] && left+=("$SITE_DRILL_DIR")
  [[ -e $SITE_ENV_DIR/$SITE_DRILL_INSTANCE.env ]] && left+=("$SITE_ENV_DIR/$SITE_DRILL_INSTANCE.env")
  [[ -e $SITE_INI_DIR/$SITE_DRILL_INSTANCE ]] && left+=("$SITE_INI_DIR/$SITE_DRILL_INSTANCE")
  [[ $(systemctl is-active -- "hostdeck-php@$SITE_DRILL_INSTANCE.service" 2>/dev/null) == active ]] &&
    left+=("hostdeck-php@$SITE_DRILL_INSTANCE (running)")
  if hd_sql "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 'hd\\_\\_drill\\_%'" && [[ $HD_SQL_OUT != 0 ]]; then
    left+=("a throwaway database")
  fi
  printf '%s' "${left[*]}"
}

# Every site whose last drill is a week old (or that has none), each in a subshell of its own (with
# its own cleanup) so one failure does not stop the others.
site_drill_due() {
  local f slug last t now n=0
  local -a failed=()
  now=$(date -u +%s)
  for f in "$HD_STATE_DIR"/site-*.state; do
    [[ -f $f ]] || continue
    slug=${f##*/site-}
    slug=${slug%.state}
    [[ $slug =~ $SITE_RE_SLUG ]] || continue
    last=$(HD_STATE_NAME="site-$slug" hd_state_get last-drill)
    t=0
    [[ -n $last ]] && t=$(date -u -d "${last%% *}" +%s 2>/dev/null || echo 0)
    ((now - t >= SITE_DRILL_EVERY)) || continue
    n=$((n + 1))
    HD_OPT[site]=$slug
    hd_subshell site_drill_isolated
    ((HD_SUB_RC == 0)) || failed+=("$slug")
  done
  ((n > 0)) || hd_ok "drills" "none due"
  ((${#failed[@]} == 0)) || hd_fail "drills" "${#failed[@]} of $n drill(s) failed: ${failed[*]}"
  ((n == 0)) || hd_ok "drills" "$n site(s) drilled"
}
