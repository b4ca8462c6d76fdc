#!/usr/bin/env bash
# systemd services (sourced through lib.sh): ensure_service, pending restarts, status and drift.
# shellcheck disable=SC2034 # globals here are set for, or read by, the modules and other lib parts

declare -A HD_PENDING=()  # units whose config changed this run: unit -> restart|reload

hd_unit_enabled() { # UNIT -> enabled|disabled|masked|static|... (never fails)
  systemctl is-enabled -- "$1" 2>/dev/null || true
}
hd_unit_active() { systemctl is-active -- "$1" 2>/dev/null || true; }

# UNIT restart|reload: the unit's config changed; ensure_service applies it. `reloaded`: it was
# reloaded already (an ensure_validated_file reload hook), ensure_service only reports it.
hd_notify() { # UNIT restart|reload|reloaded
  [[ ${HD_PENDING[$1]-} == restart ]] || HD_PENDING[$1]=$2
}

# UNIT is enabled (or disabled, or masked) and active (or inactive, or `any`: left as it is).
# An active unit with a pending restart/reload (hd_notify) is restarted/reloaded here.
ensure_service() { # UNIT enabled|disabled|masked active|inactive|any
  local unit=$1 want_en=$2 want_act=$3 en act
  local -a did=()
  en=$(hd_unit_enabled "$unit")
  act=$(hd_unit_active "$unit")
  case $want_en in
  enabled)
    if [[ $en == masked ]]; then
      [[ $HD_CHECK == 1 ]] || hd_run systemctl unmask -- "$unit" || hd_fail "service $unit" "unmask failed: $HD_LAST_OUTPUT"
      did+=(unmasked)
      en=disabled
    fi
    if [[ $en != enabled && $en != static && $en != alias ]]; then
      [[ $HD_CHECK == 1 ]] || hd_run systemctl enable -- "$unit" || hd_fail "service $unit" "enable failed: $HD_LAST_OUTPUT"
      did+=(enabled)
    fi
    ;;
  disabled)
    if [[ $en == enabled ]]; then
      [[ $HD_CHECK == 1 ]] || hd_run systemctl disable -- "$unit" || hd_fail "service $unit" "disable failed: $HD_LAST_OUTPUT"
      did+=(disabled)
    fi
    ;;
  masked)
    if [[ $en != masked ]]; then
      [[ $HD_CHECK == 1 ]] || hd_run systemctl mask -- "$unit" || hd_fail "service $unit" "mask failed: $HD_LAST_OUTPUT"
      did+=(masked)
    fi
    ;;
  esac
  if [[ $want_act == active ]]; then
    if [[ $act != active ]]; then
      if [[ $HD_CHECK != 1 ]] && ! hd_run systemctl start -- "$unit"; then
        hd_fail "service $unit" "start failed: $HD_LAST_OUTPUT (see: journalctl -u $unit)"
      fi
      did+=(started)
    elif [[ ${HD_PENDING[$unit]-} == reloaded ]]; then
      did+=("reloaded: configuration changed")
    elif [[ -n ${HD_PENDING[$unit]-} ]]; then
      local how=${HD_PENDING[$unit]}
      if [[ $HD_CHECK != 1 ]] && ! hd_run systemctl "$how" -- "$unit"; then
        hd_fail "service $unit" "$how failed: $HD_LAST_OUTPUT (see: journalctl -u $unit)"
      fi
      did+=("${how}ed: configuration changed")
    fi
  elif [[ $want_act == inactive ]] && [[ $act == active || $act == activating || $act == reloading ]]; then
    [[ $HD_CHECK == 1 ]] || hd_run systemctl stop -- "$unit" || hd_fail "service $unit" "stop failed: $HD_LAST_OUTPUT"
    did+=(stopped)
  fi
  unset 'HD_PENDING[$unit]'
  if ((${#did[@]} == 0)); then
    hd_ok "service $unit" "$en, $act"
  else
    # "started"/"restarted" must be true a moment later too: a unit that dies right after systemctl
    # returned (a crash on its new config, a kill) fails the step with systemd's own account.
    if [[ $want_act == active && $HD_CHECK != 1 ]]; then hd_service_stays_up "$unit"; fi
    local joined
    joined=$(printf '%s, ' "${did[@]}")
    hd_changed "service $unit" "${joined%, }"
  fi
}

# UNIT is still active with the same main process after a short settle time (half a second, polled).
hd_service_stays_up() { # UNIT
  local unit=$1 pid now state i
  pid=$(systemctl show -p MainPID --value -- "$unit" 2>/dev/null || true)
  for ((i = 0; i < 5; i++)); do
    sleep 0.1
    state=$(hd_unit_active "$unit")
    now=$(systemctl show -p MainPID --value -- "$unit" 2>/dev/null || true)
    if [[ $state != active && $state != reloading ]] || [[ $pid != 0 && $now != "$pid" ]]; then
      local why journal
      why=$(systemctl show -p Result,ExecMainCode,ExecMainStatus,NRestarts -- "$unit" 2>/dev/null | paste -sd' ' -)
      journal=$(journalctl -u "$unit" -n 8 --no-pager -o cat 2>/dev/null | tail -c 600 | paste -sd'|' -)
      hd_fail "service $unit" "it was started but did not stay up: now $state, main pid $pid -> ${now:-none} ($why). Last journal lines: ${journal:-none} (see: journalctl -u $unit)"
    fi
  done
}

# systemd re-reads its units (after a unit file, drop-in or generator input changed): one step.
hd_daemon_reload() { # WHY
  [[ $HD_CHECK == 1 ]] || hd_run systemctl daemon-reload || hd_fail "systemd units" "daemon-reload failed: $HD_LAST_OUTPUT"
  hd_changed "systemd units" "daemon-reload: $1"
}

# The frankenphp module's site guard (only root and caddy reach the sites' ports). A reload re-reads
# the sites' ports and caddy's uid; never a restart, which would stop every site (they require it).
hd_site_guard_installed() { systemctl cat hostdeck-site-guard.service >/dev/null 2>&1; }
hd_site_guard_reload() { hd_run systemctl reload-or-restart hostdeck-site-guard.service; }

# Status lines every module reports for its main unit.
hd_status_service() { # UNIT
  local en act
  en=$(hd_unit_enabled "$1")
  act=$(hd_unit_active "$1")
  hd_status enabled "$([[ $en == enabled ]] && echo yes || echo no)"
  hd_status active "$([[ $act == active ]] && echo yes || echo no)"
}

# Status of a module that is one package and one service: prints installed, version, enabled and
# active, and, once the module was asked for, appends the standard drift (package missing, recorded
# files changed, service not as wished) to the caller's `drift` array and sets the caller's `version`
# (declare both local first: bash functions see their caller's locals).
hd_status_package_service() { # PACKAGE UNIT
  version=$(hd_pkg_version "$1")
  hd_status installed "$([[ -n $version ]] && echo yes || echo no)"
  hd_status version "${version:-none}"
  hd_status_service "$2"
  [[ -n $(hd_state_get wanted) ]] || return 0
  [[ -n $version ]] || drift+=("package:$1:missing")
  mapfile -t -O "${#drift[@]}" drift < <(hd_file_drift)
  mapfile -t -O "${#drift[@]}" drift < <(hd_service_drift "$2")
}

# Drift of a unit against the recorded wish (wanted=enabled|disabled): prints service:UNIT:state.
hd_service_drift() { # UNIT
  local wanted en act
  wanted=$(hd_state_get wanted)
  [[ -n $wanted ]] || return 0
  en=$(hd_unit_enabled "$1")
  act=$(hd_unit_active "$1")
  if [[ $wanted == enabled ]]; then
    [[ $en == enabled ]] || printf 'service:%s:%s\n' "$1" "${en:-unknown}"
    [[ $act == active ]] || printf 'service:%s:%s\n' "$1" "${act:-unknown}"
  else
    [[ $en != enabled ]] || printf 'service:%s:enabled\n' "$1"
    [[ $act != active ]] || printf 'service:%s:active\n' "$1"
  fi
}

# sshd's whole config (every drop-in in place) passes `sshd -t`: the validate hook of the sshd
# drop-ins (ssh-hardening, the backup module's offsite accounts). sshd -t needs its privilege
# separation dir.
hd_sshd_check() {
  [[ -d /run/sshd ]] || mkdir -p /run/sshd
  hd_run sshd -t
}

# The reload hook of those drop-ins: a running sshd reloads (existing sessions stay); one that is
# not running (socket-activated setups start it on demand) is left alone. HD_SSHD_RELOADED=1 when
# it reloaded.
hd_sshd_reload() {
  [[ $(hd_unit_active ssh) == active ]] || return 0
  hd_run systemctl reload ssh || return 1
  HD_SSHD_RELOADED=1
}
HD_SSHD_RELOADED=0

# The sandbox of the sites' unit (hostdeck-php@.service as installed), one directive a line: what
# tenant code run for a site gets too (tasks, scheduled jobs), so hardening the unit hardens them.
# Its writable paths are left out (each caller names the site's own). Nothing when not installed.
hd_site_sandbox_lines() {
  local unit=/etc/systemd/system/hostdeck-php@.service line in=0
  [[ -f $unit ]] || return 0
  while IFS= read -r line; do
    [[ $line == '# Sandbox.'* ]] && in=1
    [[ $line == '['* ]] && in=0
    [[ $line == ReadWritePaths=* ]] && continue
    ((in == 1)) && [[ $line =~ ^[A-Z][A-Za-z]+= ]] && printf '%s\n' "$line"
  done <"$unit"
  return 0
}
