#!/usr/bin/env bash
# One file or folder of a site put back from a files snapshot of this host's backups (sourced by
# modules/site.sh): `site recover --site S --snapshot ID --path P [--from-site OLD]`. P is relative
# to the site and lies in what the tenant owns: current/… (the live release; in the snapshot, the
# release its current pointed at) or shared/uploads/…, shared/storage/…. Root dumps the snapshot's
# copy (restic) into a root-only staging file; the tenant writes it into place in its sandbox, so
# nothing of root's is ever written through a link the tenant planted. A folder is merged: what the
# snapshot has is written back, files added since are left. Root's files (shared/.env,
# wp-config.php) are Hostdeck's to write and never come back this way.

# Allowed: current, shared/uploads or shared/storage, then names (not . or ..), no control
# characters and no $, at most 1024 characters.
# (No $: systemd-run, which starts the tenant's task, would read ${…} and $$ in its arguments.)
readonly SITE_RE_RECOVER='^(current|shared/uploads|shared/storage)(/[^/$[:cntrl:]]+)*$'

site_options_recover() {
  hd_option snapshot "$HD_RE_SNAPSHOT" '' "a files snapshot of this site (8-64 hex digits)"
  hd_option from-site "^($SITE_RE_SLUG)?\$" '' "the site the snapshot is of, when another (or one deleted since)"
  hd_option path "^.{1,1024}\$" '' "what to put back, relative to the site: current/…, shared/uploads/… or shared/storage/…"
  hd_restic_offsite_option
}

site_validate_recover() {
  [[ -n ${HD_OPT[snapshot]} ]] || hd_usage_fail "option --snapshot" "is required (${HD_OPT_HELP[snapshot]})"
  local p=${HD_OPT[path]} part
  [[ $p =~ $SITE_RE_RECOVER ]] || hd_usage_fail "option --path" "refused: '${p:0:80}' is not current/…, shared/uploads/… or shared/storage/… (no control characters)"
  local -a parts
  IFS=/ read -r -a parts <<<"$p"
  for part in "${parts[@]}"; do
    [[ $part != . && $part != .. ]] || hd_usage_fail "option --path" "refused: '.' and '..' are not names"
  done
  site_validate_offsite
}

site_recover() {
  site_load
  site_ensure_skeleton
  local step="recover ${HD_OPT[path]}" from=${HD_OPT[from-site]:-$SITE} src rel now inner
  site_find_snapshot "$step"
  src=$SITE_SNAPSHOT_DIR
  # Where it was in the snapshot, and where it goes now (root reads only its own links: current).
  local from_path to_path
  if [[ ${HD_OPT[path]} == current || ${HD_OPT[path]} == current/* ]]; then
    inner=${HD_OPT[path]#current}
    rel=$(site_snapshot_release "$src") || hd_fail "$step" "the snapshot has no release (its current is '${rel:0:80}')"
    now=$(site_current_release)
    [[ $now =~ $SITE_RE_RELEASE && -d $SITE_DIR/releases/$now ]] || hd_fail "$step" "the site has no current release to put it into"
    from_path="$src/releases/$rel$inner"
    to_path="$SITE_DIR/releases/$now$inner"
  else
    from_path="$src/${HD_OPT[path]}"
    to_path="$SITE_DIR/${HD_OPT[path]}"
    local top
    top="$SITE_DIR/shared/$(cut -d/ -f2 <<<"${HD_OPT[path]}")"
    [[ -d $top && ! -L $top ]] || hd_fail "$step" "this site has no ${top#"$SITE_DIR"/} to put it into"
  fi
  # Its type, from the long listing's line for that very path (a link's line goes on " -> …").
  local kind='' line
  while IFS= read -r line; do
    if [[ $line == *" $from_path" || $line == *" $from_path -> "* ]]; then
      kind=${line:0:1}
      break
    fi
  done < <(hd_restic ls -l "$SITE_SNAPSHOT" "$from_path" 2>/dev/null || true)
  case $kind in
  d | -) ;;
  '') hd_fail "$step" "the snapshot ${SITE_SNAPSHOT:0:8} has no ${HD_OPT[path]}" 2 ;;
  *) hd_fail "$step" "${HD_OPT[path]} is a link or special file in the snapshot: only files and folders come back" 2 ;;
  esac
  local sizes bytes entries
  sizes=$(hd_restic_size_of "$SITE_SNAPSHOT" "$from_path") || hd_fail "$step" "restic cannot list ${HD_OPT[path]}"
  read -r bytes entries <<<"$sizes"
  local what
  what="the file ($(hd_human "$bytes"))"
  [[ $kind != d ]] || what="the folder ($entries entries, $(hd_human "$bytes"))"
  if [[ $HD_CHECK == 1 ]]; then
    hd_changed "$step" "would put back $what from snapshot ${SITE_SNAPSHOT:0:8}${HD_OPT[from-site]:+ of site $from}"
    return 0
  fi
  local staging
  staging=$(site_staging_file recover)
  HD_CLEANUP+=("$staging")
  site_require_restore_space "$step" "$staging" "$bytes" "${HD_OPT[path]}"
  hd_tmpdir
  if [[ $kind == d ]]; then
    hd_restic dump --archive tar "$SITE_SNAPSHOT" "$from_path" >"$staging" 2>"$HD_TMP/recover.err" ||
      hd_fail "$step" "restic dump: $(tail -n 1 "$HD_TMP/recover.err")"
    local depth
    depth=$(tr -cd / <<<"$from_path" | wc -c)
    # shellcheck disable=SC2016 # the tenant's sh expands $1 and $2
    SITE_TASK_STDIN=1 SITE_TASK_TIMEOUT=1800 hd_run_stdin site_as_tenant "$SITE_DIR" /bin/sh -c \
      'mkdir -p -- "$1" && tar -x --no-same-owner --no-same-permissions --strip-components="$2" -C "$1" -f -' \
      hostdeck-recover "$to_path" "$depth" <"$staging" ||
      hd_fail "$step" "unpacking it as $TUSER failed: $HD_LAST_OUTPUT"
  else
    # No more than the listing said (a crafted snapshot, say another host's copy, could name one
    # blob many times over): head stops there, and restic, cut off, fails the step.
    local -a st=()
    {
      hd_restic dump "$SITE_SNAPSHOT" "$from_path" 2>"$HD_TMP/recover.err" | head -c "$bytes" >"$staging"
      st=("${PIPESTATUS[@]}")
    } || true
    [[ ${st[0]-1} == 0 && ${st[1]-1} == 0 ]] ||
      hd_fail "$step" "restic dump: $(tail -n 1 "$HD_TMP/recover.err") (exit ${st[0]-?}; the backup may be larger than its listing says)"
    # (the parent is worked out here: systemd-run would take ${...} in the command for its own)
    # shellcheck disable=SC2016 # the tenant's sh expands $1 and $2
    SITE_TASK_STDIN=1 hd_run_stdin site_as_tenant "$SITE_DIR" /bin/sh -c \
      'if [ -d "$1" ] && [ ! -L "$1" ]; then echo "$1 is a folder now; the backup has a file there"; exit 3; fi; mkdir -p -- "$2" && cat >"$1.hostdeck-recover" && mv -fT -- "$1.hostdeck-recover" "$1"' \
      hostdeck-recover "$to_path" "${to_path%/*}" <"$staging" ||
      hd_fail "$step" "writing it as $TUSER failed: $HD_LAST_OUTPUT"
  fi
  hd_changed "$step" "put back $what from snapshot ${SITE_SNAPSHOT:0:8}${HD_OPT[from-site]:+ of site $from}, written by $TUSER"
}
