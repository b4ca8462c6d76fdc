import type { SiteInfo } from '@contract';
import { useEffect, useState } from 'react';
import { api } from '../../api/client';

/** The sites on one server, kept current from sites.changed / sites.removed. */
export function useServerSites(serverId: string): SiteInfo[] {
  const [sites, setSites] = useState<SiteInfo[]>([]);
  useEffect(() => {
    let cancelled = false;
    setSites([]);
    if (!serverId) return;
    void api
      .call('sites.list', {})
      .then((all) => {
        if (!cancelled) setSites(all.filter((s) => s.serverId === serverId));
      })
      .catch(() => undefined);
    const offChanged = api.on('sites.changed', (site) =>
      setSites((prev) =>
        site.serverId !== serverId
          ? prev
          : prev.some((s) => s.id === site.id)
            ? prev.map((s) => (s.id === site.id ? site : s))
            : [...prev, site],
      ),
    );
    const offRemoved = api.on('sites.removed', ({ siteId }) =>
      setSites((prev) => prev.filter((s) => s.id !== siteId)),
    );
    return () => {
      cancelled = true;
      offChanged();
      offRemoved();
    };
  }, [serverId]);
  return sites;
}
