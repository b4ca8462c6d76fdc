#!/usr/bin/env bash
# mariadb: the host's database server, reachable on 127.0.0.1 and the unix socket only. root
# logs in by unix socket only (no password exists that would work), there are no anonymous users
# and no root accounts for other hosts. Hostdeck's own account, hostdeck_admin@localhost, gets
# its password on stdin (--admin-password-stdin); on the host it is kept only in the 0600
# root-owned option file /etc/hostdeck/mariadb-admin.cnf.
set -Eeuo pipefail

readonly MARIADB_CONF=/etc/mysql/mariadb.conf.d/90-hostdeck.cnf
readonly MARIADB_ADMIN=hostdeck_admin
readonly MARIADB_ADMIN_CNF=/etc/hostdeck/mariadb-admin.cnf

mariadb_options_install() {
  hd_flag admin-password-stdin "read the hostdeck_admin password from the first line of stdin"
}

mariadb_validate_install() {
  if [[ ${HD_OPT[admin-password-stdin]} == 1 ]]; then
    hd_read_password "admin password (stdin)"
    return 0
  fi
  # A re-run may omit the password: the one stored on the host is kept.
  HD_SECRET=$(mariadb_stored_password)
  [[ -n $HD_SECRET ]] || hd_usage_fail "admin password (stdin)" \
    "no admin password stored on this host yet: pass --admin-password-stdin and the password on the first line of stdin"
}

mariadb_stored_password() {
  local line
  [[ -r $MARIADB_ADMIN_CNF ]] || return 0
  while IFS= read -r line; do
    if [[ $line == password=* ]]; then
      printf '%s' "${line#password=}"
      return 0
    fi
  done <"$MARIADB_ADMIN_CNF"
}

# Drops the accounts named by SELECT-ing their host column, after checking each name is plain.
mariadb_drop_accounts() { # STEP USER SELECT_HOSTS_SQL
  local step=$1 user=$2 host
  local -a hosts=()
  hd_sql_or_fail "$step" "$3"
  [[ -n $HD_SQL_OUT ]] && mapfile -t hosts <<<"$HD_SQL_OUT"
  if ((${#hosts[@]} == 0)); then
    hd_ok "$step" "none"
    return 0
  fi
  for host in "${hosts[@]}"; do
    [[ $host =~ ^[A-Za-z0-9.%_:-]{0,255}$ ]] || hd_fail "$step" "account host '$host' has unexpected characters; drop it by hand"
    [[ $HD_CHECK == 1 ]] || hd_sql_or_fail "$step" "DROP USER '$user'@'$host'"
  done
  local IFS=,
  hd_changed "$step" "dropped ${#hosts[@]} account(s) for host(s) ${hosts[*]}"
}

# root@localhost authenticates by unix socket only. Debian's default ("mysql_native_password
# USING 'invalid' OR unix_socket") qualifies: no password can ever match 'invalid'.
mariadb_ensure_root_socket_only() {
  local step="database user root@localhost"
  hd_sql_or_fail "$step" "SHOW CREATE USER 'root'@'localhost'"
  if [[ $HD_SQL_OUT =~ IDENTIFIED\ VIA\ (mysql_native_password\ USING\ \'invalid\'\ OR\ )?unix_socket$ ]]; then
    hd_ok "$step" "unix socket only"
    return 0
  fi
  [[ $HD_CHECK == 1 ]] || hd_sql_or_fail "$step" "ALTER USER 'root'@'localhost' IDENTIFIED VIA unix_socket"
  hd_changed "$step" "set to unix socket only"
}

mariadb_require_installed() {
  [[ -n $(hd_pkg_version mariadb-server) ]] || hd_fail "package mariadb-server" "not installed; run: mariadb install"
}

mariadb_install() {
  ensure_packages mariadb-server
  ensure_file "$MARIADB_CONF" 0644 root root "# $HD_MANAGED_MARK (mariadb module).
[mysqld]
bind-address = 127.0.0.1
local-infile = 0
"
  [[ $HD_FILE_CHANGED == 1 ]] && hd_notify mariadb restart
  hd_record_file "$MARIADB_CONF"
  # Debian enables mariadb.socket, which makes systemd listen on [::]:3306 at boot and hand
  # that socket to the server, whatever bind-address says. Masked, only bind-address counts.
  ensure_service mariadb.socket masked inactive
  ensure_service mariadb enabled active
  if [[ $HD_CHECK == 1 && $(hd_unit_active mariadb) != active ]]; then
    hd_changed "database accounts" "would secure root and anonymous accounts and create $MARIADB_ADMIN@localhost"
  else
    mariadb_drop_accounts "database anonymous users" "" "SELECT Host FROM mysql.user WHERE User=''"
    mariadb_drop_accounts "database root on other hosts" root \
      "SELECT Host FROM mysql.user WHERE User='root' AND Host<>'localhost'"
    mariadb_ensure_root_socket_only
    ensure_db_user "$MARIADB_ADMIN" localhost "$HD_SECRET"
    ensure_db_grant "$MARIADB_ADMIN" localhost "ALL PRIVILEGES" "*.*" with-grant
  fi
  ensure_dir /etc/hostdeck 0755 root root
  ensure_file "$MARIADB_ADMIN_CNF" 0600 root root "# $HD_MANAGED_MARK (mariadb module): Hostdeck's admin account.
[client]
user=$MARIADB_ADMIN
password=$HD_SECRET
"
  hd_state_set wanted enabled
}

mariadb_enable() {
  mariadb_require_installed
  ensure_service mariadb.socket masked inactive
  ensure_service mariadb enabled active
  hd_state_set wanted enabled
}

mariadb_disable() {
  mariadb_require_installed
  ensure_service mariadb disabled inactive
  hd_state_set wanted disabled
}

# Removes the server package. Databases (/var/lib/mysql) and the admin option file are kept, so
# a later install finds the data and the account again.
mariadb_remove() {
  if [[ -n $(hd_pkg_version mariadb-server) ]]; then
    ensure_service mariadb disabled inactive
  fi
  ensure_package_absent mariadb-server
  ensure_file_absent "$MARIADB_CONF"
  hd_state_clear
}

# Security drift, read from the running server.
mariadb_live_drift() {
  if ! hd_sql "SELECT @@bind_address, (SELECT COUNT(*) FROM mysql.user WHERE User=''), (SELECT COUNT(*) FROM mysql.user WHERE User='root' AND Host<>'localhost')"; then
    echo sql-unreachable
    return 0
  fi
  local bind anon remote
  IFS=$'\t' read -r bind anon remote <<<"$HD_SQL_OUT"
  [[ $bind == 127.0.0.1 ]] || echo "bind-address:$bind"
  [[ $anon == 0 ]] || echo anonymous-users
  [[ $remote == 0 ]] || echo remote-root
  local pw
  pw=$(mariadb_stored_password)
  if [[ -z $pw ]] || ! hd_db_login_works "$MARIADB_ADMIN" "$pw"; then echo admin-login; fi
}

mariadb_status() {
  local version drift=()
  hd_status_package_service mariadb-server mariadb
  if [[ -n $(hd_state_get wanted) ]]; then
    local sock
    sock=$(hd_unit_enabled mariadb.socket)
    [[ -z $version || $sock == masked ]] || drift+=("service:mariadb.socket:${sock:-unknown}")
  fi
  if [[ $(hd_unit_active mariadb) == active ]]; then
    mapfile -t -O "${#drift[@]}" drift < <(mariadb_live_drift)
  fi
  hd_status drift "$(hd_join_drift "${drift[@]}")"
}
