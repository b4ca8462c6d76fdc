import { useState } from 'react';
import { OneServerView, useChosenServer } from '../../components/ServerSelect';
import { useServerSites } from '../sites/useServerSites';
import { useTerminals } from './store';
import { TerminalTab } from './TerminalTab';
import { EmptyState } from '../../components/EmptyState';

/**
 * SSH terminals: several tabs, each its own shell over the server's pooled connection. The tabs are
 * the window's (the terminal store): leaving this view keeps them running.
 */
export function TerminalView() {
  const picker = useChosenServer();
  const { servers, chosen } = picker;
  const { tabs, active, activate, close } = useTerminals();
  const sites = useServerSites(chosen);
  const [siteId, setSiteId] = useState('');

  const open = () => {
    const server = servers.find((s) => s.id === chosen);
    if (!server) return;
    const site = sites.find((s) => s.id === siteId);
    useTerminals
      .getState()
      .open(
        { serverId: server.id, siteId: site?.id },
        site ? `${site.domain} (${site.tenantSlug})` : server.name,
      );
  };

  return (
    <OneServerView
      title="Terminal"
      className="terminal-view"
      picker={picker}
      actions={
        <>
          <select aria-label="Open as" value={siteId} onChange={(e) => setSiteId(e.target.value)}>
            <option value="">as {servers.find((s) => s.id === chosen)?.username ?? 'the server user'}</option>
            {sites.map((s) => (
              <option key={s.id} value={s.id}>
                in {s.domain} as t-{s.tenantSlug}
              </option>
            ))}
          </select>
          <button type="button" className="primary" onClick={open} disabled={!chosen}>
            New terminal
          </button>
        </>
      }
    >
      {servers.length === 0 && (
        <EmptyState title="No servers yet">
          <p>Add a server first; its terminal opens over the same SSH connection Hostdeck uses.</p>
        </EmptyState>
      )}
      {tabs.length > 0 && (
        <div className="tabs" role="tablist" aria-label="Terminals">
          {tabs.map((t) => (
            <div key={t.key} className="tab" role="presentation">
              <button
                type="button"
                role="tab"
                aria-selected={t.key === active}
                onClick={() => activate(t.key)}
              >
                {t.title}
              </button>
              <button
                type="button"
                className="link"
                aria-label={`Close ${t.title}`}
                onClick={() => close(t.key)}
              >
                ×
              </button>
            </div>
          ))}
        </div>
      )}
      <div className="terminal-stack">
        {tabs.map((t) => (
          <TerminalTab key={t.key} tab={t} active={t.key === active} />
        ))}
      </div>
    </OneServerView>
  );
}
