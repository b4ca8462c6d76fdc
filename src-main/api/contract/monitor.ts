import { z } from 'zod';
import type { BackupCheck } from './backups';
import { command, event } from './define';
import { serverId } from './servers';
import { slug } from './sites';

export interface MonitorMount {
  mount: string;
  totalBytes: number;
  usedBytes: number;
  availableBytes: number;
  inodesTotal: number | null;
  inodesUsed: number | null;
}

export interface MonitorSite {
  slug: string;
  /** systemd's ActiveState of hostdeck-php@<slug> (active, failed, activating, inactive, …). */
  state: string;
  sub: string;
  memBytes: number | null;
  /** Cores in use since the sample before. */
  cpu: number | null;
}

/** A server's state at its newest sample, kept locally so it is shown offline too. */
export interface MonitorLatest {
  serverId: string;
  at: string;
  uptimeSeconds: number;
  cpu: number | null;
  load: [number, number, number];
  memory: { totalBytes: number; availableBytes: number };
  swap: { totalBytes: number; freeBytes: number };
  mounts: MonitorMount[];
  rx: number | null;
  tx: number | null;
  systemd: boolean;
  failedUnits: string[];
  sites: MonitorSite[];
  services: { caddy: 'up' | 'down' | 'absent'; mariadb: 'up' | 'down' | 'absent' };
  /**
   * The backup module's record on the host (read when the login is root; null otherwise or when
   * never set up): the server's schedule and since when; each site's own schedule, last run, last
   * failure (cleared by the next good run) and last restore drill; the last check and offsite copy;
   * and how many of the repository's locks no process has renewed for 30 minutes.
   */
  backup: {
    enabled: boolean;
    schedule: string | null;
    since: string | null;
    sites: {
      slug: string;
      schedule: string | null;
      since: string | null;
      lastRun: string | null;
      failure: { at: string; reason: string } | null;
      drill: BackupCheck | null;
    }[];
    check: BackupCheck | null;
    copy: BackupCheck | null;
    staleLocks: number;
  } | null;
  /**
   * Each scheduled job's last finished run, from the cron module's ledgers (root-only like the
   * backup record; null when they could not be read).
   */
  jobs:
    | { site: string; job: string; at: string; ok: boolean; result: string; exitStatus: string | null }[]
    | null;
}

/** The columns of a server's series; shares are 0..1, rx/tx bytes per second. */
export const serverSeries = ['cpu', 'load1', 'mem', 'swap', 'disk', 'inodes', 'rx', 'tx', 'failed'] as const;
export const siteSeries = ['up', 'cpu', 'mem'] as const;

/**
 * Points in columns (uPlot's shape): `at` in epoch seconds, one array per series, null where the
 * value was not known. `step` is the resolution read: 15 s samples, per-minute or per-hour averages.
 */
export interface MonitorSeries {
  step: 'raw' | 'minute' | 'hour';
  at: number[];
  values: Record<string, (number | null)[]>;
}

export interface MonitorStatus {
  serverId: string;
  /** When the last sample was stored, and the last failure (cleared by the next success). */
  lastSampleAt: string | null;
  lastError: string | null;
  intervalSeconds: number;
}

export interface MonitorSampled {
  serverId: string;
  at: string;
  error: string | null;
}

export const alertRuleNames = [
  'disk',
  'inodes',
  'disk-forecast',
  'memory',
  'failed-unit',
  'site-down',
  'service-down',
  'unreachable',
  'backup-overdue',
  'backup-failed',
  'job-failed',
] as const;
export type AlertRuleName = (typeof alertRuleNames)[number];

/**
 * A rule of a server: it fires when its measure reaches `threshold` for `forSeconds`, and clears
 * below `clearAt` (the forecast counts hours left, so there lower is worse). Shares are 0..1.
 */
export interface AlertRule {
  rule: AlertRuleName;
  enabled: boolean;
  threshold: number;
  clearAt: number;
  forSeconds: number;
}

export interface Alert {
  id: number;
  serverId: string;
  rule: AlertRuleName;
  /** What on the server: a mount, a unit, a site's slug, a service; '' for the server itself. */
  key: string;
  summary: string;
  startedAt: string;
  resolvedAt: string | null;
  lastNotifiedAt: string | null;
  /** Told while the server was silenced: kept, not notified. */
  silenced: boolean;
}

/** An alert with what Hostdeck changed on its server in the two hours before it started. */
export interface AlertWithContext extends Alert {
  serverName: string;
  changesBefore: { at: string; action: string; target: string | null }[];
}

export interface MonitorSilence {
  serverId: string;
  until: string | null;
  reason: string;
}

const range = {
  serverId,
  /** Epoch milliseconds; at most 90 days back (the hourly averages' retention). */
  from: z.number().int().nonnegative(),
  to: z.number().int().nonnegative(),
};
const checkedRange = <T extends { from: number; to: number }>(v: T) => v.to > v.from;
const rangeMessage = { message: "'to' must come after 'from'", path: ['to'] };

export const monitorSeriesInput = z.object(range).strict().refine(checkedRange, rangeMessage);
export const monitorSiteSeriesInput = z
  .object({ ...range, site: slug })
  .strict()
  .refine(checkedRange, rangeMessage);

export const monitorSetRuleInput = z
  .object({
    serverId,
    rule: z.enum(alertRuleNames),
    enabled: z.boolean(),
    threshold: z.number().min(0).max(10_000),
    clearAt: z.number().min(0).max(10_000),
    forSeconds: z.number().int().min(0).max(86_400),
  })
  .strict()
  .refine(
    (r) => r.rule === 'disk-forecast' || r.threshold <= 1 || !['disk', 'inodes', 'memory'].includes(r.rule),
    {
      message: 'a share: between 0 and 1 (0.9 is 90%)',
      path: ['threshold'],
    },
  )
  .refine((r) => (r.rule === 'disk-forecast' ? r.clearAt >= r.threshold : r.clearAt <= r.threshold), {
    message:
      'the clear mark must leave room below the threshold (above it, for the forecast), or alerts flap',
    path: ['clearAt'],
  });

export const monitorSilenceInput = z
  .object({
    serverId,
    /** From now, at most a week. */
    minutes: z
      .number()
      .int()
      .min(1, 'at least a minute')
      .max(7 * 24 * 60, 'at most a week'),
    reason: z
      .string()
      .trim()
      .min(1, 'say why (it is shown with the silenced alerts)')
      .max(200, 'at most 200 characters'),
  })
  .strict();

/** The monitor slice of the contract. */
export const monitorCommands = {
  'monitor.latest': command<{ latest: MonitorLatest | null }>()(
    z.object({ serverId }).strict(),
    "A server's newest sample (from the local store: shown offline too).",
    { passive: true },
  ),
  'monitor.fleet': command<MonitorLatest[]>()(
    z.object({}).strict(),
    "Every server's newest sample (from the local store): the fleet's health at a glance.",
    { passive: true },
  ),
  'monitor.status': command<MonitorStatus[]>()(
    z.object({}).strict(),
    'When each server was last sampled, and why it failed if it did.',
    { passive: true },
  ),
  'monitor.series': command<MonitorSeries>()(
    monitorSeriesInput,
    "A server's metrics over a time range, at the finest resolution still kept for it.",
    { passive: true },
  ),
  'monitor.siteSeries': command<MonitorSeries>()(
    monitorSiteSeriesInput,
    "A site's unit state, CPU and memory over a time range.",
    { passive: true },
  ),
  'monitor.sample': command<MonitorLatest>()(
    z.object({ serverId }).strict(),
    'Sample a server now (the app samples every online server every 15 s by itself).',
  ),
  'monitor.alerts': command<AlertWithContext[]>()(
    z
      .object({
        serverId: serverId.optional(),
        active: z.boolean().default(false),
        limit: z.number().int().min(1).max(500).default(100),
      })
      .strict(),
    "Alerts, newest first: firing ones or the history too, a server's or the fleet's.",
    { passive: true },
  ),
  'monitor.rules': command<AlertRule[]>()(z.object({ serverId }).strict(), "A server's alert rules.", {
    passive: true,
  }),
  'monitor.setRule': command<AlertRule[]>()(monitorSetRuleInput, 'Change one alert rule of a server.', {
    audit: 'monitor.setRule',
  }),
  'monitor.silence': command<MonitorSilence>()(
    monitorSilenceInput,
    "Silence a server's notifications for a while (a maintenance window); alerts are still kept.",
    { audit: 'monitor.silence' },
  ),
  'monitor.unsilence': command<MonitorSilence>()(z.object({ serverId }).strict(), 'End a silence early.', {
    audit: 'monitor.unsilence',
  }),
  'monitor.silences': command<MonitorSilence[]>()(z.object({}).strict(), 'Every server silenced now.', {
    passive: true,
  }),
} as const;

export const monitorEvents = {
  'monitor.sampled': event<MonitorSampled>('A server was sampled (or the sample failed, with why).'),
  'monitor.alert': event<Alert>('An alert fired, was told again, or recovered.'),
  'monitor.open': event<{ serverId: string; siteId: string | null }>(
    "The operator clicked an alert's notification: the window shows its server, or its site.",
  ),
} as const;
