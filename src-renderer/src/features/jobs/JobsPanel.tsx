import type { JobState, JobStep, JobSummary } from '@contract';
import './jobs.css';
import { useJobs } from './store';
import { ErrorAlert } from '../../components/ErrorAlert';

export const stateLabel: Record<JobState, string> = {
  queued: 'Queued',
  running: 'Running',
  succeeded: 'Succeeded',
  failed: 'Failed',
  cancelled: 'Cancelled',
  interrupted: 'Interrupted',
};

export function JobsPanel() {
  const { jobs, order, steps, expanded, error, toggle, cancel, rerun } = useJobs();
  const list = order.map((id) => jobs[id]).filter((j): j is JobSummary => j !== undefined);

  return (
    <aside className="jobs-panel" aria-labelledby="jobs-title">
      <h2 id="jobs-title">Jobs</h2>
      <ErrorAlert message={error} />
      {list.length === 0 && (
        <p className="muted">No jobs yet. Long work (provisioning, deploys, backups) shows up here.</p>
      )}
      <ul className="job-list">
        {list.map((job) => (
          <li key={job.id} className={`job job-${job.state}`} data-job-id={job.id} data-state={job.state}>
            <button
              type="button"
              className="job-head"
              aria-expanded={expanded === job.id}
              onClick={() => void toggle(job.id)}
            >
              <span className="job-title">{job.title}</span>
              <span className={`badge badge-${job.state}`}>{stateLabel[job.state]}</span>
            </button>
            <JobMeter job={job} withError />
            {expanded === job.id && <StepList steps={steps[job.id] ?? []} />}
            {job.state === 'running' || job.state === 'queued' ? (
              <button type="button" className="link" onClick={() => void cancel(job.id)}>
                Cancel
              </button>
            ) : (
              job.rerunnable && (
                <button
                  type="button"
                  className="link"
                  aria-label={`Run again: ${job.title}`}
                  onClick={() => void rerun(job.id)}
                >
                  Run again
                </button>
              )
            )}
          </li>
        ))}
      </ul>
    </aside>
  );
}

/** A job's progress bar and step counts (with its error after them, if `withError`). */
export function JobMeter({ job, withError = false }: { job: JobSummary; withError?: boolean }) {
  const percent = Math.round(job.progress * 100);
  return (
    <>
      <div
        className="progress"
        role="progressbar"
        aria-label={`${job.title} progress`}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent}
      >
        <div className="progress-fill" style={{ width: `${percent}%` }} />
      </div>
      <p className="job-counts muted">
        {job.counts.ok} ok · {job.counts.changed} changed · {job.counts.failed} failed
        {withError && job.error ? ` — ${job.error}` : ''}
      </p>
    </>
  );
}

export function StepList({ steps }: { steps: JobStep[] }) {
  if (steps.length === 0) return <p className="muted">No steps yet.</p>;
  return (
    <ol className="steps" aria-label="Steps">
      {steps.map((s) => (
        <li key={s.seq} className={`step step-${s.state}`} data-state={s.state}>
          <span className="step-state">{s.state}</span>
          <span className="step-name">{s.name}</span>
          {s.detail && <span className="step-detail muted">{s.detail}</span>}
        </li>
      ))}
    </ol>
  );
}
