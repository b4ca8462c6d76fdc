#!/usr/bin/env bash
# cron: scheduled jobs of a site, one systemd timer and service per job, so a bad job never breaks
# another. A job runs as the site's tenant in a sandbox like the site's own unit (the OS read-only,
# only the site's tree writable, no privileges), as a oneshot service: a run still going when the
# timer elapses again is not started twice (the "forbid" overlap policy, systemd's own), a run past
# its timeout is stopped with its whole cgroup, CPU and memory are bounded. The timer is Persistent=
# (a run missed while the host was down happens after boot), with a randomized delay and 1 s
# accuracy.
#   /etc/hostdeck/jobs/<site>/<job>.sh                 0640 root:<tenant>  cd to the release, then
#                                                      the command (one line, from stdin)
#   /etc/systemd/system/hostdeck-job-<site>--<job>.{service,timer}
#   /usr/local/libexec/hostdeck/job-record             appends each run's start and end (systemd's
#                                                      result, exit code and status) to
#   /var/lib/hostdeck/jobs/<site>--<job>.runs          the ledger, root-only; the output is in the
#                                                      journal under the run's invocation id
#   /var/lib/hostdeck/state/cron-<site>.state          each job's settings
#
# verbs: install (create or update a job), remove, disable (pause), enable (resume), status (a
# site's jobs, their next run and their last runs with the end of their output), run (start one now)
# and preview (the next five times of a calendar expression, in the host's time zone).
set -Eeuo pipefail

# shellcheck disable=SC2034 # read by hostdeck.sh
cron_VERBS='run preview'
# shellcheck disable=SC2034 # read by hostdeck.sh: verbs that change nothing take no host lock
cron_READ_VERBS='preview'

readonly CRON_RE_SLUG='^[a-z]([a-z0-9-]{0,27}[a-z0-9])?$'
# systemd calendar expressions (systemd.time(7)): no % (a unit file specifier) and no quotes.
readonly CRON_RE_SCHEDULE='^[A-Za-z0-9*:.,/~ -]{1,100}$'
readonly CRON_RECORD=/usr/local/libexec/hostdeck/job-record
readonly CRON_RUNS_SHOWN=20
readonly CRON_TAILS_SHOWN=5
readonly CRON_MAX_JOBS=50

CRON_SITE=''
CRON_TENANT=''
CRON_JOB=''
CRON_UNIT=''

cron_site_options() {
  hd_option site "$CRON_RE_SLUG" '' "the site's slug"
  hd_option job "$HD_CRON_RE_JOB" '' "the job's name: $HD_CRON_JOB_HELP"
}
cron_options_install() {
  cron_site_options
  hd_option schedule "$CRON_RE_SCHEDULE" '' "when it runs: a systemd calendar expression, like *:0/5, hourly or Mon..Fri 02:30"
  hd_option timeout '^[1-9][0-9]{0,4}$' 3600 "seconds a run may take before it is stopped (1-86400)"
  hd_option delay '^[0-9]{1,4}$' 0 "up to this many seconds of random delay before each run (0-3600)"
  hd_option cpu '^[1-9][0-9]{0,2}$' 100 "CPU it may use, in percent of one core (1-400)"
  hd_option memory '^[1-9][0-9]{1,4}$' 512 "memory it may use, in MB (16-65536)"
  hd_flag command-stdin "the command is the first line of stdin (run by sh in the site's current release)"
}
cron_options_remove() { cron_site_options; }
cron_options_enable() { cron_site_options; }
cron_options_disable() { cron_site_options; }
cron_options_run() { cron_site_options; }
cron_options_status() { hd_option site "$CRON_RE_SLUG" '' "the site's slug"; }
cron_options_preview() {
  hd_option schedule "$CRON_RE_SCHEDULE" '' "a systemd calendar expression"
}

# The expression as systemd reads it, or a refusal with systemd's own words.
cron_check_schedule() {
  local out
  if ! out=$(systemd-analyze calendar -- "${HD_OPT[schedule]}" 2>&1); then
    hd_usage_fail "option --schedule" "refused: systemd does not read '${HD_OPT[schedule]}' as a calendar expression ($(printf '%s' "$out" | tail -n 1 | sed 's/^Failed to parse calendar specification //'))"
  fi
}

cron_validate() {
  if [[ $HD_VERB == preview ]]; then
    [[ -n ${HD_OPT[schedule]} ]] || hd_usage_fail "option --schedule" "is required"
    cron_check_schedule
    return 0
  fi
  [[ -n ${HD_OPT[site]} ]] || hd_usage_fail "option --site" "is required"
  [[ ${HD_OPT[site]} != *--* ]] || hd_usage_fail "option --site" "refused: '--' inside a slug"
  [[ $HD_VERB == status || -n ${HD_OPT[job]} ]] || hd_usage_fail "option --job" "is required ($HD_CRON_JOB_HELP)"
}

cron_validate_install() {
  [[ -n ${HD_OPT[schedule]} ]] || hd_usage_fail "option --schedule" "is required"
  cron_check_schedule
  local n
  n=$((10#${HD_OPT[timeout]}))
  ((n <= 86400)) || hd_usage_fail "option --timeout" "refused: $n is more than 86400 seconds (a day)"
  n=$((10#${HD_OPT[delay]}))
  ((n <= 3600)) || hd_usage_fail "option --delay" "refused: $n is more than 3600 seconds"
  n=$((10#${HD_OPT[cpu]}))
  ((n <= 400)) || hd_usage_fail "option --cpu" "refused: $n is more than 400 (four cores)"
  n=$((10#${HD_OPT[memory]}))
  ((n >= 16 && n <= 65536)) || hd_usage_fail "option --memory" "refused: $n is outside 16-65536 MB"
  [[ ${HD_OPT[command-stdin]} == 1 ]] || hd_usage_fail "option --command-stdin" "install needs the command on stdin (--command-stdin)"
  hd_read_line "command (stdin)" '^.{1,1000}$' "one line of at most 1000 characters"
  [[ $HD_LINE =~ [^[:space:]] ]] || hd_usage_fail "command (stdin)" "refused: the command is blank"
}

# The site as the site module recorded it, and the job's names.
cron_load() {
  CRON_SITE=${HD_OPT[site]}
  CRON_TENANT=$(HD_STATE_NAME="site-$CRON_SITE" hd_state_get tenant)
  [[ -n $CRON_TENANT ]] || hd_fail "site $CRON_SITE" "no such site on this host (create it first)" 2
  CRON_JOB=${HD_OPT[job]-}
  [[ -z $CRON_JOB ]] || CRON_UNIT=$(hd_cron_unit "$CRON_SITE" "$CRON_JOB")
}

cron_get() { HD_STATE_NAME="cron-$CRON_SITE" hd_state_get "$CRON_JOB.$1"; }
cron_set() { HD_STATE_NAME="cron-$CRON_SITE" hd_state_set "$CRON_JOB.$1" "$2"; }

cron_suspended() { [[ $(HD_STATE_NAME="site-$CRON_SITE" hd_state_get suspended) == 1 ]]; }

cron_require_job() {
  [[ -n $(cron_get schedule) ]] || hd_fail "job $CRON_JOB" "site $CRON_SITE has no such job" 2
}

cron_service_unit() { # TIMEOUT CPU MEMORY
  local tree="/srv/tenants/$CRON_TENANT/$CRON_SITE"
  cat <<UNIT
# Managed by Hostdeck (cron module): job $CRON_JOB of site $CRON_SITE. Replaced by the next
# \`hostdeck.sh cron install\`; removed with the job or the site.
[Unit]
Description=Hostdeck job $CRON_JOB of site $CRON_SITE
# Tenant code never runs unguarded (the site guard keeps other sites' ports theirs), as the sites.
Requires=hostdeck-site-guard.service
After=network.target mariadb.service hostdeck-site-guard.service

[Service]
Type=oneshot
User=t-$CRON_TENANT
ExecStartPre=+$CRON_RECORD start $CRON_SITE--$CRON_JOB
ExecStart=/bin/sh $HD_CRON_ETC/$CRON_SITE/$CRON_JOB.sh
ExecStopPost=+$CRON_RECORD end $CRON_SITE--$CRON_JOB
TimeoutStartSec=$1s
TimeoutStopSec=5s
CPUQuota=$2%
MemoryMax=$3M
TasksMax=256
SyslogIdentifier=$CRON_UNIT
WorkingDirectory=/
Environment=PATH=/usr/local/bin:/usr/bin:/bin PHP_INI_SCAN_DIR=:/etc/hostdeck/php/$CRON_SITE
UMask=0027

# The site unit's sandbox (read from the installed hostdeck-php@.service), with only the site's
# own tree writable.
ReadWritePaths=$tree
$(hd_site_sandbox_lines)
UNIT
}

cron_timer_unit() { # SCHEDULE DELAY
  cat <<UNIT
# Managed by Hostdeck (cron module): when job $CRON_JOB of site $CRON_SITE runs.
[Unit]
Description=Schedule of Hostdeck job $CRON_JOB of site $CRON_SITE

[Timer]
OnCalendar=$1
Persistent=true
RandomizedDelaySec=$2s
AccuracySec=1s
Unit=$CRON_UNIT.service

[Install]
WantedBy=timers.target
UNIT
}

cron_install() {
  cron_load
  local tree="/srv/tenants/$CRON_TENANT/$CRON_SITE" reload=0
  [[ -d $tree && ! -L $tree ]] || hd_fail "site $CRON_SITE" "$tree is missing"
  (($(hd_site_sandbox_lines | wc -l) >= 10)) ||
    hd_fail "sandbox" "hostdeck-php@.service has no sandbox section: install the frankenphp module again"
  if [[ -z $(cron_get schedule) ]] && (($(hd_cron_jobs "$CRON_SITE" | wc -l) >= CRON_MAX_JOBS)); then
    hd_fail "job $CRON_JOB" "site $CRON_SITE has $CRON_MAX_JOBS scheduled jobs already, the most a site may have: remove one first"
  fi
  hd_ensure_shipped "$CRON_RECORD" 0755 cron/job-record.sh
  ensure_dir "$HD_CRON_LEDGER" 0700 root root
  ensure_dir "$HD_CRON_ETC" 0711 root root
  ensure_dir "$HD_CRON_ETC/$CRON_SITE" 0750 root "t-$CRON_TENANT"
  ensure_file "$HD_CRON_ETC/$CRON_SITE/$CRON_JOB.sh" 0640 root "t-$CRON_TENANT" \
    "# Managed by Hostdeck (cron module): job $CRON_JOB of site $CRON_SITE, run by $CRON_UNIT.service as t-$CRON_TENANT.
HOME='$tree/tmp'; export HOME
cd '$tree/current' || exit 1
$HD_LINE
"
  ensure_file "$HD_CRON_UNITS/$CRON_UNIT.service" 0644 root root \
    "$(cron_service_unit $((10#${HD_OPT[timeout]})) $((10#${HD_OPT[cpu]})) $((10#${HD_OPT[memory]})))"$'\n'
  ((HD_FILE_CHANGED == 0)) || reload=1
  ensure_file "$HD_CRON_UNITS/$CRON_UNIT.timer" 0644 root root \
    "$(cron_timer_unit "${HD_OPT[schedule]}" $((10#${HD_OPT[delay]})))"$'\n'
  ((HD_FILE_CHANGED == 0)) || reload=1
  ((reload == 0)) || hd_daemon_reload "job $CRON_JOB of site $CRON_SITE"
  local k
  for k in schedule timeout delay cpu memory; do cron_set "$k" "${HD_OPT[$k]}"; done
  if [[ $(cron_get paused) == 1 ]]; then
    ensure_service "$CRON_UNIT.timer" disabled inactive
  elif cron_suspended; then
    # Kept off while the site is suspended; resuming the site starts it.
    ensure_service "$CRON_UNIT.timer" disabled inactive
    hd_ok "job $CRON_JOB" "the site is suspended: its jobs start again when it is resumed"
  else
    ensure_service "$CRON_UNIT.timer" enabled active
    # A changed schedule takes effect now, not at the timer's next elapse.
    ((reload == 0)) || [[ $HD_CHECK == 1 ]] || hd_run systemctl restart -- "$CRON_UNIT.timer" ||
      hd_fail "timer $CRON_UNIT" "restart failed: $HD_LAST_OUTPUT"
  fi
}

cron_remove() {
  cron_load
  HD_CRON_RELOAD=0
  hd_cron_job_absent "$CRON_SITE" "$CRON_JOB"
  if ((HD_CRON_RELOAD == 1)); then hd_daemon_reload "job $CRON_JOB of site $CRON_SITE removed"; fi
}

cron_disable() {
  cron_load
  cron_require_job
  ensure_service "$CRON_UNIT.timer" disabled inactive
  cron_set paused 1
}

cron_enable() {
  cron_load
  cron_require_job
  cron_set paused ''
  if cron_suspended; then
    hd_ok "job $CRON_JOB" "resumed, but the site is suspended: it starts when the site is resumed"
    return 0
  fi
  ensure_service "$CRON_UNIT.timer" enabled active
}

cron_run() {
  cron_load
  cron_require_job
  ! cron_suspended || hd_fail "run $CRON_JOB" "site $CRON_SITE is suspended: resume the site to run its jobs"
  if [[ $(hd_unit_active "$CRON_UNIT.service") =~ ^(active|activating|deactivating)$ ]]; then
    hd_ok "run $CRON_JOB" "a run is still going: not started twice"
    return 0
  fi
  [[ $HD_CHECK == 1 ]] || hd_run systemctl start --no-block -- "$CRON_UNIT.service" ||
    hd_fail "run $CRON_JOB" "systemctl start failed: $HD_LAST_OUTPUT"
  hd_changed "run $CRON_JOB" "started"
}

# A timestamp as systemctl shows it, in epoch seconds, or nothing (systemd 252's show ignores
# --timestamp=unix).
cron_epoch() { # TIMESTAMP
  [[ -n $1 && $1 != n/a ]] || return 0
  date -d "$1" +%s 2>/dev/null || true
}

# The timers' and services' state of JOBs, read by one systemctl show (not four per job: the site
# page asks every 10 s), into CRON_PROP["<unit>/<property>"].
declare -A CRON_PROP=()
cron_show_units() { # JOB...
  CRON_PROP=()
  (($# > 0)) || return 0
  local -a units=() block=()
  local job unit line id
  for job in "$@"; do
    unit=$(hd_cron_unit "$CRON_SITE" "$job")
    units+=("$unit.timer" "$unit.service")
  done
  # One block a unit, a blank line between; Id is not the first line of a block.
  while IFS= read -r line || ((${#block[@]} > 0)); do
    if [[ -n $line ]]; then
      block+=("$line")
      continue
    fi
    id=''
    for line in "${block[@]}"; do [[ $line == Id=* ]] && id=${line#Id=}; done
    if [[ -n $id ]]; then
      for line in "${block[@]}"; do CRON_PROP["$id/${line%%=*}"]=${line#*=}; done
    fi
    block=()
  done < <(systemctl show -p Id -p ActiveState -p NextElapseUSecRealtime -p LastTriggerUSec -- "${units[@]}" 2>/dev/null || true)
}

cron_timezone() { timedatectl show -p Timezone --value 2>/dev/null || cat /etc/timezone 2>/dev/null || echo UTC; }

cron_preview() {
  hd_status timezone "$(cron_timezone)"
  local out line n=0
  out=$(systemd-analyze calendar --iterations=5 -- "${HD_OPT[schedule]}" 2>&1) || true
  while IFS= read -r line; do
    line=${line#"${line%%[![:space:]]*}"}
    case $line in
      'Normalized form: '*) hd_status normalized "${line#Normalized form: }" ;;
      'Next elapse: '* | 'Iter. #'*)
        n=$((n + 1))
        hd_status "next.$n" "${line#*: }"
        ;;
    esac
  done <<<"$out"
  ((n > 0)) || hd_status next.none "this expression never elapses again"
}

# The ledger of one job, newest first: "<invocation> <start ms> <end ms|-> <result|-> <code|-> <status|->".
cron_runs() { # FILE
  [[ -r $1 ]] || return 0
  awk '
    $1 == "start" { order[++n] = $2; start[$2] = $3 }
    $1 == "end" { if (!($2 in start)) { order[++n] = $2; start[$2] = "-" } end[$2] = $3; res[$2] = $4; code[$2] = $5; st[$2] = $6 }
    END {
      for (i = n; i >= 1; i--) {
        id = order[i]
        printf "%s %s %s %s %s %s\n", id, start[id], (id in end) ? end[id] : "-", (id in res) ? res[id] : "-", (id in code) ? code[id] : "-", (id in st) ? st[id] : "-"
      }
    }' "$1"
}

cron_status() {
  cron_load
  hd_status timezone "$(cron_timezone)"
  local -a jobs=()
  mapfile -t jobs < <(hd_cron_jobs "$CRON_SITE")
  hd_status jobs "${jobs[*]}"
  local job k unit state i run inv tail
  cron_show_units "${jobs[@]}"
  for job in "${jobs[@]}"; do
    CRON_JOB=$job
    unit=$(hd_cron_unit "$CRON_SITE" "$job")
    for k in schedule timeout delay cpu memory; do hd_status "$job.$k" "$(cron_get "$k")"; done
    hd_status "$job.paused" "$([[ $(cron_get paused) == 1 ]] && echo yes || echo no)"
    if [[ -r $HD_CRON_ETC/$CRON_SITE/$job.sh ]]; then
      hd_status "$job.command" "$(tail -n 1 "$HD_CRON_ETC/$CRON_SITE/$job.sh")"
    fi
    hd_status "$job.next" "$(cron_epoch "${CRON_PROP[$unit.timer/NextElapseUSecRealtime]-}")"
    hd_status "$job.last-trigger" "$(cron_epoch "${CRON_PROP[$unit.timer/LastTriggerUSec]-}")"
    hd_status "$job.timer" "${CRON_PROP[$unit.timer/ActiveState]:-inactive}"
    state=${CRON_PROP[$unit.service/ActiveState]:-inactive}
    hd_status "$job.running" "$([[ $state =~ ^(active|activating|deactivating)$ ]] && echo yes || echo no)"
    i=0
    while IFS= read -r run; do
      i=$((i + 1))
      ((i <= CRON_RUNS_SHOWN)) || break
      hd_status "$job.run.$i" "$run"
      ((i <= CRON_TAILS_SHOWN)) || continue
      inv=${run%% *}
      # The end of what the run printed (the tenant's text: base64, read as data by the app).
      tail=$(journalctl -q --no-pager -o cat "_SYSTEMD_INVOCATION_ID=$inv" -n 20 2>/dev/null | tail -c 4000 | base64 -w0 || true)
      hd_status "$job.tail.$i" "$tail"
    done < <(cron_runs "$HD_CRON_LEDGER/$CRON_SITE--$job.runs")
  done
}
