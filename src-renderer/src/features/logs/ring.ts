import type { LogEntry } from '@contract';

export interface Buffered {
  items: readonly LogEntry[];
  /** How many older entries fell out of the buffer. */
  dropped: number;
}

/** Appends to a bounded buffer: the newest `capacity` entries are kept, oldest dropped first. */
export function appendBounded(prev: Buffered, entries: readonly LogEntry[], capacity: number): Buffered {
  const all = prev.items.concat(entries);
  const over = Math.max(0, all.length - capacity);
  return { items: over ? all.slice(over) : all, dropped: prev.dropped + over };
}

export interface LogFilter {
  text: string;
  level: 'all' | 'warning' | 'error';
  status: 'all' | '2xx' | '3xx' | '4xx' | '5xx';
  /** Only entries newer than this many minutes (0 = any time). */
  sinceMinutes?: number;
}

const severity = { emerg: 0, alert: 1, crit: 2, error: 3, warning: 4, notice: 5, info: 6, debug: 7 } as const;

export function matches(e: LogEntry, f: LogFilter, now = Date.now()): boolean {
  if (f.sinceMinutes && e.time < now - f.sinceMinutes * 60_000) return false;
  if (f.level === 'error' && severity[e.level] > 3) return false;
  if (f.level === 'warning' && severity[e.level] > 4) return false;
  if (f.status !== 'all' && (!e.http || Math.floor(e.http.status / 100) !== Number(f.status[0])))
    return false;
  return !f.text || e.message.toLowerCase().includes(f.text.toLowerCase());
}
