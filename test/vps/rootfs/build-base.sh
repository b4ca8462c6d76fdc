#!/usr/bin/env bash
# Recipe for the base rootfs every VPS test host boots from: plain Debian 12 (bookworm) with
# systemd and OpenSSH, nothing else. The harness caches the result under a hash of this file
# (see ensure-base.sh), so any edit here produces a fresh cache entry on the next run.
#
# Usage: build-base.sh TARGET_DIR PUBKEY_FILE MIRROR_ADDR
#   TARGET_DIR   empty directory to debootstrap into (the caller renames it when we succeed)
#   PUBKEY_FILE  test public key, installed as root's only authorized key
#   MIRROR_ADDR  IPv4 address deb.debian.org resolves to on this machine; pinned in the
#                rootfs's /etc/hosts because hosts get no DNS (empty resolv.conf)
set -euo pipefail

target=${1:?usage: build-base.sh TARGET_DIR PUBKEY_FILE MIRROR_ADDR}
pubkey=${2:?missing PUBKEY_FILE}
mirror_addr=${3:?missing MIRROR_ADDR}

debootstrap --variant=minbase \
  --include=systemd,systemd-sysv,dbus,openssh-server,ca-certificates \
  bookworm "$target" http://deb.debian.org/debian

# Identity-free: every host boots with its own machine-id and ssh host keys, like a fresh VPS.
: >"$target/etc/machine-id"
rm -f "$target/var/lib/dbus/machine-id" "$target/etc/hostname" "$target/var/lib/systemd/random-seed"
rm -f "$target"/etc/ssh/ssh_host_*
# Debian's ssh.service runs `sshd -t` as ExecStartPre, which fails without host keys, so the
# list is reset and keygen goes first.
mkdir -p "$target/etc/systemd/system/ssh.service.d"
cat >"$target/etc/systemd/system/ssh.service.d/hostdeck-hostkeys.conf" <<'UNIT'
[Service]
ExecStartPre=
ExecStartPre=/usr/bin/ssh-keygen -A
ExecStartPre=/usr/sbin/sshd -t
UNIT

install -d -m 0700 "$target/root/.ssh"
install -m 0600 "$pubkey" "$target/root/.ssh/authorized_keys"

# No DNS inside: the mirror is the only outside name a host needs, and the only outside
# address the harness's nft rules let it reach.
cat >"$target/etc/hosts" <<HOSTS
127.0.0.1	localhost
::1	localhost ip6-localhost ip6-loopback
$mirror_addr	deb.debian.org
HOSTS
: >"$target/etc/resolv.conf"

# Like a fresh VPS image: no downloaded .debs, no package lists (tests run apt-get update).
rm -f "$target"/var/cache/apt/archives/*.deb "$target"/var/cache/apt/*.bin
find "$target/var/lib/apt/lists" -maxdepth 1 -type f -delete
