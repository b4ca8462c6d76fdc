import type { TenantInfo } from '@contract';
import { create } from 'zustand';
import { api, errorText } from '../api/client';

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

/** Tenants have no events of their own; their site counts change with the sites, so reload on those. */
export function followTenants(): () => void {
  const reload = () => void useTenants.getState().load();
  const offChanged = api.on('sites.changed', reload);
  const offRemoved = api.on('sites.removed', reload);
  reload();
  return () => {
    offChanged();
    offRemoved();
  };
}
