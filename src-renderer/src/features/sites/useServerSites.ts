import type { SiteInfo } from '@contract';
import { useEffect, useMemo } from 'react';
import { followSites, useSites } from './store';

/** The sites on one server, kept current from sites.changed / sites.removed. */
export function useServerSites(serverId: string): SiteInfo[] {
  useEffect(() => followSites(), []);
  const sites = useSites((s) => s.sites);
  return useMemo(() => (serverId ? sites.filter((s) => s.serverId === serverId) : []), [sites, serverId]);
}
