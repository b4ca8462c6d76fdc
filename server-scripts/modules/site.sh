#!/usr/bin/env bash
# site: one PHP site of one tenant. A tenant is a Linux user t-<tenant> without a login shell,
# home /srv/tenants/<tenant>; a site is
#   /srv/tenants/<tenant>/               0750 root:<tenant>  (the skeleton is root's: the tenant
#   /srv/tenants/<tenant>/<site>/        0750 root:<tenant>   reads it and can rename, replace
#     current -> releases/<id>           root's symlink       or link nothing in it)
#     releases/                          0750 root:<tenant>
#     releases/<id>/                     0750 <tenant>        a release: the tenant's own files
#     shared/                            0750 root:<tenant>
#     shared/.env, shared/wp-config.php  0640 root:<tenant>   credentials: read-only to the site
#     shared/uploads/, shared/storage/   0750 <tenant>        what the site writes (WordPress, Laravel)
#     shared/.ssh/                       0700 <tenant>        known_hosts of git deploys
#     tmp/                               0700 <tenant>        PHP's temp, sessions, uploads
#   /etc/hostdeck/sites/<site>.env       who/where hostdeck-php@<site> runs (frankenphp module)
#   /etc/hostdeck/php/<site>/50-hostdeck.ini   open_basedir, temp dirs, limits (0640 root:<tenant>)
#   hostdeck-php@<site>.service          the site's FrankenPHP, as the tenant, on 127.0.0.1:<port>
#   /etc/caddy/sites/<site>.caddy        its domains, TLS mode and proxy (validated with every
#                                        other site before it is swapped in)
#   MariaDB database and user hd_<site>  (the password arrives on stdin)
#   /var/lib/hostdeck/state/site-<site>.state   what was asked, for status, suspend and resume
#
# The tenant is hostile (docs/THREAT-MODEL.md). Root only ever writes into root-owned parts of the
# tree (lib.sh's hd_root_path checks every parent), builds what it hands over in a root-only
# directory and renames it into place, and does everything inside tenant-writable space as the
# tenant, through site_as_tenant: a transient systemd unit with the site's own sandbox, none of
# this script's descriptors, a time limit, and no process left behind.
#
# verbs: install (create or update; converges), enable (resume), disable (suspend: Caddy serves
# a maintenance page, the PHP process stops), remove (delete everything; the tenant user goes
# with its last site), status, deploy (a new release from git or from an archive on stdin,
# switched atomically), rollback (back to an earlier release).
set -Eeuo pipefail

# shellcheck disable=SC2034 # read by hostdeck.sh
site_VERBS='deploy rollback'

readonly SITE_RE_SLUG='^[a-z]([a-z0-9-]{0,27}[a-z0-9])?$'
readonly SITE_SLUG_HELP='1-29 characters of a-z 0-9 - (starting with a letter, not ending with -)'
# Lower-case ASCII host names only (IDNs go as punycode xn--...): look-alike letters never pass.
readonly SITE_RE_DOMAIN='^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.){1,8}([a-z]{2,63}|xn--[a-z0-9-]{1,59})$'
readonly SITE_DOMAIN_HELP='a lower-case host name like shop.example.com (a-z 0-9 - and dots; IDNs as xn--)'
readonly SITE_RE_SIZE='^[1-9][0-9]{0,4}M$'
readonly SITE_RE_INI='^([a-z][a-z0-9_.]{0,63}=[A-Za-z0-9 _./:-]{0,200}(,[a-z][a-z0-9_.]{0,63}=[A-Za-z0-9 _./:-]{0,200}){0,31})?$'
# What the extra ini may not touch: the sandbox and code loading.
readonly SITE_INI_DENIED=' open_basedir disable_functions disable_classes extension zend_extension auto_prepend_file auto_append_file include_path sys_temp_dir upload_tmp_dir session.save_path allow_url_include '
# Git URLs: https, ssh and scp-like with user and host starting with a letter or digit (nothing ssh
# could read as an option), or a local file:/// path. No other transport (ext::, fd::) passes.
readonly SITE_RE_REPO='^(https://[A-Za-z0-9][A-Za-z0-9.-]{0,252}(:[0-9]{1,5})?/[A-Za-z0-9._~/+-]{1,300}|ssh://[a-z0-9_][a-z0-9_.-]{0,31}@[A-Za-z0-9][A-Za-z0-9.-]{0,252}(:[0-9]{1,5})?/[A-Za-z0-9._~/+-]{1,300}|[a-z0-9_][a-z0-9_.-]{0,31}@[A-Za-z0-9][A-Za-z0-9.-]{0,252}:[A-Za-z0-9._~/+][A-Za-z0-9._~/+-]{0,299}|file:///[A-Za-z0-9._/+-]{1,300})$'
readonly SITE_RE_BRANCH='^[A-Za-z0-9][A-Za-z0-9._/-]{0,99}$'
readonly SITE_RE_RELEASE='^[0-9]{8}T[0-9]{6}Z?(-[0-9]{1,3})?$|^initial$'
readonly SITE_RE_TITLE='^[A-Za-z0-9 .,:;!?&()@#%+=/_-]{0,100}$'
# WordPress comes from Debian's package, used as a release artifact only (downloaded and unpacked,
# never installed): the packages its relative symlinks point into, and the default theme.
readonly SITE_WP_DEBS='wordpress libjs-cropper libjs-underscore php-getid3 wordpress-theme-twentytwentythree'
readonly SITE_TENANTS=/srv/tenants
readonly SITE_ENV_DIR=/etc/hostdeck/sites
readonly SITE_INI_DIR=/etc/hostdeck/php
readonly SITE_BACKUPS=/var/backups/hostdeck

# Set by site_load once the options (or the recorded state) name a site.
SITE=''
TENANT=''
TUSER=''
SITE_DIR=''
SITE_UNIT=''
SITE_DB=''
SITE_DB_PASSWORD=''
SITE_WP_PASSWORD=''

site_options() {
  hd_option site "$SITE_RE_SLUG" '' "the site's slug: $SITE_SLUG_HELP"
  hd_option tenant "$SITE_RE_SLUG" '' "the tenant's slug: $SITE_SLUG_HELP"
  hd_option domain "$SITE_RE_DOMAIN" '' "$SITE_DOMAIN_HELP"
  hd_option aliases '^[a-z0-9.,-]{0,2000}$' '' "a comma-separated list of further host names"
  hd_option type '^(php|wordpress|laravel)$' php "php, wordpress or laravel"
  hd_option port "$HD_RE_PORT" '' "the site's loopback port (1024-65535, unique on the host)"
  hd_option tls '^(auto|internal|off)$' auto "auto (ACME), internal (Caddy's own CA) or off (plain HTTP)"
  hd_option www '^(none|to-apex|to-www)$' none "none, to-apex (www. redirects to the domain) or to-www"
  hd_option memory-limit "$SITE_RE_SIZE" 256M "PHP memory_limit in MB, like 256M"
  hd_option upload-max "$SITE_RE_SIZE" 64M "the largest upload in MB, like 64M"
  hd_option php-ini "$SITE_RE_INI" '' "extra php.ini settings: key=value,key=value (values: A-Z a-z 0-9 space _ . / : -)"
  hd_flag db-password-stdin "install: the site's database password is the first line of stdin"
  hd_option wp-title "$SITE_RE_TITLE" '' "WordPress: the site title (letters, digits, space and . , : ; ! ? & ( ) @ # % + = / _ -)"
  hd_option wp-admin-email "$HD_RE_EMAIL" '' "WordPress: the admin's e-mail address"
  hd_flag wp-admin-password-stdin "WordPress: the admin password is the second line of stdin"
  hd_flag backup "remove: keep a final backup (database dump and files) in $SITE_BACKUPS/<site>/"
  hd_option source '^(git|archive)$' git "deploy: git (clone --repo at --branch) or archive (a tar on stdin)"
  hd_option repo "$SITE_RE_REPO" '' "deploy: a git URL (https://, ssh://, user@host:path or file:///)"
  hd_option branch "$SITE_RE_BRANCH" main "deploy: the branch or tag to deploy"
  hd_flag deploy-key-stdin "deploy: an SSH private key for the repository arrives on stdin"
  hd_option keep '^([1-9]|[1-4][0-9]|50)$' 5 "deploy: how many releases to keep (1-50)"
  hd_option hooks '^(none|laravel)$' none "deploy: none, or laravel (migrate, storage:link, config:cache)"
  hd_option release "$SITE_RE_RELEASE" '' "rollback: the release to go back to (default: the previous one)"
}

site_validate() {
  [[ -n ${HD_OPT[site]} ]] || hd_usage_fail "option --site" "is required ($SITE_SLUG_HELP)"
  [[ ${HD_OPT[site]} != *--* ]] || hd_usage_fail "option --site" "refused: '--' inside a slug"
  [[ ${HD_OPT[tenant]} != *--* ]] || hd_usage_fail "option --tenant" "refused: '--' inside a slug"
  if [[ $HD_VERB == install ]]; then
    local o
    for o in tenant domain port; do
      [[ -n ${HD_OPT[$o]} ]] || hd_usage_fail "option --$o" "is required for install (${HD_OPT_HELP[$o]})"
    done
    ((${#HD_OPT[domain]} <= 253)) || hd_usage_fail "option --domain" "refused: longer than 253 characters"
    ((10#${HD_OPT[port]} >= 1024 && 10#${HD_OPT[port]} <= 65535)) ||
      hd_usage_fail "option --port" "refused: ${HD_OPT[port]} is outside 1024-65535"
    local -a names
    IFS=, read -r -a names <<<"${HD_OPT[aliases]}"
    ((${#names[@]} <= 20)) || hd_usage_fail "option --aliases" "refused: more than 20 aliases"
    for o in "${names[@]}"; do
      [[ $o =~ $SITE_RE_DOMAIN && ${#o} -le 253 ]] ||
        hd_usage_fail "option --aliases" "refused: '${o:0:80}' is not $SITE_DOMAIN_HELP"
      [[ $o != "${HD_OPT[domain]}" ]] || hd_usage_fail "option --aliases" "refused: $o is the primary domain"
    done
    local kv key
    local -a pairs
    IFS=, read -r -a pairs <<<"${HD_OPT[php-ini]}"
    for kv in "${pairs[@]}"; do
      key=${kv%%=*}
      [[ $SITE_INI_DENIED != *" $key "* ]] ||
        hd_usage_fail "option --php-ini" "refused: $key is set by Hostdeck (it keeps the site in its sandbox)"
    done
    [[ ${HD_OPT[db-password-stdin]} == 1 ]] ||
      hd_usage_fail "option --db-password-stdin" "install needs the database password on stdin (--db-password-stdin)"
    hd_read_secret "database password (stdin)" "$HD_RE_PASSWORD" "16-128 characters of A-Z a-z 0-9 ._~@%^*+=:,/-"
    SITE_DB_PASSWORD=$HD_SECRET
    if [[ ${HD_OPT[type]} == wordpress ]]; then
      [[ -n ${HD_OPT[wp-admin-email]} ]] || hd_usage_fail "option --wp-admin-email" "is required for a WordPress site"
      [[ ${HD_OPT[wp-admin-password-stdin]} == 1 ]] ||
        hd_usage_fail "option --wp-admin-password-stdin" "a WordPress site needs its admin password as the second line of stdin"
      HD_SECRET=''
      hd_read_secret "WordPress admin password (stdin, line 2)" "$HD_RE_PASSWORD" "16-128 characters of A-Z a-z 0-9 ._~@%^*+=:,/-"
      SITE_WP_PASSWORD=$HD_SECRET
      HD_SECRET=$SITE_DB_PASSWORD
    fi
  fi
  if [[ $HD_VERB == deploy ]]; then
    if [[ ${HD_OPT[source]} == git ]]; then
      [[ -n ${HD_OPT[repo]} ]] || hd_usage_fail "option --repo" "is required for a git deploy (${HD_OPT_HELP[repo]})"
      [[ ${HD_OPT[repo]} != *..* && ${HD_OPT[branch]} != *..* ]] || hd_usage_fail "option --repo" "refused: '..' in the repository or branch"
    elif [[ -n ${HD_OPT[repo]} || ${HD_OPT[deploy-key-stdin]} == 1 ]]; then
      hd_usage_fail "option --source" "an archive deploy takes its files on stdin: no --repo, no deploy key"
    fi
  fi
}

# Names everything of the site from its slug and tenant.
site_names() { # SITE TENANT
  SITE=$1
  TENANT=$2
  TUSER="t-$TENANT"
  SITE_DIR="$SITE_TENANTS/$TENANT/$SITE"
  SITE_UNIT="hostdeck-php@$SITE.service"
  SITE_DB="hd_${SITE//-/_}"
  HD_STATE_NAME="site-$SITE"
}

# The site as recorded on the host; fails unless it exists (every verb but install and remove).
site_load() {
  HD_STATE_NAME="site-${HD_OPT[site]}"
  local tenant
  tenant=$(hd_state_get tenant)
  [[ -n $tenant ]] || hd_fail "site ${HD_OPT[site]}" "no such site on this host (create it with site install)" 2
  site_names "${HD_OPT[site]}" "$tenant"
  site_redact_database_password
}

# The site's database password, from root's shared/.env, is masked in every step line and the
# host log of this run too (deploy and rollback print tenant-controlled output: hooks, git errors).
site_redact_database_password() {
  local env="$SITE_DIR/shared/.env" pw
  # An older, tenant-owned skeleton is converted later in the run: until then nothing is read here.
  [[ -z $(hd_root_path_problem "$env") && -f $env && ! -L $env ]] || return 0
  pw=$(sed -n 's/^DB_PASSWORD="\(.*\)"$/\1/p' "$env" | head -n 1)
  [[ -n $pw ]] && HD_REDACT+=("$pw")
  return 0
}

site_state() { hd_state_get "$1"; }

# Every host name the site answers on (the primary, www. per the policy, the aliases).
site_all_names() { # DOMAIN WWW ALIASES -> space-separated names
  local all=$1
  [[ $2 == none ]] || all+=" www.$1"
  [[ -n $3 ]] && all+=" ${3//,/ }"
  printf '%s' "$all"
}

# Refuses names or a port another site of this host already has.
site_check_collisions() { # NAMES PORT
  local f other name names port
  for f in "$HD_STATE_DIR"/site-*.state; do
    [[ -f $f ]] || continue
    other=${f##*/site-}
    other=${other%.state}
    [[ $other == "$SITE" ]] && continue
    names=$(HD_STATE_NAME="site-$other" hd_state_get names)
    port=$(HD_STATE_NAME="site-$other" hd_state_get port)
    for name in $1; do
      [[ " $names " != *" $name "* ]] ||
        hd_fail "domains" "refused: $name already belongs to site $other on this host. Nothing was changed." 2
    done
    [[ $port != "$2" ]] || hd_fail "port" "refused: port $2 is already used by site $other. Nothing was changed." 2
  done
  hd_ok "domains" "$1: not used by another site"
  # Something else listening there (a connection to it succeeds) while this site's PHP is down.
  if [[ $(hd_unit_active "$SITE_UNIT") != active ]] && (exec 3<>"/dev/tcp/127.0.0.1/$2") 2>/dev/null; then
    hd_fail "port" "refused: something else already listens on 127.0.0.1:$2. Nothing was changed." 2
  fi
  hd_ok "port" "127.0.0.1:$2"
}

site_primary_host() { # -> the name the site is served under (www. first with to-www)
  if [[ $(site_state www) == to-www ]]; then printf 'www.%s' "$(site_state domain)"; else site_state domain; fi
}

site_tls_addr() { # NAME -> the Caddy address for NAME under the site's TLS mode
  if [[ $(site_state tls) == off ]]; then printf 'http://%s' "$1"; else printf '%s' "$1"; fi
}

site_addresses() { # NAMES... -> "a, b, c" in Caddy form
  local out='' n
  for n in "$@"; do out+="${out:+, }$(site_tls_addr "$n")"; done
  printf '%s' "$out"
}

# The site's Caddy file for its recorded state: proxying to its PHP, or the maintenance page.
site_render_caddy() {
  local domain www aliases port tls served=() redirect_from='' target tls_line='' body
  domain=$(site_state domain)
  www=$(site_state www)
  aliases=$(site_state aliases)
  port=$(site_state port)
  tls=$(site_state tls)
  [[ $tls == internal ]] && tls_line=$'\ttls internal\n'
  case $www in
  none) served=("$domain") ;;
  to-apex) served=("$domain") redirect_from="www.$domain" target=$domain ;;
  to-www) served=("www.$domain") redirect_from=$domain target="www.$domain" ;;
  esac
  [[ -n $aliases ]] && IFS=, read -r -a extra <<<"$aliases" && served+=("${extra[@]}")
  if [[ $(site_state suspended) == 1 || $(site_state port-taken) == 1 ]]; then
    # Suspended, or its port held by another user's process (site_refuse_foreign_listener): Caddy
    # must not send this site's visitors (cookies, logins) to whoever listens there.
    body=$'\theader Content-Type "text/html; charset=utf-8"\n\theader Retry-After 3600\n'
    body+=$'\trespond "<!doctype html><meta charset=utf-8><title>Maintenance</title><h1>This site is down for maintenance</h1><p>Please come back a little later.</p>" 503\n'
  else
    body=$'\tencode zstd gzip\n'
    # While the site's PHP restarts (a deploy), Caddy holds requests instead of failing them.
    body+=$'\treverse_proxy 127.0.0.1:'"$port"$' {\n\t\tlb_try_duration 10s\n\t\tlb_try_interval 100ms\n\t}\n'
  fi
  SITE_CADDY="# $HD_MANAGED_MARK (site module): site $SITE of tenant $TENANT. Hand edits show as drift
# and are replaced by the next change to this site.
$(site_addresses "${served[@]}") {
${tls_line}	log {
		output stderr
		format json
	}
${body}}
"
  if [[ -n $redirect_from ]]; then
    local scheme=https
    [[ $tls == off ]] && scheme=http
    SITE_CADDY+="
$(site_tls_addr "$redirect_from") {
${tls_line}	redir $scheme://$target{uri} permanent
}
"
  fi
}

site_render_env() {
  SITE_ENV="# $HD_MANAGED_MARK (site module): how hostdeck-php@$SITE runs.
HOSTDECK_PHP_USER=$TUSER
HOSTDECK_PHP_LISTEN=127.0.0.1:$(site_state port)
HOSTDECK_PHP_ROOT=$SITE_DIR/current/public
PHP_INI_SCAN_DIR=:$SITE_INI_DIR/$SITE
"
}

site_render_ini() {
  local kv
  local -a pairs
  SITE_INI="; $HD_MANAGED_MARK (site module): PHP settings of site $SITE.
; The site may only open files of its own directory.
open_basedir = \"$SITE_DIR/\"
sys_temp_dir = \"$SITE_DIR/tmp\"
upload_tmp_dir = \"$SITE_DIR/tmp\"
session.save_path = \"$SITE_DIR/tmp\"
memory_limit = $(site_state memory-limit)
upload_max_filesize = $(site_state upload-max)
post_max_size = $(site_state upload-max)
expose_php = Off
allow_url_include = Off
; Errors go to the process's stderr, that is the journal of hostdeck-php@$SITE (the site's log source).
display_errors = Off
log_errors = On
"
  IFS=, read -r -a pairs <<<"$(site_state php-ini)"
  for kv in "${pairs[@]}"; do
    SITE_INI+="${kv%%=*} = \"${kv#*=}\""$'\n'
  done
}

# shared/.env: the database credentials (and Laravel's settings). 0640 root:<tenant>: the site
# reads it, nobody else can, and the site cannot change it. APP_KEY is made once and kept.
site_render_dotenv() { # PASSWORD
  local key='' file="$SITE_DIR/shared/.env"
  SITE_DOTENV="# $HD_MANAGED_MARK (site module). Read by the site; rewritten when the site changes.
DB_CONNECTION=mysql
DB_HOST=localhost
DB_SOCKET=/run/mysqld/mysqld.sock
DB_DATABASE=$SITE_DB
DB_USERNAME=$SITE_DB
DB_PASSWORD=\"$1\"
"
  if [[ $(site_state type) == laravel ]]; then
    [[ -f $file ]] && key=$(sed -n 's/^APP_KEY=//p' "$file" | head -n 1)
    [[ $key =~ ^base64:[A-Za-z0-9+/=]{40,60}$ ]] || key="base64:$(head -c 32 /dev/urandom | base64 -w0)"
    local scheme=https
    [[ $(site_state tls) == off ]] && scheme=http
    SITE_DOTENV+="APP_NAME=$SITE
APP_ENV=production
APP_DEBUG=false
APP_KEY=$key
APP_URL=$scheme://$(site_state domain)
LOG_CHANNEL=stderr
"
  fi
}

# The page a new site shows until its first deploy: proves the site's own PHP runs and reaches
# its database with the generated credentials.
site_placeholder() {
  cat <<PHP
<?php
// Written by Hostdeck when site $SITE was created; the first deploy replaces it.
header('X-Hostdeck-Site: $SITE');
\$env = [];
foreach (@file('$SITE_DIR/shared/.env', FILE_IGNORE_NEW_LINES) ?: [] as \$line) {
    if (preg_match('/^([A-Z_]+)="?([^"]*)"?\$/', \$line, \$m)) \$env[\$m[1]] = \$m[2];
}
\$db = 'not configured';
if (isset(\$env['DB_DATABASE'])) {
    if (!function_exists('mysqli_connect')) {
        \$db = 'no mysqli extension';
    } else {
        mysqli_report(MYSQLI_REPORT_OFF);
        \$link = @mysqli_connect('localhost', \$env['DB_USERNAME'], \$env['DB_PASSWORD'], \$env['DB_DATABASE']);
        \$db = \$link ? 'connected' : 'unreachable';
    }
}
\$user = function_exists('posix_geteuid') ? posix_getpwuid(posix_geteuid())['name'] : get_current_user();
echo "<!doctype html><meta charset=utf-8><title>$(site_state domain)</title>";
echo "<h1>$(site_state domain) is ready</h1>";
echo "<p>Site $SITE, running as " . htmlspecialchars(\$user) . ". Database: \$db.</p>";
PHP
}

site_ensure_tenant() {
  ensure_dir "$SITE_TENANTS" 0711 root root
  ensure_user "$TUSER" "$SITE_TENANTS/$TENANT" /usr/sbin/nologin system
  if [[ $HD_CHECK == 1 ]] && ! getent passwd "$TUSER" >/dev/null; then
    hd_changed "directory $SITE_TENANTS/$TENANT" "would create (0750 $TUSER)"
    return 0
  fi
  ensure_dir "$SITE_TENANTS/$TENANT" 0750 root "$TUSER"
}

site_ensure_dirs() {
  if [[ $HD_CHECK == 1 ]] && ! getent passwd "$TUSER" >/dev/null; then
    hd_changed "directory $SITE_DIR" "would create with releases/, shared/, tmp/ and a first page"
    return 0
  fi
  site_ensure_skeleton
  if [[ -L $SITE_DIR/current ]]; then
    hd_ok "release" "current -> $(readlink "$SITE_DIR/current")"
    return 0
  fi
  if [[ $HD_CHECK == 1 ]]; then
    hd_changed "release" "would create the first release (a placeholder page)"
    return 0
  fi
  local rel
  site_stage_release initial
  rel=$SITE_STAGE
  mkdir -m 0750 -- "$rel/public"
  site_placeholder >"$rel/public/index.php"
  site_hand_over "$rel" "$SITE_DIR/releases/initial"
  site_point_current initial
  hd_changed "release" "current -> releases/initial (a placeholder page until the first deploy)"
}

# The directories root keeps (see the top of this file). Top down, so each is root's before root
# looks inside it; this also converts the tenant-owned skeleton of sites made by earlier versions.
site_ensure_skeleton() {
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

# current -> releases/ID: a new root-owned symlink renamed over the old one (root's site dir).
site_point_current() { # ID
  hd_root_path "release $1" "$SITE_DIR/current"
  ln -sfn -- "releases/$1" "$SITE_DIR/current.hostdeck-new"
  mv -T -- "$SITE_DIR/current.hostdeck-new" "$SITE_DIR/current"
}

site_ensure_database() {
  command -v mariadb >/dev/null || hd_fail "database $SITE_DB" "MariaDB is not installed on this host: install the mariadb module first. Nothing else was changed."
  ensure_database "$SITE_DB"
  ensure_db_user "$SITE_DB" localhost "$SITE_DB_PASSWORD"
  ensure_db_grant "$SITE_DB" localhost "ALL PRIVILEGES" "\`$SITE_DB\`.*" no-grant
}

site_ensure_php() { # active|inactive
  [[ -x /usr/local/bin/frankenphp && -f /etc/systemd/system/hostdeck-php@.service ]] ||
    hd_fail "service $SITE_UNIT" "FrankenPHP is not installed on this host: install the frankenphp module first."
  # A site's settings are its tenant's to read, no other tenant's (FrankenPHP reads them as the tenant).
  ensure_dir "$SITE_INI_DIR" 0755 root root
  ensure_dir "$SITE_INI_DIR/$SITE" 0750 root "$TUSER"
  site_render_ini
  ensure_file "$SITE_INI_DIR/$SITE/50-hostdeck.ini" 0640 root "$TUSER" "$SITE_INI"
  local changed=$HD_FILE_CHANGED
  hd_record_file "$SITE_INI_DIR/$SITE/50-hostdeck.ini"
  site_render_env
  ensure_file "$SITE_ENV_DIR/$SITE.env" 0640 root root "$SITE_ENV"
  if ((HD_FILE_CHANGED == 1)); then
    # The generator turns the env file's user into the unit's User=.
    hd_daemon_reload "$SITE_ENV_DIR/$SITE.env changed"
    changed=1
  fi
  hd_record_file "$SITE_ENV_DIR/$SITE.env"
  site_ensure_guard
  ((changed == 0)) || hd_notify "$SITE_UNIT" restart
  if [[ $1 == active ]]; then
    site_refuse_foreign_listener
    ensure_service "$SITE_UNIT" enabled active
  elif [[ -e /etc/systemd/system/multi-user.target.wants/$SITE_UNIT || $(hd_unit_active "$SITE_UNIT") == active ]]; then
    ensure_service "$SITE_UNIT" disabled inactive
  else
    hd_ok "service $SITE_UNIT" "stopped (site suspended)"
  fi
}

# The process listening on 127.0.0.1:PORT, as "user pid", or nothing.
site_port_listener() { # PORT
  local line
  line=$(ss -Hltnp "src 127.0.0.1:$1" 2>/dev/null | head -n 1 || true)
  [[ $line =~ pid=([0-9]+) ]] || return 0
  printf '%s %s' "$(stat -c %U "/proc/${BASH_REMATCH[1]}" 2>/dev/null || echo unknown)" "${BASH_REMATCH[1]}"
}

# The site's port must be its own. Any local user may bind a free loopback port, and the site's is
# free whenever its PHP restarts (a deploy, a crash): another tenant that takes it then would get
# this site's visitors from Caddy. When the port is held by anyone but the tenant, the site's Caddy
# file becomes the maintenance page (the visitors go nowhere) and the run fails saying who holds it.
# Cleared (port-taken) once the site's own PHP answers there again.
site_refuse_foreign_listener() {
  [[ $HD_CHECK == 1 ]] && return 0
  local port listener
  port=$(site_state port)
  listener=$(site_port_listener "$port")
  if [[ -z $listener || ${listener%% *} == "$TUSER" ]]; then
    if [[ $(site_state port-taken) == 1 && ${listener%% *} == "$TUSER" ]]; then
      hd_state_set port-taken ''
      site_ensure_caddy
    fi
    return 0
  fi
  hd_state_set port-taken 1
  site_ensure_caddy
  hd_fail "port" "127.0.0.1:$port, the port of site $SITE, is held by a process of user ${listener%% *} (pid ${listener#* }), not by $TUSER. Caddy now answers the site's domains with its maintenance page, so no visitor reaches that process. Stop it (ss -ltnp 'sport = :$port' shows it; it may be another tenant's code), then resume or update the site."
}

# The frankenphp module's nftables guard knows this site's port (only root and caddy may connect
# to it on loopback): it reads the ports from the env files, so it is reloaded when one changes.
site_ensure_guard() {
  local port step="site guard"
  port=$(site_state port)
  if [[ $HD_CHECK == 1 ]]; then
    if site_guard_has "$port"; then
      hd_ok "$step" "127.0.0.1:$port answers caddy and root only"
    else
      hd_changed "$step" "would let only caddy and root connect to 127.0.0.1:$port"
    fi
    return 0
  fi
  hd_site_guard_installed ||
    hd_fail "$step" "hostdeck-site-guard is not installed on this host (it came with a newer frankenphp module): run frankenphp install again, then this."
  if site_guard_has "$port"; then
    hd_ok "$step" "127.0.0.1:$port answers caddy and root only"
    return 0
  fi
  hd_site_guard_reload ||
    hd_fail "$step" "loading the nftables guard failed: $HD_LAST_OUTPUT (see: journalctl -u hostdeck-site-guard)"
  site_guard_has "$port" || hd_fail "$step" "the guard loaded without port $port (see: journalctl -u hostdeck-site-guard)"
  hd_changed "$step" "127.0.0.1:$port answers caddy and root only"
}

site_guard_has() { # PORT: the loaded guard lists it
  nft get element inet hostdeck_sites site_ports "{ $1 }" >/dev/null 2>&1
}

# HTTP status of a GET, from this host: direct to the site's PHP, or through Caddy.
site_http_code() { # URL [curl args...]
  local url=$1
  shift
  curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$@" -- "$url" 2>/dev/null || true
}

# The site answers: its own PHP on loopback, then through Caddy under its primary name. Returns 1
# with the reason in SITE_HEALTH_ERR.
site_health_probe() {
  local port domain tls code='' i
  port=$(site_state port)
  domain=$(site_primary_host)
  tls=$(site_state tls)
  for ((i = 0; i < 50; i++)); do
    code=$(site_http_code "http://127.0.0.1:$port/")
    [[ $code =~ ^[1-4][0-9][0-9]$ ]] && break
    sleep 0.2
  done
  if [[ ! $code =~ ^[1-4][0-9][0-9]$ ]]; then
    SITE_HEALTH_ERR="the site's PHP on 127.0.0.1:$port does not answer (HTTP ${code:-none}); see: journalctl -u $SITE_UNIT"
    return 1
  fi
  # Whoever answered must be the site itself (not a process that took the port while it restarted).
  site_refuse_foreign_listener
  case $tls in
  off) code=$(site_http_code "http://$domain/" --resolve "$domain:80:127.0.0.1") ;;
  internal) code=$(site_http_code "https://$domain/" -k --resolve "$domain:443:127.0.0.1") ;;
  auto)
    # The certificate may still be on its way: Caddy answering for the name (its HTTP->HTTPS
    # redirect) is what can be checked now.
    code=$(site_http_code "http://$domain/" --resolve "$domain:80:127.0.0.1")
    ;;
  esac
  if [[ ! $code =~ ^[1-4][0-9][0-9]$ ]]; then
    SITE_HEALTH_ERR="Caddy does not serve $domain (HTTP ${code:-none}); see: journalctl -u caddy"
    return 1
  fi
  SITE_HEALTH_OK="PHP on 127.0.0.1:$port and Caddy for $domain answer (HTTP $code)"
}

site_health() {
  [[ $HD_CHECK == 1 ]] && return 0
  site_health_probe || hd_fail "health" "$SITE_HEALTH_ERR"
  hd_ok "health" "$SITE_HEALTH_OK"
}

site_install() {
  local tenant
  site_names "${HD_OPT[site]}" "${HD_OPT[tenant]}"
  tenant=$(site_state tenant)
  [[ -z $tenant || $tenant == "$TENANT" ]] ||
    hd_fail "site $SITE" "refused: the site belongs to tenant $tenant on this host, not ${HD_OPT[tenant]}. Nothing was changed." 2
  local names
  names=$(site_all_names "${HD_OPT[domain]}" "${HD_OPT[www]}" "${HD_OPT[aliases]}")
  site_check_collisions "$names" "${HD_OPT[port]}"
  ensure_packages curl
  # What was asked, recorded first: every later step (and suspend, resume, status) renders from it.
  local k
  for k in tenant domain aliases type port tls www memory-limit upload-max php-ini; do
    hd_state_set "$k" "${HD_OPT[$k]}"
  done
  hd_state_set names "$names"
  hd_state_set db "$SITE_DB"
  if [[ $HD_CHECK == 1 ]]; then
    # In check mode nothing is recorded: render from the request.
    declare -gA SITE_CHECK_STATE=()
    for k in tenant domain aliases type port tls www memory-limit upload-max php-ini; do
      SITE_CHECK_STATE[$k]=${HD_OPT[$k]}
    done
    site_state() { if [[ -n ${SITE_CHECK_STATE[$1]+x} ]]; then printf '%s' "${SITE_CHECK_STATE[$1]}"; else hd_state_get "$1"; fi; }
  fi
  site_ensure_tenant
  site_ensure_dirs
  site_ensure_database
  if [[ $HD_CHECK != 1 ]] || getent passwd "$TUSER" >/dev/null; then
    site_render_dotenv "$SITE_DB_PASSWORD"
    ensure_file "$SITE_DIR/shared/.env" 0640 root "$TUSER" "$SITE_DOTENV"
  else
    hd_changed "file $SITE_DIR/shared/.env" "would create (database credentials)"
  fi
  [[ $(site_state type) == wordpress ]] && site_ensure_wordpress_files
  local suspended
  suspended=$(site_state suspended)
  site_ensure_php "$([[ $suspended == 1 ]] && echo inactive || echo active)"
  site_ensure_caddy
  [[ $suspended == 1 ]] || site_health
  [[ $(site_state type) == wordpress && $suspended != 1 ]] && site_ensure_wordpress_installed
  return 0
}

site_enable() {
  site_load
  hd_state_set suspended ''
  site_ensure_php active
  site_ensure_caddy
  site_health
}

site_disable() {
  site_load
  hd_state_set suspended 1
  site_ensure_caddy
  site_ensure_php inactive
}

# A final backup before delete: the database dump and the site's files, root-only.
site_final_backup() {
  local dir="$SITE_BACKUPS/$SITE" file
  file="$dir/final-$(date -u +%Y%m%dT%H%M%SZ).tar.gz"
  if [[ $HD_CHECK == 1 ]]; then
    hd_changed "backup" "would write $dir/final-<time>.tar.gz"
    return 0
  fi
  mkdir -p -- "$dir"
  chmod 0700 "$SITE_BACKUPS" "$dir"
  # Worked on disk in root's own backup directory (a site can be many GB: not in /run's memory).
  local work="$dir/.work"
  rm -rf -- "$work"
  mkdir -m 0700 -- "$work" "$work/db"
  HD_CLEANUP+=("$work")
  if site_db_exists; then
    mariadb-dump --protocol=socket -u root --single-transaction --databases "$SITE_DB" >"$work/db/database.sql" 2>"$work/dump.err" ||
      hd_fail "backup" "mariadb-dump failed: $(tail -n 1 "$work/dump.err"). Nothing was deleted."
  fi
  (umask 077 && tar -cf "$work/backup.tar" -C "$work/db" .) || hd_fail "backup" "writing the dump into the backup failed. Nothing was deleted."
  if [[ -d $SITE_DIR ]]; then
    # The site's files are read by the tenant (root never walks the tenant's tree): a tar stream,
    # appended to root's archive without being unpacked. Capped at 200 GB.
    SITE_TASK_OUT="$work/files.tar" SITE_TASK_MAX_OUTPUT=200000000000 SITE_TASK_TIMEOUT=7200 \
      site_as_tenant "$SITE_TENANTS/$TENANT" tar -cf - --one-file-system -- "$SITE" ||
      hd_fail "backup" "reading the site's files as $TUSER failed (tar exited non-zero). Nothing was deleted."
    tar -Af "$work/backup.tar" "$work/files.tar" || hd_fail "backup" "joining the site's files to the backup failed. Nothing was deleted."
  fi
  (umask 077 && gzip -c "$work/backup.tar" >"$file.partial") || hd_fail "backup" "writing $file failed. Nothing was deleted."
  rm -rf -- "$work"
  mv -f -- "$file.partial" "$file"
  hd_changed "backup" "$file ($(stat -c %s -- "$file") bytes)"
}

# Whether the site's database exists: HD_SQL_OUT is 1 or 0 (the query fails if MariaDB does).
site_db_query() { hd_sql "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME='$SITE_DB'"; }
site_db_exists() { site_db_query && [[ $HD_SQL_OUT == 1 ]]; }

site_sql_count() { # SQL -> the single number it selects (0 on error)
  if hd_sql "$1"; then printf '%s' "${HD_SQL_OUT:-0}"; else printf 0; fi
}

site_remove() {
  HD_STATE_NAME="site-${HD_OPT[site]}"
  local tenant
  tenant=$(hd_state_get tenant)
  if [[ -z $tenant ]]; then
    # Nothing recorded: make sure nothing of the site is left either.
    if [[ -e $HD_CADDY_SITES/${HD_OPT[site]}.caddy || -e $SITE_ENV_DIR/${HD_OPT[site]}.env ]]; then
      hd_fail "site ${HD_OPT[site]}" "not recorded by Hostdeck, but its files exist; remove them by hand (it was not made by these scripts)"
    fi
    hd_ok "site ${HD_OPT[site]}" "absent"
    return 0
  fi
  site_names "${HD_OPT[site]}" "$tenant"
  [[ ${HD_OPT[backup]} == 1 ]] && site_final_backup
  ensure_caddy_site_file "$SITE" ''
  if [[ -e /etc/systemd/system/multi-user.target.wants/$SITE_UNIT || $(hd_unit_active "$SITE_UNIT") != inactive ]]; then
    ensure_service "$SITE_UNIT" disabled inactive
  fi
  [[ $HD_CHECK == 1 ]] || systemctl reset-failed -- "$SITE_UNIT" 2>/dev/null || true
  ensure_file_absent "$SITE_ENV_DIR/$SITE.env"
  [[ $HD_CHECK == 1 ]] || hd_run systemctl daemon-reload || true
  if [[ $HD_CHECK != 1 ]] && hd_site_guard_installed; then hd_site_guard_reload || true; fi
  ensure_file_absent "$SITE_INI_DIR/$SITE/50-hostdeck.ini"
  [[ $HD_CHECK == 1 ]] || rm -rf -- "${SITE_INI_DIR:?}/$SITE" "/var/lib/hostdeck-php/$SITE"
  if command -v mariadb >/dev/null; then
    if site_db_exists; then
      [[ $HD_CHECK == 1 ]] || hd_sql_or_fail "database $SITE_DB absent" "DROP DATABASE \`$SITE_DB\`"
      hd_changed "database $SITE_DB absent" "dropped"
    else
      hd_ok "database $SITE_DB absent" ""
    fi
    if [[ $(site_sql_count "SELECT COUNT(*) FROM mysql.user WHERE User='$SITE_DB'") != 0 ]]; then
      [[ $HD_CHECK == 1 ]] || hd_sql_or_fail "database user $SITE_DB absent" "DROP USER IF EXISTS '$SITE_DB'@'localhost'"
      hd_changed "database user $SITE_DB absent" "dropped"
    else
      hd_ok "database user $SITE_DB absent" ""
    fi
  fi
  if [[ -e $SITE_DIR || -L $SITE_DIR ]]; then
    [[ $HD_CHECK == 1 ]] || rm -rf --one-file-system -- "${SITE_DIR:?}"
    hd_changed "directory $SITE_DIR absent" "removed"
  else
    hd_ok "directory $SITE_DIR absent" ""
  fi
  hd_state_clear
  site_remove_tenant_if_unused
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
  if getent passwd "$TUSER" >/dev/null; then
    if [[ $HD_CHECK != 1 ]]; then
      if command -v pkill >/dev/null; then pkill -KILL -u "$TUSER" 2>/dev/null || true; fi
      hd_run userdel -- "$TUSER" || hd_fail "user $TUSER absent" "userdel failed: $HD_LAST_OUTPUT"
    fi
    hd_changed "user $TUSER absent" "removed (its last site is gone)"
  else
    hd_ok "user $TUSER absent" ""
  fi
  if [[ -e $SITE_TENANTS/$TENANT ]]; then
    [[ $HD_CHECK == 1 ]] || rm -rf --one-file-system -- "${SITE_TENANTS:?}/$TENANT"
    hd_changed "directory $SITE_TENANTS/$TENANT absent" "removed"
  else
    hd_ok "directory $SITE_TENANTS/$TENANT absent" ""
  fi
}

# The site's Caddy file for its recorded state, swapped in safely and remembered for drift.
site_ensure_caddy() {
  site_render_caddy
  ensure_caddy_site_file "$SITE" "$SITE_CADDY"
  [[ $HD_CHECK == 1 ]] || hd_record_file "$HD_CADDY_SITES/$SITE.caddy"
}

# ---------------------------------------------------------------------------------------------
# WordPress

site_wp_config() {
  local salts='' k
  for k in AUTH_KEY SECURE_AUTH_KEY LOGGED_IN_KEY NONCE_KEY AUTH_SALT SECURE_AUTH_SALT LOGGED_IN_SALT NONCE_SALT; do
    # 48 random bytes from the kernel's CSPRNG, base64: no quote or backslash can appear.
    salts+="define('$k', '$(head -c 48 /dev/urandom | base64 -w0)');"$'\n'
  done
  local scheme=https host
  [[ $(site_state tls) == off ]] && scheme=http
  host=$(site_primary_host)
  SITE_WP_CONFIG="<?php
// $HD_MANAGED_MARK (site module): WordPress settings of site $SITE. The salts are made once;
// the database settings follow the site. 0640 root:$TUSER: the site reads it and cannot change it.
define('DB_NAME', '$SITE_DB');
define('DB_USER', '$SITE_DB');
define('DB_PASSWORD', '$SITE_DB_PASSWORD');
define('DB_HOST', 'localhost');
define('DB_CHARSET', 'utf8mb4');
define('DB_COLLATE', '');
${salts}\$table_prefix = 'wp_';
define('WP_HOME', '$scheme://$host');
define('WP_SITEURL', '$scheme://$host');
define('WP_TEMP_DIR', '$SITE_DIR/tmp/');
define('WP_DEBUG', false);
// Releases come from Hostdeck: no core updates or plugin installs from inside the site.
define('AUTOMATIC_UPDATER_DISABLED', true);
define('DISALLOW_FILE_MODS', true);
if (!defined('ABSPATH')) {
    define('ABSPATH', '$SITE_DIR/current/public/');
}
require_once ABSPATH . 'wp-settings.php';
"
}

# The first WordPress release: Debian's package (and what its symlinks point into) downloaded and
# unpacked as an artifact, copied with links resolved, wp-config.php in shared/ (kept across
# releases, like uploads).
site_ensure_wordpress_files() {
  local cfg="$SITE_DIR/shared/wp-config.php"
  if [[ $HD_CHECK == 1 ]]; then
    if [[ -f $cfg ]]; then
      hd_ok "wordpress" "release present"
    else
      hd_changed "wordpress" "would download $SITE_WP_DEBS and make the first release"
    fi
    return 0
  fi
  if [[ -f $cfg ]]; then
    # The salts stay; the database line follows the password the app holds.
    ensure_line "$cfg" "define('DB_PASSWORD', '$SITE_DB_PASSWORD');" "^define\('DB_PASSWORD'" "define('DB_PASSWORD', …) (the value is not shown)"
  else
    site_wp_config
    ensure_file "$cfg" 0640 root "$TUSER" "$SITE_WP_CONFIG"
  fi
  ensure_dir "$SITE_DIR/shared/uploads" 0750 "$TUSER" "$TUSER"
  if [[ -n $(hd_state_get wp-release) && -d $SITE_DIR/releases/$(hd_state_get wp-release) ]]; then
    hd_ok "wordpress release" "$(hd_state_get wp-release)"
    return 0
  fi
  hd_tmpdir
  local work="$HD_TMP/wp" id dest src version
  mkdir -p "$work/debs" "$work/root"
  hd_apt_update_if_stale
  # shellcheck disable=SC2086 # a fixed list of ours
  (cd "$work/debs" && hd_run apt-get -q "${HD_APT_NET[@]}" -o APT::Sandbox::User=root download $SITE_WP_DEBS) ||
    hd_fail "wordpress release" "downloading $SITE_WP_DEBS failed: $HD_LAST_OUTPUT"
  for f in "$work"/debs/*.deb; do dpkg-deb -x "$f" "$work/root"; done
  src="$work/root/usr/share/wordpress"
  # Absolute links would resolve on this host, outside the site: drop them (Debian's .htaccess
  # holds only comments; the CA bundle is replaced by the host's, copied in).
  rm -f -- "$src/.htaccess" "$src/wp-includes/certificates/ca-bundle.crt" "$src/wp-config.php"
  if [[ -n $(find -L "$src" -type l -print -quit) ]]; then
    hd_fail "wordpress release" "the package has links that point outside it: $(find -L "$src" -type l | head -n 3 | tr '\n' ' ')"
  fi
  id=$(date -u +%Y%m%dT%H%M%SZ)
  # Built by root in a root-only staging directory, then handed to the tenant whole.
  site_stage_release "$id"
  dest=$SITE_STAGE
  mkdir -- "$dest/public"
  cp -rL -- "$src/." "$dest/public/"
  cp -- "$work/root/var/lib/wordpress/wp-content/index.php" "$dest/public/wp-content/index.php"
  [[ -f /etc/ssl/certs/ca-certificates.crt ]] && cp -- /etc/ssl/certs/ca-certificates.crt "$dest/public/wp-includes/certificates/ca-bundle.crt"
  sed -i "s|'/etc/ssl/certs/ca-certificates.crt'|ABSPATH . WPINC . '/certificates/ca-bundle.crt'|" "$dest/public/wp-includes/class-wp-http.php"
  rm -rf -- "$dest/public/wp-content/uploads"
  ln -s -- ../../../../shared/uploads "$dest/public/wp-content/uploads"
  ln -s -- ../../shared/wp-config.php "$dest/wp-config.php"
  version=$(sed -n "s/^\\\$wp_version = '\\(.*\\)';/\\1/p" "$dest/public/wp-includes/version.php")
  printf 'wordpress %s (Debian package)\n' "$version" >"$dest/REVISION"
  site_hand_over "$dest" "$SITE_DIR/releases/$id"
  site_point_current "$id"
  rm -rf --one-file-system -- "$SITE_DIR/releases/initial"
  hd_notify "$SITE_UNIT" restart
  hd_state_set wp-release "$id"
  hd_state_set release "$id"
  hd_changed "wordpress release" "WordPress $version from Debian's package, as releases/$id"
}

# WordPress's own installer (wp_install), run once as the tenant with the site's php.ini; the
# admin password arrives on the installer's stdin.
site_ensure_wordpress_installed() {
  [[ $HD_CHECK == 1 ]] && return 0
  if [[ $(hd_state_get wp-installed) == 1 ]]; then
    hd_ok "wordpress install" "done before"
    return 0
  fi
  [[ -n $SITE_WP_PASSWORD ]] || hd_fail "wordpress install" "needs the admin password (--wp-admin-password-stdin)"
  # Root writes the installer into its own shared/ (0640 root:<tenant>, never in the tenant's tmp/,
  # where a planted link would aim root's write anywhere); the tenant runs it, sandboxed.
  local script="$SITE_DIR/shared/.hostdeck-wp-install.php" out rc=0
  hd_write_atomic "$script" 0640 root "$TUSER" "$(
    cat <<'PHP'
<?php
// Written by Hostdeck for one run of WordPress's installer; removed right after.
define('WP_INSTALLING', true);
$_SERVER['HTTP_HOST'] = getenv('HD_WP_HOST');
$_SERVER['REQUEST_URI'] = '/';
require getenv('HD_WP_ROOT') . '/wp-load.php';
require ABSPATH . 'wp-admin/includes/upgrade.php';
if (is_blog_installed()) { echo "already installed
"; exit(0); }
$password = trim((string) fgets(STDIN));
$r = wp_install(getenv('HD_WP_TITLE'), 'admin', getenv('HD_WP_EMAIL'), true, '', $password);
echo empty($r['user_id']) ? "failed
" : "installed, admin user id {$r['user_id']}
";
exit(empty($r['user_id']) ? 1 : 0);
PHP
  )"
  local host
  host=$(site_primary_host)
  out=$(printf '%s\n' "$SITE_WP_PASSWORD" |
    SITE_TASK_STDIN=1 site_as_tenant "$SITE_DIR/current/public" HD_WP_HOST="$host" HD_WP_ROOT="$SITE_DIR/current/public" \
      HD_WP_TITLE="${HD_OPT[wp-title]:-$host}" HD_WP_EMAIL="${HD_OPT[wp-admin-email]}" \
      /usr/local/bin/frankenphp php-cli "$script" 2>&1) || rc=$?
  rm -f -- "$script"
  ((rc == 0)) || hd_fail "wordpress install" "WordPress's installer failed: $(tail -n 2 <<<"$out" | tr '\n' ' ')"
  hd_state_set wp-installed 1
  hd_changed "wordpress install" "$(tail -n 1 <<<"$out") (user admin; the password is in Hostdeck's vault)"
}

# ---------------------------------------------------------------------------------------------
# Releases

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
  local unit=/etc/systemd/system/hostdeck-php@.service line in=0
  [[ -f $unit ]] || hd_fail "sandbox" "$unit is missing: install the frankenphp module first"
  while IFS= read -r line; do
    [[ $line == '# Sandbox.'* ]] && in=1
    [[ $line == '['* ]] && in=0
    # Not for tasks: its own writable paths (the site), and the deploy keys the clone task reads.
    [[ $line == ReadWritePaths=* || $line == InaccessiblePaths=*hostdeck-deploy* ]] && continue
    ((in == 1)) && [[ $line =~ ^[A-Z][A-Za-z]+= ]] && SITE_SANDBOX+=(-p "$line")
  done <"$unit"
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

site_hooks() { # RELEASE_DIR
  [[ ${HD_OPT[hooks]} == laravel ]] || return 0
  local cmd
  for cmd in 'migrate --force' 'storage:link' 'config:cache'; do
    # shellcheck disable=SC2086 # fixed words of ours
    hd_run site_as_tenant "$1" /usr/local/bin/frankenphp php-cli artisan $cmd ||
      { rm -rf --one-file-system -- "$1"; hd_fail "hook artisan $cmd" "failed: $HD_LAST_OUTPUT. The live release was not touched."; }
    hd_changed "hook artisan $cmd" "done"
  done
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
  if [[ ${HD_OPT[hooks]} == laravel ]]; then
    # Laravel's storage is shared between releases: a directory of the tenant's in root's shared/.
    ensure_dir "$SITE_DIR/shared/storage" 0750 "$TUSER" "$TUSER"
  fi
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
  site_hooks "$dir"
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

# ---------------------------------------------------------------------------------------------

site_status() {
  HD_STATE_NAME="site-${HD_OPT[site]}"
  local tenant
  tenant=$(hd_state_get tenant)
  if [[ -z $tenant ]]; then
    hd_status exists no
    hd_status drift none
    return 0
  fi
  site_names "${HD_OPT[site]}" "$tenant"
  local -a drift=()
  local k port active suspended releases
  hd_status exists yes
  for k in tenant domain aliases type tls www memory-limit upload-max suspended; do
    hd_status "$k" "$(site_state "$k")"
  done
  suspended=$(site_state suspended)
  # The port as the host runs it (from the env file), not just as recorded.
  port=$(sed -n 's/^HOSTDECK_PHP_LISTEN=127\.0\.0\.1://p' "$SITE_ENV_DIR/$SITE.env" 2>/dev/null || true)
  hd_status port "${port:-none}"
  active=$(hd_unit_active "$SITE_UNIT")
  hd_status active "$([[ $active == active ]] && echo yes || echo no)"
  hd_status release "$(site_current_release)"
  releases=$(site_releases | paste -sd, -)
  hd_status releases "${releases:-none}"
  [[ -d $SITE_DIR ]] || drift+=("directory:$SITE_DIR:missing")
  [[ -L $SITE_DIR/current && -d $SITE_DIR/current/ ]] || drift+=("release:current:missing")
  [[ $port == "$(site_state port)" ]] || drift+=("port:${port:-none}:expected-$(site_state port)")
  getent passwd "$TUSER" >/dev/null || drift+=("user:$TUSER:missing")
  mapfile -t -O "${#drift[@]}" drift < <(hd_file_drift)
  if [[ $suspended == 1 ]]; then
    [[ $active != active ]] || drift+=("service:$SITE_UNIT:active-while-suspended")
  else
    [[ $active == active ]] || drift+=("service:$SITE_UNIT:$active")
  fi
  if command -v mariadb >/dev/null && site_db_query; then
    hd_status database "$([[ $HD_SQL_OUT == 1 ]] && echo "$SITE_DB" || echo missing)"
    [[ $HD_SQL_OUT == 1 ]] || drift+=("database:$SITE_DB:missing")
  fi
  hd_status drift "$(hd_join_drift "${drift[@]}")"
}
