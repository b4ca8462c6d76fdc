#!/usr/bin/env bash
# ssh-hardening: sshd settings through one drop-in read before every other sshd config file
# (sshd keeps the first value it reads for most keywords). Root may log in with a key only.
# Password (and keyboard-interactive) login is turned off only when the caller passes
# --key-login-proven, asserting it has just logged in with a key: otherwise the operator could be
# locked out. Every change is checked with `sshd -t` before sshd is reloaded, and undone if the
# check fails. Disable and remove take the drop-in away (sshd's own settings apply again).
set -Eeuo pipefail

readonly SSHH_DROPIN=/etc/ssh/sshd_config.d/00-hostdeck.conf

ssh_hardening_options_install() {
  hd_flag key-login-proven "the caller just logged in with a key: turn password login off"
}
# enable re-applies what install recorded; the flag may be given again to turn passwords off.
ssh_hardening_options_enable() { ssh_hardening_options_install; }

ssh_hardening_render() { # PROVEN(0|1) -> SSHH_WANT
  SSHH_WANT="# $HD_MANAGED_MARK (ssh-hardening module). Read before the other sshd config files;
# hand edits show as drift in status and are replaced by the next install.
PermitRootLogin prohibit-password
PermitEmptyPasswords no
"
  if [[ $1 == 1 ]]; then
    SSHH_WANT+="PasswordAuthentication no
KbdInteractiveAuthentication no
"
  fi
}

# What sshd will actually use, for the keys this module sets: "key value" lines.
ssh_hardening_effective() {
  sshd -T 2>/dev/null | awk '$1 ~ /^(permitrootlogin|permitemptypasswords|passwordauthentication|kbdinteractiveauthentication)$/'
}

# Writes (or with empty CONTENT removes) the drop-in through ensure_validated_file: checked with
# sshd -t in place, sshd reloaded, the previous state restored if either fails.
ssh_hardening_apply() { # CONTENT
  local step="file $SSHH_DROPIN" what=written
  local -a opts=(--ok "0644 root:root")
  HD_SSHD_RELOADED=0
  if [[ -z $1 ]]; then
    step+=" absent"
    what=removed
    opts=(--absent --ok "")
  fi
  [[ -d ${SSHH_DROPIN%/*} ]] || ensure_dir "${SSHH_DROPIN%/*}" 0755 root root
  ensure_validated_file "$step" "$SSHH_DROPIN" 0644 root root "$1" "${opts[@]}" \
    --validate hd_sshd_check --in-place --reload hd_sshd_reload --unit ssh \
    --would "would be $what (checked with sshd -t first)" --changed "$what, sshd -t passed" \
    --invalid "sshd -t rejected the resulting config, nothing was changed and sshd was not reloaded" \
    --refused "sshd refused the new config on reload; the previous drop-in was put back"
  if [[ -n $1 ]]; then hd_record_file "$SSHH_DROPIN"; else hd_state_set "file:$SSHH_DROPIN" ''; fi
}

# What happened to sshd after a change, as its own step (ssh_hardening_apply reloaded it).
ssh_hardening_reload() {
  if [[ $HD_SSHD_RELOADED == 1 ]]; then
    hd_changed "service ssh" "reloaded"
  else
    hd_ok "service ssh" "$(hd_unit_active ssh)"
  fi
}

# Another file read earlier (or a Match block) could still win over ours: say so plainly.
ssh_hardening_verify() { # PROVEN
  local step="sshd effective settings" eff problems=''
  # In check mode nothing was written, so sshd -T would only show today's values.
  [[ $HD_CHECK == 1 ]] && return 0
  eff=$(ssh_hardening_effective)
  [[ $eff == *'permitrootlogin without-password'* ]] || problems+=' PermitRootLogin'
  if [[ $1 == 1 ]]; then
    [[ $eff == *'passwordauthentication no'* ]] || problems+=' PasswordAuthentication'
    [[ $eff == *'kbdinteractiveauthentication no'* ]] || problems+=' KbdInteractiveAuthentication'
  fi
  if [[ -n $problems ]]; then
    hd_fail "$step" "sshd -T still shows other values for:$problems; another file in /etc/ssh overrides them, fix it by hand"
  fi
  hd_ok "$step" "$(printf '%s' "$eff" | tr '\n' ',' | sed 's/,$//')"
}

ssh_hardening_install() {
  local proven=${HD_OPT[key-login-proven]}
  ensure_packages openssh-server
  ssh_hardening_render "$proven"
  ssh_hardening_apply "$SSHH_WANT"
  ssh_hardening_reload
  ssh_hardening_verify "$proven"
  if [[ $proven != 1 ]]; then
    hd_ok "password login" "left as configured: pass --key-login-proven to turn it off"
  fi
  hd_state_set wanted enabled
  hd_state_set key-login-proven "$proven"
}

# enable re-applies what install recorded (the flag may be given again to turn passwords off).
ssh_hardening_enable() {
  [[ ${HD_OPT[key-login-proven]} == 1 ]] || HD_OPT[key-login-proven]=$(hd_state_get key-login-proven)
  HD_OPT[key-login-proven]=${HD_OPT[key-login-proven]:-0}
  ssh_hardening_install
}

ssh_hardening_disable() {
  ssh_hardening_apply ''
  ssh_hardening_reload
  hd_state_set wanted disabled
}

ssh_hardening_remove() {
  ssh_hardening_disable
  hd_state_clear
}

ssh_hardening_status() {
  local version drift=() eff
  version=$(hd_pkg_version openssh-server)
  hd_status installed "$([[ -f $SSHH_DROPIN ]] && echo yes || echo no)"
  hd_status version "${version:-none}"
  hd_status_service ssh
  if [[ $(hd_state_get wanted) == enabled ]]; then
    mapfile -t -O "${#drift[@]}" drift < <(hd_file_drift)
    eff=$(ssh_hardening_effective)
    [[ $eff == *'permitrootlogin without-password'* ]] || drift+=(sshd:permitrootlogin)
    if [[ $(hd_state_get key-login-proven) == 1 ]]; then
      [[ $eff == *'passwordauthentication no'* ]] || drift+=(sshd:passwordauthentication)
    fi
  fi
  hd_status drift "$(hd_join_drift "${drift[@]}")"
}
