#!/usr/bin/env bash
# Offsite copies (sourced by modules/backup.sh): this host's repository copied, snapshot by snapshot
# (restic copy, only what the copy lacks), into a restic repository on another host over SFTP
# (restic's own backend), and the other end: the accounts this host keeps for other hosts' copies.
#
# On the host backed up: `backup key` makes its own SSH key (root-only); `backup offsite --target
# hd-off-NAME@HOST` pins the other host's key (given on stdin by the app, which read it over its own
# verified connection: nothing is trusted on first use) and makes the copy's repository there with
# this repository's chunker parameters (deduplication carries over); `backup copy` brings it up to
# date (the timer runs it after every scheduled run); `backup prune` applies the retention there too.
#
# On the host keeping the copy: `backup accept --source NAME` makes the account hd-off-NAME, which
# can do nothing but SFTP inside its chroot (/var/backups/hostdeck-offsite/hd-off-NAME, root's; the
# repository in repo/, the account's): no shell, no forwarding, key login only, the key read from a
# root-owned file. Root here reads the copy only as that account (lib/restic.sh, --offsite NAME).
# `backup revoke` takes the key away; the copy stays.
# shellcheck disable=SC2034 # backup_*_VERBS are read by modules/backup.sh

readonly BACKUP_OFFSITE_KEY=$BACKUP_ETC/offsite_ed25519
readonly BACKUP_OFFSITE_KNOWN=$BACKUP_ETC/offsite_known_hosts
readonly BACKUP_OFFSITE_KEYS=/etc/ssh/hostdeck-offsite
readonly BACKUP_OFFSITE_SSHD=/etc/ssh/sshd_config.d/50-hostdeck-offsite.conf
readonly BACKUP_RE_TARGET='^hd-off-[a-z0-9]{8}@[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$'
readonly BACKUP_RE_HOSTKEY='^(ssh-ed25519|ecdsa-sha2-nistp(256|384|521)|ssh-rsa) [A-Za-z0-9+/]{60,1000}={0,2}$'
readonly BACKUP_RE_PUBKEY='^ssh-ed25519 [A-Za-z0-9+/]{68}( [!-~]{1,200})?$' # (a comment is dropped)

backup_options_offsite() {
  hd_option target "^(${BACKUP_RE_TARGET:1:-1})?\$" '' "the account and address of the copy on the other host (hd-off-NAME@HOST, made there by backup accept)"
  hd_option port "$HD_RE_PORT" 22 "the other host's SSH port"
  hd_flag host-key-stdin "the other host's SSH host key (type and base64) on the first line of stdin"
  hd_flag none "stop copying (the copy on the other host stays there)"
}
backup_validate_offsite() {
  if [[ ${HD_OPT[none]} == 1 ]]; then
    [[ -z ${HD_OPT[target]} ]] || hd_usage_fail "target" "--none takes no --target"
    return 0
  fi
  [[ -n ${HD_OPT[target]} ]] || hd_usage_fail "target" "--target is required (or --none)"
  ((10#${HD_OPT[port]} <= 65535)) || hd_usage_fail "port" "--port is 1-65535"
  [[ ${HD_OPT[host-key-stdin]} == 1 ]] ||
    hd_usage_fail "host-key-stdin" "the other host's key must be pinned: pass --host-key-stdin and the key on stdin"
  hd_read_line "host key (stdin)" "$BACKUP_RE_HOSTKEY" "an SSH host key (type and base64)"
  BACKUP_HOSTKEY=$HD_LINE
}
BACKUP_HOSTKEY=''

backup_options_accept() {
  hd_option source "^([a-z0-9]{8})?\$" '' "the name of the host whose copy this host keeps (8 lower-case letters or digits)"
  hd_flag public-key-stdin "that host's key (backup key there) on the first line of stdin"
}
backup_options_revoke() { hd_option source "^([a-z0-9]{8})?\$" '' "the name given to backup accept"; }
backup_validate_accept() {
  backup_validate_revoke
  [[ ${HD_OPT[public-key-stdin]} == 1 ]] ||
    hd_usage_fail "public-key-stdin" "pass --public-key-stdin and the other host's key on stdin"
  hd_read_line "public key (stdin)" "$BACKUP_RE_PUBKEY" "an ed25519 public key (backup key makes one)"
  BACKUP_PUBKEY=$(cut -d ' ' -f 1,2 <<<"$HD_LINE")
}
backup_validate_revoke() { [[ -n ${HD_OPT[source]} ]] || hd_usage_fail "source" "--source is required"; }
BACKUP_PUBKEY=''

# This host's key for its offsite copies: made once, root-only; its public half as a status line.
backup_key() {
  ensure_dir "$BACKUP_ETC" 0700 root root
  if [[ -f $BACKUP_OFFSITE_KEY && -f $BACKUP_OFFSITE_KEY.pub ]]; then
    hd_ok "offsite key" "$BACKUP_OFFSITE_KEY"
  elif [[ $HD_CHECK == 1 ]]; then
    hd_changed "offsite key" "would make an ed25519 key"
  else
    rm -f -- "$BACKUP_OFFSITE_KEY" "$BACKUP_OFFSITE_KEY.pub"
    hd_run ssh-keygen -q -t ed25519 -N '' -C "hostdeck-offsite@$(hostname)" -f "$BACKUP_OFFSITE_KEY" ||
      hd_fail "offsite key" "ssh-keygen failed: $HD_LAST_OUTPUT"
    hd_changed "offsite key" "made an ed25519 key"
  fi
  [[ ! -f $BACKUP_OFFSITE_KEY.pub ]] || hd_status public-key "$(cut -d ' ' -f 1,2 "$BACKUP_OFFSITE_KEY.pub")"
}

# restic against the copy on the other host: this host's key, the other host's pinned key (no
# prompt, no trust on first use), the repository's own password.
backup_remote() {
  local target port
  read -r target port <<<"${BACKUP_REMOTE:-$(hd_state_get offsite)}"
  [[ $target =~ $BACKUP_RE_TARGET && $port =~ $HD_RE_PORT ]] || hd_fail "offsite copy" "none set up (backup offsite --target)"
  restic --repo "sftp:$target:/repo" --password-file "$BACKUP_PASS" --cache-dir "$BACKUP_CACHE" \
    -o "sftp.command=ssh -i $BACKUP_OFFSITE_KEY -o IdentitiesOnly=yes -o UserKnownHostsFile=$BACKUP_OFFSITE_KNOWN -o HostKeyAlias=hostdeck-offsite -o StrictHostKeyChecking=yes -o BatchMode=yes -o ConnectTimeout=20 -o ServerAliveInterval=15 -o ServerAliveCountMax=4 -p $port $target -s sftp" \
    "$@"
}

backup_offsite() {
  backup_require_repo
  if [[ ${HD_OPT[none]} == 1 ]]; then
    if [[ -z $(hd_state_get offsite) ]]; then
      hd_ok "offsite copy" "none"
    else
      hd_state_set offsite ''
      hd_changed "offsite copy" "no longer made; what the other host has stays there"
    fi
    ensure_file_absent "$BACKUP_OFFSITE_KNOWN"
    return 0
  fi
  [[ -f $BACKUP_OFFSITE_KEY ]] || hd_fail "offsite key" "none yet: run backup key first"
  ensure_file "$BACKUP_OFFSITE_KNOWN" 0600 root root "hostdeck-offsite $BACKUP_HOSTKEY
"
  local want="${HD_OPT[target]} $((10#${HD_OPT[port]}))" had
  [[ $HD_CHECK != 1 ]] || { hd_ok "offsite copy" "would copy to ${HD_OPT[target]}"; return 0; }
  # The target is recorded (and the timer copies to it) only once its repository opens.
  had=$(hd_state_get offsite)
  BACKUP_REMOTE=$want
  # Made first: an existing one refuses at once ("already exists") and is then opened; opening
  # first would cost restic's retries of a missing config (about a minute) for every new copy.
  local step="offsite repository"
  if hd_run backup_remote init --repository-version 2 --from-repo "$BACKUP_REPO" \
    --from-password-file "$BACKUP_PASS" --copy-chunker-params; then
    hd_changed "$step" "made at ${HD_OPT[target]} (encrypted with this repository's password, its chunker parameters)"
  elif grep -q 'already exists' "$HD_TMP/out" && hd_run backup_remote cat config; then
    hd_ok "$step" "there, and opens with this repository's password"
  else
    hd_fail "$step" "cannot make or open the copy at ${HD_OPT[target]}: $(tail -n 1 <<<"$HD_LAST_OUTPUT"). Check that the other host accepted this one (backup accept) and is reachable on port ${want##* }; nothing was changed here"
  fi
  if [[ $had == "$want" ]]; then
    hd_ok "offsite copy" "${HD_OPT[target]}"
  else
    hd_state_set offsite "$want"
    hd_state_set last-copy ''
    hd_changed "offsite copy" "to ${HD_OPT[target]} (port ${want##* }) after every scheduled run"
  fi
}
BACKUP_REMOTE='' # the copy backup_remote talks to: "user@host port" (default: as recorded)

# The copy brought up to date: restic copies the snapshots it lacks (by their original id), and
# with them only the data it does not have. Stale locks of a copy that was cut short go first (restic
# unlock removes only locks whose process is gone). The result is recorded (last-copy).
backup_copy() {
  backup_require_repo
  if [[ -z $(hd_state_get offsite) ]]; then
    hd_ok "offsite copy" "none set up"
    return 0
  fi
  local target stamp n
  target=$(hd_state_get offsite)
  target=${target%% *}
  [[ $HD_CHECK != 1 ]] || { hd_ok "offsite copy" "would copy new snapshots to $target"; return 0; }
  stamp=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  if ! hd_run backup_remote unlock ||
    ! hd_run backup_remote copy --from-repo "$BACKUP_REPO" --from-password-file "$BACKUP_PASS"; then
    local why
    why=$(grep -iE 'fatal|error|denied|refused|timed out|no route' "$HD_TMP/out" | tail -n 1 || true)
    [[ -n $why ]] || why=$HD_LAST_OUTPUT
    backup_record_copy_failure "$why" "$stamp"
    hd_fail "offsite copy" "copying to $target failed: $why"
  fi
  n=$(grep -oE 'snapshot [0-9a-f]{8} saved' "$HD_TMP/out" | wc -l) # (hd_run keeps the whole output there)
  hd_state_set last-copy "$stamp ok $n new snapshot(s) to $target"
  if ((n > 0)); then hd_changed "offsite copy" "$n new snapshot(s) to $target"; else hd_ok "offsite copy" "$target has every snapshot"; fi
}

# The retention on the copy too, once the host's own prune succeeded: the same keep rules for each
# site this host has, per part (grouped by the path each was taken of), final backups always kept;
# snapshots of sites deleted since stay, as they do here. A failure here is reported and recorded
# but does not fail the host's own prune (the copy then keeps more until the next one).
backup_prune_offsite() { # KEEP-ARGS...
  [[ -n $(hd_state_get offsite) ]] || return 0
  if [[ $HD_CHECK == 1 ]]; then
    hd_ok "offsite retention" "would apply the same rules on the copy"
    return 0
  fi
  local slug
  local -a sites=()
  mapfile -t sites < <(backup_host_sites)
  for slug in "${sites[@]}"; do
    if ! hd_run backup_remote forget --tag "hd-site=$slug" --group-by host,paths --keep-tag hd-final=yes "$@"; then
      backup_offsite_failed "offsite retention" "restic forget of $slug on the copy failed: $HD_LAST_OUTPUT"
      return 0
    fi
  done
  if ! hd_run backup_remote prune; then
    backup_offsite_failed "offsite retention" "restic prune on the copy failed: $HD_LAST_OUTPUT"
    return 0
  fi
  hd_ok "offsite retention" "applied on the copy (${#sites[@]} site(s))"
}

# A failed offsite step, recorded as the last copy's result (the app shows it as an alert), at
# STAMP (when it started; default now).
backup_record_copy_failure() { # REASON [STAMP]
  local target
  target=$(hd_state_get offsite)
  hd_state_set last-copy "${2:-$(date -u +%Y-%m-%dT%H:%M:%SZ)} failed to ${target%% *}: $1"
}

# An offsite step that failed: recorded and reported, without ending the run.
backup_offsite_failed() { # STEP REASON
  backup_record_copy_failure "$2"
  hd_ok "$1" "FAILED: $2 (recorded; the next scheduled run tries again)"
}

backup_offsite_sshd_conf() {
  printf '%s\n' "# $HD_MANAGED_MARK (backup module): the accounts other hosts copy their backups into."
  printf '%s\n' "# SFTP inside their chroot and nothing else; their keys are root's (backup accept)."
  cat <<EOF
Match User hd-off-*
    ChrootDirectory $HD_OFFSITE_ROOT/%u
    ForceCommand internal-sftp -P symlink,hardlink@openssh.com
    AuthorizedKeysFile $BACKUP_OFFSITE_KEYS/%u.keys
    AuthorizedKeysCommand none
    DisableForwarding yes
    AuthenticationMethods publickey
    PasswordAuthentication no
    KbdInteractiveAuthentication no
    AllowTcpForwarding no
    AllowStreamLocalForwarding no
    AllowAgentForwarding no
    X11Forwarding no
    PermitTTY no
    PermitTunnel no
    PermitUserRC no
EOF
}

# The account another host copies its backups into (see the top of this file).
backup_accept() {
  local user="hd-off-${HD_OPT[source]}"
  local chroot="$HD_OFFSITE_ROOT/$user"
  ensure_packages restic openssh-server
  ensure_dir "$HD_OFFSITE_ROOT" 0755 root root
  ensure_user "$user" / /usr/sbin/nologin system
  # sshd's chroot must be root's all the way down; the account writes only in repo/.
  ensure_dir "$chroot" 0755 root root
  ensure_dir "$chroot/repo" 0700 "$user" "$user"
  [[ $HD_CHECK == 1 ]] || hd_run usermod --expiredate '' -- "$user" ||
    hd_fail "user $user" "could not unlock it: $HD_LAST_OUTPUT"
  # SFTP has no quota: a source host (if compromised) can write until its filesystem is full.
  if [[ $(stat -c %d -- "$HD_OFFSITE_ROOT") == $(stat -c %d /) ]]; then
    hd_ok "copy filesystem" "WARNING: $HD_OFFSITE_ROOT is on the root filesystem, so the other host can fill it; mount a filesystem of its own there"
  else
    hd_ok "copy filesystem" "$HD_OFFSITE_ROOT has a filesystem of its own"
  fi
  ensure_dir "$BACKUP_OFFSITE_KEYS" 0755 root root
  ensure_file "$BACKUP_OFFSITE_KEYS/$user.keys" 0644 root root "restrict $BACKUP_PUBKEY
"
  HD_SSHD_RELOADED=0
  ensure_validated_file "file $BACKUP_OFFSITE_SSHD" "$BACKUP_OFFSITE_SSHD" 0644 root root "$(backup_offsite_sshd_conf)
" --validate hd_sshd_check --in-place --reload hd_sshd_reload --unit ssh --ok "0644 root:root" \
    --changed "written, sshd -t passed" \
    --invalid "sshd -t rejected the resulting config, nothing was changed and sshd was not reloaded"
  hd_record_file "$BACKUP_OFFSITE_SSHD"
  hd_status account "$user"
}

# The other host can no longer log in; its copy stays (delete it by hand when it is not wanted).
backup_revoke() {
  local user="hd-off-${HD_OPT[source]}"
  ensure_file_absent "$BACKUP_OFFSITE_KEYS/$user.keys"
  if [[ $HD_CHECK != 1 ]] && getent passwd "$user" >/dev/null; then
    # Locked first, so a login that got in before the key went is the last one; then its sessions end.
    hd_run usermod --expiredate 1 -- "$user" || hd_fail "user $user" "could not lock it: $HD_LAST_OUTPUT"
    pkill -KILL -u "$user" 2>/dev/null || true
  fi
  hd_ok "offsite copy of ${HD_OPT[source]}" "kept in $HD_OFFSITE_ROOT/$user/repo"
}
