import type { ServerInfo } from '@contract';
import { useState } from 'react';
import { api } from '../../api/client';
import { ErrorAlert } from '../../components/ErrorAlert';
import { View } from '../../components/View';
import { useServers } from '../../stores/servers';
import { EditServerForm } from './EditServerForm';
import { ago, bytes, duration } from '../../lib/format';
import { statusFix, statusLabel } from './serverText';
import { HostKeyDialog } from './HostKeyDialog';
import { InstallKeyForm } from './InstallKeyForm';
import { MetricsCard } from '../monitor/MetricsCard';
import { ServerAlertsCard } from '../monitor/AlertsCard';
import { useAttempt } from '../../lib/useAttempt';

/** One server: its facts, its host key, and the actions that talk to it. */
export function ServerDetail({ server: s, onBack }: { server: ServerInfo; onBack(): void }) {
  const refresh = useServers((x) => x.refresh);
  const refreshing = useServers((x) => x.refreshing);
  const [keyDialog, setKeyDialog] = useState<'trust' | 'replace' | null>(null);
  const [installing, setInstalling] = useState(false);
  const { error, attempt: act } = useAttempt();
  const [confirmRemove, setConfirmRemove] = useState(false);
  const [editing, setEditing] = useState(false);

  return (
    <View
      title={s.name}
      back={{ label: '← All servers', onClick: onBack }}
      subtitle={
        <>
          {s.username}@{s.host}:{s.port} · {s.auth.kind === 'agent' ? 'ssh-agent' : s.auth.kind}
        </>
      }
      actions={
        <>
          <span className={`badge status-${s.status}`}>{statusLabel[s.status]}</span>
          <button type="button" onClick={() => setEditing(true)} disabled={editing}>
            Edit…
          </button>
          <button type="button" disabled={refreshing} onClick={() => void refresh([s.id])}>
            {refreshing ? 'Checking…' : 'Check now'}
          </button>
        </>
      }
    >
      <ErrorAlert message={s.lastError} />
      <ErrorAlert message={error} />

      {editing && <EditServerForm server={s} onDone={() => setEditing(false)} />}
      {(s.tags.length > 0 || s.notes) && !editing && (
        <div className="card">
          {s.tags.length > 0 && (
            <p>
              {s.tags.map((t) => (
                <span key={t} className="tag">
                  {t}
                </span>
              ))}
            </p>
          )}
          {s.notes && <p className="notes">{s.notes}</p>}
        </div>
      )}
      <div className="card">
        <h2>Facts</h2>
        {s.facts ? (
          <dl className="facts">
            <dt>System</dt>
            <dd>{s.facts.os.name}</dd>
            <dt>Kernel</dt>
            <dd>
              {s.facts.kernel} ({s.facts.arch})
            </dd>
            <dt>CPUs</dt>
            <dd>{s.facts.cpus}</dd>
            <dt>Memory</dt>
            <dd>
              {bytes(s.facts.memory.availableBytes)} free of {bytes(s.facts.memory.totalBytes)}
            </dd>
            <dt>Disk /</dt>
            <dd>
              {bytes(s.facts.disk.availableBytes)} free of {bytes(s.facts.disk.totalBytes)}
            </dd>
            <dt>Uptime</dt>
            <dd>{duration(s.facts.uptimeSeconds)}</dd>
            <dt>Load</dt>
            <dd>{s.facts.load.join(' · ')}</dd>
            <dt>systemd</dt>
            <dd>{s.facts.systemd ? 'yes' : 'no'}</dd>
            <dt>As of</dt>
            <dd>{ago(s.factsAt)}</dd>
          </dl>
        ) : (
          <p className="muted" data-testid="facts-missing">
            {s.status === 'unknown' || s.status === 'online'
              ? 'Not read yet. '
              : `Not read: ${statusLabel[s.status]}. `}
            {statusFix[s.status]}
          </p>
        )}
      </div>

      {s.hostKey && <MetricsCard serverId={s.id} />}
      {s.hostKey && <ServerAlertsCard serverId={s.id} />}

      <div className="card">
        <h2>Security</h2>
        <p>
          Host key:{' '}
          {s.hostKey ? (
            <span className="mono">
              {s.hostKey.type} {s.hostKey.fingerprint} (trusted {ago(s.hostKey.trustedAt)})
            </span>
          ) : (
            'not confirmed yet'
          )}
        </p>
        <div className="row">
          {!s.hostKey && (
            <button type="button" className="primary" onClick={() => setKeyDialog('trust')}>
              Confirm host key
            </button>
          )}
          {s.status === 'host-key-mismatch' && (
            <button type="button" onClick={() => setKeyDialog('replace')}>
              Replace host key…
            </button>
          )}
          {s.hostKey && !installing && (
            <button type="button" onClick={() => setInstalling(true)}>
              Install my key…
            </button>
          )}
        </div>
        {installing && <InstallKeyForm server={s} onDone={() => setInstalling(false)} />}
      </div>
      {keyDialog && (
        <HostKeyDialog
          server={s}
          mode={keyDialog}
          onDone={(updated) => {
            setKeyDialog(null);
            if (updated) void refresh([s.id]);
          }}
        />
      )}
      {confirmRemove ? (
        <div className="row" role="group" aria-label="Confirm removal">
          <span>Remove {s.name} from Hostdeck? The server itself is not touched.</span>
          <button
            type="button"
            className="danger"
            onClick={() =>
              void act(async () => {
                await api.call('servers.remove', { id: s.id });
                onBack();
              })
            }
          >
            Remove
          </button>
          <button type="button" onClick={() => setConfirmRemove(false)}>
            Keep it
          </button>
        </div>
      ) : (
        <button type="button" className="danger" onClick={() => setConfirmRemove(true)}>
          Remove from Hostdeck…
        </button>
      )}
    </View>
  );
}
