#!/usr/bin/env bash
# The site's PHP (sourced by modules/site.sh): its php.ini and unit env file, hostdeck-php@<site>,
# the port guard, a foreign listener on its port, and the health check through Caddy.

site_render_env() {
  SITE_ENV="# $HD_MANAGED_MARK (site module): how hostdeck-php@$SITE runs.
HOSTDECK_PHP_USER=$TUSER
HOSTDECK_PHP_LISTEN=127.0.0.1:$(site_state port)
HOSTDECK_PHP_ROOT=$SITE_DIR/current/public
PHP_INI_SCAN_DIR=:$SITE_INI_DIR/$SITE
"
}

site_render_ini() {
  local kv
  local -a pairs
  SITE_INI="; $HD_MANAGED_MARK (site module): PHP settings of site $SITE.
; The site may only open files of its own directory.
open_basedir = \"$SITE_DIR/\"
sys_temp_dir = \"$SITE_DIR/tmp\"
upload_tmp_dir = \"$SITE_DIR/tmp\"
session.save_path = \"$SITE_DIR/tmp\"
memory_limit = $(site_state memory-limit)
upload_max_filesize = $(site_state upload-max)
post_max_size = $(site_state upload-max)
expose_php = Off
allow_url_include = Off
; Errors go to the process's stderr, that is the journal of hostdeck-php@$SITE (the site's log source).
display_errors = Off
log_errors = On
"
  IFS=, read -r -a pairs <<<"$(site_state php-ini)"
  for kv in "${pairs[@]}"; do
    SITE_INI+="${kv%%=*} = \"${kv#*=}\""$'\n'
  done
}

site_ensure_php() { # active|inactive
  # shellcheck disable=SC2153 # SITE_UNIT is set by site_names (modules/site.sh)
  [[ -x /usr/local/bin/frankenphp && -f /etc/systemd/system/hostdeck-php@.service ]] ||
    hd_fail "service $SITE_UNIT" "FrankenPHP is not installed on this host: install the frankenphp module first."
  # A site's settings are its tenant's to read, no other tenant's (FrankenPHP reads them as the tenant).
  ensure_dir "$SITE_INI_DIR" 0755 root root
  ensure_dir "$SITE_INI_DIR/$SITE" 0750 root "$TUSER"
  site_render_ini
  ensure_file "$SITE_INI_DIR/$SITE/50-hostdeck.ini" 0640 root "$TUSER" "$SITE_INI"
  local changed=$HD_FILE_CHANGED
  hd_record_file "$SITE_INI_DIR/$SITE/50-hostdeck.ini"
  site_render_env
  ensure_file "$SITE_ENV_DIR/$SITE.env" 0640 root root "$SITE_ENV"
  if ((HD_FILE_CHANGED == 1)); then
    # The generator turns the env file's user into the unit's User=.
    hd_daemon_reload "$SITE_ENV_DIR/$SITE.env changed"
    changed=1
  fi
  hd_record_file "$SITE_ENV_DIR/$SITE.env"
  site_ensure_guard
  ((changed == 0)) || hd_notify "$SITE_UNIT" restart
  if [[ $1 == active ]]; then
    site_refuse_foreign_listener
    ensure_service "$SITE_UNIT" enabled active
  elif [[ -e /etc/systemd/system/multi-user.target.wants/$SITE_UNIT || $(hd_unit_active "$SITE_UNIT") == active ]]; then
    ensure_service "$SITE_UNIT" disabled inactive
  else
    hd_ok "service $SITE_UNIT" "stopped (site suspended)"
  fi
}

# The process listening on 127.0.0.1:PORT, as "user pid", or nothing.
site_port_listener() { # PORT
  local line
  line=$(ss -Hltnp "src 127.0.0.1:$1" 2>/dev/null | head -n 1 || true)
  [[ $line =~ pid=([0-9]+) ]] || return 0
  printf '%s %s' "$(stat -c %U "/proc/${BASH_REMATCH[1]}" 2>/dev/null || echo unknown)" "${BASH_REMATCH[1]}"
}

# The site's port must be its own. Any local user may bind a free loopback port, and the site's is
# free whenever its PHP restarts (a deploy, a crash): another tenant that takes it then would get
# this site's visitors from Caddy. When the port is held by anyone but the tenant, the site's Caddy
# file becomes the maintenance page (the visitors go nowhere) and the run fails saying who holds it.
# Cleared (port-taken) once the site's own PHP answers there again.
site_refuse_foreign_listener() {
  [[ $HD_CHECK == 1 ]] && return 0
  local port listener
  port=$(site_state port)
  listener=$(site_port_listener "$port")
  if [[ -z $listener || ${listener%% *} == "$TUSER" ]]; then
    if [[ $(site_state port-taken) == 1 && ${listener%% *} == "$TUSER" ]]; then
      hd_state_set port-taken ''
      site_ensure_caddy
    fi
    return 0
  fi
  hd_state_set port-taken 1
  site_ensure_caddy
  hd_fail "port" "127.0.0.1:$port, the port of site $SITE, is held by a process of user ${listener%% *} (pid ${listener#* }), not by $TUSER. Caddy now answers the site's domains with its maintenance page, so no visitor reaches that process. Stop it (ss -ltnp 'sport = :$port' shows it; it may be another tenant's code), then resume or update the site."
}

# The frankenphp module's nftables guard knows this site's port and user (only root and caddy may
# connect to it on loopback, and only the site's own user may answer there, so a squatter gets no
# visitor): it reads both from the env files, so it is reloaded when one changes.
site_ensure_guard() {
  local port step="site guard"
  port=$(site_state port)
  if [[ $HD_CHECK == 1 ]]; then
    if site_guard_has "$port"; then
      hd_ok "$step" "127.0.0.1:$port: caddy and root only may connect, $TUSER only may answer"
    else
      hd_changed "$step" "would let only caddy and root connect to 127.0.0.1:$port, and only $TUSER answer"
    fi
    return 0
  fi
  hd_site_guard_installed ||
    hd_fail "$step" "hostdeck-site-guard is not installed on this host (it came with a newer frankenphp module): run frankenphp install again, then this."
  if site_guard_has "$port"; then
    hd_ok "$step" "127.0.0.1:$port: caddy and root only may connect, $TUSER only may answer"
    return 0
  fi
  hd_site_guard_reload ||
    hd_fail "$step" "loading the nftables guard failed: $HD_LAST_OUTPUT (see: journalctl -u hostdeck-site-guard)"
  site_guard_has "$port" || hd_fail "$step" "the guard loaded without port $port for $TUSER (see: journalctl -u hostdeck-site-guard; a guard older than this script: run frankenphp install again)"
  hd_changed "$step" "127.0.0.1:$port: caddy and root only may connect, $TUSER only may answer"
}

site_guard_has() { # PORT: the loaded guard lists it, and the site's user as the one answering there
  local uid
  uid=$(id -u -- "$TUSER" 2>/dev/null) || return 1
  nft get element inet hostdeck_sites site_ports "{ $1 }" >/dev/null 2>&1 &&
    nft get element inet hostdeck_sites site_owners "{ $uid . $1 }" >/dev/null 2>&1
}

# HTTP status of a GET, from this host: direct to the site's PHP, or through Caddy.
site_http_code() { # URL [curl args...]
  local url=$1
  shift
  curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$@" -- "$url" 2>/dev/null || true
}

# The site answers: its own PHP on loopback, then through Caddy under its primary name. Returns 1
# with the reason in SITE_HEALTH_ERR.
site_health_probe() {
  local port domain tls code='' i
  port=$(site_state port)
  domain=$(site_primary_host)
  tls=$(site_state tls)
  for ((i = 0; i < 50; i++)); do
    code=$(site_http_code "http://127.0.0.1:$port/")
    [[ $code =~ ^[1-4][0-9][0-9]$ ]] && break
    sleep 0.2
  done
  if [[ ! $code =~ ^[1-4][0-9][0-9]$ ]]; then
    SITE_HEALTH_ERR="the site's PHP on 127.0.0.1:$port does not answer (HTTP ${code:-none}); see: journalctl -u $SITE_UNIT"
    return 1
  fi
  # Whoever answered must be the site itself (not a process that took the port while it restarted).
  site_refuse_foreign_listener
  case $tls in
  off) code=$(site_http_code "http://$domain/" --resolve "$domain:80:127.0.0.1") ;;
  internal) code=$(site_http_code "https://$domain/" -k --resolve "$domain:443:127.0.0.1") ;;
  auto)
    # The certificate may still be on its way: Caddy answering for the name (its HTTP->HTTPS
    # redirect) is what can be checked now.
    code=$(site_http_code "http://$domain/" --resolve "$domain:80:127.0.0.1")
    ;;
  esac
  if [[ ! $code =~ ^[1-4][0-9][0-9]$ ]]; then
    SITE_HEALTH_ERR="Caddy does not serve $domain (HTTP ${code:-none}); see: journalctl -u caddy"
    return 1
  fi
  SITE_HEALTH_OK="PHP on 127.0.0.1:$port and Caddy for $domain answer (HTTP $code)"
}

site_health() {
  [[ $HD_CHECK == 1 ]] && return 0
  site_health_probe || hd_fail "health" "$SITE_HEALTH_ERR"
  hd_ok "health" "$SITE_HEALTH_OK"
}
