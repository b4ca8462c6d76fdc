import type { ModuleInfo, ModuleName } from '@contract';
import { useEffect, useState } from 'react';
import { api, errorText } from '../../api/client';
import { CheckboxField } from '../../components/CheckboxField';
import { ErrorAlert } from '../../components/ErrorAlert';
import { useJobs } from '../jobs/store';

/** Pick server modules, see what a dry run would change, then provision: each step a job in the Jobs panel. */
export function ProvisionPanel({ serverId, onFinished }: { serverId: string; onFinished(): void }) {
  const [catalog, setCatalog] = useState<ModuleInfo[]>([]);
  const [picked, setPicked] = useState<Set<ModuleName>>(new Set());
  const [checkJob, setCheckJob] = useState<string | null>(null);
  const [runJob, setRunJob] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const check = useJobs((s) => (checkJob ? s.jobs[checkJob] : undefined));
  const run = useJobs((s) => (runJob ? s.jobs[runJob] : undefined));

  useEffect(() => {
    api.call('provision.modules', {}).then(
      (list) => {
        setCatalog(list);
        setPicked(new Set(list.filter((m) => m.recommended).map((m) => m.name)));
      },
      (err: unknown) => setError(errorText(err)),
    );
  }, []);
  // Once per finished run: keyed on the run's id and state, not on the job object, which the jobs
  // store replaces on every update.
  const finished = run !== undefined && run.state !== 'running' && run.state !== 'queued';
  useEffect(() => {
    if (finished) onFinished();
  }, [runJob, finished, onFinished]);

  const start = async (dry: boolean) => {
    setError(null);
    try {
      const { jobId } = await api.call('provision.run', { serverId, modules: [...picked], check: dry });
      if (dry) setCheckJob(jobId);
      else setRunJob(jobId);
    } catch (err) {
      setError(errorText(err));
    }
  };
  const toggle = (name: ModuleName) =>
    setPicked((p) => {
      const next = new Set(p);
      if (next.has(name)) next.delete(name);
      else next.add(name);
      return next;
    });
  const busy = [check, run].some((j) => j && (j.state === 'running' || j.state === 'queued'));

  return (
    <div className="card" aria-labelledby="provision-title">
      <h2 id="provision-title">Provision</h2>
      <fieldset className="module-picker">
        <legend>Server modules</legend>
        {catalog.map((m) => (
          <CheckboxField key={m.name} checked={picked.has(m.name)} onChange={() => toggle(m.name)}>
            <span>
              <strong>{m.title}</strong> — <span className="muted">{m.summary}</span>
            </span>
          </CheckboxField>
        ))}
      </fieldset>
      <div className="row">
        <button type="button" disabled={busy || picked.size === 0} onClick={() => void start(true)}>
          Dry run
        </button>
        <button
          type="button"
          className="primary"
          disabled={busy || picked.size === 0}
          onClick={() => void start(false)}
        >
          Provision
        </button>
      </div>
      {check && check.state === 'succeeded' && (
        <p role="status" data-testid="dry-run-summary">
          Dry run: {check.counts.changed} {check.counts.changed === 1 ? 'change' : 'changes'} would be made,{' '}
          {check.counts.ok} already in place.
        </p>
      )}
      {check && check.state === 'failed' && (
        <p className="error" role="alert">
          Dry run failed: {check.error}
        </p>
      )}
      {run && run.state !== 'running' && run.state !== 'queued' && (
        <p role="status" data-testid="provision-summary" className={run.state === 'succeeded' ? '' : 'error'}>
          {run.state === 'succeeded'
            ? `Provisioned: ${run.counts.changed} changed, ${run.counts.ok} already in place.`
            : `Provisioning ${run.state}: ${run.error ?? ''} Running it again is safe.`}
        </p>
      )}
      <ErrorAlert message={error} />
    </div>
  );
}
