import type { ServerFacts } from '@contract';

/**
 * Read-only facts script: a fixed string (no input is interpolated), POSIX sh, one key=value a line.
 * Shell builtins over /proc wherever possible: two forks (uname, df), so refreshing a whole fleet
 * costs the hosts almost nothing.
 */
export const FACTS_SCRIPT = `
. /etc/os-release 2>/dev/null || true
printf 'os_id=%s\\nos_name=%s\\nos_version=%s\\n' "\${ID:-unknown}" "\${PRETTY_NAME:-unknown}" "\${VERSION_ID:-}"
read -r h < /proc/sys/kernel/hostname; echo "hostname=$h"
read -r k < /proc/sys/kernel/osrelease; echo "kernel=$k"
echo "arch=$(uname -m)"
n=0; while read -r key _; do [ "$key" = processor ] && n=$((n+1)); done < /proc/cpuinfo; echo "cpus=$n"
while read -r key value _; do
  case "$key" in MemTotal:) echo "mem_total_kb=$value" ;; MemAvailable:) echo "mem_available_kb=$value" ;; esac
done < /proc/meminfo
df -Pk / | { read -r _; read -r _ total used avail _; echo "disk_total_kb=$total"; echo "disk_used_kb=$used"; echo "disk_available_kb=$avail"; }
read -r up _ < /proc/uptime; echo "uptime_s=$up"
read -r l1 l5 l15 _ < /proc/loadavg; echo "load=$l1 $l5 $l15"
if [ -d /run/systemd/system ]; then echo systemd=yes; else echo systemd=no; fi
`;

/** Parses the facts script's output; refuses output that lacks the essentials. */
export function parseFacts(output: string): ServerFacts {
  const kv = new Map<string, string>();
  for (const line of output.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) kv.set(line.slice(0, i).trim(), line.slice(i + 1).trim());
  }
  const num = (k: string) => {
    const v = Number(kv.get(k));
    return Number.isFinite(v) ? v : 0;
  };
  if (!kv.has('kernel') || !kv.has('arch')) {
    throw new Error(
      'The server did not answer the facts query as expected (is it a Linux host with a POSIX shell?).',
    );
  }
  const load = (kv.get('load') ?? '0 0 0').split(/\s+/).map(Number);
  return {
    hostname: kv.get('hostname') ?? '',
    os: {
      id: kv.get('os_id') ?? 'unknown',
      name: kv.get('os_name') ?? 'unknown',
      version: kv.get('os_version') ?? '',
    },
    kernel: kv.get('kernel') ?? '',
    arch: kv.get('arch') ?? '',
    cpus: num('cpus'),
    memory: { totalBytes: num('mem_total_kb') * 1024, availableBytes: num('mem_available_kb') * 1024 },
    disk: {
      totalBytes: num('disk_total_kb') * 1024,
      usedBytes: num('disk_used_kb') * 1024,
      availableBytes: num('disk_available_kb') * 1024,
    },
    uptimeSeconds: num('uptime_s'),
    load: [load[0] ?? 0, load[1] ?? 0, load[2] ?? 0],
    systemd: kv.get('systemd') === 'yes',
  };
}

/** Idempotently appends one public key (read from stdin) to the login user's authorized_keys. */
export const INSTALL_KEY_SCRIPT = `
set -eu
umask 077
IFS= read -r key
case "$key" in
  ssh-ed25519\\ *|ssh-rsa\\ *|ecdsa-sha2-nistp*\\ *) ;;
  *) echo "refused: stdin is not an OpenSSH public key" >&2; exit 2 ;;
esac
case "$key" in *"
"*) echo "refused: more than one line" >&2; exit 2 ;; esac
dir="$HOME/.ssh"
mkdir -p "$dir"
chmod 700 "$dir"
file="$dir/authorized_keys"
touch "$file"
chmod 600 "$file"
if grep -qxF -- "$key" "$file"; then
  echo "ok: key already present"
else
  printf '%s\\n' "$key" >> "$file"
  echo "changed: key added"
fi
`;
