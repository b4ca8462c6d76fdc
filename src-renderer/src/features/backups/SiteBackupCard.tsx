import type { SiteInfo } from '@contract';
import { ErrorAlert } from '../../components/ErrorAlert';
import { ago } from '../../lib/format';
import { useSiteBackups } from './useSiteBackups';

/**
 * The site page's backup card: the age of the newest good backup and of the last restore drill,
 * and whatever needs a look (overdue, a failed run, a failed drill or repository check), never
 * silent. Runs and restores are in the Backups section.
 */
export function SiteBackupCard({ site }: { site: SiteInfo }) {
  const { backups, error } = useSiteBackups(site);

  const newest = backups?.runs[0];
  const alerts = backups
    ? [
        backups.overdue,
        backups.lastFailure && `The last backup failed: ${backups.lastFailure}`,
        backups.drill &&
          !backups.drill.ok &&
          `The restore drill ${ago(backups.drill.at)} failed: ${backups.drill.detail}`,
        backups.check &&
          !backups.check.ok &&
          `The repository check ${ago(backups.check.at)} found errors: ${backups.check.detail}`,
      ].filter((x): x is string => Boolean(x))
    : [];
  return (
    <section className="card" aria-labelledby="site-backup-card-title" data-testid="site-backup-card">
      <h2 id="site-backup-card-title">Backups</h2>
      <ErrorAlert message={error} />
      {alerts.map((a) => (
        <p key={a} className="error" role="alert">
          {a}
        </p>
      ))}
      {!backups && !error && <p className="muted">Reading the server's backups…</p>}
      {backups && !backups.ready && (
        <p className="muted">Not set up on {site.serverName} yet: set it up in the Backups section.</p>
      )}
      {backups?.ready && (
        <dl className="facts">
          <dt>Newest good backup</dt>
          <dd>{newest ? <span title={newest.at}>{ago(newest.at)}</span> : 'none yet'}</dd>
          <dt>Kept</dt>
          <dd>{backups.runs.length} run(s)</dd>
          <dt>Schedule</dt>
          <dd>{backups.schedule ?? 'none (backs up on demand only)'}</dd>
          <dt>Last restore drill</dt>
          <dd>
            {backups.drill ? (
              <span title={backups.drill.detail}>
                {ago(backups.drill.at)}: {backups.drill.ok ? 'restorable' : 'failed'}
              </span>
            ) : (
              'none yet'
            )}
          </dd>
        </dl>
      )}
    </section>
  );
}
