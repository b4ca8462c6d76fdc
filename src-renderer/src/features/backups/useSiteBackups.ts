import type { SiteBackups, SiteInfo } from '@contract';
import { useCallback, useEffect, useState } from 'react';
import { api } from '../../api/client';
import { useAttempt } from '../../lib/useAttempt';
import { useEndedJobs } from '../jobs/store';

/**
 * Whose runs a site's card lists: '' (its own), a slug (another site of its server, a deleted one
 * too) or "<serverId>/<slug>" (a site of another server, from that server's copy kept on this one).
 */
export function runsSource(from: string): { fromSlug?: string; fromServerId?: string } {
  if (!from) return {};
  const [server, slug] = from.includes('/') ? from.split('/') : ['', from];
  return { fromSlug: slug!, ...(server ? { fromServerId: server } : {}) };
}

/**
 * A site's backups as its host lists them (or another site's: see runsSource), read again whenever
 * a backup job of that server ends. `attempt` runs the view's actions.
 */
export function useSiteBackups(site: SiteInfo, from = '') {
  const [backups, setBackups] = useState<SiteBackups | null>(null);
  const { error, attempt } = useAttempt();
  const load = useCallback(
    () =>
      attempt(async () =>
        setBackups(await api.call('backups.list', { siteId: site.id, ...runsSource(from) })),
      ),
    [attempt, site.id, from],
  );
  useEffect(() => void load(), [load]);
  const ended = useEndedJobs('backup.', site.serverId);
  useEffect(() => {
    if (ended) void load();
  }, [ended, load]);
  return { backups, error, attempt, load };
}
