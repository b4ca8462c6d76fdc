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
# tree (hd_root_path, lib/paths.sh, checks every parent), builds what it hands over in a root-only
# directory and renames it into place, and does everything inside tenant-writable space as the
# tenant, through site_as_tenant: a transient systemd unit with the site's own sandbox, none of
# this script's descriptors, a time limit, and no process left behind.
#
# verbs: install (create or update; converges), enable (resume), disable (suspend: Caddy serves
# a maintenance page, the PHP process stops), remove (delete everything; the tenant user goes
# with its last site), status, deploy (a new release from git or from an archive on stdin,
# switched atomically), rollback (back to an earlier release).
#
# This file holds what every part uses (patterns, names, options, the loaded site); the parts are
# in site/: tenant.sh, site.sh (install, enable, disable, remove, status), php.sh, wordpress.sh,
# laravel.sh and release.sh (deploy, rollback).
set -Eeuo pipefail

# shellcheck disable=SC2034 # read by hostdeck.sh
site_VERBS='deploy rollback drill recover'

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

# Options, per verb (hostdeck.sh declares and parses only the verb's own; another verb's option
# is refused, naming that verb). --site is every verb's.
site_options() {
  hd_option site "$SITE_RE_SLUG" '' "the site's slug: $SITE_SLUG_HELP"
}

site_options_install() {
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
}

site_options_remove() {
  hd_flag backup "remove: keep a final backup (database dump and files) in $SITE_BACKUPS/<site>/"
}

site_options_deploy() {
  hd_option source '^(git|archive|snapshot)$' git "deploy: git (clone --repo at --branch), archive (a tar on stdin) or snapshot (--snapshot, from this host's backups)"
  hd_option snapshot "$HD_RE_SNAPSHOT" '' "deploy --source snapshot: a files snapshot of this site (8-64 hex digits): its release and its uploads or storage come back"
  hd_option from-site "^($SITE_RE_SLUG)?\$" '' "deploy --source snapshot: the site the snapshot is of, when another (or one deleted since)"
  hd_option repo "$SITE_RE_REPO" '' "deploy: a git URL (https://, ssh://, user@host:path or file:///)"
  hd_option branch "$SITE_RE_BRANCH" main "deploy: the branch or tag to deploy"
  hd_flag deploy-key-stdin "deploy: an SSH private key for the repository arrives on stdin"
  hd_option keep '^([1-9]|[1-4][0-9]|50)$' 5 "deploy: how many releases to keep (1-50)"
  hd_option hooks '^(none|laravel)$' none "deploy: none, or laravel (migrate, storage:link, config:cache)"
  hd_restic_offsite_option
}

site_options_rollback() {
  hd_option release "$SITE_RE_RELEASE" '' "rollback: the release to go back to (default: the previous one)"
}

site_validate() {
  if [[ $HD_VERB == drill && ${HD_OPT[due]} == 1 ]]; then
    [[ -z ${HD_OPT[site]} ]] || hd_usage_fail "option --due" "drills every due site: no --site with it"
    return 0
  fi
  [[ -n ${HD_OPT[site]} ]] || hd_usage_fail "option --site" "is required ($SITE_SLUG_HELP)"
  [[ ${HD_OPT[site]} != *--* ]] || hd_usage_fail "option --site" "refused: '--' inside a slug"
}

site_validate_install() {
  [[ ${HD_OPT[tenant]} != *--* ]] || hd_usage_fail "option --tenant" "refused: '--' inside a slug"
  local o
  for o in tenant domain port; do
    [[ -n ${HD_OPT[$o]} ]] || hd_usage_fail "option --$o" "is required for install (${HD_OPT_HELP[$o]})"
  done
  ((${#HD_OPT[domain]} <= 253)) || hd_usage_fail "option --domain" "refused: longer than 253 characters"
  ((10#${HD_OPT[port]} >= 1024 && 10#${HD_OPT[port]} <= 65535)) ||
    hd_usage_fail "option --port" "refused: ${HD_OPT[port]} is outside 1024-65535"
  # A port the kernel hands out to outgoing connections would be another user's sometimes, and
  # the site guard drops what others send from a site's port.
  local low high
  read -r low high </proc/sys/net/ipv4/ip_local_port_range || true
  if [[ $low =~ ^[0-9]+$ && $high =~ ^[0-9]+$ ]] && ((10#${HD_OPT[port]} >= low && 10#${HD_OPT[port]} <= high)); then
    hd_usage_fail "option --port" "refused: ${HD_OPT[port]} is in this host's range for outgoing connections ($low-$high); pick one below $low"
  fi
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
  hd_read_password "database password (stdin)"
  SITE_DB_PASSWORD=$HD_SECRET
  if [[ ${HD_OPT[type]} == wordpress ]]; then
    [[ -n ${HD_OPT[wp-admin-email]} ]] || hd_usage_fail "option --wp-admin-email" "is required for a WordPress site"
    [[ ${HD_OPT[wp-admin-password-stdin]} == 1 ]] ||
      hd_usage_fail "option --wp-admin-password-stdin" "a WordPress site needs its admin password as the second line of stdin"
    HD_SECRET=''
    hd_read_password "WordPress admin password (stdin, line 2)"
    SITE_WP_PASSWORD=$HD_SECRET
    HD_SECRET=$SITE_DB_PASSWORD
  fi
}

site_validate_deploy() {
  if [[ ${HD_OPT[source]} == git ]]; then
    [[ -n ${HD_OPT[repo]} ]] || hd_usage_fail "option --repo" "is required for a git deploy (${HD_OPT_HELP[repo]})"
    [[ ${HD_OPT[repo]} != *..* && ${HD_OPT[branch]} != *..* ]] || hd_usage_fail "option --repo" "refused: '..' in the repository or branch"
  elif [[ -n ${HD_OPT[repo]} || ${HD_OPT[deploy-key-stdin]} == 1 ]]; then
    hd_usage_fail "option --source" "an ${HD_OPT[source]} deploy takes no --repo and no deploy key"
  fi
  if [[ ${HD_OPT[source]} == snapshot ]]; then
    [[ -n ${HD_OPT[snapshot]} ]] || hd_usage_fail "option --snapshot" "is required for a deploy from a snapshot (${HD_OPT_HELP[snapshot]})"
  elif [[ -n ${HD_OPT[snapshot]} || -n ${HD_OPT[from-site]} || -n ${HD_OPT[offsite]} ]]; then
    hd_usage_fail "option --snapshot" "--snapshot, --from-site and --offsite are for --source snapshot only"
  fi
  site_validate_offsite
}

# A snapshot from another host's copy kept here (--offsite): of a site named with --from-site, the
# copy's password on stdin.
site_validate_offsite() {
  [[ -z ${HD_OPT[offsite]} || -n ${HD_OPT[from-site]} ]] ||
    hd_usage_fail "option --from-site" "a snapshot from another host's copy names the site it is of (--from-site)"
  hd_restic_use_offsite
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
  local pw
  # An older, tenant-owned skeleton is converted later in the run: until then nothing is read here.
  pw=$(hd_site_env_password "$SITE_DIR/shared/.env") || return 0
  [[ -n $pw ]] && HD_REDACT+=("$pw")
  return 0
}

site_state() { hd_state_get "$1"; }

# shellcheck source=../site/tenant.sh
source "$HD_DIR/site/tenant.sh"
# shellcheck source=../site/site.sh
source "$HD_DIR/site/site.sh"
# shellcheck source=../site/php.sh
source "$HD_DIR/site/php.sh"
# shellcheck source=../site/wordpress.sh
source "$HD_DIR/site/wordpress.sh"
# shellcheck source=../site/drill.sh
source "$HD_DIR/site/drill.sh"
# shellcheck source=../site/recover.sh
source "$HD_DIR/site/recover.sh"
# shellcheck source=../site/laravel.sh
source "$HD_DIR/site/laravel.sh"
# shellcheck source=../site/release.sh
source "$HD_DIR/site/release.sh"
