import type { SiteInfo } from '@contract';
import { useState } from 'react';
import { api } from '../../api/client';
import { ErrorAlert } from '../../components/ErrorAlert';
import { SiteBackupCard } from '../backups/SiteBackupCard';
import { CronCard } from '../cron/CronCard';
import { JobProgress } from '../jobs/JobProgress';
import { DeleteSiteDialog } from './DeleteSiteDialog';
import { DeployPanel } from './DeployPanel';
import { EditSiteForm } from './EditSiteForm';
import { RollbackPanel } from './RollbackPanel';
import { PhpFacts, SiteFacts } from './SiteFacts';
import { SiteLiveCard } from './SiteLiveCard';
import { SiteMetricsCard } from '../monitor/MetricsCard';
import { SiteStatusBadge } from './SitesTable';
import { isBusy } from './siteText';
import { View } from '../../components/View';
import { useAttempt } from '../../lib/useAttempt';

type Panel = 'edit' | 'deploy' | 'rollback' | 'delete';

/** One site: what was asked for, what the host last said, and every action (each a job, followed here). */
export function SiteDetail({
  site: s,
  jobId,
  onBack,
}: {
  site: SiteInfo;
  jobId: string | null;
  onBack(): void;
}) {
  const [job, setJob] = useState(jobId);
  const [panel, setPanel] = useState<Panel | null>(null);
  const { error, attempt: act } = useAttempt();
  const [refreshing, setRefreshing] = useState(false);
  const busy = isBusy(s.status);

  const started = (id: string) => {
    setJob(id);
    setPanel(null);
  };
  const refresh = () =>
    act(async () => {
      setRefreshing(true);
      try {
        await api.call('sites.refresh', { siteId: s.id });
      } finally {
        setRefreshing(false);
      }
    });
  const toggle = (p: Panel) => setPanel((x) => (x === p ? null : p));

  return (
    <View
      title={s.domain}
      back={{ label: '← All sites', onClick: onBack }}
      subtitle={s.url}
      actions={<SiteStatusBadge status={s.status} />}
    >
      <div className="row site-actions" role="toolbar" aria-label="Site actions">
        <button type="button" disabled={refreshing || s.status === 'deleting'} onClick={() => void refresh()}>
          {refreshing ? 'Reading…' : 'Refresh'}
        </button>
        {s.status === 'suspended' ? (
          <button
            type="button"
            disabled={busy}
            onClick={() =>
              void act(async () => started((await api.call('sites.resume', { siteId: s.id })).jobId))
            }
          >
            Resume
          </button>
        ) : (
          <button
            type="button"
            disabled={busy}
            onClick={() =>
              void act(async () => started((await api.call('sites.suspend', { siteId: s.id })).jobId))
            }
          >
            Suspend
          </button>
        )}
        <button type="button" aria-expanded={panel === 'edit'} disabled={busy} onClick={() => toggle('edit')}>
          Edit…
        </button>
        <button
          type="button"
          aria-expanded={panel === 'deploy'}
          disabled={busy}
          onClick={() => toggle('deploy')}
        >
          Deploy…
        </button>
        <button
          type="button"
          aria-expanded={panel === 'rollback'}
          disabled={busy}
          onClick={() => toggle('rollback')}
        >
          Roll back…
        </button>
        <button
          type="button"
          className="danger"
          disabled={s.status === 'deleting'}
          onClick={() => setPanel('delete')}
        >
          Delete…
        </button>
      </div>
      {s.lastError && (
        <p className="error" role="alert">
          Last error: {s.lastError}
          {s.status === 'failed' && (
            <span className="muted">
              {' '}
              Saving the settings again (Edit) re-runs the install; it is safe to repeat.
            </span>
          )}
        </p>
      )}
      <ErrorAlert message={error} />
      {job && <JobProgress key={job} jobId={job} label="Progress of the last action" />}
      {panel === 'edit' && <EditSiteForm site={s} onStarted={started} onCancel={() => setPanel(null)} />}
      {panel === 'deploy' && <DeployPanel site={s} onStarted={started} onCancel={() => setPanel(null)} />}
      {panel === 'rollback' && <RollbackPanel site={s} onStarted={started} onCancel={() => setPanel(null)} />}
      {panel === 'delete' && (
        <DeleteSiteDialog site={s} onStarted={started} onCancel={() => setPanel(null)} />
      )}
      <div className="grid-2">
        <SiteFacts site={s} />
        <div>
          <SiteLiveCard live={s.live} />
          <PhpFacts php={s.php} />
          {s.status !== 'creating' && s.status !== 'deleting' && <SiteBackupCard site={s} />}
        </div>
      </div>
      {s.status !== 'creating' && s.status !== 'deleting' && <CronCard site={s} />}
      {s.status !== 'creating' && <SiteMetricsCard serverId={s.serverId} slug={s.slug} />}
    </View>
  );
}
