import type { BackupRetention, BackupRun, SiteBackups, SiteInfo } from '@contract';
import { useEffect, useState } from 'react';
import { api } from '../../api/client';
import { CheckboxField } from '../../components/CheckboxField';
import { DataTable } from '../../components/DataTable';
import type { Column } from '../../components/DataTable';
import { EmptyState } from '../../components/EmptyState';
import { ErrorAlert } from '../../components/ErrorAlert';
import { SelectField } from '../../components/SelectField';
import { View } from '../../components/View';
import { ago } from '../../lib/format';
import { followSites, useSites } from '../sites/store';
import { OffsiteCopy } from './OffsiteCopy';
import { runsSource, useSiteBackups } from './useSiteBackups';
import './backups.css';

/** Each site's backup runs on its server (restic), a run now, and a restore of its database and files. */
export function BackupsView() {
  const { sites, loaded } = useSites();
  const [siteId, setSiteId] = useState<string>('');
  useEffect(followSites, []);
  const site = sites.find((s) => s.id === siteId) ?? sites[0];

  return (
    <View title="Backups">
      <p className="muted">
        Encrypted, deduplicated snapshots (restic) of each site's files and database, kept on its server,
        copied to another server after every run if you choose one, and to this laptop on request.
      </p>
      {loaded && sites.length === 0 && (
        <EmptyState title="No sites to back up yet">
          <p>Create a site first (Sites); its backups are listed here.</p>
        </EmptyState>
      )}
      {site && (
        <>
          <div className="card backups-pick">
            <SelectField
              label="Site"
              value={site.id}
              onChange={(v) => setSiteId(v)}
              options={sites.map((s) => ({ value: s.id, label: `${s.domain} (${s.serverName})` }))}
            />
          </div>
          <SiteBackupsCard key={site.id} site={site} />
        </>
      )}
    </View>
  );
}

const short = (id: string | null) => (id ? id.slice(0, 8) : '—');

function SiteBackupsCard({ site }: { site: SiteInfo }) {
  const [confirm, setConfirm] = useState<BackupRun | null>(null);
  // Whose runs are listed (see runsSource): this site's, another site's, another server's site's.
  const [from, setFrom] = useState('');
  const { backups, error, attempt, load } = useSiteBackups(site, from);

  const columns: Column<BackupRun>[] = [
    { header: 'Taken', cell: (r) => <span title={r.at}>{ago(r.at)}</span> },
    { header: 'Database', cell: (r) => <span className="mono">{short(r.database)}</span> },
    { header: 'Files', cell: (r) => <span className="mono">{short(r.files)}</span> },
    {
      header: 'Restore',
      cell: (r) =>
        r.database || r.files ? (
          <button type="button" className="link" onClick={() => setConfirm(r)}>
            Restore…
          </button>
        ) : null,
    },
  ];

  return (
    <section className="card" aria-labelledby="site-backups-title">
      <div className="backups-head">
        <h2 id="site-backups-title">Backups of {site.domain}</h2>
        <div className="row">
          <button type="button" onClick={() => void load()}>
            Refresh
          </button>
          {backups?.ready && (
            <>
              <button
                type="button"
                onClick={() => void attempt(() => api.call('backups.check', { serverId: site.serverId }))}
                title="restic check of the server's repository, with a tenth of its data read back and verified"
              >
                Check repository
              </button>
              <button
                type="button"
                onClick={() => void attempt(() => api.call('backups.pull', { serverId: site.serverId }))}
                title="Copies the server's encrypted repository into this laptop's data directory (only what is new)"
              >
                Copy to this laptop
              </button>
              {!from && backups.runs.length > 0 && (
                <button
                  type="button"
                  onClick={() => void attempt(() => api.call('backups.drill', { siteId: site.id }))}
                  title="Restores the newest backup into a scratch copy beside the site, serves its home page, then removes it"
                >
                  Run a restore drill
                </button>
              )}
              <button
                type="button"
                className="primary"
                onClick={() => void attempt(() => api.call('backups.run', { siteId: site.id }))}
              >
                Back up now
              </button>
            </>
          )}
        </div>
      </div>
      <ErrorAlert message={error} />
      {!from && backups?.overdue && (
        <p className="error" role="alert" data-testid="backup-overdue">
          {backups.overdue}
        </p>
      )}
      {!from && backups?.lastFailure && (
        <p className="error" role="alert">
          The last backup failed: {backups.lastFailure}
        </p>
      )}
      {backups?.lockWarning && (
        <p className="error" role="alert" data-testid="backup-lock">
          {backups.lockWarning}
        </p>
      )}
      {backups && !backups.lockWarning && backups.locks.length > 0 && (
        <p className="muted" data-testid="backup-lock">
          The repository is in use:{' '}
          {backups.locks
            .map(
              (l) =>
                `process ${l.pid} on ${l.host} since ${l.since}${l.state === 'alive' ? ' (running)' : ''}`,
            )
            .join('; ')}
          .
        </p>
      )}
      {backups?.check && !backups.check.ok && (
        <p className="error" role="alert" data-testid="backup-check-failed">
          The repository check {ago(backups.check.at)} found errors: {backups.check.detail}
        </p>
      )}
      {!from && backups?.drill && !backups.drill.ok && (
        <p className="error" role="alert" data-testid="backup-drill-failed">
          The restore drill {ago(backups.drill.at)} failed: {backups.drill.detail}
        </p>
      )}
      {backups && !backups.ready && (
        <EmptyState title={`Backups are not set up on ${site.serverName}`}>
          <p>
            Setting up installs restic and makes the server's encrypted repository; its password is kept in
            the vault (and, root-only, on the server, so scheduled runs work while this laptop is closed).
          </p>
          <button
            type="button"
            className="primary"
            onClick={() => void attempt(() => api.call('backups.setup', { serverId: site.serverId }))}
          >
            Set up backups on {site.serverName}
          </button>
        </EmptyState>
      )}
      {backups?.ready && backups.schedule && (
        <p className="muted" data-testid="backup-schedule">
          Runs on the host by itself ({backups.schedule}, with up to 30 min of random delay)
          {backups.nextRun ? ` · next ${backups.nextRun}` : ''}
        </p>
      )}
      {backups?.ready && (
        <SchedulePolicy
          key={`${backups.schedule}|${JSON.stringify(backups.retention)}`}
          backups={backups}
          onSave={(schedule, retention) =>
            void attempt(() => api.call('backups.setup', { serverId: site.serverId, schedule, retention }))
          }
        />
      )}
      {backups?.ready && (
        <SiteSchedule
          key={backups.siteSchedule ?? ''}
          site={site}
          backups={backups}
          onSave={(schedule) =>
            void attempt(() => api.call('backups.schedule', { siteId: site.id, schedule }))
          }
        />
      )}
      {backups?.ready && (
        <p className="muted" data-testid="backup-check">
          {backups.check
            ? backups.check.ok
              ? `Repository checked ${ago(backups.check.at)}: no errors (${backups.check.detail}).`
              : `Repository check ${ago(backups.check.at)}: failed.`
            : 'The repository has not been checked yet: every scheduled run checks it, or check it now.'}
        </p>
      )}
      {!from && backups?.ready && backups.runs.length > 0 && (
        <p className="muted" data-testid="backup-drill">
          {backups.drill?.ok
            ? `Last restore drill ${ago(backups.drill.at)}: ${backups.drill.detail}.`
            : backups.drill
              ? `Last restore drill ${ago(backups.drill.at)}: failed.`
              : 'No restore drill yet: the host drills each site weekly, or run one now.'}
        </p>
      )}
      {backups?.ready && backups.runs.length === 0 && (
        <EmptyState title="No backups yet">
          <p>Back up now to take the first one.</p>
        </EmptyState>
      )}
      {backups?.ready && <OffsiteCopy site={site} offsite={backups.offsite} attempt={attempt} />}
      {backups?.ready && (backups.sources.length > 0 || backups.elsewhere.length > 0 || from) && (
        <div className="backups-source">
          <SelectField
            label="Runs of"
            value={from}
            onChange={(v) => setFrom(v)}
            options={[
              { value: '', label: `${site.domain} (this site)` },
              ...[...new Set([...backups.sources, ...(from && !from.includes('/') ? [from] : [])])].map(
                (slug) => ({ value: slug, label: `site ${slug} (restore its backup into ${site.domain})` }),
              ),
              ...backups.elsewhere.flatMap((e) =>
                e.sites.map((slug) => ({
                  value: `${e.serverId}/${slug}`,
                  label: `site ${slug} of ${e.serverName} (its copy on ${site.serverName})`,
                })),
              ),
            ]}
          />
        </div>
      )}
      {backups && backups.runs.length > 0 && (
        <>
          <p className="muted">
            Newest good backup {ago(backups.runs[0]!.at)} · {backups.runs.length} kept
          </p>
          <DataTable
            label="Backup runs"
            rows={backups.runs}
            columns={columns}
            rowKey={(r) => r.run}
            rowData={(r) => ({ 'data-run': r.run })}
          />
        </>
      )}
      {confirm && (
        <RestoreDialog
          site={site}
          from={from}
          run={confirm}
          onClose={() => setConfirm(null)}
          onRestore={(parts) =>
            void attempt(async () => {
              await api.call('backups.restore', {
                siteId: site.id,
                ...parts,
                ...(from ? { ...runsSource(from), handOver: true } : {}),
              });
              setConfirm(null);
            })
          }
        />
      )}
    </section>
  );
}

/** Which parts of a run to put back, said plainly before anything is changed. */
function RestoreDialog({
  site,
  from,
  run,
  onClose,
  onRestore,
}: {
  site: SiteInfo;
  /** The other site the run is of, or '' for this site's own. */
  from: string;
  run: BackupRun;
  onClose(): void;
  onRestore(parts: { database: string | null; files: string | null; path?: string }): void;
}) {
  const [database, setDatabase] = useState(run.database !== null);
  const [files, setFiles] = useState(run.files !== null);
  const [path, setPath] = useState('');
  const [handOver, setHandOver] = useState(false);
  const only = path.trim();
  const parts = only ? only : [database && 'database', files && 'files'].filter(Boolean).join(' and ');
  return (
    <div className="card confirm" role="dialog" aria-labelledby="restore-title">
      <h3 id="restore-title">
        {from
          ? `Restore site ${runsSource(from).fromSlug}'s backup taken ${ago(run.at)} into ${site.domain}?`
          : `Restore ${site.domain} to the backup taken ${ago(run.at)}?`}
      </h3>
      <CheckboxField
        checked={database && !only}
        disabled={!run.database || Boolean(only)}
        onChange={setDatabase}
      >
        The database: replaced by the backup's
      </CheckboxField>
      <CheckboxField checked={files} disabled={!run.files} onChange={setFiles}>
        The files: the backup's release becomes a new release (the current one stays, one rollback away), and
        the uploads or storage are put back
      </CheckboxField>
      {run.files && (
        <label className="stack">
          Or only this file or folder of it (put back in place, written by the site's user)
          <input
            value={path}
            onChange={(e) => setPath(e.target.value)}
            placeholder="shared/uploads/2026/photo.jpg or current/public/index.php"
            aria-label="Only this file or folder"
          />
        </label>
      )}
      {from && (
        <CheckboxField checked={handOver} onChange={setHandOver}>
          Site {runsSource(from).fromSlug}'s files, database and code go to {site.domain}'s tenant (
          {site.tenantName}). If it was another customer's, this hands its data over.
        </CheckboxField>
      )}
      <p>
        A backup of the site as it is now is taken first, so this can be undone from the list. The site's
        settings (domains, PHP, its database password) are not changed.
      </p>
      <div className="row">
        <button
          type="button"
          className="danger"
          disabled={(!only && !database && !files) || (Boolean(from) && !handOver)}
          onClick={() =>
            onRestore(
              only
                ? { database: null, files: run.files, path: only }
                : { database: database ? run.database : null, files: files ? run.files : null },
            )
          }
        >
          {parts ? `Restore ${parts}` : 'Choose what to restore'}
        </button>
        <button type="button" onClick={onClose}>
          Cancel
        </button>
      </div>
    </div>
  );
}

const keepRules: { key: keyof BackupRetention; label: string }[] = [
  { key: 'last', label: 'newest runs' },
  { key: 'daily', label: 'days' },
  { key: 'weekly', label: 'weeks' },
  { key: 'monthly', label: 'months' },
];

/** The server's schedule and retention (the host's timer applies them), changed as a setup job. */
function SchedulePolicy({
  backups,
  onSave,
}: {
  backups: SiteBackups;
  onSave(schedule: string, retention: BackupRetention): void;
}) {
  const [open, setOpen] = useState(false);
  const [schedule, setSchedule] = useState(backups.schedule ?? 'daily');
  const current = backups.retention ?? { last: 3, daily: 7, weekly: 4, monthly: 6 };
  const [keep, setKeep] = useState<Record<keyof BackupRetention, string>>({
    last: String(current.last),
    daily: String(current.daily),
    weekly: String(current.weekly),
    monthly: String(current.monthly),
  });
  if (!open) {
    return (
      <p className="muted" data-testid="backup-policy">
        Keeps the newest {current.last} run(s), one a day for {current.daily} day(s), a week for{' '}
        {current.weekly} week(s) and a month for {current.monthly} month(s); final backups always.{' '}
        <button type="button" className="link" onClick={() => setOpen(true)}>
          Change schedule and retention…
        </button>
      </p>
    );
  }
  return (
    <fieldset className="card backups-policy">
      <legend>Schedule and retention of the server</legend>
      <label className="inline">
        Runs
        <input
          value={schedule}
          onChange={(e) => setSchedule(e.target.value)}
          aria-label="Schedule (systemd calendar)"
          placeholder="daily"
        />
        (daily, weekly, hourly or a systemd calendar like *-*-* 03:00:00)
      </label>
      <div className="row">
        Keep
        {keepRules.map((r) => (
          <label key={r.key} className="inline">
            <input
              className="narrow"
              inputMode="numeric"
              value={keep[r.key]}
              onChange={(e) => setKeep({ ...keep, [r.key]: e.target.value })}
              aria-label={`Keep ${r.label}`}
            />
            {r.label}
          </label>
        ))}
      </div>
      <div className="row">
        <SaveOnServer
          onCancel={() => setOpen(false)}
          onSave={() =>
            onSave(schedule.trim(), {
              last: Number(keep.last),
              daily: Number(keep.daily),
              weekly: Number(keep.weekly),
              monthly: Number(keep.monthly),
            })
          }
        />
      </div>
    </fieldset>
  );
}

/** The site's own schedule (a timer of its own on the host), or the server's. */
function SiteSchedule({
  site,
  backups,
  onSave,
}: {
  site: SiteInfo;
  backups: SiteBackups;
  onSave(schedule: string | null): void;
}) {
  const [open, setOpen] = useState(false);
  const [schedule, setSchedule] = useState(backups.siteSchedule ?? 'hourly');
  if (backups.siteSchedule && !open) {
    return (
      <p className="muted" data-testid="backup-site-schedule">
        {site.domain} has a schedule of its own ({backups.siteSchedule})
        {backups.siteNextRun ? ` · next ${backups.siteNextRun}` : ''}.{' '}
        <button type="button" className="link" onClick={() => setOpen(true)}>
          Change…
        </button>{' '}
        <button type="button" className="link" onClick={() => onSave(null)}>
          Use the server's schedule
        </button>
      </p>
    );
  }
  if (!open) {
    return (
      <p className="muted" data-testid="backup-site-schedule">
        {site.domain} is backed up on the server's schedule.{' '}
        <button type="button" className="link" onClick={() => setOpen(true)}>
          Give it a schedule of its own…
        </button>
      </p>
    );
  }
  return (
    <div className="row backups-site-schedule" data-testid="backup-site-schedule">
      <label className="inline">
        {site.domain} runs
        <input
          value={schedule}
          onChange={(e) => setSchedule(e.target.value)}
          aria-label="Site schedule (systemd calendar)"
          placeholder="hourly"
        />
      </label>
      <SaveOnServer onSave={() => onSave(schedule.trim())} onCancel={() => setOpen(false)} />
    </div>
  );
}

/** The two buttons of the card's inline forms. */
function SaveOnServer({ onSave, onCancel }: { onSave(): void; onCancel(): void }) {
  return (
    <>
      <button type="button" className="primary" onClick={onSave}>
        Save on the server
      </button>
      <button type="button" onClick={onCancel}>
        Cancel
      </button>
    </>
  );
}
