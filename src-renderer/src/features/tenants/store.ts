import type { TenantInfo } from '@contract';
import { create } from 'zustand';
import { api, errorText } from '../../api/client';

interface TenantsState {
  tenants: TenantInfo[];
  loaded: boolean;
  error: string | null;
  load(): Promise<void>;
}

export const useTenants = create<TenantsState>((set) => ({
  tenants: [],
  loaded: false,
  error: null,
  async load() {
    try {
      set({ tenants: await api.call('tenants.list', {}), loaded: true, error: null });
    } catch (err) {
      set({ error: errorText(err), loaded: true });
    }
  },
}));

/**
 * Tenants have no events of their own; their site counts change when a site appears or goes, so
 * reload then, not on every status change of a site already seen (a job emits several). A site
 * first seen by a change event costs one extra reload.
 */
export function followTenants(): () => void {
  const known = new Set<string>();
  const reload = () => void useTenants.getState().load();
  const offChanged = api.on('sites.changed', (site) => {
    if (known.has(site.id)) return;
    known.add(site.id);
    reload();
  });
  const offRemoved = api.on('sites.removed', ({ siteId }) => {
    known.delete(siteId);
    reload();
  });
  reload();
  return () => {
    offChanged();
    offRemoved();
  };
}
