import type { ServerFacts, ServerInfo } from '@contract';
import { useEffect, useState } from 'react';
import { DataTable } from '../../components/DataTable';
import type { Column } from '../../components/DataTable';
import { ErrorAlert } from '../../components/ErrorAlert';
import { View } from '../../components/View';
import { followServers, useServers } from '../../stores/servers';
import { openedServer } from '../../app/navigation';
import { FleetOverview } from '../monitor/FleetHealth';
import { AddServerForm } from './AddServerForm';
import { ago, bytes } from '../../lib/format';
import { osShort, statusLabel } from './serverText';
import { HostKeyDialog } from './HostKeyDialog';
import { ServerDetail } from './ServerDetail';
import { EmptyState } from '../../components/EmptyState';
import { OpenFormButton } from '../../components/OpenFormButton';

/** The fleet: every server with its status and last-known facts, refreshed in parallel. */
export function ServersView() {
  const { servers, loaded, refreshing, error, refresh } = useServers();
  const [adding, setAdding] = useState(false);
  const [confirming, setConfirming] = useState<ServerInfo | null>(null);
  const [selected, setSelected] = useState<string | null>(openedServer);
  useEffect(followServers, []);

  const current = servers.find((s) => s.id === selected);
  if (current) return <ServerDetail server={current} onBack={() => setSelected(null)} />;

  return (
    <View
      title="Servers"
      actions={
        <>
          <button type="button" disabled={refreshing || servers.length === 0} onClick={() => void refresh()}>
            {refreshing ? 'Refreshing…' : 'Refresh all'}
          </button>
          <OpenFormButton label="Add server" open={adding} onOpen={() => setAdding(true)} />
        </>
      }
    >
      <ErrorAlert message={error} />
      <FleetOverview />
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
        <EmptyState title="No servers yet">
          <p>
            Add a Debian or Ubuntu server you can reach over SSH. Hostdeck installs nothing on it until you
            ask.
          </p>
        </EmptyState>
      )}
      {servers.length > 0 && (
        <DataTable
          label="Fleet"
          className="fleet"
          rows={servers}
          rowKey={(s) => s.id}
          rowData={(s) => ({ 'data-server': s.name, 'data-status': s.status })}
          columns={fleetColumns(setSelected, setConfirming)}
        />
      )}
    </View>
  );
}

/** The fleet table: the name opens the server; an unknown host key can be confirmed from its row. */
function fleetColumns(open: (id: string) => void, confirm: (s: ServerInfo) => void): Column<ServerInfo>[] {
  return [
    {
      header: 'Server',
      cell: (s) => (
        <>
          <button type="button" className="link" onClick={() => open(s.id)}>
            {s.name}
          </button>
          <div className="muted mono address">
            {s.username}@{s.host}:{s.port}
          </div>
        </>
      ),
    },
    {
      header: 'Status',
      cell: (s) => (
        <>
          <span className={`badge status-${s.status}`} title={s.lastError ?? undefined}>
            {statusLabel[s.status]}
          </span>
          {s.status === 'host-key-unknown' && (
            <button type="button" className="link" onClick={() => confirm(s)}>
              Confirm
            </button>
          )}
          {s.lastError && s.status !== 'online' && (
            <div className="status-reason" title={s.lastError}>
              {s.lastError}
            </div>
          )}
        </>
      ),
    },
    {
      header: 'System',
      cell: (s) => (s.facts ? `${osShort(s.facts.os)} · ${s.facts.arch}` : '—'),
      cellProps: (s) => ({ title: s.facts?.os.name }),
    },
    { header: 'Load', cell: (s) => (s.facts ? s.facts.load.map((l) => l.toFixed(2)).join(' ') : '—') },
    usage('Memory', (f) => ({
      used: f.memory.totalBytes - f.memory.availableBytes,
      total: f.memory.totalBytes,
    })),
    usage('Disk', (f) => ({ used: f.disk.usedBytes, total: f.disk.totalBytes })),
    { header: 'As of', cell: (s) => ago(s.factsAt), cellProps: (s) => ({ title: s.factsAt ?? undefined }) },
  ];
}

/** Percentage in the cell, exact figures in the tooltip. */
function usage(
  header: string,
  of: (facts: ServerFacts) => { used: number; total: number },
): Column<ServerInfo> {
  const figures = (s: ServerInfo) => (s.facts && of(s.facts).total ? of(s.facts) : null);
  return {
    header,
    cell: (s) => {
      const u = figures(s);
      return u ? `${Math.round((u.used / u.total) * 100)}%` : '—';
    },
    cellProps: (s) => {
      const u = figures(s);
      return { title: u ? `${bytes(u.used)} of ${bytes(u.total)}` : undefined };
    },
  };
}
