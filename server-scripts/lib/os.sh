#!/usr/bin/env bash
# The OS gate (sourced through lib.sh): Debian 12/13 and Ubuntu 22.04/24.04 with systemd, else exit 4.

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
