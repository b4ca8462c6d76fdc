#!/bin/sh
# Managed by Hostdeck (frankenphp module); installed as /usr/local/libexec/hostdeck/site-guard.
# Hand edits show as drift in `hostdeck.sh frankenphp status` and are replaced by the next install.
#
# hostdeck-site-guard.service runs this at boot, before any site starts (every
# hostdeck-php@<site>.service requires it), and on `systemctl reload hostdeck-site-guard`, which
# the site module does whenever a site's port comes or goes.
#
# Each site's PHP listens on 127.0.0.1:<port>, where any local process could talk to it directly,
# around Caddy (spoofed X-Forwarded-* headers, no access rules): another tenant's code included.
# This loads one nftables table, inet hostdeck_sites, that refuses (TCP reset) every new
# connection to a site's port on loopback unless it comes from root (the scripts' health checks)
# or from the caddy user. The ports come from /etc/hostdeck/sites/*.env (HOSTDECK_PHP_LISTEN), the
# files the units themselves run from. The table is replaced in one nft transaction; other tables
# (the firewall's, fail2ban's) are left alone. Sites still call out to the world as before.
set -eu

sites=/etc/hostdeck/sites
ports=$(
  for env in "$sites"/*.env; do
    [ -f "$env" ] || continue
    listen=$(sed -n 's/^[[:space:]]*HOSTDECK_PHP_LISTEN=//p' "$env" | tail -n 1)
    port=${listen#127.0.0.1:}
    case $port in
    '' | *[!0-9]*)
      echo "site-guard: skipping $env: HOSTDECK_PHP_LISTEN='$listen' has no port (the site will not start either)" >&2
      continue
      ;;
    esac
    if [ "${#port}" -le 5 ] && [ "$port" -ge 1024 ] && [ "$port" -le 65535 ]; then
      echo "$port"
    fi
  done | sort -un | paste -sd, -
)
caddy=$(awk -F: '$1 == "caddy" { print $3; exit }' /etc/passwd)
allow=0
[ -n "$caddy" ] && allow="0, $caddy"
elements=''
[ -n "$ports" ] && elements="elements = { $ports }"

nft -f - <<NFT
table inet hostdeck_sites {}
delete table inet hostdeck_sites
table inet hostdeck_sites {
	set site_ports {
		type inet_service
		$elements
	}
	chain output {
		type filter hook output priority 0; policy accept;
		oifname "lo" tcp dport @site_ports tcp flags & (syn | ack) == syn meta skuid != { $allow } counter reject with tcp reset
	}
}
NFT
echo "site-guard: site ports ${ports:-none} reachable on loopback from root and caddy only"
