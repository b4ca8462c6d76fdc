#!/usr/bin/env bash
# Entry point of the Hostdeck server scripts:
#
#   hostdeck.sh <module> <verb> [--check] [--lock-timeout SECONDS] [--<option> <value> ...]
#
# verbs: install | enable | disable | remove | status, plus verbs of its own a module declares in
# <module>_VERBS (the site module: deploy, rollback). Modules live in modules/<module>.sh and
# define, each optional, <module>_options (options every verb takes) and <module>_options_<verb>
# (that verb's own: an option of another verb is refused, naming it), <module>_validate and
# <module>_validate_<verb> (run after parsing, before anything touches the host), and one
# function per verb. A '-' in a module name is '_' in its function names. Output protocol and
# exit codes: README.md.
set -Eeuo pipefail

HD_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
# shellcheck source=lib.sh
source "$HD_DIR/lib.sh"
hd_init

hd_modules() {
  local f names=''
  for f in "$HD_DIR"/modules/*.sh; do
    f=${f##*/}
    names+="${names:+, }${f%.sh}"
  done
  printf '%s' "$names"
}

main() {
  if (($# < 2)); then
    hd_usage_fail "usage" "hostdeck.sh <module> <verb> [--check] [--option value ...]; modules: $(hd_modules); verbs: install, enable, disable, remove, status"
  fi
  local module=$1 verb=$2 fn
  shift 2
  if [[ ! $module =~ ^[a-z][a-z0-9-]{0,31}$ || ! -f $HD_DIR/modules/$module.sh ]]; then
    hd_usage_fail "module" "unknown module '${module:0:40}'; available: $(hd_modules)"
  fi
  HD_MODULE=$module
  fn=${module//-/_}
  # shellcheck source=/dev/null
  source "$HD_DIR/modules/$module.sh"
  local extra_var="${fn}_VERBS" verbs="install enable disable remove status"
  verbs+=${!extra_var:+ ${!extra_var}}
  if [[ ! $verb =~ ^[a-z]{1,20}$ || " $verbs " != *" $verb "* ]]; then
    hd_usage_fail "verb" "unknown verb '${verb:0:40}' for $module; use one of: ${verbs// /, }"
  fi
  HD_VERB=$verb
  HD_VERBS=$verbs
  HD_FN=$fn

  hd_flag check "dry run: report what would change and change nothing"
  hd_option lock-timeout "$HD_RE_UINT" 600 "a number of seconds (0-99999) to wait for the host lock"
  hd_declare_options "$fn" "$verb"
  hd_parse_options "$@"
  HD_CHECK=${HD_OPT[check]}
  if declare -F "${fn}_validate" >/dev/null; then "${fn}_validate"; fi
  if declare -F "${fn}_validate_${verb}" >/dev/null; then "${fn}_validate_${verb}"; fi

  [[ $EUID == 0 ]] || hd_usage_fail "root" "hostdeck.sh must run as root (over SSH as root, or with sudo)"
  hd_require_supported_os
  # status only reads, as do the verbs a module lists in <module>_READ_VERBS; everything else
  # (check mode included) waits for the host lock.
  local read_var="${fn}_READ_VERBS"
  [[ $verb == status || " ${!read_var-} " == *" $verb "* ]] || hd_lock "${HD_OPT[lock-timeout]}"
  "${fn}_${verb}"
}

main "$@"
