/**
 * Shared, not a feature's: the server picker (components/ServerSelect) and five sections (servers,
 * sites, provisioning, logs, terminal) read the inventory of servers from here.
 */
import type { ServerInfo } from '@contract';
import { create } from 'zustand';
import { api, errorText } from '../api/client';

interface ServersState {
  servers: ServerInfo[];
  loaded: boolean;
  refreshing: boolean;
  error: string | null;
  load(): Promise<void>;
  refresh(ids?: string[]): Promise<void>;
}

export const useServers = create<ServersState>((set) => ({
  servers: [],
  loaded: false,
  refreshing: false,
  error: null,
  async load() {
    try {
      set({ servers: await api.call('servers.list', {}), loaded: true, error: null });
    } catch (err) {
      set({ error: errorText(err), loaded: true });
    }
  },
  async refresh(ids) {
    set({ refreshing: true });
    try {
      await api.call('servers.refresh', ids ? { ids } : {});
      set({ servers: await api.call('servers.list', {}), error: null });
    } catch (err) {
      set({ error: errorText(err) });
    } finally {
      set({ refreshing: false });
    }
  },
}));

export function followServers(): () => void {
  const off = api.on('servers.changed', () => void useServers.getState().load());
  void useServers.getState().load();
  return off;
}
