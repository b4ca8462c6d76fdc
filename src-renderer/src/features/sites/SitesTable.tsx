import type { SiteInfo } from '@contract';
import { siteStatusLabel, siteTypeLabel } from './siteText';
import { DataTable } from '../../components/DataTable';

/** One row a site, across all servers; the domain opens the site's page (it is not a web link). */
export function SitesTable({ sites, onOpen }: { sites: SiteInfo[]; onOpen(siteId: string): void }) {
  const sorted = [...sites].sort((a, b) => a.domain.localeCompare(b.domain));
  return (
    <DataTable
      label="Sites"
      className="sites-table"
      rows={sorted}
      rowKey={(s) => s.id}
      rowData={(s) => ({ 'data-site': s.domain, 'data-status': s.status })}
      columns={[
        {
          header: 'Domain',
          cell: (s) => (
            <>
              <button type="button" className="link" onClick={() => onOpen(s.id)}>
                {s.domain}
              </button>
              {s.aliases.length > 0 && <div className="muted mono names">+ {s.aliases.join(', ')}</div>}
            </>
          ),
        },
        { header: 'Server', cell: (s) => s.serverName },
        { header: 'Tenant', cell: (s) => s.tenantName, cellProps: (s) => ({ title: s.tenantSlug }) },
        { header: 'Type', cell: (s) => siteTypeLabel[s.type] },
        { header: 'Status', cell: (s) => <SiteStatusBadge status={s.status} /> },
        { header: 'Port', cell: (s) => s.port, cellProps: () => ({ className: 'mono' }) },
        {
          header: 'Last error',
          cell: (s) => s.lastError ?? '—',
          cellProps: (s) => ({ className: s.lastError ? 'error last-error' : 'muted' }),
        },
      ]}
    />
  );
}

export function SiteStatusBadge({ status }: { status: SiteInfo['status'] }) {
  return <span className={`badge site-status-${status}`}>{siteStatusLabel[status]}</span>;
}
