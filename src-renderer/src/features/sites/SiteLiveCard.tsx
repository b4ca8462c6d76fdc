import type { SiteLive } from '@contract';
import { ago } from '../../lib/format';

/** What the host said at the last refresh (the server is the truth for what runs there). */
export function SiteLiveCard({ live }: { live: SiteLive | null }) {
  return (
    <div className="card" aria-labelledby="live-title">
      <h2 id="live-title">On the server</h2>
      {live?.caddySetAside && (
        <p className="error" role="alert" data-testid="caddy-set-aside">
          Caddy set this site's file aside when it started ({live.caddySetAside}): the other sites kept
          running, this one is not served. Update the site to write its file again.
        </p>
      )}
      {!live ? (
        <p className="muted">Not read back yet: use Refresh.</p>
      ) : (
        <dl className="facts">
          <dt>As of</dt>
          <dd title={live.checkedAt}>{ago(live.checkedAt)}</dd>
          <dt>Exists</dt>
          <dd className={live.exists ? undefined : 'error'}>{live.exists ? 'yes' : 'no'}</dd>
          <dt>PHP running</dt>
          <dd className={live.exists && !live.active && !live.suspended ? 'error' : undefined}>
            {live.active ? 'yes' : 'no'}
            {live.suspended ? ' (suspended)' : ''}
          </dd>
          <dt>Port</dt>
          <dd className="mono">{live.port ?? '—'}</dd>
          <dt>Release</dt>
          <dd className="mono">{live.release ?? '—'}</dd>
          <dt>Releases</dt>
          <dd className="mono">{live.releases.length ? live.releases.join(', ') : 'none'}</dd>
          <dt>Database</dt>
          <dd className={live.exists && !live.database ? 'error' : 'mono'}>{live.database ?? 'missing'}</dd>
          <dt>Drift</dt>
          <dd>
            {live.drift.length === 0 ? (
              <span className="muted">none</span>
            ) : (
              <ul className="drift-list warning" aria-label="Drift">
                {live.drift.map((d) => (
                  <li key={d}>{d}</li>
                ))}
              </ul>
            )}
          </dd>
        </dl>
      )}
    </div>
  );
}
