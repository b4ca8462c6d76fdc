#!/usr/bin/env bash
# The tenant of a site (sourced by modules/site.sh): its Linux user, the root-owned skeleton of
# its tree, handing root-built trees over, root-only staging, and site_as_tenant, the only way
# the scripts work inside tenant-writable space. The tenant is hostile (docs/THREAT-MODEL.md).
# shellcheck disable=SC2034 # SITE_TASK_* are set per call by the callers

site_ensure_tenant() {
  ensure_dir "$SITE_TENANTS" 0711 root root
  ensure_user "$TUSER" "$SITE_TENANTS/$TENANT" /usr/sbin/nologin system
  ensure_dir "$SITE_TENANTS/$TENANT" 0750 root "$TUSER"
}

# The directories root keeps (see the top of this file). Top down, so each is root's before root
# looks inside it; this also converts the tenant-owned skeleton of sites made by earlier versions.
site_ensure_skeleton() {
  # A dry run cannot look inside a skeleton that is still the tenant's (a site made by an earlier
  # version): root refuses such parents until a real run has converted them. Say so, and stop here.
  if [[ $HD_CHECK == 1 ]]; then
    local d
    for d in "$SITE_TENANTS/$TENANT" "$SITE_DIR" "$SITE_DIR/releases" "$SITE_DIR/shared"; do
      [[ -d $d && ! -L $d && $(stat -c %U -- "$d") != root ]] || continue
      hd_changed "skeleton" "would make $SITE_TENANTS/$TENANT, the site directory, releases/ and shared/ root's (0750 root:$TUSER; $d is $(stat -c %U -- "$d")'s, as sites made by earlier versions were); a dry run shows the rest once that is done"
      exit 0
    done
  fi
  ensure_dir "$SITE_TENANTS/$TENANT" 0750 root "$TUSER"
  ensure_dir "$SITE_DIR" 0750 root "$TUSER"
  ensure_dir "$SITE_DIR/releases" 0750 root "$TUSER"
  ensure_dir "$SITE_DIR/shared" 0750 root "$TUSER"
  ensure_dir "$SITE_DIR/shared/.ssh" 0700 "$TUSER" "$TUSER"
  ensure_dir "$SITE_DIR/tmp" 0700 "$TUSER" "$TUSER"
}

# A root-only directory releases/ID.partial (0700 root, in root's releases/): root builds a
# release there, out of the tenant's reach, and site_hand_over gives it to the tenant.
site_stage_release() { # ID -> SITE_STAGE
  SITE_STAGE="$SITE_DIR/releases/$1.partial"
  hd_root_path "release $1" "$SITE_STAGE"
  rm -rf --one-file-system -- "$SITE_STAGE"
  mkdir -m 0700 -- "$SITE_STAGE"
}

# The tree root built in a root-only STAGE becomes the tenant's and is renamed to DEST. Everything
# inside is chowned while the top is still 0700 root (the tenant cannot enter it yet), the top
# last; chown -h and find never follow a link.
site_hand_over() { # STAGE DEST
  chmod -R g-w,o-rwx -- "$1"
  find "$1" -mindepth 1 -exec chown -h "$TUSER:$TUSER" {} +
  chmod 0750 -- "$1"
  chown -h "$TUSER:$TUSER" -- "$1"
  rm -rf --one-file-system -- "$2"
  mv -T -- "$1" "$2"
}

# A new, empty directory of the tenant's at PATH (in a root-owned directory), for tenant work.
site_tenant_dir() { # PATH
  hd_root_path "directory $1" "$1"
  rm -rf --one-file-system -- "$1"
  mkdir -m 0750 -- "$1"
  chown -h "$TUSER:$TUSER" -- "$1"
}

# A new root-only file for staging (in /var/lib/hostdeck/staging, on disk, 0700), removed at exit.
site_staging_file() { # NAME -> path
  local dir=/var/lib/hostdeck/staging f
  # shellcheck disable=SC2174 # only the last directory needs 0700; its parents are root's 0755
  mkdir -p -m 0700 -- "$dir"
  chmod 0700 -- "$dir"
  f=$(umask 077 && mktemp "$dir/$1.XXXXXXXX")
  HD_CLEANUP+=("$f")
  printf '%s' "$f"
}

# The sandbox of hostdeck-php@.service (its lines after "# Sandbox."), as systemd-run properties,
# so a tenant task is confined exactly like the site itself. Read from the installed unit: the
# site runs with that one.
site_sandbox() {
  [[ ${#SITE_SANDBOX[@]} -gt 0 ]] && return 0
  local unit=/etc/systemd/system/hostdeck-php@.service line
  [[ -f $unit ]] || hd_fail "sandbox" "$unit is missing: install the frankenphp module first"
  while IFS= read -r line; do
    # Not for tasks: the deploy keys the clone task reads.
    [[ $line == InaccessiblePaths=*hostdeck-deploy* ]] && continue
    SITE_SANDBOX+=(-p "$line")
  done < <(hd_site_sandbox_lines)
  ((${#SITE_SANDBOX[@]} >= 20)) || hd_fail "sandbox" "$unit has no sandbox section: install the frankenphp module again"
}
SITE_SANDBOX=()
SITE_TASK_TIMEOUT=900
SITE_TASK_MAX_OUTPUT=8388608
SITE_TASK_STDIN=0 # 1: the task reads this function's stdin (a pipe or a file of ours); else /dev/null
SITE_TASK_OUT=''  # a file for the task's output instead of this function's stdout

# Runs CMD as the tenant, in DIR, with the site's php.ini: tenant code (deploy hooks, WordPress's
# installer, git, tar of its own files) and any work inside tenant-writable space. It is a
# transient systemd unit started by PID 1, so it inherits none of this script's descriptors (the
# protocol stream, the host lock: a process left behind can neither forge step lines nor hold the
# lock), has the site unit's sandbox and can write only under the site, is killed after
# SITE_TASK_TIMEOUT seconds, and leaves no process behind (its cgroup goes with it). The cd into
# DIR happens as the tenant. stdin is /dev/null unless SITE_TASK_STDIN=1 (then a pipe or a file the
# caller made, never the SSH channel itself). Output (stderr joined) goes through a reader this
# function abandons once the task is over: tenant code that passed its stdout to a process outside
# the task (SCM_RIGHTS) cannot keep a root run, and the host lock, waiting for an end of file. It is
# capped at SITE_TASK_MAX_OUTPUT bytes, into SITE_TASK_OUT or onto this function's stdout.
site_as_tenant() { # DIR [NAME=VALUE...] CMD...
  local dir=$1
  shift
  local -a vars=()
  while (($# > 0)) && [[ $1 =~ ^[A-Z][A-Z0-9_]*= ]]; do
    vars+=("$1")
    shift
  done
  site_sandbox
  local out=$SITE_TASK_OUT in=/dev/null rc=0 reader i fifo
  [[ $SITE_TASK_STDIN == 1 ]] && in=/dev/stdin
  hd_tmpdir
  [[ -n $out ]] || out=$(umask 077 && mktemp "$HD_TMP/task.XXXXXXXX")
  fifo=$(umask 077 && mktemp -u "$HD_TMP/task.XXXXXXXX.fifo")
  mkfifo -m 0600 -- "$fifo"
  head -c "$SITE_TASK_MAX_OUTPUT" <"$fifo" >"$out" &
  reader=$!
  # shellcheck disable=SC2016 # the inner sh expands $1 and $@, not this script
  systemd-run --quiet --wait --pipe --collect --service-type=exec \
      --unit="hostdeck-task-$SITE-$$-$RANDOM" --description="Hostdeck task of site $SITE (as $TUSER)" \
      --uid="$TUSER" --gid="$TUSER" -p WorkingDirectory=/ -p UMask=0027 \
      -p RuntimeMaxSec="$SITE_TASK_TIMEOUT" -p TimeoutStopSec=5s -p ReadWritePaths="$SITE_DIR" \
      "${SITE_SANDBOX[@]}" \
      -- /usr/bin/env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="$SITE_DIR/tmp" \
      PHP_INI_SCAN_DIR=":$SITE_INI_DIR/$SITE" "${vars[@]}" \
      /bin/sh -c 'cd -- "$1" || exit 125; shift; exec "$@"' hostdeck-task "$dir" "$@" \
      <"$in" >"$fifo" 2>&1 || rc=$?
  # What the task wrote is in the pipe by now; give the reader 2 s to drain it, then let go.
  for ((i = 0; i < 20; i++)); do
    kill -0 "$reader" 2>/dev/null || break
    sleep 0.1
  done
  kill "$reader" 2>/dev/null || true
  wait "$reader" 2>/dev/null || true
  rm -f -- "$fifo"
  if [[ -z $SITE_TASK_OUT ]]; then
    cat -- "$out"
    rm -f -- "$out"
  fi
  return "$rc"
}

# The tenant's user and home go with its last site on this host.
site_remove_tenant_if_unused() {
  local f other_tenant
  for f in "$HD_STATE_DIR"/site-*.state; do
    [[ -f $f && $f != "$HD_STATE_DIR/site-$SITE.state" ]] || continue
    other_tenant=$(HD_STATE_NAME="${f##*/}" && HD_STATE_NAME=${HD_STATE_NAME%.state} && hd_state_get tenant)
    if [[ $other_tenant == "$TENANT" ]]; then
      hd_ok "tenant $TENANT" "kept: site ${f##*/site-} still belongs to it"
      return 0
    fi
  done
  ensure_user_absent "$TUSER" "removed (its last site is gone)"
  ensure_dir_absent "${SITE_TENANTS:?}/$TENANT"
}
