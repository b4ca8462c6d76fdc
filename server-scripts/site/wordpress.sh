#!/usr/bin/env bash
# WordPress sites (sourced by modules/site.sh): wp-config.php in shared/, the first release from
# Debian's package, and WordPress's own installer run once as the tenant.

site_wp_config() {
  local salts='' k
  for k in AUTH_KEY SECURE_AUTH_KEY LOGGED_IN_KEY NONCE_KEY AUTH_SALT SECURE_AUTH_SALT LOGGED_IN_SALT NONCE_SALT; do
    # 48 random bytes from the kernel's CSPRNG, base64: no quote or backslash can appear.
    salts+="define('$k', '$(head -c 48 /dev/urandom | base64 -w0)');"$'\n'
  done
  local scheme=https host
  [[ $(site_state tls) == off ]] && scheme=http
  host=$(site_primary_host)
  # shellcheck disable=SC2153 # SITE_DB_PASSWORD is set by site_validate (modules/site.sh)
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
