#!/usr/bin/env bash
# Releases (sourced by modules/site.sh): releases/<id> and the current link, deploy from git or
# an archive, pruning, rollback.

# current -> releases/ID: a new root-owned symlink renamed over the old one (root's site dir).
site_point_current() { # ID
  hd_root_path "release $1" "$SITE_DIR/current"
  ln -sfn -- "releases/$1" "$SITE_DIR/current.hostdeck-new"
  mv -T -- "$SITE_DIR/current.hostdeck-new" "$SITE_DIR/current"
}

site_releases() { # -> release ids, oldest first
  local d
  for d in "$SITE_DIR"/releases/*/; do
    d=${d%/}
    d=${d##*/}
    [[ $d =~ $SITE_RE_RELEASE ]] && printf '%s\n' "$d"
  done | sort
}

site_current_release() {
  local t
  t=$(readlink "$SITE_DIR/current" 2>/dev/null || true)
  printf '%s' "${t#releases/}"
}

# current -> releases/ID, atomically (a new symlink renamed over the old), then the site's PHP
# restarted; Caddy holds requests during the restart (lb_try_duration), so none fail.
site_switch() { # ID
  site_point_current "$1"
  if [[ $(site_state suspended) != 1 ]]; then
    hd_run systemctl restart -- "$SITE_UNIT" || hd_fail "service $SITE_UNIT" "restart failed: $HD_LAST_OUTPUT (see: journalctl -u $SITE_UNIT)"
  fi
}

site_fetch_git() { # DEST (an empty directory of the tenant's)
  ensure_packages git
  local keydir='' ssh_cmd='ssh -o BatchMode=yes'
  if [[ ${HD_OPT[deploy-key-stdin]} == 1 ]]; then
    # Root's own directory (0750 root:<tenant>, the key 0640 in it) under /run/hostdeck-deploy (0711:
    # not listable): the clone task reads it as the tenant and nothing of the tenant's can replace
    # it; the site's own unit cannot see the directory at all (InaccessiblePaths in
    # hostdeck-php@.service). Removed after the clone, and at exit in any case.
    # shellcheck disable=SC2174 # only the last directory needs 0711; /run is root's
    mkdir -p -m 0711 /run/hostdeck-deploy
    keydir=$(mktemp -d /run/hostdeck-deploy/key.XXXXXXXX)
    HD_CLEANUP+=("$keydir")
    chgrp -h "$TUSER" "$keydir"
    chmod 0750 "$keydir"
    (umask 027 && head -c 20000 >"$keydir/key")
    chgrp -h "$TUSER" "$keydir/key"
    ssh_cmd+=" -i $keydir/key -o IdentitiesOnly=yes"
  fi
  ssh_cmd+=" -o StrictHostKeyChecking=accept-new -o UserKnownHostsFile=$SITE_DIR/shared/.ssh/known_hosts"
  local rc=0
  SITE_TASK_TIMEOUT=1800 hd_run site_as_tenant "$SITE_DIR" GIT_SSH_COMMAND="$ssh_cmd" GIT_TERMINAL_PROMPT=0 \
    git clone --quiet --depth 1 --branch "${HD_OPT[branch]}" -- "${HD_OPT[repo]}" "$1" || rc=$?
  [[ -z $keydir ]] || rm -rf -- "$keydir"
  if ((rc != 0)); then
    rm -rf --one-file-system -- "$1"
    hd_fail "fetch" "git clone of ${HD_OPT[repo]} (${HD_OPT[branch]}) failed: $HD_LAST_OUTPUT. The live release was not touched."
  fi
  SITE_REVISION=$(site_as_tenant "$1" /bin/sh -c 'git rev-parse HEAD 2>/dev/null; rm -rf .git' || true)
  [[ $SITE_REVISION =~ ^[0-9a-f]{40,64}$ ]] || SITE_REVISION=unknown
  hd_changed "fetch" "${HD_OPT[repo]} ${HD_OPT[branch]} at ${SITE_REVISION:0:12}"
}

site_fetch_archive() { # DEST (an empty directory of the tenant's)
  local rc=0 archive
  # Received into a root-only file first (on disk: it can be large), which the task reads: a process
  # of the tenant's holding that descriptor blocks nothing, unlike a pipe that fills up.
  archive=$(site_staging_file archive.tar)
  head -c 2000000000 >"$archive"
  SITE_TASK_STDIN=1 SITE_TASK_TIMEOUT=1800 hd_run_stdin site_as_tenant "$1" \
    tar -x --no-same-owner --no-same-permissions -f - <"$archive" || rc=$?
  rm -f -- "$archive"
  if ((rc != 0)); then
    rm -rf --one-file-system -- "$1"
    hd_fail "fetch" "unpacking the archive from stdin failed: $HD_LAST_OUTPUT. The live release was not touched."
  fi
  SITE_REVISION="archive-$(date -u +%Y%m%dT%H%M%SZ)"
  hd_changed "fetch" "archive unpacked"
}

site_deploy() {
  site_load
  site_ensure_skeleton
  if [[ $HD_CHECK == 1 ]]; then
    hd_changed "release" "would fetch a new release and switch to it"
    return 0
  fi
  local id dir previous
  id=$(date -u +%Y%m%dT%H%M%SZ)
  [[ -e $SITE_DIR/releases/$id ]] && id="$id-$$"
  [[ $id =~ $SITE_RE_RELEASE ]] || id=$(date -u +%Y%m%dT%H%M%SZ)-$((RANDOM % 1000))
  dir="$SITE_DIR/releases/$id"
  previous=$(site_current_release)
  site_tenant_dir "$dir.partial"
  if [[ ${HD_OPT[source]} == git ]]; then site_fetch_git "$dir.partial"; else site_fetch_archive "$dir.partial"; fi
  site_laravel_shared_storage
  # The release's links to what is shared, made by the tenant inside its own release. The script
  # is ours; the revision and the Laravel flag arrive as arguments, never as code.
  local prep_rc=0
  # shellcheck disable=SC2016 # the script is fixed text: the tenant's sh expands $1 and $2
  hd_run site_as_tenant "$dir.partial" /bin/sh -c '
    [ -d public ] && [ ! -L public ] || { echo "the new release has no public/ directory (the document root)"; exit 3; }
    ln -sfn ../../shared/.env .env
    printf "%s\n" "$1" >REVISION
    if [ "$2" = laravel ]; then
      mkdir -p ../../shared/storage/app/public ../../shared/storage/framework/cache \
        ../../shared/storage/framework/sessions ../../shared/storage/framework/views ../../shared/storage/logs
      rm -rf storage && ln -sfn ../../shared/storage storage
    fi' hostdeck-prepare "$SITE_REVISION" "${HD_OPT[hooks]}" || prep_rc=$?
  if ((prep_rc != 0)); then
    rm -rf --one-file-system -- "$dir.partial"
    hd_fail "release" "${HD_LAST_OUTPUT:-preparing the new release failed}; the live release was not touched"
  fi
  mv -T -- "$dir.partial" "$dir"
  site_laravel_hooks "$dir"
  site_switch "$id"
  hd_changed "release" "current -> releases/$id${previous:+ (was $previous)}"
  if ! site_health_probe; then
    if [[ -n $previous && -d $SITE_DIR/releases/$previous ]]; then
      site_switch "$previous"
      hd_fail "health" "release $id does not answer ($SITE_HEALTH_ERR); switched back to $previous"
    fi
    hd_fail "health" "release $id does not answer: $SITE_HEALTH_ERR"
  fi
  hd_ok "health" "release $id: $SITE_HEALTH_OK"
  hd_state_set release "$id"
  site_prune "$id" "$previous"
}

site_prune() { # CURRENT PREVIOUS: keep the newest --keep releases (never these two)
  local keep=$((10#${HD_OPT[keep]})) n r
  local -a all
  mapfile -t all < <(site_releases)
  n=${#all[@]}
  for r in "${all[@]}"; do
    ((n > keep)) || break
    [[ $r == "$1" || $r == "$2" ]] && continue
    rm -rf --one-file-system -- "${SITE_DIR:?}/releases/$r"
    n=$((n - 1))
    hd_changed "release $r" "pruned (keeping $keep)"
  done
  for r in "$SITE_DIR"/releases/*.partial; do [[ -e $r ]] && rm -rf --one-file-system -- "$r"; done
  return 0
}

site_rollback() {
  site_load
  site_ensure_skeleton
  local current target=${HD_OPT[release]} r
  local -a all
  current=$(site_current_release)
  mapfile -t all < <(site_releases)
  if [[ -z $target ]]; then
    for r in "${all[@]}"; do
      [[ $r == "$current" ]] && break
      target=$r
    done
    [[ -n $target ]] || hd_fail "rollback" "there is no release older than $current to go back to"
  fi
  [[ -d $SITE_DIR/releases/$target ]] || hd_fail "rollback" "release $target does not exist on the host (releases: ${all[*]})" 2
  if [[ $target == "$current" ]]; then
    hd_ok "release" "current is already $target"
    return 0
  fi
  if [[ $HD_CHECK == 1 ]]; then
    hd_changed "release" "would switch current from $current to $target"
    return 0
  fi
  site_switch "$target"
  hd_changed "release" "current -> releases/$target (was $current)"
  hd_state_set release "$target"
  site_health
}
