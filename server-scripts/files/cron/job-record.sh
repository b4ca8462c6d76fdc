#!/bin/sh
# Managed by Hostdeck (cron module); installed as /usr/local/libexec/hostdeck/job-record.
# Run by systemd as root ("+" in ExecStartPre/ExecStopPost) around each run of a scheduled job:
#   job-record start|end <site>--<job>
# It appends one line to the job's ledger, /var/lib/hostdeck/jobs/<site>--<job>.runs (root-only):
#   start <invocation id> <epoch ms>
#   end <invocation id> <epoch ms> <service result> <exit code> <exit status>
# Every value comes from systemd ($INVOCATION_ID, $SERVICE_RESULT, $EXIT_CODE, $EXIT_STATUS) and is
# checked before it is written; the ledger keeps the last 100 to 200 runs. Nothing the job printed is
# read here (its output is in the journal, under its invocation id).
set -eu
umask 077
LEDGER=/var/lib/hostdeck/jobs
case "${1-}" in start | end) ;; *) echo "usage: job-record start|end SITE--JOB" >&2; exit 2 ;; esac
# Whole values only (grep -x would pass a value with a newline, line by line).
name=${2-}
case $name in *[!a-z0-9-]* | *--*--* | -* | *- | '') echo "job-record: bad job name" >&2; exit 2 ;; *--*) ;; *) echo "job-record: bad job name" >&2; exit 2 ;; esac
[ "${#name}" -le 56 ] || { echo "job-record: bad job name" >&2; exit 2; }
inv=${INVOCATION_ID-}
case $inv in *[!0-9a-f]* | '') echo "job-record: no invocation id" >&2; exit 2 ;; esac
[ "${#inv}" -eq 32 ] || { echo "job-record: no invocation id" >&2; exit 2; }
now=$(date +%s%3N)
word() { # VALUE: one word of A-Z a-z 0-9 - _ (or "-" when empty or anything else)
  case $1 in *[!A-Za-z0-9_-]* | '') printf '%s' - ;; *) if [ "${#1}" -le 32 ]; then printf '%s' "$1"; else printf '%s' -; fi ;; esac
}
[ -d "$LEDGER" ] || mkdir -m 0700 "$LEDGER"
file="$LEDGER/$name.runs"
if [ "$1" = start ]; then
  line="start $inv $now"
else
  line="end $inv $now $(word "${SERVICE_RESULT-}") $(word "${EXIT_CODE-}") $(word "${EXIT_STATUS-}")"
fi
printf '%s\n' "$line" >>"$file"
# Bounded: past 400 lines (200 runs), all but the newest 100 runs go.
if [ "$(wc -l <"$file")" -gt 400 ]; then
  tail -n 200 "$file" >"$file.new" && mv -f "$file.new" "$file"
fi
