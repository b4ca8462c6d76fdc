import type { ServerInfo } from '@contract';
import { useEffect, useState } from 'react';
import { followServers, useServers } from '../../stores/servers';
import { AddServerForm } from './AddServerForm';
import { ago, bytes, osShort, statusLabel } from './format';
import { HostKeyDialog } from './HostKeyDialog';
import { ServerDetail } from './ServerDetail';

/** The fleet: every server with its status and last-known facts, refreshed in parallel. */
export function ServersView() {
  const { servers, loaded, refreshing, error, refresh } = useServers();
  const [adding, setAdding] = useState(false);
  const [confirming, setConfirming] = useState<ServerInfo | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  useEffect(followServers, []);

  const current = servers.find((s) => s.id === selected);
  if (current) return <ServerDetail server={current} onBack={() => setSelected(null)} />;

  return (
    <section className="view" aria-labelledby="view-title">
      <header className="view-header">
        <h1 id="view-title">Servers</h1>
        <div className="row">
          <button type="button" disabled={refreshing || servers.length === 0} onClick={() => void refresh()}>
            {refreshing ? 'Refreshing…' : 'Refresh all'}
          </button>
          <button type="button" className="primary" onClick={() => setAdding(true)} disabled={adding}>
            Add server
          </button>
        </div>
      </header>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {adding && (
        <AddServerForm
          onCancel={() => setAdding(false)}
          onAdded={(s) => {
            setAdding(false);
            setConfirming(s);
          }}
        />
      )}
      {confirming && (
        <HostKeyDialog
          server={confirming}
          mode="trust"
          onDone={(s) => {
            setConfirming(null);
            if (s) void refresh([s.id]);
          }}
        />
      )}
      {loaded && servers.length === 0 && !adding && (
        <div className="empty-state" role="status">
          <p className="empty-title">No servers yet</p>
          <p>
            Add a Debian or Ubuntu server you can reach over SSH. Hostdeck installs nothing on it until you
            ask.
          </p>
        </div>
      )}
      {servers.length > 0 && (
        <div className="table-wrap">
          <table className="table fleet" aria-label="Fleet">
            <thead>
              <tr>
                <th scope="col">Server</th>
                <th scope="col">Status</th>
                <th scope="col">System</th>
                <th scope="col">Load</th>
                <th scope="col">Memory</th>
                <th scope="col">Disk</th>
                <th scope="col">As of</th>
              </tr>
            </thead>
            <tbody>
              {servers.map((s) => (
                <tr key={s.id} data-server={s.name} data-status={s.status}>
                  <td>
                    <button type="button" className="link" onClick={() => setSelected(s.id)}>
                      {s.name}
                    </button>
                    <div className="muted mono address">
                      {s.username}@{s.host}:{s.port}
                    </div>
                  </td>
                  <td>
                    <span className={`badge status-${s.status}`} title={s.lastError ?? undefined}>
                      {statusLabel[s.status]}
                    </span>
                    {s.status === 'host-key-unknown' && (
                      <button type="button" className="link" onClick={() => setConfirming(s)}>
                        Confirm
                      </button>
                    )}
                  </td>
                  <td title={s.facts?.os.name}>
                    {s.facts ? `${osShort(s.facts.os)} · ${s.facts.arch}` : '—'}
                  </td>
                  <td>{s.facts ? s.facts.load.map((l) => l.toFixed(2)).join(' ') : '—'}</td>
                  <Usage
                    used={s.facts ? s.facts.memory.totalBytes - s.facts.memory.availableBytes : null}
                    total={s.facts?.memory.totalBytes}
                  />
                  <Usage used={s.facts?.disk.usedBytes ?? null} total={s.facts?.disk.totalBytes} />
                  <td title={s.factsAt ?? undefined}>{ago(s.factsAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/** Percentage in the cell, exact figures in the tooltip. */
function Usage({ used, total }: { used: number | null; total: number | undefined }) {
  if (used === null || !total) return <td>—</td>;
  return <td title={`${bytes(used)} of ${bytes(total)}`}>{Math.round((used / total) * 100)}%</td>;
}
