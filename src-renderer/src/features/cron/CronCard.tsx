import type { CronJob, CronPreview, SiteCron, SiteInfo } from '@contract';
import { useCallback, useEffect, useState } from 'react';
import { api, errorText } from '../../api/client';
import { ErrorAlert } from '../../components/ErrorAlert';
import { FormActions } from '../../components/FormActions';
import { SelectField } from '../../components/SelectField';
import { TextField } from '../../components/TextField';
import { ago, duration } from '../../lib/format';
import { useAttempt } from '../../lib/useAttempt';
import { useForm } from '../../lib/useForm';
import { JobProgress } from '../jobs/JobProgress';
import { useEndedJobs } from '../jobs/store';
import './cron.css';

/** Runs come from the host's timers, not from Hostdeck's jobs: the card asks again this often. */
const POLL_MS = 10_000;

/** Presets: what Laravel and WordPress need, run by FrankenPHP's own PHP in the current release. */
const presets: Record<string, { label: string; name: string; schedule: string; command: string }> = {
  custom: { label: 'A command of your own', name: '', schedule: 'hourly', command: '' },
  laravel: {
    label: 'Laravel scheduler (schedule:run every minute)',
    name: 'scheduler',
    schedule: 'minutely',
    command: 'frankenphp php-cli artisan schedule:run',
  },
  wordpress: {
    label: 'WordPress cron (wp-cron.php every 5 minutes)',
    name: 'wp-cron',
    schedule: '*:0/5',
    command: 'frankenphp php-cli public/wp-cron.php',
  },
};

/** A site's scheduled jobs as its host lists them, read again when a cron job ends and every 10 s. */
function useSiteCron(site: SiteInfo) {
  const [cron, setCron] = useState<SiteCron | null>(null);
  const { error, attempt } = useAttempt();
  const load = useCallback(
    () => attempt(async () => setCron(await api.call('cron.list', { siteId: site.id }))),
    [attempt, site.id],
  );
  useEffect(() => {
    void load();
    const t = setInterval(() => void load(), POLL_MS);
    return () => clearInterval(t);
  }, [load]);
  const ended = useEndedJobs('cron.', site.serverId);
  useEffect(() => {
    if (ended) void load();
  }, [ended, load]);
  return { cron, error, attempt };
}

/**
 * The site page's scheduled jobs: each job's schedule, next run and last runs (with the end of
 * their output), what needs a look, and run now, pause or resume, edit and remove; a form to add one.
 */
export function CronCard({ site }: { site: SiteInfo }) {
  const { cron, error, attempt } = useSiteCron(site);
  const [editing, setEditing] = useState<CronJob | 'new' | null>(null);
  const [job, setJob] = useState<string | null>(null);
  const [removing, setRemoving] = useState<string | null>(null);
  const act = (command: 'cron.run' | 'cron.pause' | 'cron.resume' | 'cron.remove', name: string) =>
    attempt(async () => {
      setJob((await api.call(command, { siteId: site.id, name })).jobId);
      setRemoving(null);
    });

  return (
    <section className="card" aria-labelledby="cron-card-title" data-testid="cron-card">
      <div className="card-head">
        <h2 id="cron-card-title">Scheduled jobs</h2>
        {editing === null && (
          <button type="button" onClick={() => setEditing('new')}>
            Add a scheduled job
          </button>
        )}
      </div>
      <ErrorAlert message={error} />
      {job && <JobProgress key={job} jobId={job} label="Progress of the last change to scheduled jobs" />}
      {editing !== null && (
        <CronForm
          site={site}
          job={editing === 'new' ? null : editing}
          onStarted={(id) => {
            setJob(id);
            setEditing(null);
          }}
          onCancel={() => setEditing(null)}
        />
      )}
      {!cron && !error && <p className="muted">Reading the site's scheduled jobs…</p>}
      {cron && cron.jobs.length === 0 && (
        <p className="muted">
          None yet. A job runs on {site.serverName} as the site's tenant, in the site's sandbox, on a systemd
          timer (times in {cron.timezone}).
        </p>
      )}
      {cron && cron.jobs.length > 0 && (
        <ul className="cron-jobs">
          {cron.jobs.map((j) => (
            <li key={j.name} data-testid={`cron-job-${j.name}`}>
              <div className="cron-job-head">
                <strong>{j.name}</strong> <code>{j.schedule}</code>
                <span className="muted">
                  {j.paused
                    ? ' paused'
                    : j.running
                      ? ' running now'
                      : j.nextAt
                        ? ` next ${new Date(j.nextAt).toLocaleString()}`
                        : ''}
                </span>
              </div>
              <code className="cron-command">{j.command}</code>
              {j.problem && (
                <p className="error" role="alert">
                  {j.problem}
                </p>
              )}
              <div className="actions">
                <button type="button" onClick={() => void act('cron.run', j.name)} disabled={j.running}>
                  Run now
                </button>
                <button
                  type="button"
                  onClick={() => void act(j.paused ? 'cron.resume' : 'cron.pause', j.name)}
                >
                  {j.paused ? 'Resume' : 'Pause'}
                </button>
                <button type="button" onClick={() => setEditing(j)}>
                  Edit
                </button>
                {removing === j.name ? (
                  <>
                    <button type="button" className="danger" onClick={() => void act('cron.remove', j.name)}>
                      Remove {j.name} and its history
                    </button>
                    <button type="button" onClick={() => setRemoving(null)}>
                      Keep it
                    </button>
                  </>
                ) : (
                  <button type="button" onClick={() => setRemoving(j.name)}>
                    Remove…
                  </button>
                )}
              </div>
              <RunList job={j} />
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** A run's length: seconds under a minute (most runs), else as uptime is said. */
const took = (seconds: number) =>
  seconds < 60 ? `${Math.max(0, seconds).toFixed(seconds < 10 ? 1 : 0)} s` : duration(seconds);

function RunList({ job }: { job: CronJob }) {
  if (job.runs.length === 0) return <p className="muted">No runs yet.</p>;
  return (
    <details className="cron-runs">
      <summary>
        Last runs: {job.runs.filter((r) => r.ok === true).length} ok,{' '}
        {job.runs.filter((r) => r.ok === false).length} failed of {job.runs.length}
      </summary>
      <table>
        <thead>
          <tr>
            <th scope="col">Started</th>
            <th scope="col">Took</th>
            <th scope="col">Result</th>
            <th scope="col">Output (end)</th>
          </tr>
        </thead>
        <tbody>
          {job.runs.map((r) => (
            <tr key={r.id}>
              <td title={r.startedAt ?? ''}>{r.startedAt ? ago(r.startedAt) : '?'}</td>
              <td>
                {r.startedAt && r.endedAt
                  ? took((Date.parse(r.endedAt) - Date.parse(r.startedAt)) / 1000)
                  : 'running'}
              </td>
              <td className={r.ok === false ? 'bad' : r.ok ? 'good' : undefined}>
                {r.ok === null
                  ? 'running'
                  : r.ok
                    ? 'ok'
                    : r.result === 'exit-code'
                      ? `exit ${r.exitStatus ?? '?'}`
                      : (r.result ?? 'failed')}
              </td>
              <td>
                {r.output ? <pre className="cron-output">{r.output}</pre> : <span className="muted">—</span>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}

type CronValues = {
  preset: string;
  name: string;
  schedule: string;
  command: string;
  timeoutSeconds: string;
};

function CronForm({
  site,
  job,
  onStarted,
  onCancel,
}: {
  site: SiteInfo;
  job: CronJob | null;
  onStarted(jobId: string): void;
  onCancel(): void;
}) {
  const form = useForm<'cron.set', CronValues>(
    'cron.set',
    {
      preset: 'custom',
      name: job?.name ?? '',
      schedule: job?.schedule ?? presets['custom']!.schedule,
      command: job?.command ?? '',
      timeoutSeconds: String(job?.timeoutSeconds ?? 3600),
    },
    {
      validateOn: job ? 'change' : 'blur',
      toInput: ({ name, schedule, command, timeoutSeconds }) => ({
        siteId: site.id,
        name,
        schedule,
        command,
        timeoutSeconds: Number(timeoutSeconds),
        ...(job
          ? { delaySeconds: job.delaySeconds, cpuPercent: job.cpuPercent, memoryMb: job.memoryMb }
          : {}),
      }),
      onDone: ({ jobId }) => onStarted(jobId),
    },
  );
  const preview = usePreview(site.serverId, form.values.schedule, form.issues['schedule'] === undefined);
  const choose = (preset: string) => {
    const p = presets[preset]!;
    form.update((v) => ({ ...v, preset, name: p.name || v.name, schedule: p.schedule, command: p.command }));
  };
  return (
    <form className="form cron-form" onSubmit={form.submit} aria-labelledby="cron-form-title">
      <h3 id="cron-form-title">{job ? `Edit ${job.name}` : 'Add a scheduled job'}</h3>
      {!job && (
        <SelectField
          label="Preset"
          value={form.values.preset}
          onChange={choose}
          options={Object.entries(presets).map(([value, p]) => ({ value, label: p.label }))}
        />
      )}
      {!job && <TextField label="Name" {...form.field('name')} hint="a-z, 0-9 and -, like scheduler" />}
      <TextField
        label="Schedule"
        {...form.field('schedule')}
        error={form.errorOf('schedule') ?? preview.error ?? undefined}
        hint="A systemd calendar expression: minutely, hourly, daily, *:0/5 (every 5 minutes), Mon..Fri 02:30"
      />
      {preview.next && (
        <p className="muted" data-testid="cron-preview">
          Next runs ({preview.next.timezone}): {preview.next.next.slice(0, 5).join(' · ')}
        </p>
      )}
      <TextField
        label="Command"
        {...form.field('command')}
        hint="Run by sh as the site's tenant, in the site's current release (one line)"
      />
      <TextField
        label="Timeout (seconds)"
        {...form.field('timeoutSeconds')}
        inputMode="numeric"
        hint="A run still going after this long is stopped, with everything it started"
      />
      <FormActions
        failure={form.failure}
        busy={form.busy}
        label={job ? 'Save' : 'Add job'}
        busyLabel="Starting…"
        onCancel={onCancel}
      />
    </form>
  );
}

/** The host's reading of a schedule as the operator types it (asked 400 ms after the last key). */
function usePreview(serverId: string, schedule: string, wellFormed: boolean) {
  const [read, setRead] = useState<{ schedule: string; next: CronPreview | null; error: string | null }>({
    schedule: '',
    next: null,
    error: null,
  });
  useEffect(() => {
    if (!wellFormed) return;
    let current = true;
    const t = setTimeout(() => {
      api.call('cron.preview', { serverId, schedule }).then(
        (next) => current && setRead({ schedule, next, error: null }),
        (err: unknown) => current && setRead({ schedule, next: null, error: errorText(err) }),
      );
    }, 400);
    return () => {
      current = false;
      clearTimeout(t);
    };
  }, [serverId, schedule, wellFormed]);
  // Only the answer for what the field says now.
  return wellFormed && read.schedule === schedule ? read : { next: null, error: null };
}
