import type { JobStep, JobSummary, JobUpdate } from '@contract';
import { create } from 'zustand';
import { api, errorText } from '../../api/client';

interface JobsState {
  jobs: Record<string, JobSummary>;
  steps: Record<string, JobStep[]>;
  order: string[];
  expanded: string | null;
  error: string | null;
  load(): Promise<void>;
  apply(update: JobUpdate): void;
  toggle(id: string): Promise<void>;
  cancel(id: string): Promise<void>;
  /** Runs an ended job's command again; the new job arrives through jobs.updated. */
  rerun(id: string): Promise<void>;
}

export const useJobs = create<JobsState>((set, get) => ({
  jobs: {},
  steps: {},
  order: [],
  expanded: null,
  error: null,
  async load() {
    try {
      const list = await api.call('jobs.list', { limit: 50 });
      set((s) => ({
        jobs: { ...Object.fromEntries(list.map((j) => [j.id, j])), ...s.jobs },
        order: mergeOrder(
          s.order,
          list.map((j) => j.id),
        ),
        error: null,
      }));
    } catch (err) {
      set({ error: errorText(err) });
    }
  },
  apply({ job, steps }) {
    set((s) => ({
      jobs: { ...s.jobs, [job.id]: job },
      steps: { ...s.steps, [job.id]: steps },
      order: s.order.includes(job.id) ? s.order : [job.id, ...s.order],
      expanded: s.expanded ?? (job.state === 'running' || job.state === 'queued' ? job.id : s.expanded),
    }));
  },
  async toggle(id) {
    if (get().expanded === id) return set({ expanded: null });
    set({ expanded: id });
    if (!get().steps[id]) {
      try {
        const detail = await api.call('jobs.get', { id });
        set((s) => ({ steps: { ...s.steps, [id]: detail.steps } }));
      } catch (err) {
        set({ error: errorText(err) });
      }
    }
  },
  async cancel(id) {
    try {
      await api.call('jobs.cancel', { id });
    } catch (err) {
      set({ error: errorText(err) });
    }
  },
  async rerun(id) {
    try {
      const { jobId } = await api.call('jobs.rerun', { id });
      set({ expanded: jobId, error: null });
    } catch (err) {
      set({ error: errorText(err) });
    }
  },
}));

function mergeOrder(current: string[], loaded: string[]) {
  const seen = new Set(current);
  return [...current, ...loaded.filter((id) => !seen.has(id))];
}

/** Subscribes the store to live job events; returns the unsubscribe. */
/**
 * The ended jobs of one kind (`backup.`, `cron.`: a prefix) on one server, as one string that
 * changes whenever another ends: a view that shows what those jobs change reads again on it.
 */
export function useEndedJobs(kindPrefix: string, serverId: string): string {
  return useJobs((s) =>
    Object.values(s.jobs)
      .filter((j) => j.kind.startsWith(kindPrefix) && j.target === serverId && j.endedAt)
      .map((j) => j.id)
      .join(','),
  );
}

export function followJobs(): () => void {
  const off = api.on('jobs.updated', (update) => useJobs.getState().apply(update));
  void useJobs.getState().load();
  return off;
}
