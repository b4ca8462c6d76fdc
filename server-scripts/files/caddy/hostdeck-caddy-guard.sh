#!/bin/bash
# hostdeck-caddy-guard: run by caddy.service (as root, before every start and every reload; the
# caddy module's drop-in) so that one broken site file never takes the other sites down. If the
# whole config validates, nothing happens. If not, each site file in /etc/caddy/sites is validated
# on its own (the main Caddyfile importing only it); those that fail are set aside, with the reason,
# in /var/lib/hostdeck/caddy/set-aside/ (the site's status reports it), and Caddy starts with the
# others. It fails only when the main Caddyfile itself does not validate. Shipped by the caddy
# module; nothing here is a tenant's: every path is root's.
set -u
readonly MAIN=/etc/caddy/Caddyfile SITES=/etc/caddy/sites ASIDE=/var/lib/hostdeck/caddy/set-aside
readonly STAGE=/etc/caddy/.hostdeck-guard
readonly IMPORT="import $SITES/*.caddy"

say() { logger -t hostdeck-caddy-guard -- "$1" 2>/dev/null || true; printf '%s\n' "$1" >&2; }

# Validates a Caddyfile as the caddy user (as the service reads it); the reason in $OUT.
validate() {
  OUT=$(runuser -u caddy -- env HOME=/var/lib/caddy XDG_DATA_HOME=/var/lib/caddy/.local/share \
    XDG_CONFIG_HOME=/var/lib/caddy/.config caddy validate --config "$1" --adapter caddyfile 2>&1)
}

validate "$MAIN" && exit 0
grep -qsxF "$IMPORT" "$MAIN" || { say "the main Caddyfile does not validate: ${OUT: -400}"; exit 1; }

rm -rf -- "$STAGE"
mkdir -m 0750 -- "$STAGE" "$STAGE/sites" || exit 1
chown root:caddy "$STAGE" "$STAGE/sites"
sed "s|^import $SITES/\*\.caddy\$|import $STAGE/sites/*.caddy|" "$MAIN" >"$STAGE/Caddyfile"
chown root:caddy "$STAGE/Caddyfile"
chmod 0640 "$STAGE/Caddyfile"
for f in "$SITES"/*.caddy; do
  [[ -f $f && ! -L $f ]] || continue
  rm -f -- "$STAGE/sites/"*.caddy
  cp -- "$f" "$STAGE/sites/" && chown root:caddy "$STAGE/sites/${f##*/}" && chmod 0640 "$STAGE/sites/${f##*/}"
  validate "$STAGE/Caddyfile" && continue
  name=${f##*/}
  reason=$(grep -iE 'error|adapting' <<<"$OUT" | tail -n 1)
  reason=${reason:-${OUT##*$'\n'}}
  reason=${reason//$STAGE\/sites\//$SITES/}
  mkdir -p -- "$ASIDE" && chmod 0700 "$ASIDE"
  mv -f -- "$f" "$ASIDE/$name"
  printf '%s %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "${reason:0:400}" >"$ASIDE/${name%.caddy}.reason"
  say "set aside $f (it does not validate on its own: ${reason:0:300}); the other sites start"
done
rm -rf -- "$STAGE"
validate "$MAIN" && exit 0
say "the config still does not validate without the broken site files: ${OUT: -400}"
exit 1
