import type { ServerFacts } from '@contract';

/**
 * Read-only facts script: a fixed string (no input is interpolated), POSIX sh, one key=value a line.
 */
export const FACTS_SCRIPT = `
. /etc/os-release 2>/dev/null || true
printf 'os_id=%s\\nos_name=%s\\nos_version=%s\\n' "\${ID:-unknown}" "\${PRETTY_NAME:-unknown}" "\${VERSION_ID:-}"
printf 'hostname=%s\\n' "$(hostname 2>/dev/null || cat /proc/sys/kernel/hostname)"
printf 'kernel=%s\\narch=%s\\n' "$(uname -r)" "$(uname -m)"
printf 'cpus=%s\\n' "$(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN)"
awk '/^MemTotal:/{print "mem_total_kb=" $2} /^MemAvailable:/{print "mem_available_kb=" $2}' /proc/meminfo
df -Pk / | awk 'NR==2{print "disk_total_kb=" $2; print "disk_used_kb=" $3; print "disk_available_kb=" $4}'
printf 'uptime_s=%s\\n' "$(cut -d' ' -f1 /proc/uptime)"
printf 'load=%s\\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
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
