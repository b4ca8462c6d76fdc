#!/usr/bin/env bash
# The site itself (sourced by modules/site.sh): names and collisions, its Caddy file, shared/.env,
# the first release, its database, and the verbs install, enable (resume), disable (suspend),
# remove and status.

# Every host name the site answers on (the primary, www. per the policy, the aliases).
site_all_names() { # DOMAIN WWW ALIASES -> space-separated names
  local all=$1
  [[ $2 == none ]] || all+=" www.$1"
  [[ -n $3 ]] && all+=" ${3//,/ }"
  printf '%s' "$all"
}

# Refuses names or a port another site of this host already has.
site_check_collisions() { # NAMES PORT
  local f other name names port
  for f in "$HD_STATE_DIR"/site-*.state; do
    [[ -f $f ]] || continue
    other=${f##*/site-}
    other=${other%.state}
    [[ $other == "$SITE" ]] && continue
    names=$(HD_STATE_NAME="site-$other" hd_state_get names)
    port=$(HD_STATE_NAME="site-$other" hd_state_get port)
    for name in $1; do
      [[ " $names " != *" $name "* ]] ||
        hd_fail "domains" "refused: $name already belongs to site $other on this host. Nothing was changed." 2
    done
    [[ $port != "$2" ]] || hd_fail "port" "refused: port $2 is already used by site $other. Nothing was changed." 2
  done
  hd_ok "domains" "$1: not used by another site"
  # Something else listening there (a connection to it succeeds) while this site's PHP is down.
  if [[ $(hd_unit_active "$SITE_UNIT") != active ]] && (exec 3<>"/dev/tcp/127.0.0.1/$2") 2>/dev/null; then
    hd_fail "port" "refused: something else already listens on 127.0.0.1:$2. Nothing was changed." 2
  fi
  hd_ok "port" "127.0.0.1:$2"
}

site_primary_host() { # -> the name the site is served under (www. first with to-www)
  if [[ $(site_state www) == to-www ]]; then printf 'www.%s' "$(site_state domain)"; else site_state domain; fi
}

site_tls_addr() { # NAME -> the Caddy address for NAME under the site's TLS mode
  if [[ $(site_state tls) == off ]]; then printf 'http://%s' "$1"; else printf '%s' "$1"; fi
}

site_addresses() { # NAMES... -> "a, b, c" in Caddy form
  local out='' n
  for n in "$@"; do out+="${out:+, }$(site_tls_addr "$n")"; done
  printf '%s' "$out"
}

# The site's Caddy file for its recorded state: proxying to its PHP, or the maintenance page.
site_render_caddy() {
  local domain www aliases port tls served=() redirect_from='' target tls_line='' body
  domain=$(site_state domain)
  www=$(site_state www)
  aliases=$(site_state aliases)
  port=$(site_state port)
  tls=$(site_state tls)
  [[ $tls == internal ]] && tls_line=$'\ttls internal\n'
  case $www in
  none) served=("$domain") ;;
  to-apex) served=("$domain") redirect_from="www.$domain" target=$domain ;;
  to-www) served=("www.$domain") redirect_from=$domain target="www.$domain" ;;
  esac
  [[ -n $aliases ]] && IFS=, read -r -a extra <<<"$aliases" && served+=("${extra[@]}")
  if [[ $(site_state suspended) == 1 || $(site_state port-taken) == 1 ]]; then
    # Suspended, or its port held by another user's process (site_refuse_foreign_listener): Caddy
    # must not send this site's visitors (cookies, logins) to whoever listens there.
    body=$'\theader Content-Type "text/html; charset=utf-8"\n\theader Retry-After 3600\n'
    body+=$'\trespond "<!doctype html><meta charset=utf-8><title>Maintenance</title><h1>This site is down for maintenance</h1><p>Please come back a little later.</p>" 503\n'
  else
    body=$'\tencode zstd gzip\n'
    # While the site's PHP restarts (a deploy), Caddy holds requests instead of failing them.
    body+=$'\treverse_proxy 127.0.0.1:'"$port"$' {\n\t\tlb_try_duration 10s\n\t\tlb_try_interval 100ms\n\t}\n'
  fi
  # shellcheck disable=SC2153 # TENANT is set by site_names (modules/site.sh)
  SITE_CADDY="# $HD_MANAGED_MARK (site module): site $SITE of tenant $TENANT. Hand edits show as drift
# and are replaced by the next change to this site.
$(site_addresses "${served[@]}") {
${tls_line}	log {
		output stderr
		format json
	}
${body}}
"
  if [[ -n $redirect_from ]]; then
    local scheme=https
    [[ $tls == off ]] && scheme=http
    SITE_CADDY+="
$(site_tls_addr "$redirect_from") {
${tls_line}	redir $scheme://$target{uri} permanent
}
"
  fi
}

# The site's Caddy file for its recorded state, swapped in safely and remembered for drift.
site_ensure_caddy() {
  site_render_caddy
  ensure_caddy_site_file "$SITE" "$SITE_CADDY"
  [[ $HD_CHECK == 1 ]] || hd_record_file "$HD_CADDY_SITES/$SITE.caddy"
}

# shared/.env: the database credentials (and Laravel's settings, laravel.sh). 0640 root:<tenant>: the site
# reads it, nobody else can, and the site cannot change it. APP_KEY is made once and kept.
site_render_dotenv() { # PASSWORD
  SITE_DOTENV="# $HD_MANAGED_MARK (site module). Read by the site; rewritten when the site changes.
DB_CONNECTION=mysql
DB_HOST=localhost
DB_SOCKET=/run/mysqld/mysqld.sock
DB_DATABASE=$SITE_DB
DB_USERNAME=$SITE_DB
DB_PASSWORD=\"$1\"
"
  [[ $(site_state type) != laravel ]] || site_laravel_dotenv
}

# The page a new site shows until its first deploy: proves the site's own PHP runs and reaches
# its database with the generated credentials.
site_placeholder() {
  cat <<PHP
<?php
// Written by Hostdeck when site $SITE was created; the first deploy replaces it.
header('X-Hostdeck-Site: $SITE');
\$env = [];
foreach (@file('$SITE_DIR/shared/.env', FILE_IGNORE_NEW_LINES) ?: [] as \$line) {
    if (preg_match('/^([A-Z_]+)="?([^"]*)"?\$/', \$line, \$m)) \$env[\$m[1]] = \$m[2];
}
\$db = 'not configured';
if (isset(\$env['DB_DATABASE'])) {
    if (!function_exists('mysqli_connect')) {
        \$db = 'no mysqli extension';
    } else {
        mysqli_report(MYSQLI_REPORT_OFF);
        \$link = @mysqli_connect('localhost', \$env['DB_USERNAME'], \$env['DB_PASSWORD'], \$env['DB_DATABASE']);
        \$db = \$link ? 'connected' : 'unreachable';
    }
}
\$user = function_exists('posix_geteuid') ? posix_getpwuid(posix_geteuid())['name'] : get_current_user();
echo "<!doctype html><meta charset=utf-8><title>$(site_state domain)</title>";
echo "<h1>$(site_state domain) is ready</h1>";
echo "<p>Site $SITE, running as " . htmlspecialchars(\$user) . ". Database: \$db.</p>";
PHP
}

site_ensure_dirs() {
  site_ensure_skeleton
  if [[ -L $SITE_DIR/current ]]; then
    hd_ok "release" "current -> $(readlink "$SITE_DIR/current")"
    return 0
  fi
  if [[ $HD_CHECK == 1 ]]; then
    hd_changed "release" "would create the first release (a placeholder page)"
    return 0
  fi
  local rel
  site_stage_release initial
  rel=$SITE_STAGE
  mkdir -m 0750 -- "$rel/public"
  site_placeholder >"$rel/public/index.php"
  site_hand_over "$rel" "$SITE_DIR/releases/initial"
  site_point_current initial
  hd_changed "release" "current -> releases/initial (a placeholder page until the first deploy)"
}

site_ensure_database() {
  command -v mariadb >/dev/null || hd_fail "database $SITE_DB" "MariaDB is not installed on this host: install the mariadb module first. Nothing else was changed."
  ensure_database "$SITE_DB"
  ensure_db_user "$SITE_DB" localhost "$SITE_DB_PASSWORD"
  ensure_db_grant "$SITE_DB" localhost "ALL PRIVILEGES" "\`$SITE_DB\`.*" no-grant
}

# Whether the site's database exists: HD_SQL_OUT is 1 or 0 (the query fails if MariaDB does).
site_db_query() { hd_sql_database_count "$SITE_DB"; }

site_db_exists() { site_db_query && [[ $HD_SQL_OUT == 1 ]]; }

site_install() {
  local tenant
  site_names "${HD_OPT[site]}" "${HD_OPT[tenant]}"
  tenant=$(site_state tenant)
  [[ -z $tenant || $tenant == "$TENANT" ]] ||
    hd_fail "site $SITE" "refused: the site belongs to tenant $tenant on this host, not ${HD_OPT[tenant]}. Nothing was changed." 2
  local names
  names=$(site_all_names "${HD_OPT[domain]}" "${HD_OPT[www]}" "${HD_OPT[aliases]}")
  site_check_collisions "$names" "${HD_OPT[port]}"
  ensure_packages curl
  # What was asked, recorded first: every later step (and suspend, resume, status) renders from it.
  local k
  for k in tenant domain aliases type port tls www memory-limit upload-max php-ini; do
    hd_state_set "$k" "${HD_OPT[$k]}"
  done
  hd_state_set names "$names"
  hd_state_set db "$SITE_DB"
  if [[ $HD_CHECK == 1 ]]; then
    # In check mode nothing is recorded: render from the request.
    declare -gA SITE_CHECK_STATE=()
    for k in tenant domain aliases type port tls www memory-limit upload-max php-ini; do
      SITE_CHECK_STATE[$k]=${HD_OPT[$k]}
    done
    site_state() { if [[ -n ${SITE_CHECK_STATE[$1]+x} ]]; then printf '%s' "${SITE_CHECK_STATE[$1]}"; else hd_state_get "$1"; fi; }
  fi
  site_ensure_tenant
  site_ensure_dirs
  site_ensure_database
  site_render_dotenv "$SITE_DB_PASSWORD"
  ensure_file "$SITE_DIR/shared/.env" 0640 root "$TUSER" "$SITE_DOTENV"
  [[ $(site_state type) == wordpress ]] && site_ensure_wordpress_files
  local suspended
  suspended=$(site_state suspended)
  site_ensure_php "$([[ $suspended == 1 ]] && echo inactive || echo active)"
  site_ensure_caddy
  [[ $suspended == 1 ]] || site_health
  [[ $(site_state type) == wordpress && $suspended != 1 ]] && site_ensure_wordpress_installed
  return 0
}

site_enable() {
  site_load
  hd_state_set suspended ''
  site_ensure_php active
  site_ensure_caddy
  site_health
  hd_cron_site_timers "$SITE" start
}

# Suspended: the maintenance page, no PHP and no scheduled job of the site runs.
site_disable() {
  site_load
  hd_state_set suspended 1
  site_ensure_caddy
  site_ensure_php inactive
  hd_cron_site_timers "$SITE" stop
}

# A final backup before delete: the database dump and the site's files, root-only.
site_final_backup() {
  local dir="$SITE_BACKUPS/$SITE" file
  file="$dir/final-$(date -u +%Y%m%dT%H%M%SZ).tar.gz"
  if [[ $HD_CHECK == 1 ]]; then
    hd_changed "backup" "would write $dir/final-<time>.tar.gz"
    return 0
  fi
  mkdir -p -- "$dir"
  chmod 0700 "$SITE_BACKUPS" "$dir"
  # Worked on disk in root's own backup directory (a site can be many GB: not in /run's memory).
  local work="$dir/.work"
  rm -rf -- "$work"
  mkdir -m 0700 -- "$work" "$work/db"
  HD_CLEANUP+=("$work")
  if site_db_exists; then
    mariadb-dump --protocol=socket -u root --single-transaction --databases "$SITE_DB" >"$work/db/database.sql" 2>"$work/dump.err" ||
      hd_fail "backup" "mariadb-dump failed: $(tail -n 1 "$work/dump.err"). Nothing was deleted."
  fi
  (umask 077 && tar -cf "$work/backup.tar" -C "$work/db" .) || hd_fail "backup" "writing the dump into the backup failed. Nothing was deleted."
  if [[ -d $SITE_DIR ]]; then
    # The site's files are read by the tenant (root never walks the tenant's tree): a tar stream,
    # appended to root's archive without being unpacked. Capped at 200 GB.
    SITE_TASK_OUT="$work/files.tar" SITE_TASK_MAX_OUTPUT=200000000000 SITE_TASK_TIMEOUT=7200 \
      site_as_tenant "$SITE_TENANTS/$TENANT" tar -cf - --one-file-system -- "$SITE" ||
      hd_fail "backup" "reading the site's files as $TUSER failed (tar exited non-zero). Nothing was deleted."
    tar -Af "$work/backup.tar" "$work/files.tar" || hd_fail "backup" "joining the site's files to the backup failed. Nothing was deleted."
  fi
  (umask 077 && gzip -c "$work/backup.tar" >"$file.partial") || hd_fail "backup" "writing $file failed. Nothing was deleted."
  rm -rf -- "$work"
  mv -f -- "$file.partial" "$file"
  hd_changed "backup" "$file ($(stat -c %s -- "$file") bytes)"
}

site_remove() {
  HD_STATE_NAME="site-${HD_OPT[site]}"
  local tenant
  tenant=$(hd_state_get tenant)
  if [[ -z $tenant ]]; then
    # Nothing recorded: make sure nothing of the site is left either.
    if [[ -e $HD_CADDY_SITES/${HD_OPT[site]}.caddy || -e $SITE_ENV_DIR/${HD_OPT[site]}.env ]]; then
      hd_fail "site ${HD_OPT[site]}" "not recorded by Hostdeck, but its files exist; remove them by hand (it was not made by these scripts)"
    fi
    hd_ok "site ${HD_OPT[site]}" "absent"
    return 0
  fi
  site_names "${HD_OPT[site]}" "$tenant"
  # Its jobs first: nothing of the tenant's changes the tree while the final backup reads it.
  hd_cron_site_absent "$SITE"
  [[ ${HD_OPT[backup]} == 1 ]] && site_final_backup
  ensure_caddy_site_file "$SITE" ''
  if [[ -e /etc/systemd/system/multi-user.target.wants/$SITE_UNIT || $(hd_unit_active "$SITE_UNIT") != inactive ]]; then
    ensure_service "$SITE_UNIT" disabled inactive
  fi
  [[ $HD_CHECK == 1 ]] || systemctl reset-failed -- "$SITE_UNIT" 2>/dev/null || true
  ensure_file_absent "$SITE_ENV_DIR/$SITE.env"
  hd_backup_site_schedule_absent "$SITE"
  [[ $HD_CHECK == 1 ]] || hd_run systemctl daemon-reload || true
  if [[ $HD_CHECK != 1 ]] && hd_site_guard_installed; then hd_site_guard_reload || true; fi
  ensure_file_absent "$SITE_INI_DIR/$SITE/50-hostdeck.ini"
  [[ $HD_CHECK == 1 ]] || rm -rf -- "${SITE_INI_DIR:?}/$SITE" "/var/lib/hostdeck-php/$SITE"
  if command -v mariadb >/dev/null; then
    ensure_database_absent "$SITE_DB"
    ensure_db_user_absent "$SITE_DB" localhost
  fi
  ensure_dir_absent "${SITE_DIR:?}"
  hd_state_clear
  site_remove_tenant_if_unused
}

site_status() {
  # shellcheck disable=SC2034 # read by hd_state_file (lib/state.sh)
  HD_STATE_NAME="site-${HD_OPT[site]}"
  local tenant
  tenant=$(hd_state_get tenant)
  if [[ -z $tenant ]]; then
    hd_status exists no
    hd_status drift none
    return 0
  fi
  site_names "${HD_OPT[site]}" "$tenant"
  local -a drift=()
  local k port active suspended releases
  hd_status exists yes
  for k in tenant domain aliases type tls www memory-limit upload-max suspended; do
    hd_status "$k" "$(site_state "$k")"
  done
  suspended=$(site_state suspended)
  # The port as the host runs it (from the env file), not just as recorded.
  port=$(sed -n 's/^HOSTDECK_PHP_LISTEN=127\.0\.0\.1://p' "$SITE_ENV_DIR/$SITE.env" 2>/dev/null || true)
  hd_status port "${port:-none}"
  active=$(hd_unit_active "$SITE_UNIT")
  hd_status active "$([[ $active == active ]] && echo yes || echo no)"
  hd_status release "$(site_current_release)"
  releases=$(site_releases | paste -sd, -)
  hd_status releases "${releases:-none}"
  [[ -d $SITE_DIR ]] || drift+=("directory:$SITE_DIR:missing")
  [[ -L $SITE_DIR/current && -d $SITE_DIR/current/ ]] || drift+=("release:current:missing")
  [[ $port == "$(site_state port)" ]] || drift+=("port:${port:-none}:expected-$(site_state port)")
  getent passwd "$TUSER" >/dev/null || drift+=("user:$TUSER:missing")
  mapfile -t -O "${#drift[@]}" drift < <(hd_file_drift)
  local aside
  aside=$(hd_caddy_set_aside "$SITE")
  hd_status caddy-set-aside "$aside"
  [[ -z $aside ]] || drift+=("caddy:set-aside")
  if [[ $suspended == 1 ]]; then
    [[ $active != active ]] || drift+=("service:$SITE_UNIT:active-while-suspended")
  else
    [[ $active == active ]] || drift+=("service:$SITE_UNIT:$active")
  fi
  if command -v mariadb >/dev/null && site_db_query; then
    hd_status database "$([[ $HD_SQL_OUT == 1 ]] && echo "$SITE_DB" || echo missing)"
    [[ $HD_SQL_OUT == 1 ]] || drift+=("database:$SITE_DB:missing")
  fi
  hd_status drift "$(hd_join_drift "${drift[@]}")"
}
