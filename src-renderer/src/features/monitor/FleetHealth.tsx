import type { MonitorLatest, MonitorStatus } from '@contract';
import { useEffect, useState } from 'react';
import { api } from '../../api/client';
import { useNavigation } from '../../app/navigation';
import { useServers } from '../../stores/servers';
import { FleetAlerts, useAlerts } from './AlertsCard';

/** Above these shares a server's disk or memory is shown as under pressure. */
const DISK_PRESSURE = 0.85;
const MEMORY_PRESSURE = 0.85;

interface Health {
  latest: MonitorLatest[];
  status: MonitorStatus[];
}

/** The fleet's newest samples and sampling state, read again whenever a server is sampled. */
function useHealth(): Health | null {
  const [health, setHealth] = useState<Health | null>(null);
  useEffect(() => {
    let live = true;
    let last = 0;
    const load = () => {
      last = Date.now();
      void Promise.all([api.call('monitor.fleet', {}), api.call('monitor.status', {})]).then(
        ([latest, status]) => live && setHealth({ latest, status }),
        () => undefined,
      );
    };
    load();
    // A fleet of 50 is sampled 50 times in 15 s: read again at most every 5 s.
    const off = api.on('monitor.sampled', () => {
      if (Date.now() - last > 5000) load();
    });
    return () => {
      live = false;
      off();
    };
  }, []);
  return health;
}

const pct = (v: number) => `${Math.round(v * 100)}%`;

function fullestMount(l: MonitorLatest): { mount: string; used: number } | null {
  let best: { mount: string; used: number } | null = null;
  for (const m of l.mounts) {
    const used = m.usedBytes / Math.max(1, m.usedBytes + m.availableBytes);
    if (!best || used > best.used) best = { mount: m.mount, used };
  }
  return best;
}

/** Fleet health and the firing alerts above the server list, the alerts read once for both. */
export function FleetOverview() {
  const { alerts, error } = useAlerts(null, true, 500);
  return (
    <>
      <FleetHealth firing={alerts?.length ?? 0} />
      <FleetAlerts alerts={alerts} error={error} />
    </>
  );
}

/**
 * Fleet health, from the local store (offline too): servers sampled and failing, firing alerts,
 * disk and memory pressure, sites not running. Each names its server and opens it.
 */
function FleetHealth({ firing }: { firing: number }) {
  const health = useHealth();
  const servers = useServers((s) => s.servers);
  const open = useNavigation((s) => s.open);
  if (!health || servers.length === 0) return null;
  const name = (id: string) => servers.find((s) => s.id === id)?.name ?? 'a removed server';
  const failing = health.status.filter((s) => s.lastError);
  const sampled = health.status.filter((s) => s.lastSampleAt && !s.lastError).length;
  const disks = health.latest
    .map((l) => ({ l, m: fullestMount(l) }))
    .filter((x): x is { l: MonitorLatest; m: { mount: string; used: number } } => x.m !== null)
    .sort((a, b) => b.m.used - a.m.used);
  const memory = health.latest
    .map((l) => ({ l, used: 1 - l.memory.availableBytes / Math.max(1, l.memory.totalBytes) }))
    .sort((a, b) => b.used - a.used);
  const sitesDown = health.latest.flatMap((l) =>
    l.sites.filter((s) => s.state !== 'active').map((s) => ({ serverId: l.serverId, slug: s.slug })),
  );
  const sitesUp = health.latest.reduce((n, l) => n + l.sites.filter((s) => s.state === 'active').length, 0);
  // Named for what it shows, so it is not taken for the server's own link in the table below.
  const link = (serverId: string, text: string, what: string) => (
    <button
      type="button"
      className="link"
      aria-label={`${text}, ${what}`}
      onClick={() => open({ kind: 'server', serverId })}
    >
      {text}
    </button>
  );
  const topDisk = disks[0];
  const topMem = memory[0];
  return (
    <section className="card fleet-health" aria-label="Fleet health">
      <dl className="now-strip">
        <div>
          <dt>Sampled</dt>
          <dd className={failing.length ? 'bad' : undefined} data-testid="health-sampled">
            {sampled} of {servers.length} server(s)
            {failing.length > 0 && (
              <>
                {' · '}
                {failing.slice(0, 3).map((f, i) => (
                  <span key={f.serverId}>
                    {i > 0 && ', '}
                    {link(f.serverId, `${name(f.serverId)} failing`, 'its sampling')}
                  </span>
                ))}
              </>
            )}
          </dd>
        </div>
        <div>
          <dt>Alerts</dt>
          <dd className={firing ? 'bad' : undefined} data-testid="health-alerts">
            {firing ? `${firing} firing` : 'none firing'}
          </dd>
        </div>
        <div>
          <dt>Fullest disk</dt>
          <dd
            className={topDisk && topDisk.m.used >= DISK_PRESSURE ? 'bad' : undefined}
            data-testid="health-disk"
          >
            {topDisk ? (
              <>
                {link(topDisk.l.serverId, name(topDisk.l.serverId), 'the fullest disk')} {topDisk.m.mount}{' '}
                {pct(topDisk.m.used)}
              </>
            ) : (
              '–'
            )}
          </dd>
        </div>
        <div>
          <dt>Busiest memory</dt>
          <dd className={topMem && topMem.used >= MEMORY_PRESSURE ? 'bad' : undefined}>
            {topMem ? (
              <>
                {link(topMem.l.serverId, name(topMem.l.serverId), 'the busiest memory')} {pct(topMem.used)}
              </>
            ) : (
              '–'
            )}
          </dd>
        </div>
        <div>
          <dt>Sites</dt>
          <dd className={sitesDown.length ? 'bad' : undefined} data-testid="health-sites">
            {sitesUp} running
            {sitesDown.length > 0 &&
              ` · not running: ${sitesDown
                .slice(0, 3)
                .map((s) => `${s.slug} on ${name(s.serverId)}`)
                .join(', ')}${sitesDown.length > 3 ? ` and ${sitesDown.length - 3} more` : ''}`}
          </dd>
        </div>
      </dl>
    </section>
  );
}
