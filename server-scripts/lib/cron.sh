#!/usr/bin/env bash
# Scheduled jobs of the sites (sourced through lib.sh): their names, and their removal, which the
# site module needs too (a site's jobs go with the site). The cron module makes them.
# shellcheck disable=SC2034 # globals here are read by the modules

readonly HD_CRON_RE_JOB='^[a-z]([a-z0-9-]{0,22}[a-z0-9])?$'
readonly HD_CRON_JOB_HELP='1-24 characters of a-z 0-9 - (starting with a letter, not ending with -)'
readonly HD_CRON_ETC=/etc/hostdeck/jobs
readonly HD_CRON_LEDGER=/var/lib/hostdeck/jobs
readonly HD_CRON_UNITS=/etc/systemd/system

hd_cron_unit() { printf 'hostdeck-job-%s--%s' "$1" "$2"; } # SITE JOB -> unit name without suffix

# The jobs of SITE as recorded (one name a line).
hd_cron_jobs() { # SITE
  local key
  while IFS= read -r key; do
    key=${key%.schedule}
    [[ $key =~ $HD_CRON_RE_JOB ]] && printf '%s\n' "$key"
  done < <(HD_STATE_NAME="cron-$1" hd_state_keys '' | grep '\.schedule$' || true)
}

# One job gone: its timer stopped, its units, command file, ledger and timer stamp removed, its
# record cleared (a job made again under the name starts afresh).
hd_cron_job_absent() { # SITE JOB
  local unit
  unit=$(hd_cron_unit "$1" "$2")
  if [[ ! -e $HD_CRON_UNITS/$unit.timer && ! -e $HD_CRON_UNITS/$unit.service && ! -e $HD_CRON_ETC/$1/$2.sh ]]; then
    hd_ok "job $2" "absent"
  else
    if [[ $HD_CHECK != 1 ]]; then
      systemctl disable --now -- "$unit.timer" >/dev/null 2>&1 || true
      systemctl stop -- "$unit.service" >/dev/null 2>&1 || true
      systemctl reset-failed -- "$unit.service" "$unit.timer" >/dev/null 2>&1 || true
    fi
    ensure_file_absent "$HD_CRON_UNITS/$unit.timer"
    ensure_file_absent "$HD_CRON_UNITS/$unit.service"
    ensure_file_absent "$HD_CRON_ETC/$1/$2.sh"
    HD_CRON_RELOAD=1
  fi
  [[ $HD_CHECK == 1 ]] || rm -f -- "$HD_CRON_LEDGER/$1--$2.runs" "$HD_CRON_LEDGER/$1--$2.runs.new" \
    "/var/lib/systemd/timers/stamp-$unit.timer"
  local k
  for k in schedule timeout delay cpu memory paused; do HD_STATE_NAME="cron-$1" hd_state_set "$2.$k" ''; done
}
HD_CRON_RELOAD=0

# Every job of SITE gone (the site is being removed): the recorded ones, and any unit, ledger or
# stamp of the site's left by a run cut short before it recorded its job ('--' is in no slug, so
# these names are the site's alone).
hd_cron_site_absent() { # SITE
  local job f
  while IFS= read -r job; do hd_cron_job_absent "$1" "$job"; done < <(hd_cron_jobs "$1")
  for f in "$HD_CRON_UNITS/hostdeck-job-$1--"*.timer "$HD_CRON_UNITS/hostdeck-job-$1--"*.service; do
    [[ -e $f ]] || continue
    [[ $HD_CHECK == 1 ]] || systemctl disable --now -- "${f##*/}" >/dev/null 2>&1 || true
    ensure_file_absent "$f"
    HD_CRON_RELOAD=1
  done
  if ((HD_CRON_RELOAD == 1)); then hd_daemon_reload "the site's scheduled jobs removed"; fi
  [[ $HD_CHECK == 1 ]] || rm -rf -- "${HD_CRON_ETC:?}/$1"
  [[ $HD_CHECK == 1 ]] || rm -f -- "/var/lib/hostdeck/state/cron-$1.state" "$HD_CRON_LEDGER/$1--"*.runs* \
    "/var/lib/systemd/timers/stamp-hostdeck-job-$1--"*.timer
}

# The site's job timers stopped (it is suspended) or started again (resumed: the unpaused ones).
hd_cron_site_timers() { # SITE stop|start
  local job unit
  while IFS= read -r job; do
    unit=$(hd_cron_unit "$1" "$job").timer
    if [[ $2 == stop ]]; then
      ensure_service "$unit" disabled inactive
    elif [[ $(HD_STATE_NAME="cron-$1" hd_state_get "$job.paused") != 1 ]]; then
      ensure_service "$unit" enabled active
    fi
  done < <(hd_cron_jobs "$1")
}
