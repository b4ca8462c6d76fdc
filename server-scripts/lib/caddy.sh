#!/usr/bin/env bash
# Caddy, shared by the caddy and site modules (sourced through lib.sh).

readonly HD_CADDY_FILE=/etc/caddy/Caddyfile
readonly HD_CADDY_SITES=/etc/caddy/sites
readonly HD_CADDY_KEEP=/var/lib/hostdeck/caddy
readonly HD_CADDY_HOME=/var/lib/caddy
# Where the caddy guard (files/caddy/hostdeck-caddy-guard.sh) puts a site file that does not
# validate on its own when Caddy starts or reloads, with a <site>.reason beside it.
readonly HD_CADDY_ASIDE=$HD_CADDY_KEEP/set-aside

# Validates a candidate Caddyfile as the caddy user (as the service would read it), with the
# service's own data dirs, so nothing lands in root's home.
hd_caddy_validate() { # FILE
  hd_run runuser -u caddy -- env HOME="$HD_CADDY_HOME" XDG_DATA_HOME="$HD_CADDY_HOME/.local/share" \
    XDG_CONFIG_HOME="$HD_CADDY_HOME/.config" caddy validate --config "$1" --adapter caddyfile
}

# Copies the config that just loaded to $HD_CADDY_KEEP/last-good (atomically, by rename): the
# keep hook of ensure_validated_file for every Caddy file (the whole config is one snapshot).
hd_caddy_keep_last_good() { # [PATH] [if-missing]
  [[ ${2-} == if-missing && -d $HD_CADDY_KEEP/last-good ]] && return 0
  mkdir -p -- "$HD_CADDY_KEEP"
  chmod 0700 "$HD_CADDY_KEEP"
  rm -rf -- "$HD_CADDY_KEEP/last-good.new"
  mkdir -p -- "$HD_CADDY_KEEP/last-good.new"
  cp -a -- "$HD_CADDY_FILE" "$HD_CADDY_KEEP/last-good.new/Caddyfile"
  [[ -d $HD_CADDY_SITES ]] && cp -a -- "$HD_CADDY_SITES" "$HD_CADDY_KEEP/last-good.new/sites"
  rm -rf -- "$HD_CADDY_KEEP/last-good"
  mv -- "$HD_CADDY_KEEP/last-good.new" "$HD_CADDY_KEEP/last-good"
}

# The reload hook of Caddy's files: a running Caddy reloads (or, with HD_CADDY_HOW=restart,
# restarts); a stopped one reads the files when it starts, except that a site change
# (HD_CADDY_START_DOWN=1) starts one that should run (enabled: it failed to start, say after a broken
# site file at boot), its guard setting aside what does not validate. (The caddy module starts
# Caddy itself, after its own steps.)
hd_caddy_reload() {
  if [[ $(hd_unit_active caddy) != active ]]; then
    [[ ${HD_CADDY_START_DOWN-0} == 1 && $(hd_unit_enabled caddy) == enabled ]] || return 0
    unset 'HD_PENDING[caddy]'
    hd_run systemctl start caddy || return 1
    # shellcheck disable=SC2034 # read by ensure_validated_file (lib/validated.sh)
    HD_VF_RELOADED=", caddy was down and is started"
    return 0
  fi
  local how=${HD_CADDY_HOW:-reload}
  [[ $how == restart ]] && unset 'HD_PENDING[caddy]'
  hd_run systemctl "$how" caddy || return 1
  # shellcheck disable=SC2034 # read by ensure_validated_file (lib/validated.sh)
  HD_VF_RELOADED=", caddy ${how}ed"
}

# The validate hook of a site file: CANDIDATE ('' when the file goes) is staged with copies of
# every other site file and validated as the whole config, as the caddy user.
hd_caddy_validate_site() { # CANDIDATE
  local stage=/etc/caddy/.hostdeck-staging f
  grep -qsxF "import $HD_CADDY_SITES/*.caddy" "$HD_CADDY_FILE" ||
    hd_fail "$HD_CADDY_SITE_STEP" "$HD_CADDY_FILE does not import $HD_CADDY_SITES/*.caddy: install the caddy module first (caddy install). Nothing was changed."
  rm -rf -- "$stage"
  mkdir -m 0750 -- "$stage"
  mkdir -m 0750 -- "$stage/sites"
  for f in "$HD_CADDY_SITES"/*.caddy; do
    [[ -f $f && $f != "$HD_CADDY_SITE_PATH" ]] && cp -- "$f" "$stage/sites/"
  done
  [[ -n $1 ]] && cp -- "$1" "$stage/sites/${HD_CADDY_SITE_PATH##*/}"
  sed "s|^import $HD_CADDY_SITES/\*\.caddy\$|import $stage/sites/*.caddy|" "$HD_CADDY_FILE" >"$stage/Caddyfile"
  chown -R root:caddy "$stage"
  chmod 0640 "$stage/Caddyfile" "$stage/sites/"*.caddy 2>/dev/null || true
  local rc=0
  hd_caddy_validate "$stage/Caddyfile" || rc=$?
  rm -rf -- "$stage"
  HD_LAST_OUTPUT=${HD_LAST_OUTPUT//$stage\/sites\//$HD_CADDY_SITES/}
  HD_LAST_OUTPUT=${HD_LAST_OUTPUT:0:600}
  return "$rc"
}

# One site file of Caddy's, changed without ever taking the other sites down: the candidate is
# validated with every other site file as the whole config; only then is it renamed into place
# and Caddy reloaded; a refused reload puts the previous file back (and reloads again). CONTENT
# '' removes the file. A broken config leaves the live files and the running Caddy exactly as
# they were. Site files are 0640 root:caddy: they describe a tenant, no other tenant reads them.
ensure_caddy_site_file() { # NAME CONTENT
  local path="$HD_CADDY_SITES/$1.caddy" content=$2 what
  local -a opts=(--absent)
  HD_CADDY_SITE_PATH=$path
  HD_CADDY_SITE_STEP="caddy site $path"
  if [[ -n $content ]]; then
    opts=()
    what=$([[ -e $path ]] && echo updated || echo created)
  else
    what=removed
  fi
  HD_CADDY_START_DOWN=1 HD_CADDY_HOW=reload ensure_validated_file "$HD_CADDY_SITE_STEP" "$path" 0640 root caddy "$content" "${opts[@]}" \
    --validate hd_caddy_validate_site --reload hd_caddy_reload --keep hd_caddy_keep_last_good --unit caddy \
    --ok "$([[ -n $content ]] && echo 'up to date' || echo absent)" \
    --would "would be ${what} (validated with every other site first)" --changed "$what" \
    --invalid "the whole Caddy config does not validate with this change, so nothing was changed and Caddy keeps serving every site as before" \
    --refused "caddy refused the change on reload; the previous file was put back"
  # Written again (or removed) and loaded: a copy the guard set aside is history now.
  if [[ $HD_CHECK != 1 && -e $HD_CADDY_ASIDE/$1.caddy ]]; then
    rm -f -- "$HD_CADDY_ASIDE/$1.caddy" "$HD_CADDY_ASIDE/$1.reason"
    hd_changed "caddy site $1 set aside" "the copy the guard had set aside is gone: this one loaded"
  fi
}

# Why the guard set SITE's file aside ("<time> <reason>"), or nothing.
hd_caddy_set_aside() { # SITE
  [[ -f $HD_CADDY_ASIDE/$1.reason ]] && head -c 500 -- "$HD_CADDY_ASIDE/$1.reason" | head -n 1
  return 0
}
