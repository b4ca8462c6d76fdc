import type { SiteBackups, SiteInfo } from '@contract';
import { useCallback, useEffect, useState } from 'react';
import { api } from '../../api/client';
import { useAttempt } from '../../lib/useAttempt';
import { useJobs } from '../jobs/store';

/**
 * A site's backups as its host lists them (or, with `fromSlug`, another site's of the same server),
 * read again whenever a backup job of that server ends. `attempt` runs the view's actions.
 */
export function useSiteBackups(site: SiteInfo, fromSlug = '') {
  const [backups, setBackups] = useState<SiteBackups | null>(null);
  const { error, attempt } = useAttempt();
  const load = useCallback(
    () =>
      attempt(async () =>
        setBackups(await api.call('backups.list', { siteId: site.id, ...(fromSlug ? { fromSlug } : {}) })),
      ),
    [attempt, site.id, fromSlug],
  );
  useEffect(() => void load(), [load]);
  const ended = useJobs((s) =>
    Object.values(s.jobs)
      .filter((j) => j.kind.startsWith('backup.') && j.target === site.serverId && j.endedAt)
      .map((j) => j.id)
      .join(','),
  );
  useEffect(() => {
    if (ended) void load();
  }, [ended, load]);
  return { backups, error, attempt, load };
}
