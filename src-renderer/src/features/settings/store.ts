import type { AppInfo, Settings, Theme } from '@contract';
import { create } from 'zustand';
import { api, errorText } from '../../api/client';

interface SettingsState {
  settings: Settings | null;
  info: AppInfo | null;
  error: string | null;
  load(): Promise<void>;
  setTheme(theme: Theme): Promise<void>;
  update(patch: Partial<Settings>): Promise<void>;
}

export const useSettings = create<SettingsState>((set, get) => ({
  settings: null,
  info: null,
  error: null,
  async load() {
    try {
      const [settings, info] = await Promise.all([api.call('settings.get', {}), api.call('app.info', {})]);
      set({ settings, info, error: null });
    } catch (err) {
      set({ error: errorText(err) });
    }
  },
  setTheme(theme) {
    return get().update({ theme });
  },
  async update(patch) {
    // Optimistic: the choice shows at once; a failure puts the stored value back and says why.
    const previous = get().settings;
    if (previous) set({ settings: { ...previous, ...patch } });
    try {
      set({ settings: await api.call('settings.update', patch), error: null });
    } catch (err) {
      set({ settings: previous, error: errorText(err) });
    }
  },
}));
