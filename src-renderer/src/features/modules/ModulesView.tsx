import type { ModuleName, ModuleStatus } from '@contract';
import { useCallback, useState } from 'react';
import { ServerSelect, useChosenServer } from '../servers/ServerSelect';
import { api, errorText } from '../../api/client';
import { ProvisionPanel } from './ProvisionPanel';

type Verb = 'install' | 'enable' | 'disable' | 'remove';

/** Server modules: provision a server, and see each module's real state read back from the host. */
export function ModulesView() {
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

  const act = async (module: ModuleName, verb: Verb) => {
    setError(null);
    try {
      await api.call('provision.action', { serverId: chosen, module, verb });
    } catch (err) {
      setError(errorText(err));
    }
  };

  return (
    <section className="view" aria-labelledby="view-title">
      <header className="view-header">
        <h1 id="view-title">Modules</h1>
        <div className="row">
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
        </div>
      </header>
      {servers.length === 0 && (
        <div className="empty-state" role="status">
          <p className="empty-title">No servers yet</p>
          <p>Add a server first; modules are installed on it over SSH.</p>
        </div>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {chosen && <ProvisionPanel key={chosen} serverId={chosen} onFinished={refresh} />}
      {statuses && (
        <table className="table" aria-label="Module status">
          <thead>
            <tr>
              <th scope="col">Module</th>
              <th scope="col">Installed</th>
              <th scope="col">Enabled</th>
              <th scope="col">Active</th>
              <th scope="col">Drift</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {statuses.map((m) => (
              <tr key={m.name} data-module={m.name}>
                <td>{m.name}</td>
                <td>{m.installed ? (m.version ?? 'yes') : 'no'}</td>
                <td>{m.enabled ? 'yes' : 'no'}</td>
                <td className={m.installed && !m.active ? 'error' : undefined}>{m.active ? 'yes' : 'no'}</td>
                <td className={m.drift.length ? 'warning' : 'muted'}>
                  {m.error ?? (m.drift.join(', ') || 'none')}
                </td>
                <td className="row">
                  {(m.installed ? (['enable', 'disable', 'remove'] as Verb[]) : (['install'] as Verb[])).map(
                    (verb) => (
                      <button
                        key={verb}
                        type="button"
                        className={verb === 'remove' ? 'danger' : undefined}
                        onClick={() => void act(m.name as ModuleName, verb)}
                      >
                        {verb}
                      </button>
                    ),
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
