import type { JobLogLine, LogEntry } from '@contract';
import { useEffect, useMemo, useState } from 'react';
import { api, errorText } from '../../api/client';
import { ServerSelect, useChosenServer } from '../../components/ServerSelect';
import { View } from '../../components/View';
import { appendBounded, matches } from './ring';
import type { Buffered, LogFilter } from './ring';
import { VirtualList } from './VirtualList';
import { useServerSites } from '../sites/useServerSites';

const CAPACITY = 100_000;
const JOBS = 'Hostdeck jobs (this laptop)';
const SOURCES: Record<string, string[]> = {
  'Caddy (access and errors)': ['caddy.service'],
  MariaDB: ['mariadb.service'],
  'SSH daemon': ['ssh.service'],
  fail2ban: ['fail2ban.service'],
  [JOBS]: [],
};

/** Live logs from a server's journal: follow or pause, filter, export; bounded to 100,000 entries. */
export function LogsView() {
  const { servers, chosen, choose } = useChosenServer();
  const [source, setSource] = useState(Object.keys(SOURCES)[0]!);
  const sites = useServerSites(chosen);
  // Per site: its PHP process's journal (PHP errors and output), and Caddy's requests for its names.
  const siteSources = useMemo(
    () =>
      Object.fromEntries(
        sites.flatMap((s) => [
          [`${s.domain}: PHP errors and output`, { units: [`hostdeck-php@${s.slug}.service`], text: '' }],
          [`${s.domain}: requests`, { units: ['caddy.service'], text: s.domain }],
        ]),
      ) as Record<string, { units: string[]; text: string }>,
    [sites],
  );
  const [customUnit, setCustomUnit] = useState('');
  const [history, setHistory] = useState(1000);
  const [jobsFollowing, setJobsFollowing] = useState(false);
  const [streamId, setStreamId] = useState<string | null>(null);
  const [follow, setFollow] = useState(true);
  const [filter, setFilter] = useState<LogFilter>({ text: '', level: 'all', status: 'all' });
  const [buffer, setBuffer] = useState<Buffered>({ items: [], dropped: 0 });
  const [note, setNote] = useState<string | null>(null);

  useEffect(() => {
    if (!streamId) return;
    const offData = api.on('logs.entries', (b) => {
      if (b.streamId !== streamId) return;
      setBuffer((prev) => appendBounded(prev, b.entries, CAPACITY));
    });
    const offEnd = api.on('logs.ended', (e) => {
      if (e.streamId === streamId) {
        setNote(e.message);
        setStreamId(null);
      }
    });
    return () => {
      offData();
      offEnd();
      void api.call('logs.stop', { streamId }).catch(() => undefined);
    };
  }, [streamId]);

  const start = async () => {
    setBuffer({ items: [], dropped: 0 });
    setNote(null);
    setFollow(true);
    if (source === JOBS && !customUnit) {
      setStreamId(null);
      setJobsFollowing(true);
      return;
    }
    setJobsFollowing(false);
    try {
      const site = siteSources[source];
      const units = customUnit ? [customUnit] : (site?.units ?? SOURCES[source]!);
      if (site?.text) setFilter((f) => ({ ...f, text: site.text }));
      setStreamId((await api.call('logs.follow', { serverId: chosen, units, backlog: history })).streamId);
    } catch (err) {
      setNote(errorText(err));
    }
  };

  // Hostdeck's own job logs: the stored lines of recent jobs, then new lines live.
  useEffect(() => {
    if (!jobsFollowing) return;
    let cancelled = false;
    const titles = new Map<string, string>();
    const toEntry = (l: JobLogLine): LogEntry => ({
      time: Date.parse(l.at),
      unit: titles.get(l.jobId) ?? 'job',
      level: l.stream === 'err' ? 'error' : 'info',
      message: l.text,
    });
    const off = api.on('jobs.log', (lines) =>
      setBuffer((prev) => appendBounded(prev, lines.map(toEntry), CAPACITY)),
    );
    const offJobs = api.on('jobs.updated', ({ job }) => titles.set(job.id, job.title));
    void (async () => {
      const jobs = await api.call('jobs.list', { limit: 20 });
      for (const j of jobs) titles.set(j.id, j.title);
      const logs = await Promise.all(jobs.map((j) => api.call('jobs.log', { id: j.id, limit: 10_000 })));
      const entries = logs
        .flat()
        .map(toEntry)
        .sort((a, b) => a.time - b.time);
      if (!cancelled)
        setBuffer((prev) => appendBounded({ items: [], dropped: 0 }, [...entries, ...prev.items], CAPACITY));
    })().catch((err: unknown) => setNote(errorText(err)));
    return () => {
      cancelled = true;
      off();
      offJobs();
    };
  }, [jobsFollowing]);

  const visible = useMemo(() => buffer.items.filter((e) => matches(e, filter)), [buffer, filter]);

  const exportLines = () => {
    const text = visible
      .map((e: LogEntry) => `${new Date(e.time).toISOString()}\t${e.unit}\t${e.level}\t${e.message}`)
      .join('\n');
    const a = document.createElement('a');
    a.href = URL.createObjectURL(new Blob([`${text}\n`], { type: 'text/plain' }));
    a.download = `hostdeck-logs-${new Date().toISOString().replace(/[:.]/g, '-')}.txt`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
  };

  return (
    <View
      title="Logs"
      className="logs-view"
      actions={
        <>
          <ServerSelect servers={servers} value={chosen} onChange={choose} />
          <select aria-label="Source" value={source} onChange={(e) => setSource(e.target.value)}>
            {[...Object.keys(SOURCES), ...Object.keys(siteSources)].map((k) => (
              <option key={k}>{k}</option>
            ))}
          </select>
          <input
            aria-label="Or a systemd unit"
            placeholder="or a unit, e.g. cron.service"
            value={customUnit}
            onChange={(e) => setCustomUnit(e.target.value)}
          />
          <select aria-label="History" value={history} onChange={(e) => setHistory(Number(e.target.value))}>
            {[1000, 10_000, 100_000].map((n) => (
              <option key={n} value={n}>
                last {n.toLocaleString('en')} lines
              </option>
            ))}
          </select>
          <button
            type="button"
            className="primary"
            disabled={!chosen && !(source === JOBS && !customUnit)}
            onClick={() => void start()}
          >
            {streamId ? 'Restart' : 'Follow'}
          </button>
        </>
      }
    >
      <div className="row log-filters">
        <input
          aria-label="Filter text"
          placeholder="Filter…"
          value={filter.text}
          onChange={(e) => setFilter((f) => ({ ...f, text: e.target.value }))}
        />
        <select
          aria-label="Level"
          value={filter.level}
          onChange={(e) => setFilter((f) => ({ ...f, level: e.target.value as LogFilter['level'] }))}
        >
          <option value="all">All levels</option>
          <option value="warning">Warnings and worse</option>
          <option value="error">Errors only</option>
        </select>
        <select
          aria-label="Time range"
          value={filter.sinceMinutes ?? 0}
          onChange={(e) => setFilter((f) => ({ ...f, sinceMinutes: Number(e.target.value) }))}
        >
          <option value={0}>Any time</option>
          <option value={15}>Last 15 minutes</option>
          <option value={60}>Last hour</option>
          <option value={1440}>Last 24 hours</option>
        </select>
        <select
          aria-label="Status"
          value={filter.status}
          onChange={(e) => setFilter((f) => ({ ...f, status: e.target.value as LogFilter['status'] }))}
        >
          <option value="all">Any status</option>
          {(['2xx', '3xx', '4xx', '5xx'] as const).map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
        <button type="button" onClick={() => setFollow((f) => !f)} aria-pressed={follow}>
          {follow ? 'Pause' : 'Follow'}
        </button>
        <button type="button" onClick={exportLines} disabled={visible.length === 0}>
          Export
        </button>
        <span className="muted" data-testid="log-count">
          {visible.length.toLocaleString()} shown of {buffer.items.length.toLocaleString()}
          {buffer.dropped > 0 ? ` (${buffer.dropped.toLocaleString()} older dropped)` : ''}
        </span>
      </div>
      {note && (
        <p className="muted" role="status">
          {note}
        </p>
      )}
      <VirtualList entries={visible} follow={follow} onUserScroll={(atBottom) => setFollow(atBottom)} />
    </View>
  );
}
