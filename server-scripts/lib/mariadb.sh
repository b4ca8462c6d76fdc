#!/usr/bin/env bash
# MariaDB (sourced through lib.sh): as root over the unix socket; SQL goes on stdin, never in argv.
# shellcheck disable=SC2034 # globals here are set for, or read by, the modules and other lib parts

# Runs SQL; the tab-separated rows land in HD_SQL_OUT (a variable, not stdout, so callers never
# need a subshell that could swallow a failed step). On failure HD_LAST_OUTPUT has the error.
hd_sql() { # SQL
  hd_tmpdir
  hd_mariadb_wait
  local rc=0
  printf '%s\n' "$1" | mariadb --protocol=socket -u root -N -B >"$HD_TMP/sql.out" 2>"$HD_TMP/sql.err" || rc=$?
  HD_LAST_OUTPUT=$(tail -n 1 "$HD_TMP/sql.err")
  HD_SQL_OUT=$(cat "$HD_TMP/sql.out")
  return "$rc"
}

# A host that has just booted (or whose MariaDB is restarting) has no socket yet: wait for it while
# systemd says the server is starting, up to a minute, once per run. A stopped or failed server is
# not waited for; the SQL that follows fails and names the socket.
HD_MARIADB_WAITED=0
hd_mariadb_wait() {
  [[ $HD_MARIADB_WAITED == 1 ]] && return 0
  HD_MARIADB_WAITED=1
  local i state boot
  for ((i = 0; i < 120; i++)); do
    [[ -S /run/mysqld/mysqld.sock ]] && mariadb-admin --protocol=socket -u root ping >/dev/null 2>&1 && return 0
    state=$(systemctl is-active mariadb 2>/dev/null) || true
    boot=$(systemctl is-system-running 2>/dev/null) || true
    case $state in
      activating | reloading) ;;
      # queued behind the rest of the boot, or active a moment before its socket appears
      inactive) [[ $boot == initializing || $boot == starting ]] && [[ $(systemctl is-enabled mariadb 2>/dev/null) == enabled ]] || return 0 ;;
      active) ((i < 20)) || return 0 ;;
      *) return 0 ;;
    esac
    sleep 0.5
  done
}

hd_sql_or_fail() { # STEP_NAME SQL
  hd_sql "$2" || hd_fail "$1" "SQL failed: $HD_LAST_OUTPUT"
}

hd_check_sql_name() { # STEP NAME
  [[ $2 =~ $HD_RE_SQL_NAME ]] || hd_fail "$1" "refused: '$2' is not a plain lower-case SQL name"
}

# Whether database NAME (a checked SQL name) exists: HD_SQL_OUT is 1 or 0; fails if MariaDB does.
hd_sql_database_count() { hd_sql "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME='$1'"; }

ensure_database() { # NAME
  local step="database $1"
  hd_check_sql_name "$step" "$1"
  hd_sql_database_count "$1" || hd_fail "$step" "SQL failed: $HD_LAST_OUTPUT"
  if [[ $HD_SQL_OUT == 1 ]]; then
    hd_ok "$step" "exists"
    return 0
  fi
  [[ $HD_CHECK == 1 ]] || hd_sql_or_fail "$step" "CREATE DATABASE \`$1\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
  hd_changed "$step" "create (utf8mb4)"
}

# No database NAME. A server that cannot be asked counts as having none (nothing to drop there).
ensure_database_absent() { # NAME
  local step="database $1 absent"
  hd_check_sql_name "$step" "$1"
  if ! hd_sql_database_count "$1" || [[ $HD_SQL_OUT != 1 ]]; then
    hd_ok "$step" ""
    return 0
  fi
  [[ $HD_CHECK == 1 ]] || hd_sql_or_fail "$step" "DROP DATABASE \`$1\`"
  hd_changed "$step" "dropped"
}

# No account USER@HOST; the step looks for USER at any host (as the site module always has).
ensure_db_user_absent() { # USER HOST
  local user=$1 host=$2 step="database user $1 absent"
  hd_check_sql_name "$step" "$user"
  [[ $host =~ $HD_RE_SQL_HOST ]] || hd_fail "$step" "refused host '$host'"
  if ! hd_sql "SELECT COUNT(*) FROM mysql.user WHERE User='$user'" || [[ ${HD_SQL_OUT:-0} == 0 ]]; then
    hd_ok "$step" ""
    return 0
  fi
  [[ $HD_CHECK == 1 ]] || hd_sql_or_fail "$step" "DROP USER IF EXISTS '$user'@'$host'"
  hd_changed "$step" "dropped"
}

# Can USER log in over the socket with PASSWORD? (The option file is a pipe: no file, no argv.)
hd_db_login_works() { # USER PASSWORD
  mariadb --defaults-extra-file=<(printf '[client]\nuser=%s\npassword=%s\n' "$1" "$2") \
    --protocol=socket -N -B -e 'SELECT 1' </dev/null >/dev/null 2>&1
}

# USER@HOST exists and PASSWORD logs it in.
ensure_db_user() { # USER HOST PASSWORD
  local user=$1 host=$2 pw=$3 step="database user $1@$2"
  hd_check_sql_name "$step" "$user"
  [[ $host =~ $HD_RE_SQL_HOST ]] || hd_fail "$step" "refused host '$host'"
  [[ $pw =~ $HD_RE_PASSWORD ]] || hd_fail "$step" "refused: the password is not 16-128 characters of A-Z a-z 0-9 ._~@%^*+=:,/-"
  hd_sql_or_fail "$step" "SELECT COUNT(*) FROM mysql.user WHERE User='$user' AND Host='$host'"
  if [[ $HD_SQL_OUT != 1 ]]; then
    [[ $HD_CHECK == 1 ]] || hd_sql_or_fail "$step" "CREATE USER '$user'@'$host' IDENTIFIED BY '$pw'"
    hd_changed "$step" "create"
    return 0
  fi
  # localhost accounts are tried for real over the socket; others by comparing the hash.
  if [[ $host == localhost ]]; then
    if hd_db_login_works "$user" "$pw"; then
      hd_ok "$step" "exists, password works"
      return 0
    fi
  else
    hd_sql_or_fail "$step" "SELECT COUNT(*) FROM mysql.user WHERE User='$user' AND Host='$host' AND authentication_string=PASSWORD('$pw')"
    if [[ $HD_SQL_OUT == 1 ]]; then
      hd_ok "$step" "exists, password matches"
      return 0
    fi
  fi
  [[ $HD_CHECK == 1 ]] || hd_sql_or_fail "$step" "ALTER USER '$user'@'$host' IDENTIFIED BY '$pw'"
  hd_changed "$step" "password set"
}

# USER@HOST holds PRIVS on OBJECT (e.g. "ALL PRIVILEGES" "*.*" or "`db`.*"), optionally WITH
# GRANT OPTION. Compared against SHOW GRANTS, the server's own canonical form.
ensure_db_grant() { # USER HOST PRIVS OBJECT with-grant|no-grant
  local user=$1 host=$2 privs=$3 object=$4 opt=$5 step="database grant $1@$2" line have=0 extra=''
  hd_check_sql_name "$step" "$user"
  [[ $host =~ $HD_RE_SQL_HOST ]] || hd_fail "$step" "refused host '$host'"
  [[ $privs =~ ^[A-Z][A-Z\ ,]{0,200}$ ]] || hd_fail "$step" "refused privileges '$privs'"
  [[ $object =~ ^(\*|\`[a-z_][a-z0-9_]{0,63}\`)\.\*$ ]] || hd_fail "$step" "refused object '$object'"
  [[ $opt == with-grant ]] && extra=' WITH GRANT OPTION'
  hd_sql_or_fail "$step" "SELECT COUNT(*) FROM mysql.user WHERE User='$user' AND Host='$host'"
  if [[ $HD_SQL_OUT != 1 ]]; then
    # Only reachable in check mode, where ensure_db_user did not create the account.
    [[ $HD_CHECK == 1 ]] || hd_fail "$step" "the account does not exist"
    hd_changed "$step" "grant $privs on $object$extra"
    return 0
  fi
  hd_sql_or_fail "$step" "SHOW GRANTS FOR '$user'@'$host'"
  while IFS= read -r line; do
    [[ $line == "GRANT $privs ON $object TO \`$user\`@\`$host\`"* ]] || continue
    [[ -z $extra || $line == *"$extra" ]] && have=1
  done <<<"$HD_SQL_OUT"
  if ((have == 1)); then
    hd_ok "$step" "$privs on $object$extra"
    return 0
  fi
  [[ $HD_CHECK == 1 ]] || hd_sql_or_fail "$step" "GRANT $privs ON $object TO '$user'@'$host'$extra"
  hd_changed "$step" "grant $privs on $object$extra"
}

# The database password in a site's shared/.env (DB_PASSWORD="…"), read only from a plain file in
# directories root alone can change; fails otherwise (an older, tenant-owned layout).
hd_site_env_password() { # ENV_FILE
  hd_root_file "$1" || return 1
  sed -n 's/^DB_PASSWORD="\(.*\)"$/\1/p' "$1" | head -n 1
}

# A client option file (0600) for USER with PASSWORD, DATABASE its default database.
hd_client_cnf() { # FILE USER PASSWORD DATABASE
  (umask 077 && printf '[client]\nuser=%s\npassword=%s\ndatabase=%s\n' "$2" "$3" "$4" >"$1")
}

# Filters a `mariadb-dump --databases FROM` stream so that it loads into the client's default
# database instead: FROM's CREATE DATABASE and USE lines are dropped and, on the lines that declare
# a definer (CREATE DEFINER=…, and mariadb-dump's /*!5…*/ headers of triggers, views and events),
# FROM's definer is renamed to TO. Row data never starts such a line (INSERT lines; a dump writes
# newlines in values as \n), so what a tenant stored is not rewritten.
hd_dump_retarget() { # FROM TO
  sed -e "/^CREATE DATABASE .*\`$1\`/d" -e "/^USE \`$1\`;\$/d" \
    -e "/^\(CREATE DEFINER=\|\/\*!5\)/s/DEFINER=\`$1\`@\`localhost\`/DEFINER=\`$2\`@\`localhost\`/g"
}

# The mariadb client for replaying a dump (a tenant's content) as root on the host: a routine body
# can hide client commands from the server (`--` then a control character is a comment to the
# server, not to the client), so no client command may run: --binary-mode (no \ commands, \e
# included, which --sandbox allows), --sandbox, no LOAD DATA LOCAL, and no editor or pager to start.
hd_replay_client() { # ARGS... (a --defaults-extra-file first)
  env -u EDITOR -u VISUAL -u PAGER EDITOR=/bin/false VISUAL=/bin/false PAGER=/bin/false \
    mariadb "$@" --binary-mode --sandbox --local-infile=0 --no-auto-rehash
}
