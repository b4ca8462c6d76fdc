#!/usr/bin/env bash
# unattended-upgrades: the host installs security updates by itself, every day. Installs the
# package and writes /etc/apt/apt.conf.d/20auto-upgrades (the file Debian's and Ubuntu's own
# dpkg-reconfigure writes) with
#   APT::Periodic::Update-Package-Lists "1";  APT::Periodic::Unattended-Upgrade "1";
# which apt-daily.timer / apt-daily-upgrade.timer (shipped by apt) act on. What gets upgraded is
# the distribution's stock policy in 50unattended-upgrades, left as shipped: on Debian the
# security archive and stable point-release updates, on Ubuntu the -security pocket.
# After writing, the values apt actually uses are read back with `apt-config dump`, so another
# file in apt.conf.d that turns them off again is caught instead of reported as done.
set -Eeuo pipefail

readonly UU_CONF=/etc/apt/apt.conf.d/20auto-upgrades
readonly UU_TIMERS=(apt-daily.timer apt-daily-upgrade.timer)


unattended_upgrades_render() { # 1|0 -> UU_WANT
  local v=$1 what=enabled
  [[ $v == 1 ]] || what='disabled (unattended-upgrades disable)'
  UU_WANT="// $HD_MANAGED_MARK (unattended-upgrades module): automatic updates $what.
// Hand edits show as drift in status and are replaced by the next install/enable/disable.
APT::Periodic::Update-Package-Lists \"$v\";
APT::Periodic::Unattended-Upgrade \"$v\";
"
}

# The effective value of an APT::Periodic option, as apt resolves all of apt.conf.d.
unattended_upgrades_effective() { # NAME -> value (empty when unset)
  apt-config dump "APT::Periodic::$1" 2>/dev/null |
    sed -n "s/^APT::Periodic::$1 \"\\(.*\\)\";\$/\\1/p" | tail -n 1 || true
}

unattended_upgrades_ensure_conf() { # 1|0
  unattended_upgrades_render "$1"
  ensure_file "$UU_CONF" 0644 root root "$UU_WANT"
  [[ $HD_CHECK == 1 ]] || hd_record_file "$UU_CONF"
}

# What apt will actually do, once every file in apt.conf.d is read.
unattended_upgrades_ensure_effective() { # 1|0
  local step="apt periodic settings" lists upgrade
  if [[ $HD_CHECK == 1 && ! -f $UU_CONF ]]; then
    hd_changed "$step" "would read back with apt-config once $UU_CONF is written"
    return 0
  fi
  lists=$(unattended_upgrades_effective Update-Package-Lists)
  upgrade=$(unattended_upgrades_effective Unattended-Upgrade)
  if [[ $HD_CHECK == 1 && ($lists != "$1" || $upgrade != "$1") ]]; then
    hd_changed "$step" "would become Update-Package-Lists=$1 Unattended-Upgrade=$1 (now ${lists:-unset}/${upgrade:-unset})"
    return 0
  fi
  if [[ $lists != "$1" || $upgrade != "$1" ]]; then
    local others
    others=$(grep -lE 'APT::Periodic::(Update-Package-Lists|Unattended-Upgrade)' /etc/apt/apt.conf.d/* 2>/dev/null |
      grep -vxF "$UU_CONF" | paste -sd' ' - || true)
    hd_fail "$step" "apt resolves Update-Package-Lists=${lists:-unset} Unattended-Upgrade=${upgrade:-unset} although $UU_CONF sets \"$1\": another file overrides it (${others:-none found in /etc/apt/apt.conf.d}); remove that setting and run again"
  fi
  hd_ok "$step" "Update-Package-Lists=$lists Unattended-Upgrade=$upgrade ($( [[ $1 == 1 ]] && echo 'daily security updates' || echo 'no automatic updates'))"
}

unattended_upgrades_ensure_timers() {
  local t
  for t in "${UU_TIMERS[@]}"; do ensure_service "$t" enabled active; done
}

unattended_upgrades_require_installed() {
  [[ -n $(hd_pkg_version unattended-upgrades) ]] ||
    hd_fail "package unattended-upgrades" "not installed; run: unattended-upgrades install"
}

unattended_upgrades_install() {
  ensure_packages unattended-upgrades
  unattended_upgrades_ensure_conf 1
  unattended_upgrades_ensure_effective 1
  unattended_upgrades_ensure_timers
  hd_state_set wanted enabled
}

unattended_upgrades_enable() {
  unattended_upgrades_require_installed
  unattended_upgrades_ensure_conf 1
  unattended_upgrades_ensure_effective 1
  unattended_upgrades_ensure_timers
  hd_state_set wanted enabled
}

# The periodic settings go to "0"; the apt timers stay (they belong to apt, and with both
# settings off their daily runs do nothing).
unattended_upgrades_disable() {
  unattended_upgrades_require_installed
  unattended_upgrades_ensure_conf 0
  unattended_upgrades_ensure_effective 0
  hd_state_set wanted disabled
}

# Removes the package (its configuration in 50unattended-upgrades is kept, as apt-get remove
# does) and the 20auto-upgrades file.
unattended_upgrades_remove() {
  ensure_package_absent unattended-upgrades
  ensure_file_absent "$UU_CONF"
  hd_state_clear
}

unattended_upgrades_status() {
  local version wanted lists upgrade on=no active=no t drift=()
  version=$(hd_pkg_version unattended-upgrades)
  wanted=$(hd_state_get wanted)
  lists=$(unattended_upgrades_effective Update-Package-Lists)
  upgrade=$(unattended_upgrades_effective Unattended-Upgrade)
  [[ -n $version && $lists == 1 && $upgrade == 1 ]] && on=yes
  [[ $on == yes && $(hd_unit_active apt-daily-upgrade.timer) == active ]] && active=yes
  hd_status installed "$([[ -n $version ]] && echo yes || echo no)"
  hd_status version "${version:-none}"
  hd_status enabled "$on"
  hd_status active "$active"
  hd_status update-package-lists "${lists:-unset}"
  hd_status unattended-upgrade "${upgrade:-unset}"
  if [[ -n $wanted ]]; then
    local want=1
    [[ $wanted == enabled ]] || want=0
    [[ -n $version ]] || drift+=(package:unattended-upgrades:missing)
    mapfile -t -O "${#drift[@]}" drift < <(hd_file_drift)
    [[ $lists == "$want" ]] || drift+=("apt-periodic:Update-Package-Lists=${lists:-unset}")
    [[ $upgrade == "$want" ]] || drift+=("apt-periodic:Unattended-Upgrade=${upgrade:-unset}")
    if [[ $wanted == enabled ]]; then
      for t in "${UU_TIMERS[@]}"; do
        [[ $(hd_unit_enabled "$t") == enabled ]] || drift+=("service:$t:$(hd_unit_enabled "$t")")
        [[ $(hd_unit_active "$t") == active ]] || drift+=("service:$t:$(hd_unit_active "$t")")
      done
    fi
  fi
  hd_status drift "$(hd_join_drift "${drift[@]}")"
}
