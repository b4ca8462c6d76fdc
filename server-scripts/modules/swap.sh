#!/usr/bin/env bash
# swap: a swap file for small hosts. Only when the host has less memory than --min-memory-mb
# (default 2048): /swapfile of --size-mb (default 1024), 0600 root:root, with a swap signature,
# an /etc/fstab line, and active. A host with enough memory gets nothing (an `ok` step says so).
#
# Inside a container swap belongs to the container's host: systemd-nspawn's seccomp filter
# answers swapon with EPERM, LXC/OpenVZ VPSes usually lack the capability, and systemd ignores
# fstab swap entries in containers. The module does not pretend: the swapon step fails with
# "swapon not permitted in this container (<type>)". The file and the fstab line made before it
# are harmless there and `swap remove` deletes them.
set -Eeuo pipefail

readonly SWAP_FILE=/swapfile
readonly SWAP_FSTAB=/etc/fstab
readonly SWAP_LINE="$SWAP_FILE none swap sw 0 0"
readonly SWAP_OFF_LINE="#$SWAP_FILE none swap sw 0 0 # disabled by Hostdeck (swap disable)"
# Our line, on or off (never a user's other comment that merely mentions the file).
readonly SWAP_RE_ON='^[[:space:]]*/swapfile[[:space:]]'
readonly SWAP_RE_ANY='^([[:space:]]*/swapfile[[:space:]]|#/swapfile none swap sw 0 0 # disabled by Hostdeck)'
readonly SWAP_RESERVE_MB=256 # left free on the filesystem after the file is made
SWAP_FILE_NEW=0               # 1 when this run (re)creates the file: it needs mkswap

swap_options_install() {
  hd_option size-mb '^[1-9][0-9]{1,5}$' 1024 "the swap file size in MB (16-65536)"
  hd_option min-memory-mb '^[1-9][0-9]{0,6}$' 2048 \
    "make swap only when the host has less memory than this many MB (1-9999999)"
}

swap_validate_install() {
  local size=$((10#${HD_OPT[size-mb]}))
  ((size >= 16 && size <= 65536)) || hd_usage_fail "option --size-mb" "refused: $size is outside 16-65536"
}

swap_memory_mb() { awk '/^MemTotal:/ {print int($2 / 1024); exit}' /proc/meminfo; }

swap_mb_text() { # MB -> "2 GB" for whole GBs, else "1536 MB"
  if (($1 % 1024 == 0)); then printf '%s GB' $(($1 / 1024)); else printf '%s MB' "$1"; fi
}

swap_is_active() { awk -v f="$SWAP_FILE" '$1 == f {found=1} END {exit !found}' /proc/swaps 2>/dev/null; }

swap_container() { # -> container type, or nothing on a VM / bare metal
  local virt
  virt=$(systemd-detect-virt --container 2>/dev/null || true)
  [[ $virt == none ]] || printf '%s' "$virt"
}

swap_has_signature() { # the mkswap signature at the end of the first page
  local page sig
  page=$(getconf PAGESIZE)
  sig=$(dd if="$SWAP_FILE" bs=1 skip=$((page - 10)) count=10 status=none 2>/dev/null | tr -d '\0') || return 1
  [[ $sig == SWAPSPACE2 ]]
}

# The file: right size, 0600 root:root. A wrong size is made again (after swapoff if in use).
swap_ensure_file() {
  local step="file $SWAP_FILE" size_mb=$((10#${HD_OPT[size-mb]})) want have meta fs avail
  want=$((size_mb * 1048576))
  SWAP_FILE_NEW=0
  if [[ -L $SWAP_FILE || (-e $SWAP_FILE && ! -f $SWAP_FILE) ]]; then
    hd_fail "$step" "exists but is not a regular file; move it away and run again"
  fi
  if [[ -f $SWAP_FILE ]]; then
    have=$(stat -c %s -- "$SWAP_FILE")
    meta=$(hd_file_meta "$SWAP_FILE")
    if ((have == want)); then
      if [[ $meta == "0600 root root" ]]; then
        hd_ok "$step" "$size_mb MB, 0600 root:root"
      else
        [[ $HD_CHECK == 1 ]] || {
          chown root:root "$SWAP_FILE"
          chmod 0600 "$SWAP_FILE"
        }
        hd_changed "$step" "mode/owner ${meta// /:} -> 0600:root:root"
      fi
      return 0
    fi
    if swap_is_active; then
      [[ $HD_CHECK == 1 ]] || hd_run swapoff "$SWAP_FILE" ||
        hd_fail "$step" "it is $((have / 1048576)) MB and in use; swapoff (to resize it) failed: $HD_LAST_OUTPUT"
    fi
  fi
  fs=$(stat -f -c %T /)
  [[ $fs != btrfs ]] || hd_fail "$step" "/ is btrfs: a swap file there needs btrfs's own tooling (no copy-on-write); not supported. Nothing was changed."
  avail=$(df -P -B1M / | awk 'NR == 2 {print $4}')
  # A file being remade gives its own space back first.
  if ((avail + ${have:-0} / 1048576 < size_mb + SWAP_RESERVE_MB)); then
    hd_fail "$step" "not enough free disk: $avail MB free on /, a $size_mb MB swap file would leave less than $SWAP_RESERVE_MB MB. Nothing was changed."
  fi
  SWAP_FILE_NEW=1
  if [[ $HD_CHECK == 1 ]]; then
    hd_changed "$step" "would ${have:+re}create it ($size_mb MB, 0600 root:root)"
    return 0
  fi
  local tmp="$SWAP_FILE.hostdeck-new"
  rm -f -- "$tmp"
  (umask 077 && : >"$tmp")
  # fallocate is instant and fine for swap on ext4/xfs; elsewhere write real zeros (no holes).
  if [[ $fs == ext2/ext3 || $fs == xfs ]] && fallocate -l "$want" "$tmp" 2>/dev/null; then
    :
  else
    hd_run dd if=/dev/zero of="$tmp" bs=1M count="$size_mb" status=none ||
      { rm -f -- "$tmp"; hd_fail "$step" "writing $size_mb MB failed: $HD_LAST_OUTPUT"; }
  fi
  chown root:root "$tmp"
  chmod 0600 "$tmp"
  mv -f -- "$tmp" "$SWAP_FILE"
  hd_changed "$step" "${have:+re}created ($size_mb MB, 0600 root:root)"
}

swap_ensure_signature() {
  local step="swap signature $SWAP_FILE"
  if swap_is_active; then
    hd_ok "$step" "in use"
  elif [[ $SWAP_FILE_NEW == 0 ]] && swap_has_signature; then
    hd_ok "$step" "present"
  else
    [[ $HD_CHECK == 1 ]] || hd_run mkswap "$SWAP_FILE" || hd_fail "$step" "mkswap failed: $HD_LAST_OUTPUT"
    hd_changed "$step" "mkswap"
  fi
}

# swapon, or a failure that says why it cannot work here.
swap_ensure_active() {
  local step="swap $SWAP_FILE active" virt
  virt=$(swap_container)
  if swap_is_active; then
    hd_ok "$step" "in use"
    return 0
  fi
  if [[ $HD_CHECK == 1 ]]; then
    hd_changed "$step" "would swapon${virt:+ (likely refused: this is a $virt container)}"
    return 0
  fi
  if ! hd_run swapon "$SWAP_FILE"; then
    if [[ -n $virt && $HD_LAST_OUTPUT == *"Operation not permitted"* ]]; then
      hd_fail "$step" "swapon not permitted in this container ($virt): swap is the container host's business. $SWAP_FILE and its $SWAP_FSTAB line are in place but unused (systemd ignores fstab swap entries in containers); swap remove deletes them."
    fi
    hd_fail "$step" "swapon failed${virt:+ (this is a $virt container)}: $HD_LAST_OUTPUT"
  fi
  # install knows the size it asked for; enable (no --size-mb) the one install recorded.
  hd_changed "$step" "swapon ($(swap_mb_text $((10#${HD_OPT[size-mb]:-$(hd_state_get size-mb)}))))"
}

swap_ensure_inactive() {
  local step="swap $SWAP_FILE inactive"
  if ! swap_is_active; then
    hd_ok "$step" "not in use"
    return 0
  fi
  [[ $HD_CHECK == 1 ]] || hd_run swapoff "$SWAP_FILE" ||
    hd_fail "$step" "swapoff failed (not enough free memory to take the pages back?): $HD_LAST_OUTPUT"
  hd_changed "$step" "swapoff"
}

swap_ensure_fstab_absent() {
  local step="line in $SWAP_FSTAB absent" line content='' n=0
  [[ -f $SWAP_FSTAB ]] || {
    hd_ok "$step" "no $SWAP_FSTAB"
    return 0
  }
  while IFS= read -r line || [[ -n $line ]]; do
    if [[ $line =~ $SWAP_RE_ANY ]]; then
      n=$((n + 1))
    else
      content+="$line"$'\n'
    fi
  done <"$SWAP_FSTAB"
  if ((n == 0)); then
    hd_ok "$step" "no $SWAP_FILE line"
    return 0
  fi
  if [[ $HD_CHECK != 1 ]]; then
    local -a meta
    read -r -a meta <<<"$(hd_file_meta "$SWAP_FSTAB")"
    hd_write_atomic "$SWAP_FSTAB" "${meta[0]}" "${meta[1]}" "${meta[2]}" "$content"
  fi
  hd_changed "$step" "removed $n $SWAP_FILE line(s)"
}

swap_require_installed() {
  [[ -f $SWAP_FILE && -n $(hd_state_get wanted) ]] || hd_fail "swap" "not installed; run: swap install"
}

swap_install() {
  local mem min=$((10#${HD_OPT[min-memory-mb]})) note=''
  mem=$(swap_memory_mb)
  if ((mem >= min)); then
    [[ -e $SWAP_FILE ]] && note="; the existing $SWAP_FILE is left as it is"
    hd_ok "memory" "memory ≥ $(swap_mb_text "$min"): no swap needed ($mem MB installed$note)"
    return 0
  fi
  hd_ok "memory" "$mem MB < $(swap_mb_text "$min"): a $(swap_mb_text $((10#${HD_OPT[size-mb]}))) swap file is wanted"
  swap_ensure_file
  swap_ensure_signature
  ensure_line "$SWAP_FSTAB" "$SWAP_LINE" "$SWAP_RE_ANY"
  # Recorded before swapon, so status reports a swap file that could not be turned on.
  hd_state_set wanted enabled
  hd_state_set size-mb "$((10#${HD_OPT[size-mb]}))"
  swap_ensure_active
}

swap_enable() {
  swap_require_installed
  ensure_line "$SWAP_FSTAB" "$SWAP_LINE" "$SWAP_RE_ANY"
  hd_state_set wanted enabled
  swap_ensure_active
}

# swapoff, and the fstab line is commented out so boot does not turn it back on.
swap_disable() {
  swap_require_installed
  swap_ensure_inactive
  ensure_line "$SWAP_FSTAB" "$SWAP_OFF_LINE" "$SWAP_RE_ON"
  hd_state_set wanted disabled
}

swap_remove() {
  swap_ensure_inactive
  swap_ensure_fstab_absent
  ensure_file_absent "$SWAP_FILE"
  [[ $HD_CHECK == 1 ]] || rm -f -- "$SWAP_FILE.hostdeck-new"
  hd_state_clear
}

swap_status() {
  local wanted size_mb=0 on=no active=no drift=() line
  wanted=$(hd_state_get wanted)
  [[ -f $SWAP_FILE ]] && size_mb=$(($(stat -c %s -- "$SWAP_FILE") / 1048576))
  while IFS= read -r line; do
    [[ $line =~ $SWAP_RE_ON ]] && on=yes
  done < <(cat -- "$SWAP_FSTAB" 2>/dev/null || true)
  swap_is_active && active=yes
  hd_status installed "$([[ -f $SWAP_FILE ]] && echo yes || echo no)"
  hd_status version none
  hd_status enabled "$on"
  hd_status active "$active"
  hd_status size-mb "$size_mb"
  hd_status memory-mb "$(swap_memory_mb)"
  local virt
  virt=$(swap_container)
  hd_status container "${virt:-none}"
  if [[ -n $wanted ]]; then
    [[ -f $SWAP_FILE ]] || drift+=("file:$SWAP_FILE:missing")
    [[ ! -f $SWAP_FILE || $size_mb == "$(hd_state_get size-mb)" ]] || drift+=("file:$SWAP_FILE:size")
    [[ ! -f $SWAP_FILE || $(hd_file_meta "$SWAP_FILE") == "0600 root root" ]] || drift+=("file:$SWAP_FILE:mode")
    if [[ $wanted == enabled ]]; then
      [[ $on == yes ]] || drift+=("fstab:$SWAP_FILE:missing")
      [[ $active == yes ]] || drift+=("swap:$SWAP_FILE:inactive")
    else
      [[ $on == no ]] || drift+=("fstab:$SWAP_FILE:present")
      [[ $active == no ]] || drift+=("swap:$SWAP_FILE:active")
    fi
  fi
  hd_status drift "$(hd_join_drift "${drift[@]}")"
}
