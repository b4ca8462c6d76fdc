#!/usr/bin/env bash
# caddy: the one web front of the host (ports 80/443, TLS). The main Caddyfile only holds global
# options, `import /etc/caddy/sites/*.caddy` (one file per site, written by the site scripts)
# and a default site on :80. Every change is validated as a whole config (sites included)
# before it is swapped in; a failed reload restores the previous file, and the last config that
# loaded is kept in /var/lib/hostdeck/caddy/last-good/.
set -Eeuo pipefail

readonly CADDY_FILE=$HD_CADDY_FILE
readonly CADDY_SITES=$HD_CADDY_SITES
readonly CADDY_KEEP=$HD_CADDY_KEEP
# Caddy's admin API, which can replace the whole config (route any domain anywhere, read every
# site's settings), listens on a unix socket in a directory only caddy (and root) can enter,
# never on TCP: Debian's default, localhost:2019 without auth, is open to every tenant's code.
readonly CADDY_ADMIN_DIR=/run/caddy
readonly CADDY_ADMIN="unix/$CADDY_ADMIN_DIR/admin.sock"
readonly CADDY_DROPIN=/etc/systemd/system/caddy.service.d/50-hostdeck.conf
# Run by the service before every start and reload: a site file that does not validate on its own
# is set aside (files/caddy/hostdeck-caddy-guard.sh), so one broken site never stops the others.
readonly CADDY_GUARD=/usr/local/libexec/hostdeck/caddy-guard

caddy_options_install() {
  hd_option acme-email "$HD_RE_EMAIL" '' "an e-mail address for ACME account notices (user@example.com)"
}

# The wanted main Caddyfile, in CADDY_WANT.
caddy_render() {
  local global=$'{\n\tadmin '"$CADDY_ADMIN"$'\n'
  [[ -n ${HD_OPT[acme-email]} ]] && global+=$'\temail '"${HD_OPT[acme-email]}"$'\n'
  global+=$'}\n\n'
  CADDY_WANT="# $HD_MANAGED_MARK (caddy module). Hand edits show as drift in status and are
# replaced by the next install. Sites go in $CADDY_SITES/<site>.caddy.
${global}import $CADDY_SITES/*.caddy

# Default site: answers plain HTTP on port 80 for any name no site claims.
:80 {
	header Content-Type \"text/plain; charset=utf-8\"
	respond \"Hostdeck: this server is up. No site is configured for this name.\" 200
}
"
}

# The main Caddyfile, through ensure_validated_file: validated as a whole config (sites
# included) as the caddy user, swapped in, a running Caddy reloaded, the previous file restored
# if the reload fails, the config that loaded kept in $CADDY_KEEP/last-good.
caddy_ensure_caddyfile() {
  caddy_render
  # `caddy reload` posts the new config to the admin address the new file names; a running Caddy
  # still on another address (Debian's localhost:2019, or a file written by a run that was cut off
  # before the restart) cannot hear it there: restart it instead.
  local how=reload
  grep -qsF "admin $CADDY_ADMIN" "$CADDY_FILE" && [[ -S $CADDY_ADMIN_DIR/admin.sock ]] || how=restart
  HD_CADDY_HOW=$how ensure_validated_file "file $CADDY_FILE" "$CADDY_FILE" 0644 root root "$CADDY_WANT" \
    --validate hd_caddy_validate --reload hd_caddy_reload --keep hd_caddy_keep_last_good --unit caddy \
    --ok "imports $CADDY_SITES/*.caddy, default site on :80" --would "would write (validated first)" \
    --changed "validated and written" \
    --invalid "the new config does not validate (sites included), nothing was changed" \
    --refused "caddy refused the new config on reload; the previous file was restored"
  hd_record_file "$CADDY_FILE"
}

caddy_require_installed() {
  [[ -n $(hd_pkg_version caddy) ]] || hd_fail "package caddy" "not installed; run: caddy install"
}

# The admin socket's directory: made by systemd for the service (0700 caddy), gone when it stops.
caddy_ensure_dropin() {
  ensure_dir "${CADDY_DROPIN%/*}" 0755 root root
  ensure_dir /usr/local/libexec/hostdeck 0755 root root
  hd_ensure_shipped "$CADDY_GUARD" 0755 caddy/hostdeck-caddy-guard.sh
  ensure_file "$CADDY_DROPIN" 0644 root root "# $HD_MANAGED_MARK (caddy module): the admin API's unix socket lives here,
# and the guard sets aside a site file that does not validate before every start and reload.
[Service]
RuntimeDirectory=${CADDY_ADMIN_DIR#/run/}
RuntimeDirectoryMode=0700
ExecStartPre=+$CADDY_GUARD
ExecReload=
ExecReload=+$CADDY_GUARD
ExecReload=/usr/bin/caddy reload --config $CADDY_FILE --force
"
  hd_record_file "$CADDY_DROPIN"
  # (also when systemd has not read a drop-in written by a run cut off before its daemon-reload:
  # it is not among the unit's loaded drop-ins; NeedDaemonReload misses a new drop-in directory)
  if ((HD_FILE_CHANGED == 1)) || [[ " $(systemctl show -P DropInPaths caddy 2>/dev/null) " != *" $CADDY_DROPIN "* ]]; then
    hd_daemon_reload "$CADDY_DROPIN changed"
    hd_notify caddy restart
  fi
}

# The frankenphp module's site guard lets the caddy user reach the sites' ports; it reads caddy's
# uid when it loads, so a guard loaded before caddy existed (or before it was recreated) is reloaded.
caddy_ensure_guard_knows_caddy() {
  hd_site_guard_installed || return 0
  local uid step="site guard"
  uid=$(id -u caddy 2>/dev/null || true)
  [[ -n $uid ]] || return 0
  if nft list chain inet hostdeck_sites output 2>/dev/null | grep -qE "skuid != \{ 0, $uid \}"; then
    hd_ok "$step" "caddy (uid $uid) may reach the sites' ports"
    return 0
  fi
  [[ $HD_CHECK == 1 ]] || hd_site_guard_reload ||
    hd_fail "$step" "reloading hostdeck-site-guard failed: $HD_LAST_OUTPUT (see: journalctl -u hostdeck-site-guard)"
  hd_changed "$step" "reloaded: caddy (uid $uid) may reach the sites' ports"
}

caddy_install() {
  ensure_packages caddy
  # Site files name tenants' domains and settings: caddy reads them, tenants do not.
  ensure_dir "$CADDY_SITES" 0750 root caddy
  ensure_dir "$CADDY_KEEP" 0700 root root
  caddy_ensure_dropin
  caddy_ensure_caddyfile
  caddy_ensure_guard_knows_caddy
  ensure_service caddy enabled active
  hd_state_set wanted enabled
  hd_state_set acme-email "${HD_OPT[acme-email]}"
}

caddy_enable() {
  caddy_require_installed
  ensure_service caddy enabled active
  hd_state_set wanted enabled
}

caddy_disable() {
  caddy_require_installed
  ensure_service caddy disabled inactive
  hd_state_set wanted disabled
}

# Removes the package; /etc/caddy (the sites) and certificates in /var/lib/caddy are kept.
caddy_remove() {
  if [[ -n $(hd_pkg_version caddy) ]]; then
    ensure_service caddy disabled inactive
  fi
  ensure_package_absent caddy
  ensure_dir_absent "$CADDY_KEEP" "removed the last-good copy"
  hd_state_clear
}

caddy_status() {
  local version drift=()
  hd_status_package_service caddy caddy
  if [[ -n $version && -f $CADDY_FILE ]] && ! hd_caddy_validate "$CADDY_FILE"; then
    drift+=(config-invalid)
  fi
  # The admin API must never be on TCP, where every local user (tenants) could rewrite the config.
  if [[ -z $version ]]; then
    hd_status admin none
  elif [[ -n $(ss -Hltn 'sport = :2019' 2>/dev/null) ]]; then
    hd_status admin tcp
    drift+=(admin-api:tcp)
  else
    hd_status admin "$CADDY_ADMIN"
  fi
  hd_status drift "$(hd_join_drift "${drift[@]}")"
}
