import type { SiteInfo } from '@contract';
import { siteStatusLabel, siteTypeLabel } from './siteText';

/** One row a site, across all servers; the domain opens the site's page (it is not a web link). */
export function SitesTable({ sites, onOpen }: { sites: SiteInfo[]; onOpen(siteId: string): void }) {
  const sorted = [...sites].sort((a, b) => a.domain.localeCompare(b.domain));
  return (
    <div className="table-wrap">
      <table className="table sites-table" aria-label="Sites">
        <thead>
          <tr>
            <th scope="col">Domain</th>
            <th scope="col">Server</th>
            <th scope="col">Tenant</th>
            <th scope="col">Type</th>
            <th scope="col">Status</th>
            <th scope="col">Port</th>
            <th scope="col">Last error</th>
          </tr>
        </thead>
        <tbody>
          {sorted.map((s) => (
            <tr key={s.id} data-site={s.domain} data-status={s.status}>
              <td>
                <button type="button" className="link" onClick={() => onOpen(s.id)}>
                  {s.domain}
                </button>
                {s.aliases.length > 0 && <div className="muted mono names">+ {s.aliases.join(', ')}</div>}
              </td>
              <td>{s.serverName}</td>
              <td title={s.tenantSlug}>{s.tenantName}</td>
              <td>{siteTypeLabel[s.type]}</td>
              <td>
                <SiteStatusBadge status={s.status} />
              </td>
              <td className="mono">{s.port}</td>
              <td className={s.lastError ? 'error last-error' : 'muted'}>{s.lastError ?? '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function SiteStatusBadge({ status }: { status: SiteInfo['status'] }) {
  return <span className={`badge site-status-${status}`}>{siteStatusLabel[status]}</span>;
}
