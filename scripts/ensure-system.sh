#!/usr/bin/env bash
# Installs the Debian packages the test tiers use (sshd, Chromium, debootstrap + systemd-nspawn,
# nftables, the Secret Service for keytar, shellcheck, restic). Needs root (or sudo). Does nothing when all are present.
set -Eeuo pipefail
packages=(
  ca-certificates git openssh-client openssh-server   # ssh tier: a real sshd on loopback
  chromium                                            # e2e tier: Debian's Chromium for Playwright
  debootstrap systemd-container iproute2 nftables     # vps tier: Debian 12 hosts in nspawn + netns
  util-linux procps psmisc
  shellcheck                                          # npm run lint:sh
  restic                                              # vps tier: restoring the laptop's repository copy
  libsecret-1-dev gnome-keyring dbus-x11 libsecret-tools  # keytar and a headless Secret Service
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "Missing packages: ${missing[*]}. Install them as root." >&2; exit 1; }
  sudo="sudo"
fi
echo "Installing: ${missing[*]}" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
