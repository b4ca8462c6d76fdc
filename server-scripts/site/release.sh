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

# A release from this host's backups: the snapshot's current release, dumped by root (restic) into
# a root-only staging file and unpacked by the tenant, like an archive. The tenant-writable shared
# directories (WordPress uploads, Laravel storage) come back the same way into new directories of
# the tenant's, swapped in by site_swap_shared once the release is staged.
# The files snapshot --snapshot names, of this site or of --from-site: SITE_SNAPSHOT, and the
# site directory it was taken of in SITE_SNAPSHOT_DIR (another site's, or a deleted one's, files
# come from its own directory).
site_find_snapshot() { # STEP
  local from=${HD_OPT[from-site]:-$SITE} src
  hd_restic_ready || hd_fail "$1" "this host has no backup repository (set up backups first)" 2
  SITE_SNAPSHOT=$(hd_restic_snapshot_id "$from" files "${HD_OPT[snapshot]}")
  [[ -n $SITE_SNAPSHOT ]] || hd_fail "$1" "no files snapshot of $from has that id" 2
  src=$(hd_restic_snapshot_path "$SITE_SNAPSHOT")
  [[ $src =~ ^$SITE_TENANTS/[a-z0-9-]{1,40}/$from$ ]] ||
    hd_fail "$1" "the snapshot is not of a site's directory (it holds '${src:0:80}')"
  SITE_SNAPSHOT_DIR=$src
}
SITE_SNAPSHOT_DIR=''

site_fetch_snapshot() { # DEST (an empty directory of the tenant's)
  local step="snapshot ${HD_OPT[snapshot]}" rel from=${HD_OPT[from-site]:-$SITE} src
  site_find_snapshot "$step"
  src=$SITE_SNAPSHOT_DIR
  rel=$(site_snapshot_release "$src") ||
    hd_fail "$step" "the snapshot has no release to restore (its current is '${rel:0:80}')"
  site_unpack_snapshot_dir "$step" "$src/releases/$rel" "$1" ||
    hd_fail "$step" "restoring release $rel failed: $HD_LAST_OUTPUT. The live release was not touched."
  SITE_REVISION="snapshot-${SITE_SNAPSHOT:0:8}-$rel"
  hd_changed "$step" "release $rel unpacked from snapshot ${SITE_SNAPSHOT:0:8}${HD_OPT[from-site]:+ of site $from}"
  local d
  SITE_SHARED_RESTORED=()
  for d in uploads storage; do
    [[ -d $SITE_DIR/shared/$d && ! -L $SITE_DIR/shared/$d ]] || continue
    hd_restic_has "$SITE_SNAPSHOT" "$src/shared/$d" || continue
    site_tenant_dir "$SITE_DIR/shared/$d.restore"
    HD_CLEANUP+=("$SITE_DIR/shared/$d.restore")
    site_unpack_snapshot_dir "shared/$d" "$src/shared/$d" "$SITE_DIR/shared/$d.restore" ||
      hd_fail "shared/$d" "restoring it failed: $HD_LAST_OUTPUT. The live site was not touched."
    SITE_SHARED_RESTORED+=("$d")
    hd_changed "shared/$d" "unpacked from snapshot ${SITE_SNAPSHOT:0:8}"
  done
}
SITE_SNAPSHOT=''
SITE_SHARED_RESTORED=()

# The release `current` points at in SITE_SNAPSHOT, the files snapshot of the site at DIR (restic
# 0.14's ls --json has no link targets; its long listing does: "<path> -> <target>"). Prints the
# target's release id, or what was found; fails unless it is releases/<a release id>.
site_snapshot_release() { # DIR
  local link rel
  link=$(hd_restic ls -l "$SITE_SNAPSHOT" "$1/current" 2>/dev/null |
    sed -n "s|.* $1/current -> \(.*\)\$|\1|p" | head -n 1)
  rel=${link#releases/}
  printf '%s' "$rel"
  [[ $link == releases/* && $rel =~ $SITE_RE_RELEASE ]]
}

# Room for BYTES twice: in the staging file and unpacked into the site, on one filesystem or two.
site_require_restore_space() { # STEP STAGING_FILE BYTES WHAT
  if [[ $(stat -c %d -- "$2") == $(stat -c %d -- "$SITE_DIR") ]]; then
    hd_require_space "$1" "$SITE_DIR" $(($3 * 2)) "$4"
  else
    hd_require_space "$1" "${2%/*}" "$3" "staging $4"
    hd_require_space "$1" "$SITE_DIR" "$3" "$4"
  fi
}

# PATH of the snapshot, unpacked by the tenant into DEST (its own empty directory); disk space is
# checked first, for the staging file and the unpacked tree.
site_unpack_snapshot_dir() { # STEP PATH DEST
  local bytes entries archive rc=0 depth sizes
  sizes=$(hd_restic_size_of "$SITE_SNAPSHOT" "$2") || {
    HD_LAST_OUTPUT="restic cannot list $2 in snapshot ${SITE_SNAPSHOT:0:8}"
    return 1
  }
  read -r bytes entries <<<"$sizes"
  archive=$(site_staging_file snapshot.tar)
  HD_CLEANUP+=("$archive")
  site_require_restore_space "$1" "$archive" "$bytes" "$2 ($entries entries)"
  hd_tmpdir
  if ! hd_restic dump --archive tar "$SITE_SNAPSHOT" "$2" >"$archive" 2>"$HD_TMP/dump.err"; then
    HD_LAST_OUTPUT="restic dump: $(tail -n 1 "$HD_TMP/dump.err")"
    rm -f -- "$archive"
    return 1
  fi
  # restic's tar names entries by their path below the dumped directory's parents, without a
  # leading /: strip the directory's own components.
  depth=$(tr -cd / <<<"$2" | wc -c)
  SITE_TASK_STDIN=1 SITE_TASK_TIMEOUT=1800 hd_run_stdin site_as_tenant "$3" \
    tar -x --no-same-owner --no-same-permissions --strip-components="$depth" -f - <"$archive" || rc=$?
  rm -f -- "$archive"
  return "$rc"
}

# The restored shared directories take the live ones' places (renames in root's shared/); the
# live ones are kept aside as <dir>.before-restore until the restored release answers. Until then
# an exit hook puts them back, so a deploy that fails on the way (a hook, a restart) leaves the
# live site's files as they were.
site_swap_shared() { # in|back|kept
  local d
  case $1 in
  in)
    ((${#SITE_SHARED_RESTORED[@]} == 0)) || HD_EXIT_HOOKS+=(site_swap_shared_unless_done)
    SITE_SHARED_PENDING=1
    ;;
  back) SITE_SHARED_PENDING=0 ;;
  kept)
    SITE_SHARED_PENDING=0
    return 0
    ;;
  esac
  for d in "${SITE_SHARED_RESTORED[@]}"; do
    if [[ $1 == in ]]; then
      rm -rf --one-file-system -- "$SITE_DIR/shared/$d.before-restore"
      mv -T -- "$SITE_DIR/shared/$d" "$SITE_DIR/shared/$d.before-restore"
      mv -T -- "$SITE_DIR/shared/$d.restore" "$SITE_DIR/shared/$d"
    elif [[ -d $SITE_DIR/shared/$d.before-restore ]]; then
      rm -rf --one-file-system -- "$SITE_DIR/shared/$d"
      mv -T -- "$SITE_DIR/shared/$d.before-restore" "$SITE_DIR/shared/$d"
    fi
  done
}
SITE_SHARED_PENDING=0
site_swap_shared_unless_done() { ((SITE_SHARED_PENDING == 0)) || site_swap_shared back; }

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
  case ${HD_OPT[source]} in
  git) site_fetch_git "$dir.partial" ;;
  snapshot) site_fetch_snapshot "$dir.partial" ;;
  *) site_fetch_archive "$dir.partial" ;;
  esac
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
  site_swap_shared in
  site_laravel_hooks "$dir"
  site_switch "$id"
  hd_changed "release" "current -> releases/$id${previous:+ (was $previous)}"
  if ! site_health_probe; then
    site_swap_shared back
    if [[ -n $previous && -d $SITE_DIR/releases/$previous ]]; then
      site_switch "$previous"
      hd_fail "health" "release $id does not answer ($SITE_HEALTH_ERR); switched back to $previous${SITE_SHARED_RESTORED[*]:+ and put back the shared ${SITE_SHARED_RESTORED[*]}}"
    fi
    hd_fail "health" "release $id does not answer: $SITE_HEALTH_ERR"
  fi
  hd_ok "health" "release $id: $SITE_HEALTH_OK"
  site_swap_shared kept
  local d
  for d in "${SITE_SHARED_RESTORED[@]}"; do
    rm -rf --one-file-system -- "$SITE_DIR/shared/$d.before-restore"
    hd_changed "shared/$d" "restored from snapshot ${SITE_SNAPSHOT:0:8}"
  done
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
