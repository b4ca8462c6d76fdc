import type { SiteInfo } from '@contract';
import { create } from 'zustand';
import { api, errorText } from '../../api/client';

interface SitesState {
  sites: SiteInfo[];
  loaded: boolean;
  error: string | null;
  load(): Promise<void>;
  apply(site: SiteInfo): void;
  remove(siteId: string): void;
}

export const useSites = create<SitesState>((set) => ({
  sites: [],
  loaded: false,
  error: null,
  async load() {
    try {
      set({ sites: await api.call('sites.list', {}), loaded: true, error: null });
    } catch (err) {
      set({ error: errorText(err), loaded: true });
    }
  },
  apply(site) {
    set((s) => ({
      sites: s.sites.some((x) => x.id === site.id)
        ? s.sites.map((x) => (x.id === site.id ? site : x))
        : [...s.sites, site],
    }));
  },
  remove(siteId) {
    set((s) => ({ sites: s.sites.filter((x) => x.id !== siteId) }));
  },
}));

/** Keeps the store current from `sites.changed` / `sites.removed`; returns the unsubscribe. */
export function followSites(): () => void {
  const offChanged = api.on('sites.changed', (site) => useSites.getState().apply(site));
  const offRemoved = api.on('sites.removed', ({ siteId }) => useSites.getState().remove(siteId));
  void useSites.getState().load();
  return () => {
    offChanged();
    offRemoved();
  };
}
