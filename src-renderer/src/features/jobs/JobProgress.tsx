import { useEffect } from 'react';
import { api, errorText } from '../../api/client';
import { useJobs } from './store';
import { JobMeter, stateLabel, StepList } from './JobsPanel';

/**
 * One job followed where it was started (the Jobs panel shows it too): its state, progress and
 * steps, live from the jobs store. Fetched once if the store has not seen it yet.
 */
export function JobProgress({ jobId, label }: { jobId: string; label: string }) {
  const job = useJobs((s) => s.jobs[jobId]);
  const steps = useJobs((s) => s.steps[jobId]);
  const known = job !== undefined;

  useEffect(() => {
    if (known) return;
    api.call('jobs.get', { id: jobId }).then(
      ({ steps: loaded, ...summary }) => {
        // A live update may have arrived meanwhile: it is newer than this read.
        if (!useJobs.getState().jobs[jobId]) useJobs.getState().apply({ job: summary, steps: loaded });
      },
      (err: unknown) => useJobs.setState({ error: errorText(err) }),
    );
  }, [jobId, known]);

  if (!job) {
    return (
      <section className="card" aria-label={label}>
        <p className="muted" role="status">
          Starting…
        </p>
      </section>
    );
  }
  const done = job.state !== 'running' && job.state !== 'queued';
  return (
    <section
      className={`card job-progress job-${job.state}`}
      aria-label={label}
      data-job-id={job.id}
      data-state={job.state}
    >
      <div className="job-head">
        <span className="job-title">{job.title}</span>
        <span className={`badge badge-${job.state}`} role="status">
          {stateLabel[job.state]}
        </span>
      </div>
      <JobMeter job={job} />
      {/* Shown once: a failed step usually carries the same sentence. */}
      {done && job.error && !steps?.some((st) => st.detail === job.error) && (
        <p className="error" role="alert">
          {job.error}
        </p>
      )}
      <StepList steps={steps ?? []} />
    </section>
  );
}
