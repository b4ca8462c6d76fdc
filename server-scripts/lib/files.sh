#!/usr/bin/env bash
# Files and directories (sourced through lib.sh): atomic writes and the ensure_* helpers for file
# content, lines and directories. Each checks its path with hd_root_path (paths.sh) first.
# shellcheck disable=SC2034 # globals here are set for, or read by, the modules and other lib parts

# Writes CONTENT to PATH atomically: a temp file in the same directory, created 0600, given its
# final mode and owner, then renamed over PATH. Readers see the old or the new file, never half.
# PATH's parents must be root-only (hd_root_path): a rename into a tenant-writable directory
# could land anywhere.
hd_write_atomic() { # PATH MODE OWNER GROUP CONTENT
  local tmp
  hd_root_path "file $1" "$1"
  tmp=$(umask 077 && mktemp "$(dirname -- "$1")/.hostdeck-tmp.XXXXXXXX")
  printf '%s' "$5" >"$tmp"
  chown -h "$3:$4" "$tmp"
  chmod "$2" "$tmp"
  sync -- "$tmp" 2>/dev/null || true
  mv -fT -- "$tmp" "$1"
}

hd_file_meta() { # PATH -> "mode owner group" (mode as 4 octal digits), of PATH itself (no follow)
  stat -c '%04a %U %G' -- "$1"
}

hd_same_content() { # PATH CONTENT: true when PATH is a regular file (not a link) holding CONTENT
  [[ -f $1 && ! -L $1 ]] || return 1
  local size
  size=$(stat -c %s -- "$1")
  ((size == $(printf '%s' "$2" | wc -c))) || return 1
  cmp -s -- "$1" <(printf '%s' "$2")
}

# The file at PATH holds exactly CONTENT with MODE and OWNER:GROUP. Sets HD_FILE_CHANGED=1 when
# it wrote. Content is never printed (it may be a secret).
ensure_file() { # PATH MODE OWNER GROUP CONTENT
  local path=$1 mode=$2 owner=$3 group=$4 content=$5 what=''
  HD_FILE_CHANGED=0
  hd_root_path "file $path" "$path"
  if [[ ! -d $(dirname -- "$path") ]]; then
    # In check mode an earlier step (a package) would have made the directory.
    [[ $HD_CHECK == 1 ]] || hd_fail "file $path" "directory $(dirname -- "$path") does not exist"
    HD_FILE_CHANGED=1
    hd_changed "file $path" "would create ($mode $owner:$group)"
    return 0
  fi
  if [[ ! -e $path && ! -L $path ]]; then
    what="create ($mode $owner:$group)"
  elif [[ ! -f $path || -L $path ]]; then
    hd_fail "file $path" "exists but is not a regular file (a link or a directory); move it away and run again"
  else
    hd_same_content "$path" "$content" || what='content'
    local meta
    meta=$(hd_file_meta "$path")
    [[ $meta == "$mode $owner $group" ]] || what+="${what:+, }mode/owner ${meta// /:} -> $mode:$owner:$group"
  fi
  if [[ -z $what ]]; then
    hd_ok "file $path" "$mode $owner:$group"
    return 0
  fi
  if [[ $HD_CHECK == 1 ]]; then
    hd_changed "file $path" "would ${what}"
    HD_FILE_CHANGED=1
    return 0
  fi
  hd_write_atomic "$path" "$mode" "$owner" "$group" "$content"
  HD_FILE_CHANGED=1
  hd_changed "file $path" "$what"
}

ensure_file_absent() { # PATH
  hd_root_path "file $1 absent" "$1"
  if [[ ! -e $1 && ! -L $1 ]]; then
    hd_ok "file $1 absent" ""
    return 0
  fi
  [[ $HD_CHECK == 1 ]] || rm -f -- "$1"
  hd_changed "file $1 absent" "removed"
}

# Nothing is at PATH: a directory tree (or a file or link) is removed whole. rm -rf
# --one-file-system never follows a link and works through directory descriptors, so a tenant
# swapping a directory inside the tree mid-walk cannot redirect it; PATH's parents must be
# root-only like those of every other path root removes.
ensure_dir_absent() { # PATH [DETAIL of the change, default "removed"]
  local step="directory $1 absent"
  hd_root_path "$step" "$1"
  if [[ ! -e $1 && ! -L $1 ]]; then
    hd_ok "$step" ""
    return 0
  fi
  [[ $HD_CHECK == 1 ]] || rm -rf --one-file-system -- "$1"
  hd_changed "$step" "${2:-removed}"
}

# PATH contains LINE. With REGEX, the first line matching REGEX is replaced by LINE (and other
# matching lines are left alone); without a match LINE is appended. Mode and owner are kept.
# The step names LABEL, not the line, when one is given: a line can hold a secret (a password in
# wp-config.php), and step lines reach the app and the host's log.
ensure_line() { # PATH LINE [REGEX] [LABEL]
  local path=$1 want=$2 re=${3-} label=${4:-$2} line content='' found=0 replaced=0
  hd_root_path "line in $path" "$path"
  [[ -e $path || -L $path ]] || hd_fail "line in $path" "the file does not exist"
  [[ -f $path && ! -L $path ]] || hd_fail "line in $path" "refused: it is not a regular file (a link or a directory); move it away and run again"
  while IFS= read -r line || [[ -n $line ]]; do
    if ((found == 0)) && [[ $line == "$want" ]]; then
      found=1
    elif ((found == 0 && replaced == 0)) && [[ -n $re && $line =~ $re ]]; then
      line=$want
      replaced=1
      found=1
    fi
    content+="$line"$'\n'
  done <"$path"
  if ((found == 1 && replaced == 0)); then
    hd_ok "line in $path" "$label"
    return 0
  fi
  ((found == 1)) || content+="$want"$'\n'
  if [[ $HD_CHECK != 1 ]]; then
    local -a meta
    read -r -a meta <<<"$(hd_file_meta "$path")"
    hd_write_atomic "$path" "${meta[0]}" "${meta[1]}" "${meta[2]}" "$content"
  fi
  hd_changed "line in $path" "$( ((replaced == 1)) && echo replaced || echo added): $label"
}

# PATH is a directory (not a link) with MODE and OWNER:GROUP. Its parents must be root-only, so the
# directory itself cannot be swapped between the check and the chown/chmod: a tenant-owned
# directory is fine (root only changes its own entry), a tenant-owned parent is refused.
ensure_dir() { # PATH MODE OWNER GROUP
  local path=$1 want="$2 $3 $4" meta
  hd_root_path "directory $path" "$path"
  if [[ -d $path && ! -L $path ]]; then
    meta=$(hd_file_meta "$path")
    if [[ $meta == "$want" ]]; then
      hd_ok "directory $path" "$2 $3:$4"
      return 0
    fi
    [[ $HD_CHECK == 1 ]] || {
      chown -h "$3:$4" "$path"
      chmod "$2" "$path"
    }
    hd_changed "directory $path" "mode/owner ${meta// /:} -> $2:$3:$4"
    return 0
  fi
  [[ -e $path || -L $path ]] && hd_fail "directory $path" "exists but is not a directory (a link or a file); move it away and run again"
  if [[ $HD_CHECK != 1 ]]; then
    mkdir -p -- "$path"
    chown -h "$3:$4" "$path"
    chmod "$2" "$path"
  fi
  hd_changed "directory $path" "create ($2 $3:$4)"
}

# A file shipped in files/ of the script bundle (BUNDLE_FILE relative to it), installed as PATH
# (root's), and recorded for drift.
hd_ensure_shipped() { # PATH MODE BUNDLE_FILE
  local content=''
  [[ -f $HD_DIR/files/$3 ]] || hd_fail "file $1" "the script bundle lacks files/$3"
  IFS= read -r -d '' content <"$HD_DIR/files/$3" || true
  ensure_file "$1" "$2" root root "$content"
  [[ $HD_CHECK == 1 ]] || hd_record_file "$1"
}
