// One sample of a server: a fixed read-only command (nothing interpolated into it) prints counters
// and states as tagged lines; the parser reads them, and `derive` turns two readings into rates.
import type { BackupCheck, MonitorLatest, MonitorMount, MonitorSite } from '@contract';
import { checkOf } from '../backups';

/**
 * The host's root-only records, the backup module's and the scheduled jobs' ledgers: with a root
 * login they are part of every sample; with another login the monitor reads them through `sudo -n`
 * now and then (ROOT_RECORD_EVERY_MS). "record" says they were readable.
 */
export const ROOT_RECORD_SCRIPT = `
if [ -r /var/lib/hostdeck/state ] && [ -x /var/lib/hostdeck/state ]; then echo record; fi
# Schedules, last runs and failures, the last check and offsite copy, each site's last drill, and
# the repository's locks no process has renewed for 30 minutes (restic renews a live one every 5).
if [ -r /var/lib/hostdeck/state/backup.state ]; then
  while IFS= read -r line; do
    case "$line" in wanted=*|schedule=*|schedule-since=*|schedule:*|schedule-since:*|last-run:*|last-failure:*|last-check=*|last-copy=*) printf 'backup %s\n' "$line" ;; esac
  done < /var/lib/hostdeck/state/backup.state
  for f in /var/lib/hostdeck/state/site-*.state; do
    [ -r "$f" ] || continue
    s=\${f##*/site-}
    while IFS= read -r line; do
      case "$line" in last-drill=*) printf 'backup last-drill:%s=%s\n' "\${s%.state}" "\${line#last-drill=}" ;; esac
    done < "$f"
  done
  printf 'backup stale-locks=%s\n' "$(find /var/backups/hostdeck/restic/locks -type f -mmin +30 2>/dev/null | wc -l)"
fi
# Each scheduled job's last finished run, from its ledger (the cron module's).
for f in /var/lib/hostdeck/jobs/*.runs; do
  [ -r "$f" ] || continue
  n=\${f##*/}
  last=$(grep '^end ' "$f" | tail -n 1)
  [ -z "$last" ] || printf 'cronrun %s %s\n' "\${n%.runs}" "$last"
done
`;

/**
 * Reads /proc, df and systemd (its per-unit accounting for the sites), run by `sh -s` (POSIX, any
 * login shell). Every line starts with its tag; values are numbers, or unit and mount names printed
 * with printf (never echo, which dash expands) and read back as words, never run. Each part may be
 * missing on a host without it (no swap, no sites, no systemd) and is read as absent. df is bounded
 * in time: a stale network mount must not stall every sample.
 */
export const SAMPLE_SCRIPT = `
LC_ALL=C; export LC_ALL
read -r up _ < /proc/uptime; printf 'uptime %s\n' "$up"
read -r _ u n s i w q sq st _ < /proc/stat; printf 'cpu %s %s %s %s %s %s %s %s\n' "$u" "$n" "$s" "$i" "$w" "$q" "$sq" "$st"
read -r l1 l5 l15 _ < /proc/loadavg; printf 'load %s %s %s\n' "$l1" "$l5" "$l15"
while read -r key value _; do
  case "$key" in MemTotal:|MemAvailable:|SwapTotal:|SwapFree:) printf 'mem %s %s\n' "$key" "$value" ;; esac
done < /proc/meminfo
timeout 5 df -P -B1 -x devtmpfs -x squashfs 2>/dev/null | while read -r _ total used avail _ mount; do
  case "$total" in ''|*[!0-9]*) continue ;; esac
  printf 'disk %s %s %s %s\n' "$total" "$used" "$avail" "$mount"
done
timeout 5 df -P -i -x devtmpfs -x squashfs 2>/dev/null | while read -r _ total used _ _ mount; do
  case "$total" in ''|*[!0-9]*) continue ;; esac
  printf 'inodes %s %s %s\n' "$total" "$used" "$mount"
done
while read -r line; do
  case "$line" in *:*) printf 'net %s\n' "$line" ;; esac
done < /proc/net/dev
if [ -d /run/systemd/system ]; then
  echo systemd
  systemctl list-units --failed --plain --no-legend --no-pager 2>/dev/null | while read -r unit _; do printf 'failed %s\n' "$unit"; done
  systemctl list-units --all --plain --no-legend --no-pager 'hostdeck-php@*' 2>/dev/null | while read -r unit _ active sub _; do printf 'site %s %s %s\n' "$unit" "$active" "$sub"; done
  for unit in caddy mariadb; do printf 'svc %s %s %s\n' "$unit" "$(systemctl show -p LoadState --value "$unit" 2>/dev/null)" "$(systemctl is-active "$unit" 2>/dev/null)"; done
  # systemd's own accounting (cgroup v2 and v1 alike): one block per site unit, a blank line between.
  systemctl show -p Id -p MemoryCurrent -p CPUUsageNSec --no-pager 'hostdeck-php@*' 2>/dev/null | while read -r line; do printf 'sitecg %s\n' "\${line:-.}"; done
fi
${ROOT_RECORD_SCRIPT}echo end
`;

/** A host sends at most this much, and this many of each thing, before the rest is not read. */
const MAX_OUTPUT = 1024 * 1024;
const MAX_MOUNTS = 64;
const MAX_UNITS = 200;
const MAX_SITES = 1000;

/** What one run of the sample command read, before rates are worked out. */
export interface Reading {
  /** Laptop time the answer arrived (epoch ms). */
  at: number;
  uptime: number;
  /** /proc/stat's first line: user nice system idle iowait irq softirq steal (jiffies). */
  cpu: number[];
  load: [number, number, number];
  mem: { total: number; available: number; swapTotal: number; swapFree: number };
  mounts: MonitorMount[];
  /** Bytes received and sent so far, per interface (not loopback or a container's virtual ones). */
  net: Map<string, { rx: number; tx: number }>;
  systemd: boolean;
  failedUnits: string[];
  sites: { slug: string; active: string; sub: string; memBytes: number | null; cpuUsec: number | null }[];
  services: MonitorLatest['services'];
  backup: MonitorLatest['backup'];
  jobs: MonitorLatest['jobs'];
  /** The root-only records were readable (a root login): no need to read them through sudo. */
  recordRead: boolean;
}

const SITE_UNIT = /^hostdeck-php@([a-z0-9-]{1,63})\.service$/;
const UNIT = /^[A-Za-z0-9@._:\\-]{1,200}$/;
const MOUNT = /^\/[^\0\n]{0,4095}$/;

const num = (v: string | undefined): number => {
  const n = Number(v);
  return Number.isFinite(n) ? n : NaN;
};

/** Parses the sample command's output; refuses output that is cut off or lacks the essentials. */
export function parseSample(output: string, at: number): Reading {
  if (output.length > MAX_OUTPUT)
    throw new Error('The sample was larger than a server sends (over 1 MB): not read.');
  const lines = output.split('\n');
  if (!lines.includes('end')) throw new Error('The sample was cut off before its end.');
  const r: Reading = {
    at,
    uptime: NaN,
    cpu: [],
    load: [NaN, NaN, NaN],
    mem: { total: NaN, available: NaN, swapTotal: 0, swapFree: 0 },
    mounts: [],
    net: new Map(),
    systemd: false,
    failedUnits: [],
    sites: [],
    services: { caddy: 'absent', mariadb: 'absent' },
    backup: null,
    jobs: null,
    recordRead: false,
  };
  const mounts = new Map<string, MonitorMount>();
  const siteCg = new Map<string, { mem: number | null; usec: number | null }>();
  let unit: Record<string, string> = {};
  const flushUnit = () => {
    const slug = SITE_UNIT.exec(unit['Id'] ?? '')?.[1];
    if (slug) siteCg.set(slug, { mem: counter(unit['MemoryCurrent']), usec: nanos(unit['CPUUsageNSec']) });
    unit = {};
  };
  for (const line of lines) {
    const [tag, ...f] = line.trim().split(/\s+/);
    switch (tag) {
      case 'uptime':
        r.uptime = num(f[0]);
        break;
      case 'cpu':
        r.cpu = f.slice(0, 8).map(num);
        break;
      case 'load':
        r.load = [num(f[0]), num(f[1]), num(f[2])];
        break;
      case 'mem': {
        const kb = num(f[1]) * 1024;
        if (f[0] === 'MemTotal:') r.mem.total = kb;
        else if (f[0] === 'MemAvailable:') r.mem.available = kb;
        else if (f[0] === 'SwapTotal:') r.mem.swapTotal = kb;
        else if (f[0] === 'SwapFree:') r.mem.swapFree = kb;
        break;
      }
      case 'disk': {
        const mount = f.slice(3).join(' ');
        if (!MOUNT.test(mount) || ignoredMount(mount) || mounts.size >= MAX_MOUNTS) break;
        if (![f[0], f[1], f[2]].every((v) => /^\d{1,20}$/.test(v ?? ''))) break;
        mounts.set(mount, {
          mount,
          totalBytes: num(f[0]),
          usedBytes: num(f[1]),
          availableBytes: num(f[2]),
          inodesTotal: null,
          inodesUsed: null,
        });
        break;
      }
      case 'inodes': {
        const m = mounts.get(f.slice(2).join(' '));
        if (m && num(f[0]) > 0 && Number.isFinite(num(f[1]))) {
          m.inodesTotal = num(f[0]);
          m.inodesUsed = num(f[1]);
        }
        break;
      }
      case 'net': {
        // "eth0: rx_bytes packets errs drop fifo frame compressed multicast tx_bytes ..."; the
        // name and the first counter may be run together ("eth0:123").
        const [name, rest] = line.trim().slice(4).split(':', 2) as [string, string | undefined];
        const c = (rest ?? '').trim().split(/\s+/).map(num);
        const iface = name.trim();
        if (!countedInterface(iface) || c.length < 9 || !Number.isFinite(c[0]!) || !Number.isFinite(c[8]!))
          break;
        if (r.net.size < MAX_UNITS) r.net.set(iface, { rx: c[0]!, tx: c[8]! });
        break;
      }
      case 'systemd':
        r.systemd = true;
        break;
      case 'failed':
        if (f[0] && UNIT.test(f[0]) && r.failedUnits.length < MAX_UNITS && !r.failedUnits.includes(f[0]))
          r.failedUnits.push(f[0]);
        break;
      case 'site': {
        const slug = SITE_UNIT.exec(f[0] ?? '')?.[1];
        const word = (v: string | undefined) => (v && /^[a-z-]{1,32}$/.test(v) ? v : '');
        if (slug && r.sites.length < MAX_SITES && !r.sites.some((x) => x.slug === slug))
          r.sites.push({
            slug,
            active: word(f[1]) || 'unknown',
            sub: word(f[2]),
            memBytes: null,
            cpuUsec: null,
          });
        break;
      }
      case 'svc': {
        // "svc caddy loaded active", or "svc caddy not-found inactive" where it is not installed.
        const name = f[0];
        if (name !== 'caddy' && name !== 'mariadb') break;
        r.services[name] = f[1] === 'loaded' ? (f[2] === 'active' ? 'up' : 'down') : 'absent';
        break;
      }

      case 'sitecg': {
        // "Id=hostdeck-php@shop.service", "MemoryCurrent=52428800", "CPUUsageNSec=[not set]"; "."
        // ends a unit's block.
        const [key, value] = (f[0] ?? '').split('=', 2) as [string, string | undefined];
        if (key === '.') flushUnit();
        else if (key === 'Id' || key === 'MemoryCurrent' || key === 'CPUUsageNSec') unit[key] = value ?? '';
        break;
      }
    }
  }
  flushUnit();
  const finite = [
    r.uptime,
    ...r.cpu,
    ...r.load,
    r.mem.total,
    r.mem.available,
    r.mem.swapTotal,
    r.mem.swapFree,
  ];
  if (r.cpu.length < 4 || !finite.every(Number.isFinite) || r.mem.total <= 0) {
    throw new Error('The server did not answer the sample as expected (is it a Linux host?).');
  }
  for (const s of r.sites) {
    const cg = siteCg.get(s.slug);
    if (cg) {
      s.memBytes = cg.mem;
      s.cpuUsec = cg.usec;
    }
  }
  r.mounts = [...mounts.values()].filter((m) => m.totalBytes > 0);
  const record = recordOf(lines);
  r.backup = record.backup;
  r.jobs = record.jobs;
  r.recordRead = record.read;
  return r;
}

const STAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;
const SCHEDULE = /^[A-Za-z0-9*:.,/ ~-]{1,100}$/;

/** One `backup key=value` line into the record being read (bounded). */
function backupLine(kv: Map<string, string>, line: string): void {
  const text = line.trim().slice(7);
  const i = text.indexOf('=');
  if (i > 0 && kv.size < MAX_SITES * 5 + 8) kv.set(text.slice(0, i), text.slice(i + 1));
}

export interface RootRecord {
  read: boolean;
  backup: MonitorLatest['backup'];
  /** null when the records were not readable. */
  jobs: MonitorLatest['jobs'];
}

/** ROOT_RECORD_SCRIPT's output read back (on its own, through sudo). */
export function parseRootRecord(output: string): RootRecord {
  if (output.length > MAX_OUTPUT)
    throw new Error("The host's records were larger than a server sends (over 1 MB).");
  return recordOf(output.split('\n'));
}

const JOB_UNIT = /^([a-z](?:[a-z0-9-]{0,27}[a-z0-9])?)--([a-z](?:[a-z0-9-]{0,22}[a-z0-9])?)$/;

function recordOf(lines: string[]): RootRecord {
  const kv = new Map<string, string>();
  const jobs: NonNullable<MonitorLatest['jobs']> = [];
  let read = false;
  for (const line of lines) {
    if (line === 'record') read = true;
    else if (line.startsWith('backup ')) backupLine(kv, line);
    else if (line.startsWith('cronrun ') && jobs.length < MAX_SITES * 5) {
      // "cronrun <site>--<job> end <invocation> <epoch ms> <result> <code> <status>"
      const [, unit, tag, , ms, result, , status] = line.trim().split(/\s+/);
      const m = JOB_UNIT.exec(unit ?? '');
      if (!m || tag !== 'end' || !/^\d{10,15}$/.test(ms ?? '') || !/^[A-Za-z0-9_-]{1,32}$/.test(result ?? ''))
        continue;
      jobs.push({
        site: m[1]!,
        job: m[2]!,
        at: new Date(Number(ms)).toISOString(),
        ok: result === 'success',
        result: result!,
        exitStatus: /^[A-Za-z0-9_-]{1,32}$/.test(status ?? '') && status !== '-' ? status! : null,
      });
    }
  }
  return { read, backup: backupOf(kv), jobs: read || jobs.length > 0 ? jobs : null };
}

/** A result line the host recorded ("<UTC time> ok|failed <detail>"), its detail bounded and printable. */
function resultOf(line: string | undefined): BackupCheck | null {
  const r = checkOf(line);
  if (!r || !STAMP.test(r.at)) return null;
  return { ...r, detail: printable(r.detail) };
}
// eslint-disable-next-line no-control-regex
const printable = (text: string) => text.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ').slice(0, 300);

/**
 * The backup module's record read back: set up or not, schedules with since when, each site's last
 * run, last failure and last drill, the last check and offsite copy, and the stale locks.
 */
function backupOf(kv: Map<string, string>): MonitorLatest['backup'] {
  if (kv.size === 0) return null;
  const stamp = (v: string | undefined) => (v && STAMP.test(v) ? v : null);
  const schedule = (v: string | undefined) => (v && SCHEDULE.test(v) ? v : null);
  type Site = NonNullable<MonitorLatest['backup']>['sites'][number];
  const sites = new Map<string, Site>();
  const site = (slug: string) => {
    let s = sites.get(slug);
    if (!s) {
      s = { slug, schedule: null, since: null, lastRun: null, failure: null, drill: null };
      sites.set(slug, s);
    }
    return s;
  };
  for (const [key, value] of kv) {
    const m = /^(schedule|schedule-since|last-run|last-failure|last-drill):([a-z0-9-]{1,63})$/.exec(key);
    if (!m) continue;
    const s = site(m[2]!);
    if (m[1] === 'schedule') s.schedule = schedule(value);
    else if (m[1] === 'schedule-since') s.since = stamp(value);
    else if (m[1] === 'last-drill') s.drill = resultOf(value);
    else if (m[1] === 'last-failure') {
      // "<UTC time> <reason>" (the reason as the run's failed step said it)
      const f = /^(\S+) (.+)$/.exec(value);
      s.failure = f && STAMP.test(f[1]!) ? { at: f[1]!, reason: printable(f[2]!) } : null;
    } else {
      // "<run> <db snapshot> <files snapshot>", the run named by its UTC time: 20261201T040000Z-123
      const t = /^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z-\d+ /.exec(value);
      s.lastRun = t ? `${t[1]}-${t[2]}-${t[3]}T${t[4]}:${t[5]}:${t[6]}Z` : null;
    }
  }
  const locks = Number(kv.get('stale-locks'));
  return {
    enabled: kv.get('wanted') === 'enabled',
    schedule: schedule(kv.get('schedule')),
    since: stamp(kv.get('schedule-since')),
    sites: [...sites.values()],
    check: resultOf(kv.get('last-check')),
    copy: resultOf(kv.get('last-copy')),
    staleLocks: Number.isInteger(locks) && locks >= 0 ? locks : 0,
  };
}

/** A systemd counter: "[not set]" (no accounting) and UINT64_MAX (unknown) are no value. */
function counter(v: string | undefined): number | null {
  if (!v || !/^\d{1,20}$/.test(v)) return null;
  const n = Number(v);
  return n < 2 ** 63 ? n : null;
}

const nanos = (v: string | undefined) => {
  const n = counter(v);
  return n === null ? null : n / 1000;
};

/** Interfaces whose traffic is the server's own: not loopback, nor a container's veth or bridge (counted twice). */
function countedInterface(name: string): boolean {
  return /^[A-Za-z0-9._@-]{1,32}$/.test(name) && !/^(lo|veth|docker|br-|virbr|cni|flannel)/.test(name);
}

/** Kernel and runtime file systems: not where a site's or a database's data fills up. */
function ignoredMount(mount: string): boolean {
  return /^\/(dev|run|sys|proc|snap)(\/|$)/.test(mount) || mount.startsWith('/var/lib/docker/');
}

/** One stored sample of a server: shares are 0..1, rates per second, null where not known yet. */
export interface ServerPoint {
  at: number;
  /** Share of CPU time busy since the last reading (all cores). */
  cpu: number | null;
  load1: number;
  /** Share of memory in use (not available). */
  mem: number;
  /** Share of swap in use; null without swap. */
  swap: number | null;
  /** The fullest mount's used share. */
  disk: number | null;
  /** The fullest mount's inode share (file systems without inodes left out). */
  inodes: number | null;
  rx: number | null;
  tx: number | null;
  failed: number;
}

export interface SitePoint {
  slug: string;
  at: number;
  /** 1 when the site's unit is active, else 0. */
  up: number;
  /** Cores the site's processes used since the last reading. */
  cpu: number | null;
  memBytes: number | null;
}

export interface MountPoint {
  mount: string;
  at: number;
  used: number;
  availableBytes: number;
  inodes: number | null;
}

/**
 * The points of a reading: shares now, and rates against the reading before (none after a reboot or
 * a counter that went back, where a rate would be nonsense).
 */
export function derive(
  now: Reading,
  before: Reading | null,
): { server: ServerPoint; sites: SitePoint[]; mounts: MountPoint[] } {
  const prev = before && before.uptime <= now.uptime && before.at < now.at ? before : null;
  const seconds = prev ? (now.at - prev.at) / 1000 : 0;
  let cpu: number | null = null;
  if (prev && prev.cpu.length === now.cpu.length) {
    const total = sum(now.cpu) - sum(prev.cpu);
    const idle = now.cpu[3]! + (now.cpu[4] ?? 0) - (prev.cpu[3]! + (prev.cpu[4] ?? 0));
    if (total > 0 && idle >= 0) cpu = clamp01(1 - idle / total);
  }
  // Per interface, over the interfaces both readings have (one added since, or reset, adds nothing).
  const netRate = (dir: 'rx' | 'tx') => {
    if (!prev || seconds <= 0) return null;
    let bytes = 0;
    for (const [name, c] of now.net) {
      const b = prev.net.get(name);
      if (b && c[dir] >= b[dir]) bytes += c[dir] - b[dir];
    }
    return bytes / seconds;
  };
  const share = (used: number, total: number) =>
    total > 0 && Number.isFinite(used / total) ? clamp01(used / total) : null;
  const mounts: MountPoint[] = now.mounts.map((m) => ({
    mount: m.mount,
    at: now.at,
    used: share(m.usedBytes, m.usedBytes + m.availableBytes) ?? 0,
    availableBytes: m.availableBytes,
    inodes: m.inodesTotal ? share(m.inodesUsed ?? 0, m.inodesTotal) : null,
  }));
  const fullest = (values: (number | null)[]) =>
    values.reduce<number | null>((max, v) => (v !== null && (max === null || v > max) ? v : max), null);
  const prevSites = new Map((prev?.sites ?? []).map((s) => [s.slug, s]));
  return {
    server: {
      at: now.at,
      cpu,
      load1: now.load[0],
      mem: share(now.mem.total - now.mem.available, now.mem.total) ?? 0,
      swap: now.mem.swapTotal > 0 ? share(now.mem.swapTotal - now.mem.swapFree, now.mem.swapTotal) : null,
      disk: fullest(mounts.map((m) => m.used)),
      inodes: fullest(mounts.map((m) => m.inodes)),
      rx: netRate('rx'),
      tx: netRate('tx'),
      failed: now.failedUnits.length,
    },
    sites: now.sites.map((s) => {
      const p = prevSites.get(s.slug);
      const usec =
        s.cpuUsec !== null && p?.cpuUsec != null && s.cpuUsec >= p.cpuUsec ? s.cpuUsec - p.cpuUsec : null;
      return {
        slug: s.slug,
        at: now.at,
        up: s.active === 'active' ? 1 : 0,
        cpu: usec !== null && seconds > 0 ? usec / 1e6 / seconds : null,
        memBytes: s.memBytes,
      };
    }),
    mounts,
  };
}

/** The latest state of a server as the view shows it (kept with the samples, so it is there offline). */
export function latestOf(
  serverId: string,
  r: Reading,
  point: ServerPoint,
  sites: SitePoint[],
): MonitorLatest {
  const bySlug = new Map(sites.map((s) => [s.slug, s]));
  const sitesNow: MonitorSite[] = r.sites.map((s) => ({
    slug: s.slug,
    state: s.active,
    sub: s.sub,
    memBytes: s.memBytes,
    cpu: bySlug.get(s.slug)?.cpu ?? null,
  }));
  return {
    serverId,
    at: new Date(r.at).toISOString(),
    uptimeSeconds: r.uptime,
    cpu: point.cpu,
    load: r.load,
    memory: { totalBytes: r.mem.total, availableBytes: r.mem.available },
    swap: { totalBytes: r.mem.swapTotal, freeBytes: r.mem.swapFree },
    mounts: r.mounts,
    rx: point.rx,
    tx: point.tx,
    systemd: r.systemd,
    failedUnits: r.failedUnits,
    sites: sitesNow,
    services: r.services,
    backup: r.backup,
    jobs: r.jobs,
  };
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const clamp01 = (x: number) => Math.min(1, Math.max(0, x));
