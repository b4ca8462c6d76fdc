import type { AlertRule, AlertRuleName, AlertWithContext, MonitorSilence } from '@contract';
import { useEffect, useState } from 'react';
import { api, errorText } from '../../api/client';
import { useNavigation } from '../../app/navigation';
import { ErrorAlert } from '../../components/ErrorAlert';
import { ago } from '../../lib/format';
import { actionText } from '../audit/auditText';
import './monitor.css';

export const ruleLabel: Record<AlertRuleName, string> = {
  disk: 'Disk almost full',
  inodes: 'Inodes almost used up',
  'disk-forecast': 'Disk fills up soon',
  memory: 'Memory almost used up',
  'failed-unit': 'A unit failed',
  'site-down': 'A site is not running',
  'service-down': 'Caddy or MariaDB down',
  unreachable: 'Server unreachable',
  'backup-overdue': 'Backups overdue',
  'backup-failed': 'Backups failing',
  'job-failed': 'Scheduled job failed',
};

/** Alerts, read again whenever one fires or recovers. */
export function useAlerts(serverId: string | null, active: boolean, limit = 50) {
  const [alerts, setAlerts] = useState<AlertWithContext[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    const load = () =>
      api.call('monitor.alerts', { ...(serverId ? { serverId } : {}), active, limit }).then(
        (list) => live && setAlerts(list),
        (err: unknown) => live && setError(errorText(err)),
      );
    void load();
    const off = api.on('monitor.alert', (a) => {
      if (!serverId || a.serverId === serverId) void load();
    });
    return () => {
      live = false;
      off();
    };
  }, [serverId, active, limit]);
  return { alerts, error };
}

/** The fleet's firing alerts above the server list (the first 50 listed); nothing when all is well. */
export function FleetAlerts({ alerts, error }: { alerts: AlertWithContext[] | null; error: string | null }) {
  const open = useNavigation((s) => s.open);
  if (!alerts?.length && !error) return null;
  return (
    <section className="card alerts firing" aria-labelledby="fleet-alerts-title">
      <h2 id="fleet-alerts-title">Firing alerts ({alerts?.length ?? 0})</h2>
      <ErrorAlert message={error} />
      <ul className="alert-list">
        {alerts?.slice(0, 50).map((a) => (
          <li key={a.id} data-rule={a.rule}>
            <button
              type="button"
              className="link"
              onClick={() => open({ kind: 'server', serverId: a.serverId })}
            >
              {a.serverName}
            </button>
            : <AlertLine alert={a} />
          </li>
        ))}
      </ul>
    </section>
  );
}

/** A server's alerts: the firing ones first, then the history; its silence and its rules. */
export function ServerAlertsCard({ serverId }: { serverId: string }) {
  const { alerts, error } = useAlerts(serverId, false);
  const [editing, setEditing] = useState(false);
  const firing = alerts?.filter((a) => !a.resolvedAt) ?? [];
  const past = alerts?.filter((a) => a.resolvedAt) ?? [];
  return (
    <section className="card alerts" aria-labelledby="alerts-title">
      <div className="row spread">
        <h2 id="alerts-title">Alerts</h2>
        <SilenceControl serverId={serverId} />
      </div>
      <ErrorAlert message={error} />
      {alerts && alerts.length === 0 && <p className="muted">No alerts on this server so far.</p>}
      <AlertList label="Firing" state="firing" alerts={firing} />
      {past.length > 0 && (
        <details>
          <summary>History ({past.length})</summary>
          <AlertList label="History" state="resolved" alerts={past} />
        </details>
      )}
      {editing ? (
        <RulesEditor serverId={serverId} onDone={() => setEditing(false)} />
      ) : (
        <button type="button" className="link" onClick={() => setEditing(true)}>
          Alert rules…
        </button>
      )}
    </section>
  );
}

function AlertList({ label, state, alerts }: { label: string; state: string; alerts: AlertWithContext[] }) {
  if (alerts.length === 0) return null;
  return (
    <ul className="alert-list" aria-label={label}>
      {alerts.map((a) => (
        <li key={a.id} data-rule={a.rule} data-state={state}>
          <AlertLine alert={a} />
        </li>
      ))}
    </ul>
  );
}

function AlertLine({ alert: a }: { alert: AlertWithContext }) {
  return (
    <>
      <strong className={a.resolvedAt ? undefined : 'bad'}>{ruleLabel[a.rule]}</strong> {a.summary}{' '}
      <span className="muted">
        since {ago(a.startedAt)}
        {a.resolvedAt ? `, recovered ${ago(a.resolvedAt)}` : ''}
        {a.silenced ? ' · silenced' : ''}
      </span>
      {a.changesBefore.length > 0 && (
        <p className="alert-context muted">
          Changed shortly before:{' '}
          {a.changesBefore
            .map((c) => `${new Date(c.at).toLocaleTimeString()} ${actionText(c.action)}`)
            .join(' · ')}
        </p>
      )}
    </>
  );
}

const SILENCE_FOR = [
  { label: '30 minutes', minutes: 30 },
  { label: '2 hours', minutes: 120 },
  { label: '8 hours', minutes: 480 },
  { label: '1 day', minutes: 1440 },
];

/** Silence a server's notifications for a maintenance window, or end the silence. */
function SilenceControl({ serverId }: { serverId: string }) {
  const [silence, setSilence] = useState<MonitorSilence | null>(null);
  const [asking, setAsking] = useState(false);
  const [minutes, setMinutes] = useState(120);
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    api.call('monitor.silences', {}).then(
      (all) => live && setSilence(all.find((s) => s.serverId === serverId) ?? null),
      (err: unknown) => live && setError(errorText(err)),
    );
    return () => {
      live = false;
    };
  }, [serverId]);
  const act = async (fn: () => Promise<MonitorSilence>) => {
    setError(null);
    try {
      const s = await fn();
      setSilence(s.until ? s : null);
      setAsking(false);
    } catch (err) {
      setError(errorText(err));
    }
  };
  if (silence?.until) {
    return (
      <p className="row" data-testid="silenced">
        <span>
          Notifications silenced until {new Date(silence.until).toLocaleString()} ({silence.reason}).
        </span>
        <button type="button" onClick={() => void act(() => api.call('monitor.unsilence', { serverId }))}>
          End silence
        </button>
      </p>
    );
  }
  if (!asking) {
    return (
      <button type="button" onClick={() => setAsking(true)}>
        Silence…
      </button>
    );
  }
  return (
    <form
      className="row silence-form"
      aria-label="Silence notifications"
      onSubmit={(e) => {
        e.preventDefault();
        void act(() => api.call('monitor.silence', { serverId, minutes, reason }));
      }}
    >
      <label>
        For{' '}
        <select value={minutes} onChange={(e) => setMinutes(Number(e.target.value))}>
          {SILENCE_FOR.map((o) => (
            <option key={o.minutes} value={o.minutes}>
              {o.label}
            </option>
          ))}
        </select>
      </label>
      <label>
        Why <input value={reason} onChange={(e) => setReason(e.target.value)} placeholder="kernel upgrade" />
      </label>
      <button type="submit" className="primary">
        Silence
      </button>
      <button type="button" onClick={() => setAsking(false)}>
        Cancel
      </button>
      <ErrorAlert message={error} />
    </form>
  );
}

const isShare = (rule: AlertRuleName) => rule === 'disk' || rule === 'inodes' || rule === 'memory';
const num = (v: string) => (v.trim() === '' ? NaN : Number(v));
/** A share shown as a percentage (one decimal kept), an emptied field as empty, not NaN. */
const shown = (v: number, percent: boolean) =>
  Number.isNaN(v) ? '' : percent ? String(Math.round(v * 1000) / 10) : String(v);

/** A rule's firing or clearing mark: a percentage, hours left for the forecast, or no number. */
function MarkCell({
  rule: r,
  mark,
  label,
  otherwise,
  edit,
}: {
  rule: AlertRule;
  mark: 'threshold' | 'clearAt';
  label: string;
  otherwise: string;
  edit(rule: AlertRuleName, patch: Partial<AlertRule>): void;
}) {
  const share = isShare(r.rule);
  if (!share && r.rule !== 'disk-forecast') return <td>{otherwise}</td>;
  return (
    <td>
      <input
        className="rule-number"
        aria-label={`${ruleLabel[r.rule]} ${label}`}
        value={shown(r[mark], share)}
        onChange={(e) => edit(r.rule, { [mark]: share ? num(e.target.value) / 100 : num(e.target.value) })}
      />
      {share ? ' %' : ' h left'}
    </td>
  );
}

/** The server's rules: each can be turned off, or given other marks and another `for`. */
function RulesEditor({ serverId, onDone }: { serverId: string; onDone(): void }) {
  const [rules, setRules] = useState<AlertRule[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    api.call('monitor.rules', { serverId }).then(
      (r) => live && setRules(r),
      (err: unknown) => live && setError(errorText(err)),
    );
    return () => {
      live = false;
    };
  }, [serverId]);
  const edit = (rule: AlertRuleName, patch: Partial<AlertRule>) =>
    setRules((rs) => rs?.map((r) => (r.rule === rule ? { ...r, ...patch } : r)) ?? null);
  const save = async (r: AlertRule) => {
    setError(null);
    try {
      setRules(await api.call('monitor.setRule', { serverId, ...r }));
      setSaved(r.rule);
    } catch (err) {
      setError(errorText(err));
    }
  };
  return (
    <div className="rules" role="group" aria-label="Alert rules">
      <ErrorAlert message={error} />
      <table className="rules-table">
        <thead>
          <tr>
            <th>Rule</th>
            <th>On</th>
            <th>Fires at</th>
            <th>Clears at</th>
            <th>For (s)</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {rules?.map((r) => (
            <tr key={r.rule} data-rule={r.rule}>
              <td>{ruleLabel[r.rule]}</td>
              <td>
                <input
                  type="checkbox"
                  aria-label={`${ruleLabel[r.rule]} on`}
                  checked={r.enabled}
                  onChange={(e) => edit(r.rule, { enabled: e.target.checked })}
                />
              </td>
              <MarkCell rule={r} mark="threshold" label="fires at" otherwise="any" edit={edit} />
              <MarkCell rule={r} mark="clearAt" label="clears at" otherwise="once gone" edit={edit} />
              <td>
                <input
                  className="rule-number"
                  aria-label={`${ruleLabel[r.rule]} for seconds`}
                  value={shown(r.forSeconds, false)}
                  onChange={(e) => edit(r.rule, { forSeconds: num(e.target.value) })}
                />
              </td>
              <td>
                <button type="button" onClick={() => void save(r)}>
                  {saved === r.rule ? 'Saved' : 'Save'}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <button type="button" onClick={onDone}>
        Close
      </button>
    </div>
  );
}
