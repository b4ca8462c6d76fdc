#!/usr/bin/env bash
# frankenphp: the PHP runtime, one FrankenPHP process per site. Installs a pinned FrankenPHP
# release binary, checked against its SHA-256, as /usr/local/bin/frankenphp, and the systemd
# template unit hostdeck-php@.service (instance = site slug) with its two helpers:
#   - hostdeck-php-generator (a systemd generator): systemd cannot take User= from an env file,
#     so at boot and on daemon-reload it turns HOSTDECK_PHP_USER of each
#     /etc/hostdeck/sites/<site>.env into a User= drop-in for hostdeck-php@<site>.service;
#   - php-site-check (ExecStartPre): refuses to start a site that would run as root, nobody or
#     the template's placeholder user hostdeck-nobody (no drop-in yet), listen anywhere but
#     127.0.0.1:<port>, or serve a document root that is not a plain directory.
# A site is then: write /etc/hostdeck/sites/<site>.env, `systemctl daemon-reload`,
# `systemctl enable --now hostdeck-php@<site>` (the later sites feature does exactly that).
#
# The binary comes either on stdin (--source upload: the app streams it from the laptop's
# artifact cache) or from the pinned release URL (--source download, fetched on the host).
# Either way it is staged next to its final path, must hash to the expected SHA-256 (which must
# itself be a pinned release, unless the test-only --allow-unpinned-sha256 is given), must run
# (`frankenphp version`, as nobody), and is then renamed into place: a refused binary never
# replaces the installed one.
set -Eeuo pipefail

# ---------------------------------------------------------------------------------------------
# Pinned releases: "version arch sha256", one per release asset
# (https://github.com/php/frankenphp/releases/download/v<version>/frankenphp-linux-<arch>).
# NOT VERIFIED BY HOSTDECK: GitHub is unreachable from the machines this was written and tested
# on. The values are copied from another project's pin of the same assets (GHenry21/opensagra,
# packaging/frankenphp.sha256 at commit 456768fc; its note says they are the release's asset
# digests). Check them before a release:
#   gh api repos/php/frankenphp/releases/tags/v1.13.0 --jq '.assets[] | .digest + "  " + .name'
# FrankenPHP has been known to rebuild the assets of a tag: a rebuilt asset no longer matches
# and is refused (fail closed) until the pin is updated here.
readonly FP_VERSION=1.13.0
readonly FP_PINNED=(
  "1.13.0 x86_64 54bb4990ab881d8ce3c34bfe9904d53da3b6aad4fbddaac6af9c90e2e5d125b5"
  "1.13.0 aarch64 505c6434af8afdb84b72d3884b49cce30310d80694cfe8e5f3b4d4b93b1f04bd"
)
readonly FP_RELEASES=https://github.com/php/frankenphp/releases/download

readonly FP_BIN=/usr/local/bin/frankenphp
readonly FP_STAGING=/usr/local/bin/.frankenphp.hostdeck-new
readonly FP_UNIT=/etc/systemd/system/hostdeck-php@.service
readonly FP_GENERATOR=/usr/local/lib/systemd/system-generators/hostdeck-php-generator
readonly FP_SITE_CHECK=/usr/local/libexec/hostdeck/php-site-check
readonly FP_GUARD=/usr/local/libexec/hostdeck/site-guard
readonly FP_GUARD_UNIT=/etc/systemd/system/hostdeck-site-guard.service
readonly FP_GUARD_NFT_DROPIN=/etc/systemd/system/nftables.service.d/hostdeck-site-guard.conf
readonly FP_SITES=/etc/hostdeck/sites
# The template's placeholder User=: owns nothing, and php-site-check refuses to run as it.
readonly FP_PLACEHOLDER_USER=hostdeck-nobody
readonly FP_FILES=$HD_DIR/files/frankenphp
# A unit instance name as systemd lists it (letters, digits, : _ . - and \x escapes).
readonly FP_RE_INSTANCE='^[A-Za-z0-9:_.\\-]{1,200}$'

FP_ARCH=''
FP_WANT_SHA=''
FP_WANT_VERSION=''
FP_STDIN=''
FP_RESTART=0 # 1 once the binary or something the unit runs changed (active sites restart)
FP_RELOAD=0  # 1 once the template unit or the generator changed (systemd must reload)

frankenphp_options_install() {
  hd_option source '^(upload|download)$' download \
    "upload (the binary arrives on stdin) or download (the pinned release, fetched by the host)"
  hd_option sha256 '^([0-9a-f]{64})?$' '' "the SHA-256 of the binary: 64 lower-case hex digits"
  hd_flag allow-unpinned-sha256 \
    "TEST ONLY: accept a --sha256 that is not a pinned FrankenPHP release (the app never passes it)"
  hd_option download-url '^(https?://[A-Za-z0-9.-]{1,253}(:[0-9]{1,5})?(/[A-Za-z0-9._~%+/-]{0,400})?)?$' '' \
    "an http(s) URL to download the binary from instead of the pinned GitHub release (a mirror)"
  hd_option max-size-mb '^[1-9][0-9]{0,3}$' 256 "the largest binary accepted, in MB (1-9999)"
}

# The pinned table (FP_PINNED: "version arch sha256" entries): the field OUT of the entry whose
# field KEY is VALUE for ARCH, or nothing.
frankenphp_pinned() { # KEY VALUE ARCH OUT
  local entry
  local -a f
  for entry in "${FP_PINNED[@]}"; do
    read -r -a f <<<"$entry"
    [[ ${f[$1]} == "$2" && ${f[1]} == "$3" ]] && printf '%s' "${f[$4]}"
  done
  return 0
}
frankenphp_pinned_sha() { frankenphp_pinned 0 "$1" "$2" 2; }     # VERSION ARCH -> sha256
frankenphp_pinned_version() { frankenphp_pinned 2 "$1" "$2" 0; } # SHA ARCH -> version

frankenphp_validate_install() {
  local source=${HD_OPT[source]} want=${HD_OPT[sha256]}
  FP_ARCH=$(uname -m)
  case $FP_ARCH in
  x86_64 | aarch64) ;;
  *) hd_fail "architecture" "$FP_ARCH is not supported: FrankenPHP releases exist for x86_64 and aarch64 Linux. Nothing was changed." 4 ;;
  esac
  if [[ $source == upload ]]; then
    [[ -n $want ]] || hd_usage_fail "option --sha256" \
      "--source upload needs --sha256 <64 hex digits>, the checksum of the binary sent on stdin"
    [[ -z ${HD_OPT[download-url]} ]] || hd_usage_fail "option --download-url" \
      "only goes with --source download"
    # Nothing else may read the binary by accident: it gets its own fd, stdin becomes empty.
    exec {FP_STDIN}<&0 0</dev/null
  fi
  FP_WANT_SHA=${want:-$(frankenphp_pinned_sha "$FP_VERSION" "$FP_ARCH")}
  FP_WANT_VERSION=$(frankenphp_pinned_version "$FP_WANT_SHA" "$FP_ARCH")
  if [[ -z $FP_WANT_VERSION ]]; then
    [[ ${HD_OPT[allow-unpinned-sha256]} == 1 ]] || hd_usage_fail "option --sha256" \
      "refused: $FP_WANT_SHA is not the SHA-256 of a pinned FrankenPHP release for linux-$FP_ARCH (pinned: $FP_VERSION $(frankenphp_pinned_sha "$FP_VERSION" "$FP_ARCH"))"
    FP_WANT_VERSION="unpinned-${FP_WANT_SHA:0:12}"
  fi
}

frankenphp_pin_step() {
  if [[ $FP_WANT_VERSION == unpinned-* ]]; then
    hd_ok "checksum pin" "TEST ONLY (--allow-unpinned-sha256): accepting sha256 $FP_WANT_SHA, which is NOT a pinned FrankenPHP release; the app never passes this flag"
  else
    hd_ok "checksum pin" "sha256 $FP_WANT_SHA is FrankenPHP $FP_WANT_VERSION for linux-$FP_ARCH"
  fi
}

frankenphp_sha() { # FILE -> sha256 (or nothing if it is not a regular file)
  [[ -f $1 && ! -L $1 ]] || return 0
  sha256sum <"$1" | cut -d' ' -f1
}

frankenphp_discard() { # STEP DETAIL [EXIT]: drop the staged binary, then fail
  rm -f -- "$FP_STAGING"
  hd_fail "$1" "$2" "${3:-1}"
}

# The binary arrives in FP_STAGING (same filesystem as FP_BIN, so the final rename is atomic).
frankenphp_receive() { # STEP
  local cap=$((10#${HD_OPT[max-size-mb]} * 1048576)) size
  (umask 077 && head -c $((cap + 1)) <&"$FP_STDIN" >"$FP_STAGING")
  size=$(stat -c %s -- "$FP_STAGING")
  ((size > 0)) || frankenphp_discard "$1" \
    "nothing arrived on stdin: --source upload expects the binary on stdin. $FP_BIN was not changed." 2
  ((size <= cap)) || frankenphp_discard "$1" \
    "refused: more than ${HD_OPT[max-size-mb]} MB arrived on stdin (see --max-size-mb). $FP_BIN was not changed." 2
}

frankenphp_download() { # STEP
  local cap=$((10#${HD_OPT[max-size-mb]} * 1048576)) url=${HD_OPT[download-url]}
  local -a proto=(--proto '=https' --proto-redir '=https')
  if [[ -z $url ]]; then
    url=$FP_RELEASES/v$FP_VERSION/frankenphp-linux-$FP_ARCH
  elif [[ $url == http://* ]]; then
    proto=(--proto '=http,https' --proto-redir '=http,https') # a mirror; the checksum still decides
  fi
  (umask 077 && : >"$FP_STAGING")
  hd_run curl -fsSL "${proto[@]}" --connect-timeout 20 --retry 2 --max-filesize "$cap" \
    -o "$FP_STAGING" "$url" ||
    frankenphp_discard "download" "downloading $url failed: ${HD_LAST_OUTPUT:-curl exited non-zero}. $FP_BIN was not changed."
  hd_changed "download" "$url ($(stat -c %s -- "$FP_STAGING") bytes)"
}

frankenphp_ensure_binary() {
  local step="binary $FP_BIN" have meta what
  have=$(frankenphp_sha "$FP_BIN")
  if [[ $have == "$FP_WANT_SHA" ]]; then
    meta=$(hd_file_meta "$FP_BIN")
    if [[ $meta == "0755 root root" ]]; then
      hd_ok "$step" "FrankenPHP $FP_WANT_VERSION (sha256 $FP_WANT_SHA) is installed${FP_STDIN:+; stdin not read}"
      return 0
    fi
    if [[ $HD_CHECK != 1 ]]; then
      chown root:root "$FP_BIN"
      chmod 0755 "$FP_BIN"
    fi
    hd_changed "$step" "mode/owner ${meta// /:} -> 0755:root:root"
    return 0
  fi
  if [[ -e $FP_BIN || -L $FP_BIN ]] && [[ -L $FP_BIN || ! -f $FP_BIN ]]; then
    hd_fail "$step" "exists but is not a regular file; move it away and run again"
  fi
  what="FrankenPHP $FP_WANT_VERSION (sha256 $FP_WANT_SHA)${have:+, replacing sha256 $have}"
  if [[ $HD_CHECK == 1 ]]; then
    [[ ${HD_OPT[source]} == download ]] && ensure_packages curl
    hd_changed "$step" "would install $what from ${HD_OPT[source]} (stdin not read in check mode)"
    return 0
  fi
  rm -f -- "$FP_STAGING"
  if [[ ${HD_OPT[source]} == upload ]]; then
    frankenphp_receive "$step"
  else
    ensure_packages curl
    frankenphp_download "$step"
  fi
  local got
  got=$(sha256sum <"$FP_STAGING" | cut -d' ' -f1)
  [[ $got == "$FP_WANT_SHA" ]] || frankenphp_discard "$step" \
    "checksum mismatch: the binary has sha256 $got, expected $FP_WANT_SHA. It was discarded; $FP_BIN was not changed."
  chown root:root "$FP_STAGING"
  chmod 0755 "$FP_STAGING"
  # It must run here (right architecture, not truncated) before it replaces anything.
  local out rc=0
  out=$(timeout 20 runuser -u nobody -- "$FP_STAGING" version </dev/null 2>&1) || rc=$?
  out=$(head -n 1 <<<"$out")
  ((rc == 0)) || frankenphp_discard "$step" \
    "the binary does not run on this host (\`frankenphp version\` exited $rc: ${out:0:200}). $FP_BIN was not changed."
  mv -f -- "$FP_STAGING" "$FP_BIN"
  FP_RESTART=1
  hd_changed "$step" "installed $what: ${out:0:200}"
}

# The template unit, checked with systemd-analyze verify (as an instance) before it is swapped in.
frankenphp_ensure_unit() {
  local step="file $FP_UNIT" content='' probe
  IFS= read -r -d '' content <"$FP_FILES/hostdeck-php@.service.conf" || true
  if hd_same_content "$FP_UNIT" "$content" && [[ $(hd_file_meta "$FP_UNIT") == "0644 root root" ]]; then
    [[ $HD_CHECK == 1 ]] || hd_record_file "$FP_UNIT"
    hd_ok "$step" "template unit, sandboxed, loopback only"
    return 0
  fi
  if [[ $HD_CHECK == 1 ]]; then
    hd_changed "$step" "would write (checked with systemd-analyze verify first)"
    return 0
  fi
  if command -v systemd-analyze >/dev/null; then
    hd_tmpdir
    mkdir -p "$HD_TMP/unit"
    probe="$HD_TMP/unit/hostdeck-php@hostdeck-verify.service"
    printf '%s' "$content" >"$probe"
    hd_run systemd-analyze verify --man=no "$probe" ||
      hd_fail "$step" "systemd-analyze verify rejected the unit, nothing was changed: $HD_LAST_OUTPUT"
  fi
  hd_write_atomic "$FP_UNIT" 0644 root root "$content"
  hd_record_file "$FP_UNIT"
  FP_RESTART=1
  FP_RELOAD=1
  hd_changed "$step" "written (template unit, verified)"
}

# Site instances: enabled ones are symlinks in a .wants dir; running ones are what systemd lists.
frankenphp_sites_enabled() {
  local link name
  for link in /etc/systemd/system/*.wants/hostdeck-php@*.service; do
    [[ -L $link ]] || continue
    name=${link##*/hostdeck-php@}
    name=${name%.service}
    [[ $name =~ $FP_RE_INSTANCE ]] && printf '%s\n' "$name"
  done | sort -u
}

frankenphp_sites_active() {
  local unit name
  while read -r unit _; do
    name=${unit#hostdeck-php@}
    name=${name%.service}
    [[ $unit == hostdeck-php@*.service && $name =~ $FP_RE_INSTANCE ]] && printf '%s\n' "$name"
  done < <(systemctl list-units --type=service --plain --no-legend \
    --state=active,activating,reloading,deactivating 'hostdeck-php@*.service' 2>/dev/null || true)
}

frankenphp_sites_in_use() { { frankenphp_sites_enabled; frankenphp_sites_active; } | sort -u; }

frankenphp_require_installed() {
  [[ -f $FP_BIN && -f $FP_UNIT ]] || hd_fail "frankenphp" "not installed; run: frankenphp install"
}

frankenphp_install() {
  frankenphp_pin_step
  [[ $HD_CHECK == 1 ]] || rm -f -- "$FP_STAGING" # left by an interrupted run
  frankenphp_ensure_binary
  ensure_user "$FP_PLACEHOLDER_USER" /nonexistent /usr/sbin/nologin system
  ensure_dir /usr/local/libexec/hostdeck 0755 root root
  hd_ensure_shipped "$FP_SITE_CHECK" 0755 frankenphp/php-site-check.sh
  ((HD_FILE_CHANGED == 0)) || FP_RESTART=1
  ensure_dir "${FP_GENERATOR%/*}" 0755 root root
  hd_ensure_shipped "$FP_GENERATOR" 0755 frankenphp/hostdeck-php-generator.sh
  ((HD_FILE_CHANGED == 0)) || FP_RELOAD=1
  ensure_dir /etc/hostdeck 0755 root root
  ensure_dir "$FP_SITES" 0750 root root
  # The guard: only Caddy (and root) may connect to a site's port on loopback.
  ensure_packages nftables
  hd_ensure_shipped "$FP_GUARD" 0755 frankenphp/hostdeck-site-guard.sh
  local guard_changed=$HD_FILE_CHANGED
  hd_ensure_shipped "$FP_GUARD_UNIT" 0644 frankenphp/hostdeck-site-guard.service.conf
  ((HD_FILE_CHANGED == 0)) || FP_RELOAD=1
  ensure_dir "${FP_GUARD_NFT_DROPIN%/*}" 0755 root root
  hd_ensure_shipped "$FP_GUARD_NFT_DROPIN" 0644 frankenphp/nftables-site-guard.conf
  ((HD_FILE_CHANGED == 0)) || FP_RELOAD=1
  frankenphp_ensure_unit
  ((FP_RELOAD == 0)) || hd_daemon_reload "the template unit, the guard unit or the generator changed"
  ((guard_changed == 0)) || hd_notify hostdeck-site-guard.service reload
  ensure_service hostdeck-site-guard.service enabled active
  if ((FP_RESTART == 1)); then
    local site
    while IFS= read -r site; do
      [[ -n $site ]] || continue
      [[ $HD_CHECK == 1 ]] || hd_run systemctl restart -- "hostdeck-php@$site.service" ||
        hd_fail "service hostdeck-php@$site.service" "restart failed: $HD_LAST_OUTPUT (see: journalctl -u hostdeck-php@$site)"
      hd_changed "service hostdeck-php@$site.service" "restarted: the binary or the unit changed"
    done < <(frankenphp_sites_active)
  fi
  hd_state_set wanted enabled
  hd_state_set sha256 "$FP_WANT_SHA"
  hd_state_set version "$FP_WANT_VERSION"
  hd_state_set source "${HD_OPT[source]}"
}

# enable brings back the sites `disable` stopped (those whose env file still exists).
frankenphp_enable() {
  frankenphp_require_installed
  local site recorded
  local -a sites=()
  recorded=$(hd_state_get disabled-sites)
  [[ -n $recorded ]] && IFS=, read -r -a sites <<<"$recorded"
  if ((${#sites[@]} == 0)); then
    hd_ok "sites" "none to bring back (frankenphp disable stopped none)"
  fi
  for site in "${sites[@]}"; do
    [[ $site =~ $FP_RE_INSTANCE ]] || continue
    if [[ -f $FP_SITES/$site.env ]]; then
      ensure_service "hostdeck-php@$site.service" enabled active
    else
      hd_ok "service hostdeck-php@$site.service" "not brought back: $FP_SITES/$site.env is gone"
    fi
  done
  hd_state_set disabled-sites ''
  hd_state_set wanted enabled
}

# disable stops and disables every site instance, and remembers the enabled ones for enable.
frankenphp_disable() {
  frankenphp_require_installed
  local site recorded
  local -a enabled=() in_use=() keep=()
  mapfile -t enabled < <(frankenphp_sites_enabled)
  mapfile -t in_use < <(frankenphp_sites_in_use)
  if ((${#in_use[@]} == 0)); then
    hd_ok "sites" "no site instance is enabled or running"
  fi
  for site in "${in_use[@]}"; do
    ensure_service "hostdeck-php@$site.service" disabled inactive
  done
  # Sites a previous disable stopped stay on the list, so enable brings them all back.
  recorded=$(hd_state_get disabled-sites)
  [[ -n $recorded ]] && IFS=, read -r -a keep <<<"$recorded"
  hd_state_set disabled-sites "$(printf '%s\n' "${keep[@]}" "${enabled[@]}" | sed '/^$/d' | sort -u | paste -sd, -)"
  hd_state_set wanted disabled
}

# remove refuses while a site instance is enabled or running (its site would go down with a
# missing binary); `frankenphp disable` first stops and disables them all. Site env files
# (/etc/hostdeck/sites) and the sites' state dirs (/var/lib/hostdeck-php) are kept.
frankenphp_remove() {
  local -a in_use=()
  mapfile -t in_use < <(frankenphp_sites_in_use)
  if ((${#in_use[@]} > 0)); then
    local IFS=,
    hd_fail "sites" "refused: these sites still use FrankenPHP (enabled or running): ${in_use[*]}. Run frankenphp disable (stops and disables them all) or disable the sites, then remove. Nothing was changed."
  fi
  hd_ok "sites" "no site instance is enabled or running"
  local units_there=0
  [[ -e $FP_UNIT || -e $FP_GENERATOR || -e $FP_GUARD_UNIT || -e $FP_GUARD_NFT_DROPIN ]] && units_there=1
  ensure_file_absent "$FP_UNIT"
  ensure_file_absent "$FP_GENERATOR"
  ensure_file_absent "$FP_SITE_CHECK"
  if [[ -e $FP_GUARD_UNIT ]]; then
    ensure_service hostdeck-site-guard.service disabled any
    [[ $HD_CHECK == 1 ]] || { systemctl stop hostdeck-site-guard.service 2>/dev/null || true; nft delete table inet hostdeck_sites 2>/dev/null || true; }
  fi
  ensure_file_absent "$FP_GUARD_NFT_DROPIN"
  [[ $HD_CHECK == 1 ]] || rmdir --ignore-fail-on-non-empty -- "${FP_GUARD_NFT_DROPIN%/*}" 2>/dev/null || true
  ensure_file_absent "$FP_GUARD_UNIT"
  ensure_file_absent "$FP_GUARD"
  ensure_file_absent "$FP_BIN"
  [[ $HD_CHECK == 1 ]] || rm -f -- "$FP_STAGING"
  ((units_there == 0)) || hd_daemon_reload "the template unit and the generator are gone"
  ensure_user_absent "$FP_PLACEHOLDER_USER"
  hd_state_clear
}

frankenphp_status() {
  local sha version='none' installed=no wanted n_enabled n_active site
  local -a drift=() enabled=() active=()
  sha=$(frankenphp_sha "$FP_BIN")
  wanted=$(hd_state_get wanted)
  [[ -n $sha && -f $FP_UNIT ]] && installed=yes
  if [[ -n $sha ]]; then
    version=unknown
    [[ $sha == "$(hd_state_get sha256)" ]] && version=$(hd_state_get version)
  fi
  mapfile -t enabled < <(frankenphp_sites_enabled)
  mapfile -t active < <(frankenphp_sites_active)
  n_enabled=${#enabled[@]}
  n_active=${#active[@]}
  hd_status installed "$installed"
  hd_status version "$version"
  hd_status enabled "$([[ $installed == yes && $wanted != disabled ]] && echo yes || echo no)"
  hd_status active "$( ((n_active > 0)) && echo yes || echo no)"
  hd_status sha256 "${sha:-none}"
  hd_status pinned "$FP_VERSION"
  hd_status arch "$(uname -m)" # which release asset the app must send
  hd_status sites-enabled "$n_enabled"
  hd_status sites-active "$n_active"
  if [[ -n $wanted ]]; then
    if [[ -z $sha ]]; then
      drift+=("binary:$FP_BIN:missing")
    elif [[ $sha != "$(hd_state_get sha256)" ]]; then
      drift+=("binary:$FP_BIN:changed")
    fi
    mapfile -t -O "${#drift[@]}" drift < <(hd_file_drift)
    if [[ $wanted == enabled ]] && ! nft list table inet hostdeck_sites >/dev/null 2>&1; then
      drift+=("guard:inet-hostdeck_sites:not-loaded")
    fi
    if [[ $wanted == enabled ]]; then
      for site in "${enabled[@]}"; do
        [[ " ${active[*]} " == *" $site "* ]] ||
          drift+=("service:hostdeck-php@$site.service:$(hd_unit_active "hostdeck-php@$site.service")")
      done
    else
      for site in "${active[@]}"; do drift+=("service:hostdeck-php@$site.service:active"); done
    fi
  fi
  hd_status drift "$(hd_join_drift "${drift[@]}")"
}
