import type { JobLogLine, LogEntry } from '@contract';
import { create } from 'zustand';
import { api, errorText } from '../../api/client';
import { appendBounded } from './ring';
import type { Buffered, LogFilter } from './ring';

export const CAPACITY = 100_000;
const EMPTY: Buffered = { items: [], dropped: 0 };

/** What the Logs view shows, kept with the stream so that coming back shows the same. */
export interface LogsChoice {
  serverId: string;
  source: string;
  customUnit: string;
  history: number;
  follow: boolean;
  filter: LogFilter;
}

interface LogsState extends LogsChoice {
  /** The journal stream followed now, if any. */
  streamId: string | null;
  /** Whether Hostdeck's own job logs are followed now. */
  jobsFollowing: boolean;
  buffer: Buffered;
  note: string | null;
  choose(change: Partial<LogsChoice>): void;
  setFilter(change: Partial<LogFilter>): void;
  /** Follows these units' journal on a server, live (ending what was followed before). */
  followUnits(serverId: string, units: string[], backlog: number, filterText?: string): Promise<void>;
  /** Follows Hostdeck's own job logs: the stored lines of recent jobs, then new lines live. */
  followJobLogs(): void;
}

const initial = {
  serverId: '',
  source: '',
  customUnit: '',
  history: 1000,
  follow: true,
  filter: { text: '', level: 'all', status: 'all' } as LogFilter,
  streamId: null,
  jobsFollowing: false,
  buffer: EMPTY,
  note: null,
};

/** Releases what is followed now (its subscriptions); one at a time. */
let release: (() => void) | null = null;
/** Bumped by every start and end: an answer for an older start is dropped. */
let generation = 0;

/**
 * The window's log stream. It belongs to the window, not to the Logs view: leaving the section keeps
 * it streaming into the buffer, and coming back shows it. It ends when another is followed, when
 * main ends it (logs.ended: dropped, or the vault locked), or when the window's session ends.
 */
export const useLogs = create<LogsState>((set, get) => {
  const append = (entries: readonly LogEntry[]) =>
    set((s) => ({ buffer: appendBounded(s.buffer, entries, CAPACITY) }));
  const restart = () => {
    endCurrent();
    set({ buffer: EMPTY, note: null, follow: true });
    return ++generation;
  };
  return {
    ...initial,
    choose: (change) => set(change),
    setFilter: (change) => set((s) => ({ filter: { ...s.filter, ...change } })),
    async followUnits(serverId, units, backlog, filterText) {
      const started = restart();
      if (filterText) get().setFilter({ text: filterText });
      try {
        const { streamId } = await api.call('logs.follow', { serverId, units, backlog });
        if (started !== generation) {
          void api.call('logs.stop', { streamId }).catch(() => undefined);
          return;
        }
        const offData = api.on('logs.entries', (b) => {
          if (b.streamId === streamId) append(b.entries);
        });
        const offEnd = api.on('logs.ended', (e) => {
          if (e.streamId !== streamId) return;
          release?.();
          release = null;
          set({ note: e.message, streamId: null });
        });
        release = () => {
          offData();
          offEnd();
          void api.call('logs.stop', { streamId }).catch(() => undefined);
        };
        set({ streamId });
      } catch (err) {
        if (started === generation) set({ note: errorText(err) });
      }
    },
    followJobLogs() {
      const started = restart();
      set({ jobsFollowing: true });
      const titles = new Map<string, string>();
      const toEntry = (l: JobLogLine): LogEntry => ({
        time: Date.parse(l.at),
        unit: titles.get(l.jobId) ?? 'job',
        level: l.stream === 'err' ? 'error' : 'info',
        message: l.text,
      });
      const offLines = api.on('jobs.log', (lines) => append(lines.map(toEntry)));
      const offJobs = api.on('jobs.updated', ({ job }) => titles.set(job.id, job.title));
      release = () => {
        offLines();
        offJobs();
      };
      void (async () => {
        const jobs = await api.call('jobs.list', { limit: 20 });
        for (const j of jobs) titles.set(j.id, j.title);
        const logs = await Promise.all(jobs.map((j) => api.call('jobs.log', { id: j.id, limit: 10_000 })));
        const entries = logs
          .flat()
          .map(toEntry)
          .sort((a, b) => a.time - b.time);
        if (started === generation)
          set((s) => ({ buffer: appendBounded(EMPTY, [...entries, ...s.buffer.items], CAPACITY) }));
      })().catch((err: unknown) => {
        if (started === generation) set({ note: errorText(err) });
      });
    },
  };
});

function endCurrent() {
  generation += 1;
  release?.();
  release = null;
  useLogs.setState({ streamId: null, jobsFollowing: false });
}

/** Ends the window's stream and forgets what was shown: the window's session ended (vault locked). */
export function endLogs(): void {
  endCurrent();
  useLogs.setState(initial);
}
