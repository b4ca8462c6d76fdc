#!/usr/bin/env bash
# Module state (sourced through lib.sh).
# shellcheck disable=SC2034 # globals here are set for, or read by, the modules and other lib parts

readonly HD_STATE_DIR=/var/lib/hostdeck/state

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
