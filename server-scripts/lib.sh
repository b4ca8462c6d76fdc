#!/usr/bin/env bash
# The shared library of the Hostdeck server scripts, sourced by hostdeck.sh (never run on its own).
# It only loads lib/, one file per concern, in a fixed order (a part may use what an earlier one
# defines at load time; functions may call any part at run time):
#
#   core.sh       run state, the line protocol, traps, hd_run
#   options.sh    hd_option/hd_flag per verb, parsing, value patterns, secrets on stdin
#   os.sh         the supported-OS gate (exit 4)
#   lock.sh       the host lock (exit 3)
#   state.sh      /var/lib/hostdeck/state/<module>.state, drift of recorded files
#   paths.sh      hd_root_path: the root-path rule (docs/THREAT-MODEL.md)
#   files.sh      atomic writes, ensure_file, ensure_line, ensure_dir and their absent forms
#   validated.sh  ensure_validated_file: validate, swap, reload, roll back, keep the last good copy
#   users.sh      ensure_user, ensure_user_absent
#   packages.sh   apt: ensure_packages, ensure_package_absent
#   services.sh   systemd: ensure_service, pending restarts/reloads, status and drift
#   mariadb.sh    hd_sql, ensure_database, ensure_db_user, ensure_db_grant and the absent forms
#   caddy.sh      Caddy: whole-config validation, site files, the last-good snapshot
#   restic.sh     the host's backup repository: hd_restic, snapshot ids, sizes, disk-space checks
#   cron.sh       the sites' scheduled jobs: names, and their removal (with the site)
#
# Each ensure_* helper converges one thing and prints exactly one step line; in check mode it
# reports what it would change and changes nothing. A helper that cannot reach its goal prints a
# failed step and ends the run (hd_fail), so later steps never build on a broken one.
HD_LIB_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)/lib
# shellcheck source=lib/core.sh
source "$HD_LIB_DIR/core.sh"
# shellcheck source=lib/options.sh
source "$HD_LIB_DIR/options.sh"
# shellcheck source=lib/os.sh
source "$HD_LIB_DIR/os.sh"
# shellcheck source=lib/lock.sh
source "$HD_LIB_DIR/lock.sh"
# shellcheck source=lib/state.sh
source "$HD_LIB_DIR/state.sh"
# shellcheck source=lib/paths.sh
source "$HD_LIB_DIR/paths.sh"
# shellcheck source=lib/files.sh
source "$HD_LIB_DIR/files.sh"
# shellcheck source=lib/validated.sh
source "$HD_LIB_DIR/validated.sh"
# shellcheck source=lib/users.sh
source "$HD_LIB_DIR/users.sh"
# shellcheck source=lib/packages.sh
source "$HD_LIB_DIR/packages.sh"
# shellcheck source=lib/services.sh
source "$HD_LIB_DIR/services.sh"
# shellcheck source=lib/mariadb.sh
source "$HD_LIB_DIR/mariadb.sh"
# shellcheck source=lib/caddy.sh
source "$HD_LIB_DIR/caddy.sh"
# shellcheck source=lib/restic.sh
source "$HD_LIB_DIR/restic.sh"
# shellcheck source=lib/cron.sh
source "$HD_LIB_DIR/cron.sh"
