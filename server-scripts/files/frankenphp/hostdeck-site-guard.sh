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
#
# It also stops a port squat: while a site's PHP restarts, its port is free and any local user can
# bind it. Packets sent on loopback from a site's port pass when a socket of that site's own user
# (HOSTDECK_PHP_USER) sends them; any other SYN-ACK is dropped, the squatter's and those the kernel
# sends with no socket at all (SYN cookies, which a listener with a full backlog gets), so a
# squatter completes no handshake and Caddy never hands it a visitor; whatever else a squatter's
# socket sends is dropped too. Other socketless packets (the kernel's resets, TIME_WAIT's last ACK)
# pass. The cost: a site's own SYN-cookie answers (only when Caddy overflows its backlog) are
# dropped too, and Caddy's connect is retried.
# Site ports (1024-9999 here) sit below the ephemeral range, so no client socket is caught by this.
set -eu

sites=/etc/hostdeck/sites
uid_of() { awk -F: -v u="$1" '$1 == u { print $3; exit }' /etc/passwd; }
# One line per site: "<port> <uid>", the uid empty when the site's user is unknown (then nobody
# may answer on its port, which fails closed).
pairs=$(
  for env in "$sites"/*.env; do
    [ -f "$env" ] || continue
    listen=$(sed -n 's/^[[:space:]]*HOSTDECK_PHP_LISTEN=//p' "$env" | tail -n 1)
    user=$(sed -n 's/^[[:space:]]*HOSTDECK_PHP_USER=//p' "$env" | tail -n 1)
    port=${listen#127.0.0.1:}
    case $port in
    '' | *[!0-9]*)
      echo "site-guard: skipping $env: HOSTDECK_PHP_LISTEN='$listen' has no port (the site will not start either)" >&2
      continue
      ;;
    esac
    if [ "${#port}" -le 5 ] && [ "$port" -ge 1024 ] && [ "$port" -le 65535 ]; then
      echo "$port $(uid_of "$user")"
    fi
  done | sort -n -u
)
ports=$(printf '%s\n' "$pairs" | awk 'NF { print $1 }' | sort -un | paste -sd, -)
owners=$(printf '%s\n' "$pairs" | awk 'NF == 2 { print $2 " . " $1 }' | paste -sd, -)
caddy=$(uid_of caddy)
allow=0
[ -n "$caddy" ] && allow="0, $caddy"
elements=''
[ -n "$ports" ] && elements="elements = { $ports }"
owner_elements=''
[ -n "$owners" ] && owner_elements="elements = { $owners }"

nft -f - <<NFT
table inet hostdeck_sites {}
delete table inet hostdeck_sites
table inet hostdeck_sites {
	set site_ports {
		type inet_service
		$elements
	}
	set site_owners {
		typeof meta skuid . tcp sport
		$owner_elements
	}
	chain output {
		type filter hook output priority 0; policy accept;
		oifname "lo" tcp dport @site_ports tcp flags & (syn | ack) == syn meta skuid != { $allow } counter reject with tcp reset
		oifname "lo" tcp sport @site_ports meta skuid . tcp sport @site_owners accept
		oifname "lo" tcp sport @site_ports tcp flags & (syn | ack) == (syn | ack) counter drop
		oifname "lo" tcp sport @site_ports meta skuid . tcp sport != @site_owners counter drop
	}
}
NFT
echo "site-guard: site ports ${ports:-none} reachable on loopback from root and caddy only, answered by each site's own user only"
