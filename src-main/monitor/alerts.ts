// Alert rules over every sample: a condition must hold for a while before it fires (no alert for a
// spike), and a firing alert clears only below a lower mark (no flapping at the threshold). Each
// alert is kept with its history in the local store; new, repeated and recovered alerts of one
// server are told as one notification, unless the server is silenced (a maintenance window).
import type { Alert, AlertRule, AlertRuleName, MonitorLatest } from '@contract';
import { alertRuleNames } from '@contract';
import type { Database } from '../infra/store/database';
import type { MountTrend } from './store';

/** Defaults in the spirit of the node-exporter mixin's: a `for` long enough to skip spikes. */
export const DEFAULT_RULES: Record<AlertRuleName, Omit<AlertRule, 'rule'>> = {
  disk: { enabled: true, threshold: 0.9, clearAt: 0.85, forSeconds: 300 },
  inodes: { enabled: true, threshold: 0.9, clearAt: 0.85, forSeconds: 300 },
  'disk-forecast': { enabled: true, threshold: 24, clearAt: 48, forSeconds: 1800 },
  memory: { enabled: true, threshold: 0.9, clearAt: 0.85, forSeconds: 300 },
  'failed-unit': { enabled: true, threshold: 1, clearAt: 1, forSeconds: 60 },
  'site-down': { enabled: true, threshold: 1, clearAt: 1, forSeconds: 60 },
  'service-down': { enabled: true, threshold: 1, clearAt: 1, forSeconds: 60 },
  unreachable: { enabled: true, threshold: 1, clearAt: 1, forSeconds: 120 },
  // The gap it allows is the schedule's period and a grace already: no wait on top.
  'backup-overdue': { enabled: true, threshold: 1, clearAt: 1, forSeconds: 0 },
  // A failed run, drill, check or copy is told at once; a stale lock is one restic already gave up on.
  'backup-failed': { enabled: true, threshold: 1, clearAt: 1, forSeconds: 0 },
  // A scheduled job's last run failed: told at once, cleared by its next good run.
  'job-failed': { enabled: true, threshold: 1, clearAt: 1, forSeconds: 0 },
};

/** What the rules say about one thing on a server: how far it is, and the sentence if it fires. */
interface Observation {
  rule: AlertRuleName;
  key: string;
  /** Fires at or above the rule's threshold, clears below its clear mark (booleans: 1 or 0). */
  value: number;
  summary: string;
  /** The forecast counts down (hours left): lower is worse. */
  lowerIsWorse?: boolean;
  /** Not judged this time (too little history for a forecast): keeps its state as it is. */
  hold?: boolean;
}

export interface Notice {
  serverId: string;
  siteSlug: string | null;
  title: string;
  body: string;
}

export interface AlertsDeps {
  db: Database;
  serverName: (serverId: string) => string;
  /** The sites of a server that should be running (slugs): a site that is off on purpose is not down. */
  expectedSites: (serverId: string) => string[];
  /**
   * The sentence for a site whose backups are late (the Backups view's own rule), or null: its newest
   * run's time, the schedule in force and since when.
   */
  backupOverdue: (
    lastRun: string | null,
    schedule: string | null,
    since: string | null,
    now: number,
  ) => string | null;
  /** The line of a mount's free bytes over the last hours, for the forecast. */
  mountTrend: (serverId: string, mount: string, since: number) => MountTrend | null;
  notify: (notice: Notice) => void;
  onChange: (alert: Alert) => void;
  /** A firing alert is told again after this long (default 4 h). */
  repeatMs?: number;
  now?: () => number;
}

interface Pending {
  since: number;
}

interface AlertRow {
  id: number;
  server_id: string;
  rule: string;
  key: string;
  summary: string;
  started_at: number;
  resolved_at: number | null;
  notified_at: number | null;
  silenced: number;
}

const HOUR = 3_600_000;
/** More firing alerts than a server can have (the sample keeps at most 64 mounts and 200 units). */
const MAX_FIRING = 5000;
/** Recovered alerts are kept this long (the charts' longest range). */
const HISTORY_MS = 90 * 24 * HOUR;

export class AlertEngine {
  private readonly pending = new Map<string, Pending>();
  private readonly repeatMs: number;
  private readonly now: () => number;

  constructor(private readonly d: AlertsDeps) {
    this.repeatMs = d.repeatMs ?? 4 * HOUR;
    this.now = d.now ?? Date.now;
  }

  /** The rules of a server: the defaults, with what the operator changed for it. */
  rules(serverId: string): AlertRule[] {
    const rows = this.d.db
      .prepare(
        `SELECT rule, enabled, threshold, clear_at, for_seconds FROM monitor_rules WHERE server_id = ?`,
      )
      .all(serverId) as {
      rule: string;
      enabled: number;
      threshold: number;
      clear_at: number;
      for_seconds: number;
    }[];
    const changed = new Map(rows.map((r) => [r.rule, r]));
    return alertRuleNames.map((rule) => {
      const r = changed.get(rule);
      return r
        ? {
            rule,
            enabled: r.enabled === 1,
            threshold: r.threshold,
            clearAt: r.clear_at,
            forSeconds: r.for_seconds,
          }
        : { rule, ...DEFAULT_RULES[rule] };
    });
  }

  setRule(serverId: string, rule: AlertRule): void {
    this.d.db
      .prepare(
        `INSERT INTO monitor_rules (server_id, rule, enabled, threshold, clear_at, for_seconds) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (server_id, rule) DO UPDATE SET enabled = excluded.enabled, threshold = excluded.threshold,
           clear_at = excluded.clear_at, for_seconds = excluded.for_seconds`,
      )
      .run(serverId, rule.rule, rule.enabled ? 1 : 0, rule.threshold, rule.clearAt, rule.forSeconds);
  }

  /** Silences a server's notifications until `until` (alerts are still kept, marked silenced). */
  silence(serverId: string, until: number, reason: string): void {
    this.d.db
      .prepare(
        `INSERT INTO monitor_silences (server_id, until, reason) VALUES (?, ?, ?)
         ON CONFLICT (server_id) DO UPDATE SET until = excluded.until, reason = excluded.reason`,
      )
      .run(serverId, until, reason);
  }

  unsilence(serverId: string): void {
    this.d.db.prepare(`DELETE FROM monitor_silences WHERE server_id = ?`).run(serverId);
  }

  silencedUntil(serverId: string): { until: number; reason: string } | null {
    const row = this.d.db
      .prepare(`SELECT until, reason FROM monitor_silences WHERE server_id = ?`)
      .get(serverId) as { until: number; reason: string } | undefined;
    return row && row.until > this.now() ? row : null;
  }

  /** Alerts, newest first: a server's or the fleet's, only the firing ones or the history too. */
  list(opts: { serverId?: string; active?: boolean; limit: number }): Alert[] {
    const where = [
      ...(opts.serverId ? ['server_id = @serverId'] : []),
      ...(opts.active ? ['resolved_at IS NULL'] : []),
    ];
    const rows = this.d.db
      .prepare(
        `SELECT * FROM monitor_alerts ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY started_at DESC, id DESC LIMIT @limit`,
      )
      .all({ serverId: opts.serverId ?? null, limit: opts.limit }) as AlertRow[];
    return rows.map(toAlert);
  }

  /** A sample arrived: every rule is looked at for what it saw. */
  sampled(serverId: string, latest: MonitorLatest): void {
    const reached: Observation = { rule: 'unreachable', key: '', value: 0, summary: '' };
    this.evaluate(serverId, [...this.observe(serverId, latest), reached], []);
    this.prune();
  }

  private prunedAt = 0;
  /** Drops recovered alerts older than the history keeps (once an hour). */
  private prune(): void {
    const now = this.now();
    if (now - this.prunedAt < HOUR) return;
    this.prunedAt = now;
    this.d.db
      .prepare(`DELETE FROM monitor_alerts WHERE resolved_at IS NOT NULL AND resolved_at < ?`)
      .run(now - HISTORY_MS);
  }

  /** A sample failed (the connection or the command): only reachability is judged. */
  failed(serverId: string, message: string): void {
    this.evaluate(
      serverId,
      [{ rule: 'unreachable', key: '', value: 1, summary: `Hostdeck cannot sample the server: ${message}` }],
      alertRuleNames.filter((r) => r !== 'unreachable'),
    );
  }

  /** A server that was removed: its alerts and rules go with it. */
  forget(serverId: string): void {
    for (const key of [...this.pending.keys()]) if (key.startsWith(`${serverId}\0`)) this.pending.delete(key);
    for (const table of ['monitor_alerts', 'monitor_rules', 'monitor_silences'])
      this.d.db.prepare(`DELETE FROM ${table} WHERE server_id = ?`).run(serverId);
  }

  private observe(serverId: string, l: MonitorLatest): Observation[] {
    const out: Observation[] = [];
    for (const m of l.mounts) {
      const used = m.usedBytes / Math.max(1, m.usedBytes + m.availableBytes);
      out.push({
        rule: 'disk',
        key: m.mount,
        value: used,
        summary: `${m.mount} is ${Math.round(used * 100)}% full (${gib(m.availableBytes)} free).`,
      });
      if (m.inodesTotal) {
        const share = (m.inodesUsed ?? 0) / m.inodesTotal;
        out.push({
          rule: 'inodes',
          key: m.mount,
          value: share,
          summary: `${m.mount} has used ${Math.round(share * 100)}% of its inodes (files can no longer be made when they run out).`,
        });
      }
      // Only a mount past 60% is forecast (a query of its last hours each time).
      const hours = used > 0.6 ? this.hoursUntilFull(serverId, m.mount, Date.parse(l.at)) : Infinity;
      out.push({
        rule: 'disk-forecast',
        key: m.mount,
        value: hours ?? 0,
        hold: hours === null,
        lowerIsWorse: true,
        summary: `${m.mount} fills up in about ${Math.max(1, Math.round(hours ?? 0))} h at the rate of the last hours (${gib(m.availableBytes)} free).`,
      });
    }
    const mem = 1 - l.memory.availableBytes / Math.max(1, l.memory.totalBytes);
    out.push({
      rule: 'memory',
      key: '',
      value: mem,
      summary: `Memory is ${Math.round(mem * 100)}% in use (${gib(l.memory.availableBytes)} available).`,
    });
    for (const unit of l.failedUnits)
      out.push({ rule: 'failed-unit', key: unit, value: 1, summary: `${unit} has failed.` });
    const expected = new Set(this.d.expectedSites(serverId));
    for (const s of l.sites) {
      if (!expected.has(s.slug) || s.state === 'active') continue;
      out.push({
        rule: 'site-down',
        key: s.slug,
        value: 1,
        summary: `The site ${s.slug} is not running (its unit is ${s.state}${s.sub ? `, ${s.sub}` : ''}).`,
      });
    }
    // A site that should run and whose unit systemd does not even have loaded is down too.
    const listed = new Set(l.sites.map((s) => s.slug));
    for (const slug of l.systemd ? expected : []) {
      if (!listed.has(slug))
        out.push({
          rule: 'site-down',
          key: slug,
          value: 1,
          summary: `The site ${slug} is not running (its unit is not loaded).`,
        });
    }
    // A dead man's switch: a site whose backups the host's schedule should have made and did not.
    if (l.backup?.enabled) {
      for (const slug of expected) {
        const own = l.backup.sites.find((s) => s.slug === slug);
        const late = own?.schedule
          ? this.d.backupOverdue(own.lastRun ?? null, own.schedule, own.since, Date.parse(l.at))
          : this.d.backupOverdue(own?.lastRun ?? null, l.backup.schedule, l.backup.since, Date.parse(l.at));
        out.push({
          rule: 'backup-overdue',
          key: slug,
          value: late ? 1 : 0,
          summary: late ? `${slug}: ${late}` : '',
        });
      }
    }
    out.push(...backupFailures(l.backup, expected));
    for (const j of l.jobs ?? []) {
      if (j.ok || !expected.has(j.site)) continue;
      const why =
        j.result === 'timeout'
          ? 'it was stopped at its timeout'
          : j.result === 'exit-code'
            ? `exit status ${j.exitStatus ?? '?'}`
            : j.result;
      out.push({
        rule: 'job-failed',
        key: `${j.site}:${j.job}`,
        value: 1,
        summary: `${j.site}: the scheduled job ${j.job} failed at ${j.at} (${why}).`,
      });
    }
    for (const name of ['caddy', 'mariadb'] as const) {
      if (l.services[name] === 'down')
        out.push({
          rule: 'service-down',
          key: name,
          value: 1,
          summary: `${name === 'caddy' ? 'Caddy' : 'MariaDB'} is not running.`,
        });
    }
    return out;
  }

  /** Hours until a mount is full at the rate of the last 6 h (a least-squares line); null: too little history. */
  private hoursUntilFull(serverId: string, mount: string, now: number): number | null {
    const line = this.d.mountTrend(serverId, mount, now - 6 * HOUR);
    if (!line || line.points < 20 || line.spanMs < HOUR) return null;
    // (Infinity, "not filling", when the line is flat or rising)
    if (line.slopePerMs >= 0) return Infinity;
    const availNow = line.meanAvail + line.slopePerMs * (now - line.meanAt);
    return Math.max(0, availNow / -line.slopePerMs / HOUR);
  }

  /**
   * Moves each rule's state on: pending while the condition holds for less than its `for`, firing
   * after, resolved once it is below the clear mark (or gone). Rules in `skip` keep their state.
   */
  private evaluate(serverId: string, observed: Observation[], skip: AlertRuleName[]): void {
    const now = this.now();
    const rules = new Map(this.rules(serverId).map((r) => [r.rule, r]));
    const firing = new Map(
      this.list({ serverId, active: true, limit: MAX_FIRING }).map((a) => [`${a.rule}\0${a.key}`, a]),
    );
    const told: { alert: Alert; kind: 'new' | 'again' | 'resolved' }[] = [];
    const seen = new Set<string>();
    for (const o of observed) {
      const rule = rules.get(o.rule)!;
      const id = `${o.rule}\0${o.key}`;
      seen.add(id);
      const pendingKey = `${serverId}\0${id}`;
      if (o.hold) continue;
      const breach = o.lowerIsWorse ? o.value <= rule.threshold : o.value >= rule.threshold;
      const clear = o.lowerIsWorse ? o.value > rule.clearAt : o.value < rule.clearAt;
      const active = firing.get(id);
      if (active) {
        if (clear || !rule.enabled)
          told.push({ alert: this.resolve(active, now, o.summary), kind: 'resolved' });
        else if (active.summary !== o.summary) this.update(active, o.summary);
        continue;
      }
      if (!breach || !rule.enabled) {
        this.pending.delete(pendingKey);
        continue;
      }
      const p = this.pending.get(pendingKey) ?? { since: now };
      this.pending.set(pendingKey, p);
      if (now - p.since >= rule.forSeconds * 1000) {
        this.pending.delete(pendingKey);
        told.push({ alert: this.open(serverId, o, p.since), kind: 'new' });
      }
    }
    // A firing alert whose thing is gone (a unit no longer failed, a mount no longer there) clears.
    for (const [id, a] of firing) {
      if (seen.has(id) || skip.includes(a.rule)) continue;
      told.push({ alert: this.resolve(a, now), kind: 'resolved' });
    }
    for (const key of [...this.pending.keys()]) {
      const [server, rule, k] = key.split('\0') as [string, AlertRuleName, string];
      if (server === serverId && !skip.includes(rule) && !seen.has(`${rule}\0${k}`)) this.pending.delete(key);
    }
    // Told again after the repeat interval, and once a silence is over when it was kept quiet: the
    // alerts that were firing and still are (those told already this round aside).
    const quiet = this.silencedUntil(serverId) !== null;
    const toldIds = new Set(told.map((t) => t.alert.id));
    for (const a of firing.values()) {
      if (toldIds.has(a.id)) continue;
      const due = a.lastNotifiedAt !== null && now - Date.parse(a.lastNotifiedAt) >= this.repeatMs;
      if (due || (a.silenced && !quiet)) told.push({ alert: a, kind: 'again' });
    }
    for (const t of told) this.d.onChange(t.alert);
    this.tell(serverId, told, now, quiet);
  }

  private tell(
    serverId: string,
    told: { alert: Alert; kind: 'new' | 'again' | 'resolved' }[],
    now: number,
    silenced: boolean,
  ): void {
    if (told.length === 0) return;
    const mark = this.d.db.prepare(`UPDATE monitor_alerts SET notified_at = ?, silenced = ? WHERE id = ?`);
    this.d.db.transaction(() => {
      for (const t of told) mark.run(now, silenced ? 1 : 0, t.alert.id);
    })();
    if (silenced) return;
    const server = this.d.serverName(serverId);
    const line = (t: (typeof told)[number]) =>
      `${t.kind === 'resolved' ? 'Recovered: ' : t.kind === 'again' ? 'Still: ' : ''}${t.alert.summary}`;
    const sites = [...new Set(told.map((t) => siteOf(t.alert)))];
    const allResolved = told.every((t) => t.kind === 'resolved');
    this.d.notify({
      serverId,
      siteSlug: sites.length === 1 ? sites[0]! : null,
      title:
        told.length === 1
          ? `${server}: ${told[0]!.kind === 'resolved' ? 'recovered' : 'alert'}`
          : `${server}: ${told.length} ${allResolved ? 'recovered' : 'alerts'}`,
      body: told.map(line).join('\n'),
    });
  }

  private open(serverId: string, o: Observation, since: number): Alert {
    const row = this.d.db
      .prepare(
        `INSERT INTO monitor_alerts (server_id, rule, key, summary, started_at) VALUES (?, ?, ?, ?, ?) RETURNING *`,
      )
      .get(serverId, o.rule, o.key, o.summary, since) as AlertRow;
    return toAlert(row);
  }

  /** Ends an alert; `summary` is what is seen now (the recovery says how it is, not how it was). */
  private resolve(a: Alert, now: number, summary = a.summary): Alert {
    const row = this.d.db
      .prepare(`UPDATE monitor_alerts SET resolved_at = ?, summary = ? WHERE id = ? RETURNING *`)
      .get(now, summary || a.summary, a.id) as AlertRow;
    return toAlert(row);
  }

  /** A firing alert's sentence follows what is seen (a repeat tells it as it is now). */
  private update(a: Alert, summary: string): void {
    this.d.db.prepare(`UPDATE monitor_alerts SET summary = ? WHERE id = ?`).run(summary, a.id);
    a.summary = summary;
  }
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const toAlert = (r: AlertRow): Alert => ({
  id: r.id,
  serverId: r.server_id,
  rule: r.rule as AlertRuleName,
  key: r.key,
  summary: r.summary,
  startedAt: iso(r.started_at)!,
  resolvedAt: iso(r.resolved_at),
  lastNotifiedAt: iso(r.notified_at),
  silenced: r.silenced === 1,
});

function gib(n: number): string {
  if (n >= 1024 ** 3) return `${(n / 1024 ** 3).toFixed(1)} GB`;
  return `${Math.round(n / 1024 ** 2)} MB`;
}

/**
 * What the host recorded as failed in its backups: a site's last run (cleared by its next good run),
 * a site's last restore drill, the last check of the repository, the last offsite copy, and locks no
 * process renews. Only what is failing is observed: a firing alert whose failure is gone clears.
 */
function backupFailures(b: MonitorLatest['backup'], sites: Set<string>): Observation[] {
  if (!b) return [];
  const out: Observation[] = [];
  const failed = (key: string, summary: string) =>
    out.push({ rule: 'backup-failed', key, value: 1, summary });
  for (const s of b.sites) {
    if (!sites.has(s.slug)) continue; // a deleted site's record is not this server's concern
    if (s.failure)
      failed(`${s.slug}:run`, `${s.slug}: the backup of ${s.failure.at} failed: ${s.failure.reason}`);
    if (s.drill && !s.drill.ok)
      failed(`${s.slug}:drill`, `${s.slug}: the restore drill of ${s.drill.at} failed: ${s.drill.detail}`);
  }
  if (b.check && !b.check.ok)
    failed('check', `The check of the backup repository (${b.check.at}) failed: ${b.check.detail}`);
  if (b.copy && !b.copy.ok) failed('copy', `The offsite copy of ${b.copy.at} failed: ${b.copy.detail}`);
  if (b.staleLocks > 0)
    failed(
      'locks',
      `The backup repository has ${b.staleLocks} lock(s) no process has renewed for 30 minutes: the next run removes them if their process is gone; if one hangs, stop it on the host.`,
    );
  return out;
}

/** The site an alert is about (a click on its notice opens it), or null for the server's own. */
function siteOf(a: Alert): string | null {
  if (a.rule === 'site-down' || a.rule === 'backup-overdue') return a.key;
  if ((a.rule === 'backup-failed' || a.rule === 'job-failed') && a.key.includes(':'))
    return a.key.slice(0, a.key.indexOf(':'));
  return null;
}
