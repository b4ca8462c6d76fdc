#!/usr/bin/env bash
# Config files a service reads, changed safely (sourced through lib.sh): validate, swap
# atomically, reload, roll back, keep the last known good copy. Caddy's files, the firewall's
# rules, the fail2ban jail and the sshd drop-in all go through ensure_validated_file.
# shellcheck disable=SC2034 # HD_VF_* are read by the callers and their hooks

readonly HD_KEEP_DIR=/var/lib/hostdeck/last-good

# PATH holds CONTENT with MODE and OWNER:GROUP (or, with --absent, is gone), and the service that
# reads it took it. Steps, in order, each only when something changes:
#   1. the candidate is written next to PATH (a hidden name no config glob matches), with its
#      final mode and owner; the file it replaces is copied aside the same way;
#   2. --validate FN: `FN CANDIDATE` (CANDIDATE is '' with --absent) must succeed before the swap;
#      with --in-place the swap comes first and `FN PATH` checks the live config as a whole
#      (sshd -t, fail2ban-client --test read the whole directory);
#   3. the swap: one rename (or the unlink, with --absent);
#   4. --reload FN: `FN` makes the service take it (a hook that finds nothing to do returns 0);
#   5. on a failed validation or reload the previous file is renamed back (or PATH removed, if
#      there was none), the reload hook runs once more, and the run ends with a failed step;
#   6. --keep FN (default hd_keep_last_good): `FN PATH` keeps the last known good copy; when the
#      file is already as wanted, `FN PATH if-missing` makes one if there is none.
# Every path is checked with hd_root_path first; the hooks report failure by returning non-zero
# with the reason in HD_LAST_OUTPUT (hd_run does that), and may set HD_VF_RELOADED to a suffix
# for the step's detail (", caddy reloaded"). Sets HD_FILE_CHANGED=1 when it changed (or would).
# Details: --ok TEXT (nothing to do), --would TEXT (check mode), --changed TEXT, --invalid TEXT and
# --refused TEXT (the failed step's detail before ": <reason>"; a reload failure also names
# journalctl when --unit UNIT is given).
ensure_validated_file() { # STEP PATH MODE OWNER GROUP CONTENT [--options...]
  local step=$1 path=$2 mode=$3 owner=$4 group=$5 content=$6
  shift 6
  local validate='' reload='' keep=hd_keep_last_good in_place=0 absent=0 unit=''
  local ok_text='' would_text='would be written (validated first)' changed_text=written
  local invalid_text='the new file does not validate, nothing was changed'
  local refused_text='the service refused the new file on reload; the previous file was put back'
  while (($# > 0)); do
    case $1 in
    --validate) validate=$2 ;;
    --reload) reload=$2 ;;
    --keep) keep=$2 ;;
    --unit) unit=$2 ;;
    --ok) ok_text=$2 ;;
    --would) would_text=$2 ;;
    --changed) changed_text=$2 ;;
    --invalid) invalid_text=$2 ;;
    --refused) refused_text=$2 ;;
    --in-place) in_place=1 && shift && continue ;;
    --absent) absent=1 && shift && continue ;;
    *) hd_fail "$step" "internal error: ensure_validated_file does not know option $1" ;;
    esac
    shift 2
  done
  HD_FILE_CHANGED=0
  HD_VF_RELOADED=''
  hd_root_path "$step" "$path"
  if ((absent == 1)); then
    if [[ ! -e $path && ! -L $path ]]; then
      hd_ok "$step" "$ok_text"
      return 0
    fi
  elif hd_same_content "$path" "$content" && [[ $(hd_file_meta "$path") == "$mode $owner $group" ]]; then
    [[ $HD_CHECK == 1 ]] || "$keep" "$path" if-missing
    hd_ok "$step" "$ok_text"
    return 0
  fi
  HD_FILE_CHANGED=1
  if [[ $HD_CHECK == 1 ]]; then
    hd_changed "$step" "$would_text"
    return 0
  fi
  local dir=${path%/*} cand='' prev=''
  [[ -d $dir ]] || hd_fail "$step" "directory $dir does not exist"
  [[ -e $path && (! -f $path || -L $path) ]] &&
    hd_fail "$step" "exists but is not a regular file (a link or a directory); move it away and run again"
  if ((absent == 0)); then
    cand=$(umask 077 && mktemp "$dir/.hostdeck-new.XXXXXXXX")
    HD_CLEANUP+=("$cand")
    printf '%s' "$content" >"$cand"
    chown -h "$owner:$group" "$cand"
    chmod "$mode" "$cand"
  fi
  if [[ -f $path ]]; then
    prev=$(umask 077 && mktemp "$dir/.hostdeck-previous.XXXXXXXX")
    HD_CLEANUP+=("$prev")
    cp -p -- "$path" "$prev"
  fi
  if [[ -n $validate && $in_place == 0 ]] && ! "$validate" "$cand"; then
    hd_fail "$step" "$invalid_text: $HD_LAST_OUTPUT"
  fi
  if ((absent == 0)); then
    sync -- "$cand" 2>/dev/null || true
    mv -fT -- "$cand" "$path"
  else
    rm -f -- "$path"
  fi
  if [[ -n $validate && $in_place == 1 ]] && ! "$validate" "$path"; then
    local why=$HD_LAST_OUTPUT
    hd_vf_put_back "$path" "$prev"
    hd_fail "$step" "$invalid_text: $why"
  fi
  if [[ -n $reload ]] && ! "$reload"; then
    local why=$HD_LAST_OUTPUT
    hd_vf_put_back "$path" "$prev"
    "$reload" || true
    hd_fail "$step" "$refused_text: $why${unit:+ (see: journalctl -u $unit)}"
  fi
  [[ -z $prev ]] || rm -f -- "$prev"
  "$keep" "$path"
  hd_changed "$step" "$changed_text$HD_VF_RELOADED"
}

hd_vf_put_back() { # PATH PREVIOUS: the file as it was before ensure_validated_file swapped it
  if [[ -n $2 ]]; then mv -fT -- "$2" "$1"; else rm -f -- "$1"; fi
}

# The last known good copy of PATH: $HD_KEEP_DIR/<PATH> (root-only), replaced by rename; gone
# when PATH is. With if-missing, only made when there is none yet.
hd_keep_last_good() { # PATH [if-missing]
  local copy=$HD_KEEP_DIR$1
  [[ ${2-} == if-missing && -e $copy ]] && return 0
  mkdir -p -- "${copy%/*}"
  chmod 0700 "$HD_KEEP_DIR"
  if [[ -f $1 ]]; then
    cp -p -- "$1" "$copy.new"
    mv -fT -- "$copy.new" "$copy"
  else
    rm -f -- "$copy"
  fi
}
