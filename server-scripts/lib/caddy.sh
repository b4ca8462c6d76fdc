#!/usr/bin/env bash
# Caddy, shared by the caddy and site modules (sourced through lib.sh).

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
