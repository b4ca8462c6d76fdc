import type { MonitorLatest, MonitorSeries, MonitorStatus } from '@contract';
import { useEffect, useState } from 'react';
import type { ReactNode } from 'react';
import { api, errorText } from '../../api/client';
import { ErrorAlert } from '../../components/ErrorAlert';
import { ago, bytes } from '../../lib/format';
import { Chart } from './Chart';
import type { ChartLine } from './Chart';
import { RANGES, useSeries } from './useSeries';
import type { Range } from './useSeries';
import './monitor.css';

const pct = (v: number) => `${Math.round(v)}%`;
const share = (v: number) => v * 100;
const rate = (v: number) => `${bytes(v)}/s`;

const CPU: ChartLine[] = [{ key: 'cpu', label: 'CPU', color: '--accent', scale: share }];
const MEMORY: ChartLine[] = [
  { key: 'mem', label: 'Memory', color: '--accent', scale: share },
  { key: 'swap', label: 'Swap', color: '--changed', scale: share },
];
const DISK: ChartLine[] = [
  { key: 'disk', label: 'Fullest disk', color: '--accent', scale: share },
  { key: 'inodes', label: 'Inodes', color: '--changed', scale: share },
];
const NET: ChartLine[] = [
  { key: 'rx', label: 'In', color: '--accent' },
  { key: 'tx', label: 'Out', color: '--ok' },
];
const LOAD: ChartLine[] = [
  { key: 'load1', label: 'Load (1 min)', color: '--accent' },
  { key: 'failed', label: 'Failed units', color: '--failed' },
];

/** The latest state and a server's charts over a range, from the local store (offline too). */
export function MetricsCard({ serverId }: { serverId: string }) {
  const { latest, status, sampling, sampleNow, error: sampleError } = useLatest(serverId);
  return (
    <MetricsFrame
      id="metrics-title"
      serverId={serverId}
      site={null}
      empty={(range) => `No samples in this range${range.kind === 'last' ? ' yet' : ''}.`}
      before={
        <>
          <p className="muted" data-testid="sample-status">
            {status?.lastSampleAt
              ? `Sampled ${ago(status.lastSampleAt)}, every ${status.intervalSeconds} s while Hostdeck is unlocked.`
              : 'Not sampled yet: Hostdeck samples every server with a confirmed host key every 15 s while unlocked.'}{' '}
            <button type="button" className="link" disabled={sampling} onClick={() => void sampleNow()}>
              {sampling ? 'Sampling…' : 'Sample now'}
            </button>
          </p>
          <ErrorAlert message={status?.lastError ? `The last sample failed: ${status.lastError}` : null} />
          <ErrorAlert message={sampleError} />
          {latest && <NowStrip latest={latest} />}
        </>
      }
    >
      {(data, zoom) => (
        <>
          <Chart title="CPU" data={data} lines={CPU} format={pct} yMax={100} onZoom={zoom} />
          <Chart title="Memory and swap" data={data} lines={MEMORY} format={pct} yMax={100} onZoom={zoom} />
          <Chart title="Disk and inodes" data={data} lines={DISK} format={pct} yMax={100} onZoom={zoom} />
          <Chart title="Network" data={data} lines={NET} format={rate} onZoom={zoom} />
          <Chart
            title="Load and failed units"
            data={data}
            lines={LOAD}
            format={(v) => v.toFixed(1)}
            onZoom={zoom}
          />
        </>
      )}
    </MetricsFrame>
  );
}

/** A metrics card: its heading and range, what comes first, then the charts of the range read. */
function MetricsFrame({
  id,
  serverId,
  site,
  empty,
  before,
  children,
}: {
  id: string;
  serverId: string;
  site: string | null;
  empty(range: Range): string;
  before?: ReactNode;
  children(data: MonitorSeries, zoom: (from: number, to: number) => void): ReactNode;
}) {
  const [range, setRange] = useState<Range>({ kind: 'last', ms: RANGES[0].ms });
  const { data, error } = useSeries(serverId, site, range);
  const zoom = (from: number, to: number) => setRange({ kind: 'zoom', from, to });
  return (
    <section className="card metrics" aria-labelledby={id}>
      <div className="row spread">
        <h2 id={id}>Metrics</h2>
        <RangePicker range={range} onChange={setRange} />
      </div>
      {before}
      <ErrorAlert message={error} />
      {data.at.length === 0 ? (
        <p className="muted" data-testid="no-samples">
          {empty(range)}
        </p>
      ) : (
        <div className="chart-grid" data-step={data.step}>
          {children(data, zoom)}
        </div>
      )}
    </section>
  );
}

/** The range buttons; a zoomed range shows its span and a way back. */
export function RangePicker({ range, onChange }: { range: Range; onChange(r: Range): void }) {
  return (
    <div className="row range-picker" role="group" aria-label="Time range">
      {range.kind === 'zoom' && (
        <>
          <span className="muted">
            {new Date(range.from).toLocaleString()} – {new Date(range.to).toLocaleTimeString()}
          </span>
          <button type="button" onClick={() => onChange({ kind: 'last', ms: RANGES[0].ms })}>
            Back to now
          </button>
        </>
      )}
      {RANGES.map((r) => (
        <button
          key={r.label}
          type="button"
          aria-pressed={range.kind === 'last' && range.ms === r.ms}
          onClick={() => onChange({ kind: 'last', ms: r.ms })}
        >
          {r.label}
        </button>
      ))}
    </div>
  );
}

function NowStrip({ latest: l }: { latest: MonitorLatest }) {
  const memUsed = 1 - l.memory.availableBytes / l.memory.totalBytes;
  const down = l.sites.filter((s) => s.state !== 'active');
  return (
    <dl className="now-strip" aria-label="Now">
      <div>
        <dt>CPU</dt>
        <dd>{l.cpu === null ? '–' : pct(l.cpu * 100)}</dd>
      </div>
      <div>
        <dt>Memory</dt>
        <dd>
          {pct(memUsed * 100)} of {bytes(l.memory.totalBytes)}
        </dd>
      </div>
      <div>
        <dt>Load</dt>
        <dd>{l.load.map((v) => v.toFixed(2)).join(' · ')}</dd>
      </div>
      {l.mounts.map((m) => (
        <div key={m.mount}>
          <dt>Disk {m.mount}</dt>
          <dd className={m.availableBytes / m.totalBytes < 0.1 ? 'bad' : undefined}>
            {bytes(m.availableBytes)} free of {bytes(m.totalBytes)}
          </dd>
        </div>
      ))}
      <div>
        <dt>Caddy · MariaDB</dt>
        <dd>
          <ServiceState state={l.services.caddy} /> · <ServiceState state={l.services.mariadb} />
        </dd>
      </div>
      <div>
        <dt>Sites</dt>
        <dd className={down.length ? 'bad' : undefined}>
          {l.sites.length === 0
            ? 'none'
            : down.length
              ? `${down.map((s) => `${s.slug} ${s.state}`).join(', ')}`
              : `${l.sites.length} running`}
        </dd>
      </div>
      <div>
        <dt>Failed units</dt>
        <dd className={l.failedUnits.length ? 'bad' : undefined} data-testid="failed-units">
          {l.failedUnits.length ? l.failedUnits.join(', ') : 'none'}
        </dd>
      </div>
    </dl>
  );
}

function ServiceState({ state }: { state: 'up' | 'down' | 'absent' }) {
  return (
    <span className={state === 'down' ? 'bad' : undefined}>
      {state === 'absent' ? 'not installed' : state}
    </span>
  );
}

/** The newest sample and the sampler's word on the server, kept current by its events. */
function useLatest(serverId: string) {
  const [latest, setLatest] = useState<MonitorLatest | null>(null);
  const [status, setStatus] = useState<MonitorStatus | null>(null);
  const [sampling, setSampling] = useState(false);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    const load = () =>
      Promise.all([api.call('monitor.latest', { serverId }), api.call('monitor.status', {})]).then(
        ([{ latest }, all]) => {
          if (!live) return;
          setLatest(latest);
          setStatus(all.find((s) => s.serverId === serverId) ?? null);
        },
        (err: unknown) => live && setError(errorText(err)),
      );
    void load();
    const off = api.on('monitor.sampled', (p) => {
      if (p.serverId === serverId) void load();
    });
    return () => {
      live = false;
      off();
    };
  }, [serverId]);
  const sampleNow = async () => {
    setSampling(true);
    setError(null);
    try {
      await api.call('monitor.sample', { serverId });
    } catch (err) {
      setError(errorText(err));
    } finally {
      setSampling(false);
    }
  };
  return { latest, status, sampling, sampleNow, error };
}

const SITE_UP: ChartLine[] = [{ key: 'up', label: 'Running', color: '--ok', scale: share }];
const SITE_CPU: ChartLine[] = [{ key: 'cpu', label: 'CPU (cores)', color: '--accent' }];
const SITE_MEM: ChartLine[] = [{ key: 'mem', label: 'Memory', color: '--accent' }];

/** A site's unit over time: whether it ran, and the CPU and memory of its processes. */
export function SiteMetricsCard({ serverId, slug }: { serverId: string; slug: string }) {
  return (
    <MetricsFrame
      id="site-metrics-title"
      serverId={serverId}
      site={slug}
      empty={() =>
        'No samples of this site in this range: its server is sampled every 15 s while Hostdeck is unlocked.'
      }
    >
      {(data, zoom) => (
        <>
          <Chart
            title="Running"
            data={data}
            lines={SITE_UP}
            format={pct}
            yMax={100}
            onZoom={zoom}
            height={110}
          />
          <Chart
            title="CPU"
            data={data}
            lines={SITE_CPU}
            format={(v) => v.toFixed(2)}
            onZoom={zoom}
            height={110}
          />
          <Chart title="Memory" data={data} lines={SITE_MEM} format={bytes} onZoom={zoom} height={110} />
        </>
      )}
    </MetricsFrame>
  );
}
