import type { PhpSettings, SiteInfo } from '@contract';
import type { ReactNode } from 'react';
import { ago } from '../../lib/format';
import { siteStatusLabel, siteTypeLabel, tlsLabel, wwwLabel } from './siteText';

/** What Hostdeck asked for: the site's record (the laptop's intent). */
export function SiteFacts({ site: s }: { site: SiteInfo }) {
  return (
    <FactsCard title="Site">
      <dt>Primary domain</dt>
      <dd className="mono">{s.domain}</dd>
      <dt>Aliases</dt>
      <dd className="mono names">{s.aliases.length ? s.aliases.join(', ') : 'none'}</dd>
      <dt>URL</dt>
      <dd className="mono">{s.url}</dd>
      <dt>Server</dt>
      <dd>{s.serverName}</dd>
      <dt>Tenant</dt>
      <dd>
        {s.tenantName} <span className="muted mono">({s.tenantSlug})</span>
      </dd>
      <dt>Slug</dt>
      <dd className="mono">{s.slug}</dd>
      <dt>Type</dt>
      <dd>{siteTypeLabel[s.type]}</dd>
      <dt>Status</dt>
      <dd className={`site-status-${s.status}`}>{siteStatusLabel[s.status]}</dd>
      <dt>TLS</dt>
      <dd>{tlsLabel[s.tls]}</dd>
      <dt>www</dt>
      <dd>{wwwLabel[s.www]}</dd>
      <dt>Port</dt>
      <dd className="mono">127.0.0.1:{s.port}</dd>
      <dt>Database</dt>
      <dd className="mono">{s.dbName}</dd>
      <dt>Source</dt>
      <dd className="mono">{s.repo ? `${s.repo} (${s.branch ?? 'main'})` : 'not deployed from git'}</dd>
      <dt>Created</dt>
      <dd title={s.createdAt}>{ago(s.createdAt)}</dd>
    </FactsCard>
  );
}

export function PhpFacts({ php }: { php: PhpSettings }) {
  return (
    <FactsCard title="PHP">
      <dt>Memory limit</dt>
      <dd className="mono">{php.memoryLimit}</dd>
      <dt>Upload max</dt>
      <dd className="mono">{php.uploadMax}</dd>
      <dt>Extra php.ini</dt>
      <dd className="mono notes">{php.extraIni.trim() || 'none'}</dd>
    </FactsCard>
  );
}

/** A card of facts: its heading, then term/value pairs. */
function FactsCard({ title, children }: { title: string; children: ReactNode }) {
  return (
    <div className="card">
      <h2>{title}</h2>
      <dl className="facts">{children}</dl>
    </div>
  );
}
