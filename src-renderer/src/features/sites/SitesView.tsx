import { useEffect, useState } from 'react';
import { ErrorAlert } from '../../components/ErrorAlert';
import { followSites, useSites } from './store';
import { openedSite } from '../../app/navigation';
import { followTenants } from '../tenants/store';
import { CreateSiteForm } from './CreateSiteForm';
import { SiteDetail } from './SiteDetail';
import { SitesTable } from './SitesTable';
import { View } from '../../components/View';
import { EmptyState } from '../../components/EmptyState';
import { OpenFormButton } from '../../components/OpenFormButton';

/** Every site on every server, live from `sites.changed` / `sites.removed`; a site opens its page. */
export function SitesView() {
  const { sites, loaded, error } = useSites();
  const [creating, setCreating] = useState(false);
  const [open, setOpen] = useState<{ siteId: string; jobId: string | null } | null>(() => {
    const siteId = openedSite();
    return siteId ? { siteId, jobId: null } : null;
  });
  useEffect(followSites, []);
  useEffect(followTenants, []);

  const current = open ? sites.find((s) => s.id === open.siteId) : undefined;
  // The open site was deleted (here or elsewhere): the list shows, saying so.
  const gone = open !== null && loaded && current === undefined;

  if (open && current)
    return <SiteDetail key={current.id} site={current} jobId={open.jobId} onBack={() => setOpen(null)} />;

  return (
    <View
      title="Sites"
      actions={<OpenFormButton label="Create site" open={creating} onOpen={() => setCreating(true)} />}
    >
      <ErrorAlert message={error} />
      {gone && (
        <p role="status" className="muted">
          The site was deleted.
        </p>
      )}
      {creating && (
        <CreateSiteForm
          onCancel={() => setCreating(false)}
          onCreated={(site, jobId) => {
            // The record may arrive before its sites.changed event: the page needs it now.
            useSites.getState().apply(site);
            setCreating(false);
            setOpen({ siteId: site.id, jobId });
          }}
        />
      )}
      {loaded && sites.length === 0 && !creating && (
        <EmptyState title="No sites yet">
          <p>
            First add a tenant (Tenants), then add a server and provision it with Caddy, MariaDB and
            FrankenPHP (Servers, then Provisioning). Then create a site here.
          </p>
        </EmptyState>
      )}
      {sites.length > 0 && (
        <SitesTable
          sites={sites}
          onOpen={(siteId) => {
            setOpen({ siteId, jobId: null });
          }}
        />
      )}
    </View>
  );
}
