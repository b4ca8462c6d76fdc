// The monitor capability: every online server sampled agentlessly over its pooled connection (one
// small read-only command), the points kept in the local store with rollups, read back as series.
import type { AlertWithContext, MonitorSilence, monitorCommands, SiteInfo } from '@contract';
import type { Capability, CapabilityBase, SliceNames } from '../base/capability';
import type { SshPool } from '../infra/ssh/pool';
import type { Database } from '../infra/store/database';
import type { ServerService } from '../servers';
import type { AuditRepository } from '../app';
import { overdue } from '../backups';
import { AlertEngine } from './alerts';
import { ROOT_RECORD_SCRIPT } from './sample';
import { Sampler } from './sampler';
import { MonitorStore } from './store';

export { MonitorStore } from './store';
export { Sampler } from './sampler';

/** A notification to raise: clicking it shows the server, or the site when it is about one site. */
export interface AlertNotice {
  serverId: string;
  siteId: string | null;
  title: string;
  body: string;
}

export interface MonitorDeps extends CapabilityBase {
  db: Database;
  pool: Pick<SshPool, 'exec'>;
  servers: Pick<ServerService, 'list' | 'get'>;
  sites: { list(): SiteInfo[] };
  audit: Pick<AuditRepository, 'touching'>;
  unlocked: () => boolean;
  redact: (text: string) => string;
  /** Tells the operator (the app: a desktop notification that opens the server or site). */
  notify: (notice: AlertNotice) => void;
  /** Sample on this interval by itself (the app: 15 s); without it, only on demand. */
  intervalMs?: number;
}

export interface Monitor extends Capability<SliceNames<typeof monitorCommands>, Sampler> {
  readonly store: MonitorStore;
  readonly alerts: AlertEngine;
}

/** The Backups view's rule for late backups, over the host's record of a site's last run. */
export const backupOverdue = (
  lastRun: string | null,
  schedule: string | null,
  since: string | null,
  now: number,
) =>
  overdue(lastRun ? [{ run: lastRun, at: lastRun, database: null, files: null }] : [], schedule, since, now);

/** What Hostdeck did to a server shortly before an alert there: the first place to look. */
const CONTEXT_MS = 2 * 3_600_000;

export function createMonitor(d: MonitorDeps): Monitor {
  const store = new MonitorStore(d.db);
  const name = (serverId: string) => d.servers.list().find((s) => s.id === serverId)?.name ?? serverId;
  const alerts = new AlertEngine({
    db: d.db,
    serverName: name,
    expectedSites: (serverId) =>
      d.sites
        .list()
        .filter((s) => s.serverId === serverId && s.status === 'active')
        .map((s) => s.slug),
    mountTrend: (serverId, mount, since) => store.mountTrend(serverId, mount, since),
    backupOverdue,
    notify: ({ siteSlug, ...n }) =>
      d.notify({
        ...n,
        siteId: d.sites.list().find((s) => s.serverId === n.serverId && s.slug === siteSlug)?.id ?? null,
      }),
    onChange: (alert) => d.events.emit('monitor.alert', alert),
  });
  const sampler = new Sampler({
    store,
    events: d.events,
    servers: () => d.servers.list(),
    exec: (id, command, opts) => d.pool.exec(id, command, opts),
    readRootRecord: (id) =>
      d.servers.get(id).username === 'root'
        ? null
        : d.pool.exec(id, 'sudo -n sh -s', { stdin: ROOT_RECORD_SCRIPT, timeoutMs: 10_000 }),
    unlocked: d.unlocked,
    redact: d.redact,
    onSample: (serverId, latest) => alerts.sampled(serverId, latest),
    onFailure: (serverId, message) => alerts.failed(serverId, message),
    ...(d.intervalMs ? { intervalMs: d.intervalMs } : {}),
  });
  if (d.intervalMs) {
    sampler.start();
    d.lifetime.add(() => sampler.stop());
  }
  d.onLock(() => sampler.reset());
  // A removed server's samples go with it.
  d.lifetime.add(
    d.events.listen((name, payload) => {
      if (name !== 'servers.changed') return;
      const id = (payload as { id: string }).id;
      if (!d.servers.list().some((s) => s.id === id)) {
        sampler.forget(id);
        store.forget(id);
        alerts.forget(id);
      }
    }),
  );
  const known = (serverId: string) => d.servers.get(serverId).id;
  const silenceOf = (serverId: string): MonitorSilence => {
    const s = alerts.silencedUntil(serverId);
    return { serverId, until: s ? new Date(s.until).toISOString() : null, reason: s?.reason ?? '' };
  };
  /** Alerts with what changed before each; the inventory is read once for the whole list. */
  const withContext = (list: ReturnType<AlertEngine['list']>): AlertWithContext[] => {
    const sites = d.sites.list();
    const servers = new Map(d.servers.list().map((s) => [s.id, s.name]));
    return list.map((a) => {
      const targets = [a.serverId, ...sites.filter((s) => s.serverId === a.serverId).map((s) => s.id)];
      const from = new Date(Date.parse(a.startedAt) - CONTEXT_MS).toISOString();
      return {
        ...a,
        serverName: servers.get(a.serverId) ?? a.serverId,
        changesBefore: d.audit
          .touching(targets, from, a.startedAt)
          .map((e) => ({ at: e.at, action: e.action, target: e.target })),
      };
    });
  };
  return {
    service: sampler,
    store,
    alerts,
    handlers: {
      'monitor.latest': ({ serverId }) => ({ latest: store.latest(known(serverId)) }),
      'monitor.fleet': () =>
        d.servers
          .list()
          .map((s) => store.latest(s.id))
          .filter((l): l is NonNullable<typeof l> => l !== null),
      'monitor.status': () => sampler.status(),
      'monitor.series': ({ serverId, from, to }) => store.series(known(serverId), from, to),
      'monitor.siteSeries': ({ serverId, site, from, to }) =>
        store.siteSeries(known(serverId), site, from, to),
      'monitor.sample': async ({ serverId }) => {
        const latest = await sampler.sample(known(serverId), true);
        store.maintain(Date.now());
        return latest;
      },
      'monitor.alerts': ({ serverId, active, limit }) =>
        withContext(alerts.list({ ...(serverId ? { serverId: known(serverId) } : {}), active, limit })),
      'monitor.rules': ({ serverId }) => alerts.rules(known(serverId)),
      'monitor.setRule': ({ serverId, ...rule }, ctx) => {
        alerts.setRule(known(serverId), rule);
        ctx.audit({ target: serverId, detail: { ...rule } });
        return alerts.rules(serverId);
      },
      'monitor.silence': ({ serverId, minutes, reason }, ctx) => {
        alerts.silence(known(serverId), Date.now() + minutes * 60_000, reason);
        ctx.audit({ target: serverId, detail: { minutes, reason } });
        return silenceOf(serverId);
      },
      'monitor.unsilence': ({ serverId }, ctx) => {
        alerts.unsilence(known(serverId));
        ctx.audit({ target: serverId });
        return silenceOf(serverId);
      },
      'monitor.silences': () =>
        d.servers
          .list()
          .map((s) => silenceOf(s.id))
          .filter((s) => s.until !== null),
    },
  };
}
