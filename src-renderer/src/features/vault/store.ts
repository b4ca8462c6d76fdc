import type { VaultStatus } from '@contract';
import { create } from 'zustand';
import { api, errorText } from '../../api/client';

interface VaultState {
  status: VaultStatus | null;
  error: string | null;
  load(): Promise<void>;
  set(status: VaultStatus): void;
}

export const useVault = create<VaultState>((set) => ({
  status: null,
  error: null,
  async load() {
    try {
      set({ status: await api.call('vault.status', {}), error: null });
    } catch (err) {
      set({ error: errorText(err) });
    }
  },
  set(status) {
    set({ status, error: null });
  },
}));

/** Follows vault.changed (e.g. auto-lock) so the gate closes the moment the vault locks. */
export function followVault(): () => void {
  const off = api.on('vault.changed', (status) => useVault.getState().set(status));
  void useVault.getState().load();
  return off;
}
