#!/usr/bin/env bash
# fail2ban: bans addresses that keep failing SSH logins, with nftables. Debian 12's stock sshd
# jail watches the journal for sshd.service, but Debian's unit is ssh.service, so out of the box
# it never sees a failed login (and with no /var/log/auth.log the service does not even start);
# this jail reads the journal with the right match. The addresses the operator manages the host
# from go in --ignore-ip so a few mistyped logins never lock them out.
set -Eeuo pipefail

readonly F2B_JAIL=/etc/fail2ban/jail.d/hostdeck.local

fail2ban_options_install() {
  hd_option ignore-ip "^($HD_RE_IP4|$HD_RE_IP6)(,($HD_RE_IP4|$HD_RE_IP6)){0,31}$|^$" '' \
    "a comma-separated list of IPv4/IPv6 addresses or networks never to ban (e.g. 203.0.113.7,2001:db8::/64)"
  hd_option ssh-port "$HD_RE_PORT" 22 "the port sshd listens on (1-65535)"
  hd_option max-retry '^([1-9]|[1-9][0-9])$' 5 "failed logins before a ban (1-99)"
  hd_option ban-seconds '^[1-9][0-9]{1,6}$' 3600 "how long a ban lasts, in seconds (10-9999999)"
}

fail2ban_validate_install() {
  hd_check_ports --ssh-port "${HD_OPT[ssh-port]}"
}

fail2ban_render() { # -> F2B_WANT
  local ignore="127.0.0.1/8 ::1"
  [[ -n ${HD_OPT[ignore-ip]} ]] && ignore+=" ${HD_OPT[ignore-ip]//,/ }"
  F2B_WANT="# $HD_MANAGED_MARK (fail2ban module). Hand edits show as drift in status and are
# replaced by the next install.
[DEFAULT]
ignoreip = $ignore
banaction = nftables-multiport
banaction_allports = nftables-allports

[sshd]
enabled = true
port = ${HD_OPT[ssh-port]}
backend = systemd
# Debian's unit is ssh.service, not the sshd.service the stock filter watches.
journalmatch = _SYSTEMD_UNIT=ssh.service + _COMM=sshd
maxretry = ${HD_OPT[max-retry]}
findtime = 600
bantime = ${HD_OPT[ban-seconds]}
"
}

fail2ban_check() { hd_run fail2ban-client --test; } # the validate hook: the live config as a whole

# The reload hook: a running fail2ban reloads now (ensure_service reports it); a stopped one
# reads the jail when ensure_service starts it.
fail2ban_reload() {
  [[ $(hd_unit_active fail2ban) == active ]] || return 0
  hd_run systemctl reload fail2ban || return 1
  hd_notify fail2ban reloaded
}

# The jail file, checked with `fail2ban-client --test` before the service sees it.
fail2ban_ensure_jail() {
  local ignoring="sshd jail, ignoring ${HD_OPT[ignore-ip]:-loopback only}"
  fail2ban_render
  ensure_validated_file "file $F2B_JAIL" "$F2B_JAIL" 0644 root root "$F2B_WANT" \
    --validate fail2ban_check --in-place --reload fail2ban_reload --unit fail2ban \
    --ok "$ignoring" --would "would write (checked with fail2ban-client --test first)" --changed "written ($ignoring)" \
    --invalid "fail2ban-client --test rejected the config, nothing was changed" \
    --refused "fail2ban refused the new jail on reload; the previous file was put back"
  hd_record_file "$F2B_JAIL"
}

fail2ban_jail_running() { fail2ban-client status sshd >/dev/null 2>&1; }

fail2ban_ensure_jail_running() {
  local step="jail sshd"
  [[ $HD_CHECK == 1 ]] && return 0
  # Right after a (re)start the server may still be setting its jails up: poll for 10 s.
  local _
  for _ in {1..20}; do
    if fail2ban_jail_running; then
      hd_ok "$step" "running"
      return 0
    fi
    sleep 0.5
  done
  hd_fail "$step" "fail2ban runs but the sshd jail is not active (see: journalctl -u fail2ban)"
}

fail2ban_require_installed() {
  [[ -n $(hd_pkg_version fail2ban) ]] || hd_fail "package fail2ban" "not installed; run: fail2ban install"
}

fail2ban_install() {
  # python3-systemd lets the jail read the journal; it is only a Recommends of fail2ban.
  ensure_packages fail2ban python3-systemd nftables
  fail2ban_ensure_jail
  ensure_service fail2ban enabled active
  fail2ban_ensure_jail_running
  hd_state_set wanted enabled
}

fail2ban_enable() {
  fail2ban_require_installed
  ensure_service fail2ban enabled active
  fail2ban_ensure_jail_running
  hd_state_set wanted enabled
}

fail2ban_disable() {
  fail2ban_require_installed
  ensure_service fail2ban disabled inactive
  hd_state_set wanted disabled
}

fail2ban_remove() {
  if [[ -n $(hd_pkg_version fail2ban) ]]; then
    ensure_service fail2ban disabled inactive
  fi
  ensure_package_absent fail2ban
  ensure_file_absent "$F2B_JAIL"
  hd_state_clear
}

fail2ban_status() {
  # shellcheck disable=SC2034 # version is set by hd_status_package_service
  local version drift=()
  hd_status_package_service fail2ban fail2ban
  if [[ $(hd_state_get wanted) == enabled && $(hd_unit_active fail2ban) == active ]] && ! fail2ban_jail_running; then
    drift+=(jail:sshd:not-running)
  fi
  hd_status drift "$(hd_join_drift "${drift[@]}")"
}
