#!/usr/bin/env bash
# Builds the cached base rootfs for one recipe hash, once, safely:
#   - under an flock, so concurrent runs wait for one build instead of racing;
#   - into a temporary dir renamed into place only when complete, so a half-built
#     rootfs (crash, Ctrl-C, full disk) is never picked up;
#   - with the test SSH keypair generated next to it (test-only key, no passphrase).
# The harness (test/vps/harness/rootfs.ts) computes HASH over build-base.sh, this file and
# MIRROR_ADDR, and only calls us when CACHE_DIR/base-HASH is missing.
#
# Usage: ensure-base.sh CACHE_DIR HASH MIRROR_ADDR
# Result: CACHE_DIR/base-HASH/{rootfs/,id_ed25519,id_ed25519.pub}
set -euo pipefail

cache=${1:?usage: ensure-base.sh CACHE_DIR HASH MIRROR_ADDR}
hash=${2:?missing HASH}
mirror_addr=${3:?missing MIRROR_ADDR}
here=$(cd "$(dirname "$0")" && pwd)
final="$cache/base-$hash"

mkdir -p "$cache"
exec 9>"$cache/.build.lock"
flock -w 900 9 || { echo "ensure-base: waited 15 min for $cache/.build.lock; is another build stuck?" >&2; exit 1; }

# Someone else finished the build while we waited for the lock.
[[ -d "$final" ]] && exit 0

# debootstrap mounts proc/sys (and binds /dev in some setups) inside its target: unmount
# before deleting, and never let rm cross into another filesystem.
remove_tree() {
  local dir=$1 m
  [[ -e "$dir" ]] || return 0
  while read -r m; do umount -l "$m" 2>/dev/null || true; done \
    < <(findmnt -rn -o TARGET | grep -F "$dir/" | sort -r)
  rm -rf --one-file-system "$dir"
}

# Holding the lock means no build is running: anything named .build-* is from a crashed one.
for stale in "$cache"/.build-*; do [[ -e "$stale" ]] && remove_tree "$stale"; done

tmp="$cache/.build-$hash.$$"
trap 'remove_tree "$tmp"' EXIT
mkdir -p "$tmp/rootfs"
ssh-keygen -q -t ed25519 -N '' -C hostdeck-vps-test -f "$tmp/id_ed25519"

started=$SECONDS
echo "ensure-base: building Debian 12 base rootfs into $final (about a minute)..." >&2
"$here/build-base.sh" "$tmp/rootfs" "$tmp/id_ed25519.pub" "$mirror_addr" >"$tmp/build.log" 2>&1 || {
  echo "ensure-base: build-base.sh failed; last lines of its log:" >&2
  tail -n 30 "$tmp/build.log" >&2
  exit 1
}
rm -f "$tmp/build.log"
mv -T "$tmp" "$final"
trap - EXIT
echo "ensure-base: built in $((SECONDS - started)) s" >&2

# Older recipes' rootfs are dead weight (~270 MB each) unless a running host still uses one.
for old in "$cache"/base-*; do
  [[ "$old" == "$final" ]] && continue
  grep -qF "$old/" /proc/self/mountinfo && continue
  remove_tree "$old"
done
