import { useState } from 'react';
import { ServerSelect, useChosenServer } from '../../components/ServerSelect';
import { View } from '../../components/View';
import { useServerSites } from '../sites/useServerSites';
import { TerminalTab } from './TerminalTab';

interface Tab {
  key: number;
  serverId: string;
  siteId?: string | undefined;
  title: string;
}

let nextKey = 1;

/** SSH terminals: several tabs, each its own shell over the server's pooled connection. */
export function TerminalView() {
  const { servers, chosen, choose } = useChosenServer();
  const [tabs, setTabs] = useState<Tab[]>([]);
  const [active, setActive] = useState<number | null>(null);
  const sites = useServerSites(chosen);
  const [siteId, setSiteId] = useState('');

  const open = () => {
    const server = servers.find((s) => s.id === chosen);
    if (!server) return;
    const site = sites.find((s) => s.id === siteId);
    const tab = {
      key: nextKey++,
      serverId: server.id,
      siteId: site?.id,
      title: site ? `${site.domain} (${site.tenantSlug})` : server.name,
    };
    setTabs((t) => [...t, tab]);
    setActive(tab.key);
  };
  const close = (key: number) => {
    setTabs((t) => t.filter((x) => x.key !== key));
    setActive((a) => (a === key ? (tabs.find((x) => x.key !== key)?.key ?? null) : a));
  };

  return (
    <View
      title="Terminal"
      className="terminal-view"
      actions={
        <>
          <ServerSelect servers={servers} value={chosen} onChange={choose} />
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
        <div className="empty-state" role="status">
          <p className="empty-title">No servers yet</p>
          <p>Add a server first; its terminal opens over the same SSH connection Hostdeck uses.</p>
        </div>
      )}
      {tabs.length > 0 && (
        <div className="tabs" role="tablist" aria-label="Terminals">
          {tabs.map((t) => (
            <div key={t.key} className="tab" role="presentation">
              <button
                type="button"
                role="tab"
                aria-selected={t.key === active}
                onClick={() => setActive(t.key)}
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
          <TerminalTab
            key={t.key}
            serverId={t.serverId}
            siteId={t.siteId}
            active={t.key === active}
            onTitle={(title) =>
              setTabs((all) => all.map((x) => (x.key === t.key ? { ...x, title: title || x.title } : x)))
            }
          />
        ))}
      </div>
    </View>
  );
}
