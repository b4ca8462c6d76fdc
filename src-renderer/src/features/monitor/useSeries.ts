import type { MonitorSeries } from '@contract';
import { useCallback, useEffect, useRef, useState } from 'react';
import { api, errorText } from '../../api/client';

export const RANGES = [
  { label: '1 h', ms: 3_600_000 },
  { label: '6 h', ms: 6 * 3_600_000 },
  { label: '24 h', ms: 24 * 3_600_000 },
  { label: '7 d', ms: 7 * 24 * 3_600_000 },
  { label: '30 d', ms: 30 * 24 * 3_600_000 },
  { label: '90 d', ms: 90 * 24 * 3_600_000 },
] as const;

/** A preset range that ends now (and follows new samples), or a zoomed one that stays put. */
export type Range = { kind: 'last'; ms: number } | { kind: 'zoom'; from: number; to: number };

const EMPTY: MonitorSeries = { step: 'raw', at: [], values: {} };
/** New samples arrive every 15 s; a followed range reads again at most this often. */
const FOLLOW_MS = 5000;

/**
 * The series of a server (or one of its sites) over a range, read from the local store: again when
 * the range changes, and when the server is sampled while the range ends now.
 */
export function useSeries(serverId: string, site: string | null, range: Range) {
  const [data, setData] = useState<MonitorSeries>(EMPTY);
  const [error, setError] = useState<string | null>(null);
  const lastRead = useRef(0);

  const fetchSeries = useCallback(() => {
    const to = range.kind === 'last' ? Date.now() : range.to;
    const from = range.kind === 'last' ? to - range.ms : range.from;
    return site
      ? api.call('monitor.siteSeries', { serverId, site, from, to })
      : api.call('monitor.series', { serverId, from, to });
  }, [serverId, site, range]);

  useEffect(() => {
    // An answer for a range no longer shown (zoomed again meanwhile) is dropped.
    let live = true;
    const load = () => {
      lastRead.current = Date.now();
      fetchSeries().then(
        (series) => {
          if (!live) return;
          setData(series);
          setError(null);
        },
        (err: unknown) => live && setError(errorText(err)),
      );
    };
    load();
    const off =
      range.kind === 'last'
        ? api.on('monitor.sampled', (p) => {
            if (p.serverId === serverId && !p.error && Date.now() - lastRead.current >= FOLLOW_MS) load();
          })
        : () => undefined;
    return () => {
      live = false;
      off();
    };
  }, [fetchSeries, range.kind, serverId]);

  return { data, error };
}
