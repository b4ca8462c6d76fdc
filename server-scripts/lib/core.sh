#!/usr/bin/env bash
# Core of the Hostdeck server scripts (sourced through lib.sh, never run on its own): the run's
# shared state, the line protocol on stdout, the exit and error traps, the scratch dir, and hd_run
# for tools (their output goes to stderr). Every other part of lib/ builds on these.
#
# Safety rules kept throughout lib/: option values are validated before any use and are only ever
# passed as separate arguments (never through eval, bash -c or an interpolated command line);
# secrets travel on stdin or through builtins (printf into a pipe), never in argv.
# shellcheck disable=SC2034 # globals here are set for, or read by, the modules and other lib parts
set -Eeuo pipefail
shopt -s inherit_errexit

readonly HD_STEP_TAG=HOSTDECK-STEP
readonly HD_STATUS_TAG=HOSTDECK-STATUS
readonly HD_RESULT_TAG=HOSTDECK-RESULT
readonly HD_LOG_DIR=/var/log/hostdeck
readonly HD_MANAGED_MARK='Managed by Hostdeck'

HD_CHECK=0         # 1 in --check (dry-run) mode
HD_MODULE=''       # module being run, for state and status lines
HD_VERB=''
HD_VERBS=''        # every verb of the module, space-separated
HD_FN=''           # the module's function prefix (its name with - as _)
HD_LOCKED=0        # 1 once the host lock is held (enables the run log)
HD_OWNER_FILE=''   # says who holds the host lock, while it is held
HD_RESULT_DONE=0
HD_OUT=1           # fd of the protocol stream (the original stdout), set by hd_init
HD_TMP=''          # private scratch dir of this run (0700, under /run)
HD_REDACT=()       # every secret this run read: never printed in a step line or the host log
HD_CLEANUP=()      # root-only paths (staged files, deploy keys) removed at exit, whatever happens
declare -A HD_COUNT=([ok]=0 [changed]=0 [would-change]=0 [failed]=0)

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
  hd_clean "$1: ${2-}"
  HD_LAST_FAILED=$HD_CLEANED # secrets masked: it may be recorded on the host (a drill's outcome)
  hd_step failed "$1" "${2-}"
  exit "${3:-1}"
}
HD_LAST_FAILED=''
HD_EXIT_HOOKS=() # functions run at exit, before the result line (cleanups that must happen anyway)

# Runs CMD in a subshell of its own with errexit in force there (a subshell in an `if` or `!`
# would run with errexit off: a failed command would not stop it), for work that may fail without
# ending the run (one site of many). Its exit status lands in HD_SUB_RC.
hd_subshell() { # CMD...
  set +e
  (
    set -e
    "$@"
  )
  HD_SUB_RC=$?
  set -e
}
HD_SUB_RC=0

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
  local hook
  for hook in "${HD_EXIT_HOOKS[@]}"; do "$hook" || true; done
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
