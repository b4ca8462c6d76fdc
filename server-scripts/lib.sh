#!/usr/bin/env bash
# Shared core of the Hostdeck server scripts, sourced by hostdeck.sh (never run on its own):
# the line protocol, option validation, the host lock, the OS gate, atomic writes and the
# ensure_* helpers. Each ensure_* helper converges one thing and prints exactly one step line;
# in check mode it reports what it would change and changes nothing. A helper that cannot reach
# its goal prints a failed step and ends the run (hd_fail), so later steps never build on a
# broken one.
#
# Safety rules kept throughout: option values are validated before any use and are only ever
# passed as separate arguments (never through eval, bash -c or an interpolated command line);
# secrets travel on stdin or through builtins (printf into a pipe), never in argv.
# shellcheck disable=SC2034 # many globals here are set for, or read by, the modules
set -Eeuo pipefail
shopt -s inherit_errexit

readonly HD_STEP_TAG=HOSTDECK-STEP
readonly HD_STATUS_TAG=HOSTDECK-STATUS
readonly HD_RESULT_TAG=HOSTDECK-RESULT
readonly HD_STATE_DIR=/var/lib/hostdeck/state
readonly HD_LOG_DIR=/var/log/hostdeck
readonly HD_MANAGED_MARK='Managed by Hostdeck'

HD_CHECK=0         # 1 in --check (dry-run) mode
HD_MODULE=''       # module being run, for state and status lines
HD_VERB=''
HD_LOCKED=0        # 1 once the host lock is held (enables the run log)
HD_OWNER_FILE=''   # says who holds the host lock, while it is held
HD_RESULT_DONE=0
HD_OUT=1           # fd of the protocol stream (the original stdout), set by hd_init
HD_TMP=''          # private scratch dir of this run (0700, under /run)
HD_SECRET=''       # the secret read from stdin, when a module asked for one
HD_REDACT=()       # every secret this run read: never printed in a step line or the host log
HD_CLEANUP=()      # root-only paths (staged files, deploy keys) removed at exit, whatever happens
declare -A HD_COUNT=([ok]=0 [changed]=0 [would-change]=0 [failed]=0)
declare -A HD_OPT=()      # validated option values, by option name (without --)
declare -A HD_OPT_RE=()   # declared value options: name -> regex the value must match
declare -A HD_OPT_HELP=() # name -> what the value is, for error messages
declare -A HD_FLAG=()     # declared flag options (no value): name -> 1
declare -A HD_PENDING=()  # units whose config changed this run: unit -> restart|reload

# ---------------------------------------------------------------------------------------------
# Line protocol (stdout only carries these lines; tool output goes to stderr)

hd_clean() { # TEXT -> TEXT with tabs, CR and LF turned into spaces and secrets masked, in HD_CLEANED
  local s
  HD_CLEANED=${1//[$'\t\r\n']/ }
  for s in "${HD_REDACT[@]}"; do
    [[ -n $s ]] && HD_CLEANED=${HD_CLEANED//"$s"/[redacted]}
  done
  return 0
}

hd_log() { # MESSAGE: appended to the host's run log (not in check mode, not before the lock)
  [[ $HD_CHECK == 1 || $HD_LOCKED != 1 ]] && return 0
  hd_clean "$1"
  printf '%s %(%Y-%m-%dT%H:%M:%S%z)T pid=%s %s\n' "$EPOCHREALTIME" -1 "$$" "$HD_CLEANED" \
    >>"$HD_LOG_DIR/hostdeck.log" 2>/dev/null || true
}

hd_step() { # STATE NAME [DETAIL]
  local state=$1 name detail
  [[ $state == changed && $HD_CHECK == 1 ]] && state=would-change
  hd_clean "$2"
  name=$HD_CLEANED
  hd_clean "${3-}"
  detail=$HD_CLEANED
  printf '%s\t%s\t%s\t%s\n' "$HD_STEP_TAG" "$state" "$name" "$detail" >&"$HD_OUT"
  HD_COUNT[$state]=$((HD_COUNT[$state] + 1))
  hd_log "step $state $name: $detail"
}

hd_ok() { hd_step ok "$1" "${2-}"; }
hd_changed() { hd_step changed "$1" "${2-}"; }

hd_fail() { # NAME DETAIL [EXIT_CODE=1]: report and end the run
  hd_step failed "$1" "${2-}"
  exit "${3:-1}"
}

hd_usage_fail() { hd_fail "$1" "$2" 2; }

hd_status() { # KEY VALUE
  hd_clean "$2"
  printf '%s\t%s\t%s=%s\n' "$HD_STATUS_TAG" "$HD_MODULE" "$1" "$HD_CLEANED" >&"$HD_OUT"
}

hd_result() {
  [[ $HD_RESULT_DONE == 1 ]] && return 0
  HD_RESULT_DONE=1
  local state=ok
  if ((HD_COUNT[failed] > 0)); then
    state=failed
  elif ((HD_COUNT[changed] + HD_COUNT[would-change] > 0)); then
    state=changed
  fi
  local counts="ok=${HD_COUNT[ok]} changed=${HD_COUNT[changed]}"
  counts+=" would-change=${HD_COUNT[would-change]} failed=${HD_COUNT[failed]}"
  printf '%s\t%s\t%s\n' "$HD_RESULT_TAG" "$state" "$counts" >&"$HD_OUT"
  hd_log "end $HD_MODULE $HD_VERB: $state $counts"
}

# Unexpected command failures (set -e) end the run with a failed step naming the line, so the
# app never sees a run that just stops. BASH_COMMAND is the unexpanded command text: no values.
hd_on_err() { # RC LINE
  local rc=$1
  trap - ERR
  if ((BASH_SUBSHELL > 0)); then exit "$rc"; fi
  hd_step failed "internal error" "line $2: '${BASH_COMMAND}' exited $rc"
  exit 1
}

hd_on_exit() {
  local rc=$?
  trap - ERR
  if [[ $rc != 0 && ${HD_COUNT[failed]} == 0 ]]; then
    hd_step failed "internal error" "the run ended with exit code $rc (see stderr)"
  fi
  hd_result
  ((${#HD_CLEANUP[@]} == 0)) || rm -rf -- "${HD_CLEANUP[@]}"
  [[ -n $HD_TMP ]] && rm -rf -- "$HD_TMP"
  [[ $HD_LOCKED == 1 ]] && : >"$HD_OWNER_FILE"
  exit "$rc"
}

hd_init() {
  # The protocol lines go to the original stdout (fd HD_OUT); everything else any command
  # prints lands on stderr, so stray tool output can never be mistaken for a step.
  exec {HD_OUT}>&1 1>&2
  umask 022
  export LC_ALL=C.UTF-8 DEBIAN_FRONTEND=noninteractive
  export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
  trap 'hd_on_err $? $LINENO' ERR
  trap hd_on_exit EXIT
  hd_tmpdir
}

hd_tmpdir() { # makes HD_TMP, a 0700 scratch dir on tmpfs, removed at exit
  [[ -n $HD_TMP ]] && return 0
  local base=/run
  [[ -d $base && -w $base ]] || base=/tmp
  HD_TMP=$(umask 077 && mktemp -d "$base/hostdeck.XXXXXXXX")
}

# Runs a command with its output on stderr (stdout stays clean for the protocol). On failure,
# HD_LAST_OUTPUT holds its last output line for the step detail. Never reads our stdin.
hd_run() { hd_run_stdin "$@" </dev/null; }

# hd_run for a command that reads our stdin (an archive, a key).
hd_run_stdin() {
  local rc=0
  hd_tmpdir
  "$@" >"$HD_TMP/out" 2>&1 || rc=$?
  cat "$HD_TMP/out" >&2
  # The most telling line: the last one mentioning an error, else the last non-blank one.
  HD_LAST_OUTPUT=$(grep -i 'error' "$HD_TMP/out" | tail -n 1 || true)
  [[ -n $HD_LAST_OUTPUT ]] || HD_LAST_OUTPUT=$(grep -v '^[[:space:]]*$' "$HD_TMP/out" | tail -n 1 || true)
  return "$rc"
}

# ---------------------------------------------------------------------------------------------
# Options: declared by hostdeck.sh and the module, validated before anything else happens.

hd_option() { # NAME REGEX DEFAULT HELP
  HD_OPT_RE[$1]=$2
  HD_OPT[$1]=$3
  HD_OPT_HELP[$1]=$4
}

hd_flag() { # NAME HELP
  HD_FLAG[$1]=1
  HD_OPT[$1]=0
  HD_OPT_HELP[$1]=$2
}

hd_accepted_options() {
  local names
  names=$(printf -- '--%s ' "${!HD_OPT_HELP[@]}" | tr ' ' '\n' | sort | tr '\n' ' ')
  printf '%s' "${names% }"
}

hd_parse_options() { # ARGS...
  local arg name value
  declare -A seen=()
  while (($# > 0)); do
    arg=$1
    shift
    if [[ ! $arg =~ ^--([a-z][a-z0-9-]{0,40})$ ]]; then
      hd_usage_fail "argument" "unexpected argument '${arg:0:80}': options look like --name value; accepted: $(hd_accepted_options)"
    fi
    name=${BASH_REMATCH[1]}
    if [[ -z ${HD_OPT_HELP[$name]+x} ]]; then
      hd_usage_fail "option --$name" "unknown option for $HD_MODULE $HD_VERB; accepted: $(hd_accepted_options)"
    fi
    [[ -n ${seen[$name]+x} ]] && hd_usage_fail "option --$name" "given twice; give it once"
    seen[$name]=1
    if [[ -n ${HD_FLAG[$name]+x} ]]; then
      HD_OPT[$name]=1
      continue
    fi
    (($# > 0)) || hd_usage_fail "option --$name" "needs a value (${HD_OPT_HELP[$name]})"
    value=$1
    shift
    hd_validate "--$name" "$value" "${HD_OPT_RE[$name]}" "${HD_OPT_HELP[$name]}"
    HD_OPT[$name]=$value
  done
}

hd_validate() { # LABEL VALUE REGEX HELP: exit 2 unless VALUE is clean and matches
  if [[ $2 == *[[:cntrl:]]* ]]; then
    hd_usage_fail "option $1" "refused: the value contains a control character (newline, tab...); expected $4"
  fi
  if [[ ! $2 =~ $3 ]]; then
    hd_usage_fail "option $1" "refused: '${2:0:80}' is not $4"
  fi
}

# Shared value patterns (anchored; no negated classes, so nothing unexpected slips through).
readonly HD_RE_UINT='^[0-9]{1,5}$'
readonly HD_RE_PORT='^[1-9][0-9]{0,4}$'
readonly HD_RE_PORT_LIST='^([1-9][0-9]{0,4}(,[1-9][0-9]{0,4}){0,31})?$'
readonly HD_RE_EMAIL='^[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(\.[A-Za-z0-9-]{1,63}){1,8}$'
readonly HD_RE_IP4='(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}(/([12]?[0-9]|3[0-2]))?'
readonly HD_RE_IP6='[0-9A-Fa-f:]{2,39}(/([1-9]?[0-9]|1[01][0-9]|12[0-8]))?'
readonly HD_RE_SQL_NAME='^[a-z_][a-z0-9_]{0,31}$'
readonly HD_RE_SQL_HOST='^(localhost|127\.0\.0\.1|::1)$'
# Passwords are generated by the app; this set needs no quoting in SQL or option files.
readonly HD_RE_PASSWORD='^[A-Za-z0-9._~@%^*+=:,/-]{16,128}$'

hd_check_ports() { # LABEL LIST: every port in 1..65535
  local p
  local -a ports
  IFS=, read -r -a ports <<<"$2"
  for p in "${ports[@]}"; do
    ((10#$p >= 1 && 10#$p <= 65535)) || hd_usage_fail "option $1" "refused: port $p is outside 1-65535"
  done
}

# Reads the secret from the first line of stdin into HD_SECRET and checks it. Only builtins
# touch it, so it never shows in any process's argv.
hd_read_secret() { # LABEL REGEX HELP
  local line=''
  IFS= read -r line || true
  [[ -n $line ]] || hd_usage_fail "$1" "expected on the first line of stdin, got nothing"
  if [[ $line == *[[:cntrl:]]* || ! $line =~ $2 ]]; then
    hd_usage_fail "$1" "refused: the value on stdin is not $3"
  fi
  HD_SECRET=$line
  HD_REDACT+=("$line")
}

# ---------------------------------------------------------------------------------------------
# OS gate and host lock

hd_os_field() { # FILE KEY -> value (unquoted); os-release is parsed, never sourced
  local key value
  while IFS='=' read -r key value; do
    if [[ $key == "$2" ]]; then
      value=${value#[\"\']}
      value=${value%[\"\']}
      printf '%s' "$value"
      return 0
    fi
  done <"$1"
}

hd_require_supported_os() {
  local file=/etc/os-release id version name
  [[ -r $file ]] || file=/usr/lib/os-release
  [[ -r $file ]] || hd_fail "supported OS" "no /etc/os-release: cannot tell which OS this is. Nothing was changed." 4
  id=$(hd_os_field "$file" ID)
  version=$(hd_os_field "$file" VERSION_ID)
  name=$(hd_os_field "$file" PRETTY_NAME)
  case "$id:$version" in
  debian:12 | debian:13 | ubuntu:22.04 | ubuntu:24.04) ;;
  *)
    hd_fail "supported OS" "${name:-$id $version} is not supported: Hostdeck manages Debian 12/13 and Ubuntu 22.04/24.04. Nothing was changed." 4
    ;;
  esac
  if [[ ! -d /run/systemd/system ]]; then
    hd_fail "supported OS" "systemd is not running as init on this host; Hostdeck needs it to manage services. Nothing was changed." 4
  fi
}

# The lock file lives in the world-writable /run/lock: it is created 0600 and must be a plain
# root-owned file, or any local user could hold it (or swap in a symlink) and block every run.
hd_lock() { # TIMEOUT_SECONDS
  local dir=/run/lock lock owner='' t0=$EPOCHREALTIME waited
  [[ -d $dir ]] || dir=/var/lock
  lock=$dir/hostdeck.lock
  if [[ -L $lock || (-e $lock && (! -f $lock || ! -O $lock)) ]]; then
    hd_fail "host lock" "$lock is not a plain root-owned file (someone else made it); remove it and run again" 3
  fi
  mkdir -p /run/hostdeck
  chmod 0700 /run/hostdeck
  HD_OWNER_FILE=/run/hostdeck/lock-owner
  umask 077
  exec {HD_LOCK_FD}>>"$lock"
  umask 022
  chmod 0600 "$lock"
  if ! flock -w "$1" "$HD_LOCK_FD"; then
    owner=$(head -c 300 "$HD_OWNER_FILE" 2>/dev/null || true)
    hd_fail "host lock" "another Hostdeck run still holds the host lock after $1 s (${owner:-holder unknown}). Wait for it to finish, or retry with a longer --lock-timeout." 3
  fi
  # Who holds the lock, for the message a waiting run gives up with; emptied at exit.
  printf 'pid %s running %s %s since %(%Y-%m-%dT%H:%M:%S%z)T' "$$" "$HD_MODULE" "$HD_VERB" -1 \
    >"$HD_OWNER_FILE"
  HD_LOCKED=1
  waited=$(((${EPOCHREALTIME/./} - ${t0/./}) / 1000))
  if [[ $HD_CHECK != 1 ]]; then
    mkdir -p "$HD_LOG_DIR"
    chmod 0750 "$HD_LOG_DIR"
    [[ -e $HD_LOG_DIR/hostdeck.log ]] || (umask 077 && : >>"$HD_LOG_DIR/hostdeck.log")
  fi
  hd_log "start $HD_MODULE $HD_VERB (waited ${waited} ms for the host lock)"
}

# ---------------------------------------------------------------------------------------------
# Module state: /var/lib/hostdeck/state/<module>.state, key=value lines, root-only. Records what
# was asked (wanted=enabled|disabled, options) and the checksums of files the module wrote, so
# `status` can report drift without being told the request again.

# A module keeping several records (one per site) sets HD_STATE_NAME to pick one.
hd_state_file() { printf '%s/%s.state' "$HD_STATE_DIR" "${HD_STATE_NAME:-$HD_MODULE}"; }

hd_state_get() { # KEY -> value or empty
  local file key value line
  file=$(hd_state_file)
  [[ -r $file ]] || return 0
  while IFS= read -r line; do
    key=${line%%=*}
    value=${line#*=}
    if [[ $key == "$1" ]]; then
      printf '%s' "$value"
      return 0
    fi
  done <"$file"
}

hd_state_keys() { # PREFIX -> keys starting with PREFIX, one a line
  local file line
  file=$(hd_state_file)
  [[ -r $file ]] || return 0
  while IFS= read -r line; do
    [[ ${line%%=*} == "$1"* ]] && printf '%s\n' "${line%%=*}"
  done <"$file"
}

hd_state_set() { # KEY VALUE (empty VALUE deletes the key); no-op in check mode
  [[ $HD_CHECK == 1 ]] && return 0
  [[ $(hd_state_get "$1") == "$2" ]] && return 0
  local file content='' line
  file=$(hd_state_file)
  mkdir -p "$HD_STATE_DIR"
  chmod 0700 "${HD_STATE_DIR%/state}" "$HD_STATE_DIR"
  if [[ -r $file ]]; then
    while IFS= read -r line; do
      [[ ${line%%=*} == "$1" ]] || content+="$line"$'\n'
    done <"$file"
  fi
  [[ -n $2 ]] && content+="$1=$2"$'\n'
  hd_write_atomic "$file" 0600 root root "$content"
}

hd_state_clear() {
  [[ $HD_CHECK == 1 ]] && return 0
  rm -f -- "$(hd_state_file)"
}

hd_record_file() { # PATH: remember the checksum of what this module wrote there
  [[ $HD_CHECK == 1 ]] && return 0
  hd_state_set "file:$1" "$(sha256sum <"$1" | cut -d' ' -f1)"
}

# Drift of recorded files: prints one `config:<path>` per file changed or gone since written.
hd_file_drift() {
  local key path want have
  while IFS= read -r key; do
    [[ -n $key ]] || continue
    path=${key#file:}
    want=$(hd_state_get "$key")
    have=missing
    [[ -f $path ]] && have=$(sha256sum <"$path" | cut -d' ' -f1)
    [[ $have == "$want" ]] || printf 'config:%s\n' "$path"
  done < <(hd_state_keys file:)
}

hd_join_drift() { # ITEMS... -> "none" or a comma list
  local IFS=,
  if (($# == 0)); then printf none; else printf '%s' "$*"; fi
}

# ---------------------------------------------------------------------------------------------
# Files

# The tenant rule: root never resolves a path inside a directory a tenant can write. A tenant
# (or any other local user) who can write a directory on the way can swap a component for a
# symlink between our check and our write, and turn "write the site's config" into "overwrite
# /etc/ld.so.preload" or "hand /etc/shadow to the tenant". So before root writes, creates,
# chowns, chmods, removes or reads config at PATH, every directory from / down to PATH's parent
# must be a real directory (not a symlink), owned by root, that no one else can write (no group
# or other write bit; sticky world-writable directories like /tmp are refused too). Directories
# that do not exist yet are skipped: root makes them itself, under a checked parent. Work that
# must happen inside tenant-writable space is done as the tenant (the site module's
# site_as_tenant), never by root.
hd_root_path() { # STEP PATH: ends the run (nothing touched) unless PATH's parents are root-only
  [[ $2 == /* ]] || hd_fail "$1" "internal error: '$2' is not an absolute path"
  local problem
  problem=$(hd_root_path_problem "$2")
  [[ -z $problem ]] ||
    hd_fail "$1" "refused: $problem. Hostdeck never works as root inside a directory another user can write; nothing was changed there. If this path was changed by hand, restore it (root-owned, not group- or world-writable) and run again."
}

# The first parent of PATH (absolute) that is not a root-owned directory only root can change, as a
# phrase; nothing when they all are. For callers that skip rather than fail (hd_root_path fails).
hd_root_path_problem() { # PATH
  local dir=${1%/*} kind uid mode name
  local -a dirs=(/)
  while [[ -n $dir ]]; do
    dirs+=("$dir")
    dir=${dir%/*}
  done
  while IFS='|' read -r kind uid mode name; do
    if [[ $kind != directory || $uid != 0 ]] || ((8#$mode & 8#1022)); then
      printf '%s is not a directory that only root can change (%s, uid %s, mode %s)' "$name" "$kind" "$uid" "$mode"
      return 0
    fi
  done < <(stat -c '%F|%u|%a|%n' -- "${dirs[@]}" 2>/dev/null || true)
}

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

# A Linux user (and its group) exists with HOME and SHELL. KIND is `system` or `normal`.
ensure_user() { # NAME HOME SHELL KIND
  local name=$1 home=$2 shell=$3 kind=$4 entry
  [[ $name =~ ^[a-z_][a-z0-9_-]{0,30}$ ]] || hd_fail "user $name" "invalid user name"
  if entry=$(getent passwd "$name"); then
    local -a f
    IFS=: read -r -a f <<<"$entry"
    if [[ ${f[5]} == "$home" && ${f[6]} == "$shell" ]]; then
      hd_ok "user $name" "uid ${f[2]}"
      return 0
    fi
    [[ $HD_CHECK == 1 ]] || hd_run usermod --home "$home" --shell "$shell" -- "$name" ||
      hd_fail "user $name" "usermod failed: $HD_LAST_OUTPUT"
    hd_changed "user $name" "home/shell ${f[5]}:${f[6]} -> $home:$shell"
    return 0
  fi
  if [[ $HD_CHECK != 1 ]]; then
    local -a args=(--home-dir "$home" --shell "$shell" --user-group)
    [[ $kind == system ]] && args+=(--system --no-create-home) || args+=(--create-home)
    hd_run useradd "${args[@]}" -- "$name" || hd_fail "user $name" "useradd failed: $HD_LAST_OUTPUT"
  fi
  hd_changed "user $name" "create ($kind, home $home)"
}

# ---------------------------------------------------------------------------------------------
# Packages (apt)

hd_pkg_version() { # PACKAGE -> installed version, or nothing
  dpkg-query -W -f='${db:Status-Abbrev} ${Version}' "$1" 2>/dev/null | awk '$1 ~ /^ii/ {print $2}' || true
}

hd_pkg_candidate() { # PACKAGE -> candidate version, or nothing
  apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ {print $2}' | grep -v '(none)' || true
}

# apt-get update only when the lists are older than an hour (or missing).
hd_apt_update_if_stale() {
  local newest
  newest=$(find /var/lib/apt/lists -maxdepth 1 -name '*_Packages*' -mmin -60 -print -quit 2>/dev/null || true)
  [[ -n $newest ]] && return 0
  hd_apt_update
}

# Real mirrors flake ("Unable to connect", a short outage): apt retries each download itself
# (Acquire::Retries, with its own back-off), and a run that still fails to fetch gets one fresh
# `apt-get update` and one more try before it gives up, saying so.
readonly HD_APT_NET=(-o Acquire::Retries=4 -o Acquire::http::Timeout=30 -o Acquire::https::Timeout=30)
# apt-get update exits 0 when an index cannot be fetched (it keeps the old lists): treat it as failed.
readonly HD_APT_UPDATE=(apt-get -q --error-on=any "${HD_APT_NET[@]}" -o DPkg::Lock::Timeout=300 update)

hd_apt_fetch_failed() { # true when the last apt output says a download failed (not a dpkg error)
  grep -qiE "Unable to connect|Failed to fetch|Could not resolve|Temporary failure|Connection (timed out|refused|failed)|Unable to fetch|Some index files failed" "$HD_TMP/out"
}

hd_apt_update() {
  hd_run "${HD_APT_UPDATE[@]}" && return 0
  if hd_apt_fetch_failed; then
    hd_log "apt-get update could not reach a mirror; trying once more in 10 s"
    sleep 10
    hd_run "${HD_APT_UPDATE[@]}" && return 0
    hd_fail "apt lists" "apt-get update failed twice, the package mirror is unreachable from this host: $HD_LAST_OUTPUT. Check the host's network and apt sources, then run again; nothing was installed."
  fi
  hd_fail "apt lists" "apt-get update failed: $HD_LAST_OUTPUT"
}

hd_apt() { # apt-get ARGS...; waits for another apt/dpkg (unattended-upgrades) up to 5 minutes
  local -a args=(-q -y "${HD_APT_NET[@]}" -o DPkg::Lock::Timeout=300 -o Dpkg::Options::=--force-confdef
    -o Dpkg::Options::=--force-confold "$@")
  hd_run apt-get "${args[@]}" && return 0
  hd_apt_fetch_failed || return 1
  # The lists may point at files the mirror no longer has, or the mirror blinked: refresh, retry once.
  hd_log "apt-get could not download packages; refreshing the lists and trying once more"
  hd_run "${HD_APT_UPDATE[@]}" || true
  hd_run apt-get "${args[@]}"
}

# Each PACKAGE is installed (one step each; one apt-get run for all the missing ones).
ensure_packages() { # PACKAGE...
  local p v
  local -a missing=()
  for p in "$@"; do
    v=$(hd_pkg_version "$p")
    if [[ -n $v ]]; then hd_ok "package $p" "$v installed"; else missing+=("$p"); fi
  done
  ((${#missing[@]} > 0)) || return 0
  if [[ $HD_CHECK == 1 ]]; then
    for p in "${missing[@]}"; do
      v=$(hd_pkg_candidate "$p")
      hd_changed "package $p" "would install${v:+ $v}"
    done
    return 0
  fi
  hd_apt_update_if_stale
  for p in "${missing[@]}"; do
    # A package unknown to stale-but-recent lists: refresh once before giving up.
    if [[ -z $(hd_pkg_candidate "$p") ]]; then
      hd_apt_update
      [[ -n $(hd_pkg_candidate "$p") ]] ||
        hd_fail "package $p" "not available from this host's apt sources ($(grep -h '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | head -n 3 | tr '\n' ';'))"
    fi
  done
  if ! hd_apt install --no-install-recommends "${missing[@]}"; then
    hd_apt_fetch_failed && hd_fail "package ${missing[0]}" "the packages could not be downloaded, twice: the package mirror is unreachable from this host ($HD_LAST_OUTPUT). Check the host's network and apt sources, then run again; nothing was installed."
    hd_fail "package ${missing[0]}" "apt-get install failed: $HD_LAST_OUTPUT"
  fi
  for p in "${missing[@]}"; do
    v=$(hd_pkg_version "$p")
    [[ -n $v ]] || hd_fail "package $p" "apt-get reported success but the package is not installed"
    hd_changed "package $p" "installed $v"
  done
}

ensure_package_absent() { # PACKAGE (removed, configuration kept)
  local v
  v=$(hd_pkg_version "$1")
  if [[ -z $v ]]; then
    hd_ok "package $1 absent" ""
    return 0
  fi
  if [[ $HD_CHECK != 1 ]]; then
    hd_apt remove "$1" || hd_fail "package $1 absent" "apt-get remove failed: $HD_LAST_OUTPUT"
  fi
  hd_changed "package $1 absent" "removed $v (configuration kept)"
}

# ---------------------------------------------------------------------------------------------
# systemd services

hd_unit_enabled() { # UNIT -> enabled|disabled|masked|static|... (never fails)
  systemctl is-enabled -- "$1" 2>/dev/null || true
}
hd_unit_active() { systemctl is-active -- "$1" 2>/dev/null || true; }

hd_notify() { # UNIT restart|reload: the unit's config changed; ensure_service applies it
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

# ---------------------------------------------------------------------------------------------
# MariaDB (as root over the unix socket; SQL goes on stdin, never in argv)

# Runs SQL; the tab-separated rows land in HD_SQL_OUT (a variable, not stdout, so callers never
# need a subshell that could swallow a failed step). On failure HD_LAST_OUTPUT has the error.
hd_sql() { # SQL
  hd_tmpdir
  local rc=0
  printf '%s\n' "$1" | mariadb --protocol=socket -u root -N -B >"$HD_TMP/sql.out" 2>"$HD_TMP/sql.err" || rc=$?
  HD_LAST_OUTPUT=$(tail -n 1 "$HD_TMP/sql.err")
  HD_SQL_OUT=$(cat "$HD_TMP/sql.out")
  return "$rc"
}

hd_sql_or_fail() { # STEP_NAME SQL
  hd_sql "$2" || hd_fail "$1" "SQL failed: $HD_LAST_OUTPUT"
}

hd_check_sql_name() { # STEP NAME
  [[ $2 =~ $HD_RE_SQL_NAME ]] || hd_fail "$1" "refused: '$2' is not a plain lower-case SQL name"
}

ensure_database() { # NAME
  local step="database $1"
  hd_check_sql_name "$step" "$1"
  hd_sql_or_fail "$step" "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME='$1'"
  if [[ $HD_SQL_OUT == 1 ]]; then
    hd_ok "$step" "exists"
    return 0
  fi
  [[ $HD_CHECK == 1 ]] || hd_sql_or_fail "$step" "CREATE DATABASE \`$1\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
  hd_changed "$step" "create (utf8mb4)"
}

# Can USER log in over the socket with PASSWORD? (The option file is a pipe: no file, no argv.)
hd_db_login_works() { # USER PASSWORD
  mariadb --defaults-extra-file=<(printf '[client]\nuser=%s\npassword=%s\n' "$1" "$2") \
    --protocol=socket -N -B -e 'SELECT 1' </dev/null >/dev/null 2>&1
}

# USER@HOST exists and PASSWORD logs it in.
ensure_db_user() { # USER HOST PASSWORD
  local user=$1 host=$2 pw=$3 step="database user $1@$2"
  hd_check_sql_name "$step" "$user"
  [[ $host =~ $HD_RE_SQL_HOST ]] || hd_fail "$step" "refused host '$host'"
  [[ $pw =~ $HD_RE_PASSWORD ]] || hd_fail "$step" "refused: the password is not 16-128 characters of A-Z a-z 0-9 ._~@%^*+=:,/-"
  hd_sql_or_fail "$step" "SELECT COUNT(*) FROM mysql.user WHERE User='$user' AND Host='$host'"
  if [[ $HD_SQL_OUT != 1 ]]; then
    [[ $HD_CHECK == 1 ]] || hd_sql_or_fail "$step" "CREATE USER '$user'@'$host' IDENTIFIED BY '$pw'"
    hd_changed "$step" "create"
    return 0
  fi
  # localhost accounts are tried for real over the socket; others by comparing the hash.
  if [[ $host == localhost ]]; then
    if hd_db_login_works "$user" "$pw"; then
      hd_ok "$step" "exists, password works"
      return 0
    fi
  else
    hd_sql_or_fail "$step" "SELECT COUNT(*) FROM mysql.user WHERE User='$user' AND Host='$host' AND authentication_string=PASSWORD('$pw')"
    if [[ $HD_SQL_OUT == 1 ]]; then
      hd_ok "$step" "exists, password matches"
      return 0
    fi
  fi
  [[ $HD_CHECK == 1 ]] || hd_sql_or_fail "$step" "ALTER USER '$user'@'$host' IDENTIFIED BY '$pw'"
  hd_changed "$step" "password set"
}

# USER@HOST holds PRIVS on OBJECT (e.g. "ALL PRIVILEGES" "*.*" or "`db`.*"), optionally WITH
# GRANT OPTION. Compared against SHOW GRANTS, the server's own canonical form.
ensure_db_grant() { # USER HOST PRIVS OBJECT with-grant|no-grant
  local user=$1 host=$2 privs=$3 object=$4 opt=$5 step="database grant $1@$2" line have=0 extra=''
  hd_check_sql_name "$step" "$user"
  [[ $host =~ $HD_RE_SQL_HOST ]] || hd_fail "$step" "refused host '$host'"
  [[ $privs =~ ^[A-Z][A-Z\ ,]{0,200}$ ]] || hd_fail "$step" "refused privileges '$privs'"
  [[ $object =~ ^(\*|\`[a-z_][a-z0-9_]{0,63}\`)\.\*$ ]] || hd_fail "$step" "refused object '$object'"
  [[ $opt == with-grant ]] && extra=' WITH GRANT OPTION'
  hd_sql_or_fail "$step" "SELECT COUNT(*) FROM mysql.user WHERE User='$user' AND Host='$host'"
  if [[ $HD_SQL_OUT != 1 ]]; then
    # Only reachable in check mode, where ensure_db_user did not create the account.
    [[ $HD_CHECK == 1 ]] || hd_fail "$step" "the account does not exist"
    hd_changed "$step" "grant $privs on $object$extra"
    return 0
  fi
  hd_sql_or_fail "$step" "SHOW GRANTS FOR '$user'@'$host'"
  while IFS= read -r line; do
    [[ $line == "GRANT $privs ON $object TO \`$user\`@\`$host\`"* ]] || continue
    [[ -z $extra || $line == *"$extra" ]] && have=1
  done <<<"$HD_SQL_OUT"
  if ((have == 1)); then
    hd_ok "$step" "$privs on $object$extra"
    return 0
  fi
  [[ $HD_CHECK == 1 ]] || hd_sql_or_fail "$step" "GRANT $privs ON $object TO '$user'@'$host'$extra"
  hd_changed "$step" "grant $privs on $object$extra"
}

# ---------------------------------------------------------------------------------------------
# Caddy (shared by the caddy and site modules)

readonly HD_CADDY_FILE=/etc/caddy/Caddyfile
readonly HD_CADDY_SITES=/etc/caddy/sites
readonly HD_CADDY_KEEP=/var/lib/hostdeck/caddy
readonly HD_CADDY_HOME=/var/lib/caddy

# Validates a candidate Caddyfile as the caddy user (as the service would read it), with the
# service's own data dirs, so nothing lands in root's home.
hd_caddy_validate() { # FILE
  hd_run runuser -u caddy -- env HOME="$HD_CADDY_HOME" XDG_DATA_HOME="$HD_CADDY_HOME/.local/share" \
    XDG_CONFIG_HOME="$HD_CADDY_HOME/.config" caddy validate --config "$1" --adapter caddyfile
}

# Copies the config that just loaded to $HD_CADDY_KEEP/last-good (atomically, by rename).
hd_caddy_keep_last_good() {
  mkdir -p -- "$HD_CADDY_KEEP"
  chmod 0700 "$HD_CADDY_KEEP"
  rm -rf -- "$HD_CADDY_KEEP/last-good.new"
  mkdir -p -- "$HD_CADDY_KEEP/last-good.new"
  cp -a -- "$HD_CADDY_FILE" "$HD_CADDY_KEEP/last-good.new/Caddyfile"
  [[ -d $HD_CADDY_SITES ]] && cp -a -- "$HD_CADDY_SITES" "$HD_CADDY_KEEP/last-good.new/sites"
  rm -rf -- "$HD_CADDY_KEEP/last-good"
  mv -- "$HD_CADDY_KEEP/last-good.new" "$HD_CADDY_KEEP/last-good"
}

# One site file of Caddy's, changed without ever taking the other sites down: the candidate is
# staged with copies of every other site file and validated as the whole config; only then is it
# renamed into place and Caddy reloaded; a refused reload puts the previous file back (and
# reloads again). CONTENT '' removes the file. A broken config leaves the live files and the
# running Caddy exactly as they were.
ensure_caddy_site_file() { # NAME CONTENT
  local name=$1 content=$2 path="$HD_CADDY_SITES/$1.caddy" step stage what f
  step="caddy site $path"
  if [[ -z $content ]]; then
    if [[ ! -e $path && ! -L $path ]]; then
      hd_ok "$step" "absent"
      return 0
    fi
    what=removed
  elif hd_same_content "$path" "$content" && [[ $(hd_file_meta "$path") == "0640 root caddy" ]]; then
    hd_ok "$step" "up to date"
    return 0
  else
    what=$([[ -e $path ]] && echo updated || echo created)
  fi
  if [[ $HD_CHECK == 1 ]]; then
    hd_changed "$step" "would be ${what} (validated with every other site first)"
    return 0
  fi
  grep -qsxF "import $HD_CADDY_SITES/*.caddy" "$HD_CADDY_FILE" ||
    hd_fail "$step" "$HD_CADDY_FILE does not import $HD_CADDY_SITES/*.caddy: install the caddy module first (caddy install). Nothing was changed."
  stage=/etc/caddy/.hostdeck-staging
  rm -rf -- "$stage"
  mkdir -m 0750 -- "$stage"
  mkdir -m 0750 -- "$stage/sites"
  for f in "$HD_CADDY_SITES"/*.caddy; do
    [[ -f $f && $f != "$path" ]] && cp -- "$f" "$stage/sites/"
  done
  [[ -n $content ]] && printf '%s' "$content" >"$stage/sites/$name.caddy"
  sed "s|^import $HD_CADDY_SITES/\*\.caddy\$|import $stage/sites/*.caddy|" "$HD_CADDY_FILE" >"$stage/Caddyfile"
  chown -R root:caddy "$stage"
  chmod 0640 "$stage/Caddyfile" "$stage/sites/"*.caddy 2>/dev/null || true
  if ! hd_caddy_validate "$stage/Caddyfile"; then
    local why=${HD_LAST_OUTPUT//$stage\/sites\//$HD_CADDY_SITES/}
    rm -rf -- "$stage"
    hd_fail "$step" "the whole Caddy config does not validate with this change, so nothing was changed and Caddy keeps serving every site as before: ${why:0:600}"
  fi
  rm -rf -- "$stage"
  hd_tmpdir
  rm -f -- "$HD_TMP/site.previous"
  [[ -f $path ]] && cp -p -- "$path" "$HD_TMP/site.previous"
  if [[ -n $content ]]; then
    hd_write_atomic "$path" 0640 root caddy "$content"
  else
    rm -f -- "$path"
  fi
  if [[ $(hd_unit_active caddy) == active ]]; then
    if ! hd_run systemctl reload caddy; then
      local why=$HD_LAST_OUTPUT
      if [[ -f $HD_TMP/site.previous ]]; then mv -f -- "$HD_TMP/site.previous" "$path"; else rm -f -- "$path"; fi
      hd_run systemctl reload caddy || true
      hd_fail "$step" "caddy refused the change on reload; the previous file was put back: $why (see: journalctl -u caddy)"
    fi
    what+=', caddy reloaded'
  fi
  hd_caddy_keep_last_good
  hd_changed "$step" "$what"
}
