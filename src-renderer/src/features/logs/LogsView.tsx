import type { LogEntry } from '@contract';
import { useMemo } from 'react';
import { OneServerView, useChosenServer } from '../../components/ServerSelect';
import { matches } from './ring';
import type { LogFilter } from './ring';
import { useLogs } from './store';
import { VirtualList } from './VirtualList';
import { useServerSites } from '../sites/useServerSites';

const JOBS = 'Hostdeck jobs (this laptop)';
const SOURCES: Record<string, string[]> = {
  'Caddy (access and errors)': ['caddy.service'],
  MariaDB: ['mariadb.service'],
  'SSH daemon': ['ssh.service'],
  fail2ban: ['fail2ban.service'],
  [JOBS]: [],
};

/**
 * Live logs from a server's journal: follow or pause, filter, export; bounded to 100,000 entries. The
 * stream is the window's (the logs store): leaving this view keeps it streaming.
 */
export function LogsView() {
  const logs = useLogs();
  const picker = useChosenServer(logs.serverId, (serverId) => logs.choose({ serverId }));
  const { chosen } = picker;
  const source = logs.source || Object.keys(SOURCES)[0]!;
  const { customUnit, history, streamId, follow, filter, buffer, note } = logs;
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

  const start = () => {
    if (source === JOBS && !customUnit) return logs.followJobLogs();
    const site = siteSources[source];
    const units = customUnit ? [customUnit] : (site?.units ?? SOURCES[source]!);
    void logs.followUnits(chosen, units, history, site?.text);
  };

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
    <OneServerView
      title="Logs"
      className="logs-view"
      picker={picker}
      actions={
        <>
          <select
            aria-label="Source"
            value={source}
            onChange={(e) => logs.choose({ source: e.target.value })}
          >
            {[...Object.keys(SOURCES), ...Object.keys(siteSources)].map((k) => (
              <option key={k}>{k}</option>
            ))}
          </select>
          <input
            aria-label="Or a systemd unit"
            placeholder="or a unit, e.g. cron.service"
            value={customUnit}
            onChange={(e) => logs.choose({ customUnit: e.target.value })}
          />
          <select
            aria-label="History"
            value={history}
            onChange={(e) => logs.choose({ history: Number(e.target.value) })}
          >
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
            onClick={start}
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
          onChange={(e) => logs.setFilter({ text: e.target.value })}
        />
        <select
          aria-label="Level"
          value={filter.level}
          onChange={(e) => logs.setFilter({ level: e.target.value as LogFilter['level'] })}
        >
          <option value="all">All levels</option>
          <option value="warning">Warnings and worse</option>
          <option value="error">Errors only</option>
        </select>
        <select
          aria-label="Time range"
          value={filter.sinceMinutes ?? 0}
          onChange={(e) => logs.setFilter({ sinceMinutes: Number(e.target.value) })}
        >
          <option value={0}>Any time</option>
          <option value={15}>Last 15 minutes</option>
          <option value={60}>Last hour</option>
          <option value={1440}>Last 24 hours</option>
        </select>
        <select
          aria-label="Status"
          value={filter.status}
          onChange={(e) => logs.setFilter({ status: e.target.value as LogFilter['status'] })}
        >
          <option value="all">Any status</option>
          {(['2xx', '3xx', '4xx', '5xx'] as const).map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
        <button type="button" onClick={() => logs.choose({ follow: !follow })} aria-pressed={follow}>
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
      <VirtualList
        entries={visible}
        follow={follow}
        onUserScroll={(atBottom) => {
          if (atBottom !== follow) logs.choose({ follow: atBottom });
        }}
      />
    </OneServerView>
  );
}
