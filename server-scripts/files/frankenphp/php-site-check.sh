#!/bin/sh
# Managed by Hostdeck (frankenphp module); installed as /usr/local/libexec/hostdeck/php-site-check.
# Hand edits show as drift in `hostdeck.sh frankenphp status` and are replaced by the next install.
#
# ExecStartPre= of hostdeck-php@<site>.service: runs as the site's user, inside the same sandbox,
# with the variables of /etc/hostdeck/sites/<site>.env, and refuses to start the site (exit 1, the
# reason in the journal) unless
#   - it runs as HOSTDECK_PHP_USER, which is not root, nobody or hostdeck-nobody (User= comes from
#     the drop-in hostdeck-php-generator writes; a missing or stale drop-in leaves the template's
#     placeholder user hostdeck-nobody);
#   - HOSTDECK_PHP_LISTEN is 127.0.0.1:<port>, port 1024-65535: sites listen on loopback only,
#     Caddy is their only client;
#   - HOSTDECK_PHP_ROOT is a plain absolute path to a directory this user can reach.
set -u

site=${1:-?}
env_file=/etc/hostdeck/sites/$site.env

refuse() {
  echo "hostdeck-php@$site refused to start: $*" >&2
  exit 1
}

want=${HOSTDECK_PHP_USER:-}
listen=${HOSTDECK_PHP_LISTEN:-}
root=${HOSTDECK_PHP_ROOT:-}

[ -n "$want" ] || refuse "HOSTDECK_PHP_USER is not set in $env_file"
uid=$(id -u)
me=$(id -un)
if [ "$uid" -eq 0 ] || [ "$me" = nobody ] || [ "$me" = hostdeck-nobody ]; then
  refuse "it would run as '$me': HOSTDECK_PHP_USER='$want' must be an existing user other than root, nobody and hostdeck-nobody, and systemd must be reloaded (systemctl daemon-reload) after $env_file is written or changed"
fi
[ "$me" = "$want" ] ||
  refuse "it runs as '$me', not as HOSTDECK_PHP_USER='$want': run systemctl daemon-reload after changing $env_file"

case $listen in
127.0.0.1:*) port=${listen#127.0.0.1:} ;;
*) refuse "HOSTDECK_PHP_LISTEN='$listen' is not 127.0.0.1:<port>: a site listens on loopback only" ;;
esac
case $port in
'' | 0* | *[!0-9]*) refuse "HOSTDECK_PHP_LISTEN='$listen': the port is not a number" ;;
esac
if [ "${#port}" -gt 5 ] || [ "$port" -lt 1024 ] || [ "$port" -gt 65535 ]; then
  refuse "HOSTDECK_PHP_LISTEN='$listen': the port is outside 1024-65535"
fi

case $root in
/*) ;;
*) refuse "HOSTDECK_PHP_ROOT='$root' is not an absolute path" ;;
esac
case $root in
*[!A-Za-z0-9._/-]* | */../* | */.. | */./* | */.)
  refuse "HOSTDECK_PHP_ROOT='$root' is not a plain path (A-Z a-z 0-9 . _ / -, no . or .. parts)"
  ;;
esac
[ -d "$root" ] || refuse "HOSTDECK_PHP_ROOT='$root' is not a directory '$me' can reach"
exit 0
