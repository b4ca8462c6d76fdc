import type { ModuleName, ModuleStatus } from '@contract';
import { useCallback, useState } from 'react';
import { api, errorText, HostdeckError } from '../../api/client';
import { DataTable } from '../../components/DataTable';
import type { Column } from '../../components/DataTable';
import { ErrorAlert } from '../../components/ErrorAlert';
import { ServerSelect, useChosenServer } from '../../components/ServerSelect';
import { View } from '../../components/View';
import { ProvisionPanel } from './ProvisionPanel';
import { EmptyState } from '../../components/EmptyState';

type Verb = 'install' | 'enable' | 'disable' | 'remove';

/**
 * Provisioning: install server modules on a server (Caddy, MariaDB, the firewall…), and see each
 * one's real state read back from the host. (A tenant's "feature modules" are another thing.)
 */
export function ProvisionView() {
  const { servers, chosen, choose } = useChosenServer();
  const [statuses, setStatuses] = useState<ModuleStatus[] | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const refresh = useCallback(async () => {
    if (!chosen) return;
    setLoading(true);
    setError(null);
    try {
      setStatuses(await api.call('provision.status', { serverId: chosen }));
    } catch (err) {
      setError(errorText(err));
    } finally {
      setLoading(false);
    }
  }, [chosen]);

  // An action that would take sites offline or open the server up: what Hostdeck answered, shown
  // with a field for the server's name before it is sent again.
  const [pending, setPending] = useState<{ module: ModuleName; verb: Verb; message: string } | null>(null);
  const act = (module: ModuleName, verb: Verb, confirm?: string) => {
    setError(null);
    api
      .call('provision.action', {
        serverId: chosen,
        module,
        verb,
        ...(confirm === undefined ? {} : { confirm }),
      })
      .then(() => setPending(null))
      .catch((err: unknown) => {
        if (err instanceof HostdeckError && err.field === 'confirm' && confirm === undefined) {
          setPending({ module, verb, message: err.message });
        } else setError(errorText(err));
      });
  };

  return (
    <View
      title="Provisioning"
      actions={
        <>
          <ServerSelect
            servers={servers}
            value={chosen}
            onChange={(id) => {
              choose(id);
              setStatuses(null);
            }}
          />
          <button type="button" disabled={!chosen || loading} onClick={() => void refresh()}>
            {loading ? 'Reading…' : 'Read status from host'}
          </button>
        </>
      }
    >
      {servers.length === 0 && (
        <EmptyState title="No servers yet">
          <p>Add a server first; server modules are installed on it over SSH.</p>
        </EmptyState>
      )}
      <ErrorAlert message={error} />
      {pending && (
        <ConfirmAction
          key={`${pending.module}-${pending.verb}`}
          serverName={servers.find((s) => s.id === chosen)?.name ?? ''}
          {...pending}
          onConfirm={(typed) => act(pending.module, pending.verb, typed)}
          onCancel={() => setPending(null)}
        />
      )}
      {chosen && <ProvisionPanel key={chosen} serverId={chosen} onFinished={refresh} />}
      {statuses && (
        <DataTable
          label="Server module status"
          rows={statuses}
          rowKey={(m) => m.name}
          rowData={(m) => ({ 'data-module': m.name })}
          columns={statusColumns(act)}
        />
      )}
    </View>
  );
}

/** What the host said of each server module, and the verbs that apply to it. */
function statusColumns(act: (module: ModuleName, verb: Verb) => void): Column<ModuleStatus>[] {
  return [
    { header: 'Server module', cell: (m) => m.name },
    { header: 'Installed', cell: (m) => (m.installed ? (m.version ?? 'yes') : 'no') },
    { header: 'Enabled', cell: (m) => (m.enabled ? 'yes' : 'no') },
    {
      header: 'Active',
      cell: (m) => (m.active ? 'yes' : 'no'),
      cellProps: (m) => ({ className: m.installed && !m.active ? 'error' : undefined }),
    },
    {
      header: 'Drift',
      cell: (m) => m.error ?? (m.drift.join(', ') || 'none'),
      cellProps: (m) => ({ className: m.drift.length ? 'warning' : 'muted' }),
    },
    {
      header: 'Actions',
      cell: (m) =>
        (m.installed ? (['enable', 'disable', 'remove'] as Verb[]) : (['install'] as Verb[])).map((verb) => (
          <button
            key={verb}
            type="button"
            className={verb === 'remove' ? 'danger' : undefined}
            onClick={() => act(m.name as ModuleName, verb)}
          >
            {verb}
          </button>
        )),
      cellProps: () => ({ className: 'row' }),
    },
  ];
}

/** What a destructive module action breaks, and the server's name typed before it runs. */
function ConfirmAction(props: {
  module: ModuleName;
  verb: Verb;
  message: string;
  serverName: string;
  onConfirm(typed: string): void;
  onCancel(): void;
}) {
  const [typed, setTyped] = useState('');
  return (
    <div className="card confirm" role="dialog" aria-labelledby="confirm-module-title">
      <h3 id="confirm-module-title">
        {props.verb} {props.module} on {props.serverName}?
      </h3>
      <p>{props.message}</p>
      <label className="stack">
        Server name
        <input
          value={typed}
          onChange={(e) => setTyped(e.target.value)}
          aria-label="Type the server's name to confirm"
          autoFocus
        />
      </label>
      <div className="row">
        <button
          type="button"
          className="danger"
          disabled={typed !== props.serverName}
          onClick={() => props.onConfirm(typed)}
        >
          {props.verb} {props.module}
        </button>
        <button type="button" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </div>
  );
}
