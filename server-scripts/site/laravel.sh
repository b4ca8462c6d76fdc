#!/usr/bin/env bash
# Laravel sites (sourced by modules/site.sh): its settings in shared/.env, the shared storage/
# and the deploy hooks (--hooks laravel).

# Laravel's settings in shared/.env, after the database's (site_render_dotenv): APP_KEY is made
# once and kept.
site_laravel_dotenv() {
  local key='' file="$SITE_DIR/shared/.env"
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
}

# Laravel's storage is shared between releases: a directory of the tenant's in root's shared/.
site_laravel_shared_storage() {
  [[ ${HD_OPT[hooks]} == laravel ]] || return 0
  ensure_dir "$SITE_DIR/shared/storage" 0750 "$TUSER" "$TUSER"
}

# Laravel's deploy hooks (--hooks laravel), as the tenant in the new release, before it goes live.
site_laravel_hooks() { # RELEASE_DIR
  [[ ${HD_OPT[hooks]} == laravel ]] || return 0
  local cmd
  for cmd in 'migrate --force' 'storage:link' 'config:cache'; do
    # shellcheck disable=SC2086 # fixed words of ours
    hd_run site_as_tenant "$1" /usr/local/bin/frankenphp php-cli artisan $cmd ||
      { rm -rf --one-file-system -- "$1"; hd_fail "hook artisan $cmd" "failed: $HD_LAST_OUTPUT. The live release was not touched."; }
    hd_changed "hook artisan $cmd" "done"
  done
}
