import type { Settings } from '@contract';
import type { Database } from '../infra/store/database';

const defaults: Settings = { theme: 'system', vaultAutoLockMinutes: 15, vaultLockOnSleep: true };

/** App settings as key/value rows; unknown keys are ignored so older builds can read newer files. */
export class SettingsRepository {
  constructor(private readonly db: Database) {}

  get(): Settings {
    const rows = this.db.prepare(`SELECT key, value FROM settings`).all() as { key: string; value: string }[];
    const stored = Object.fromEntries(rows.map((r) => [r.key, JSON.parse(r.value) as unknown]));
    return { ...defaults, ...pick(stored) };
  }

  update(patch: Partial<Settings>): Settings {
    const upsert = this.db.prepare(
      `INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
    );
    this.db.transaction(() => {
      for (const [key, value] of Object.entries(patch)) {
        if (value !== undefined) upsert.run(key, JSON.stringify(value));
      }
    })();
    return this.get();
  }
}

function pick(stored: Record<string, unknown>): Partial<Settings> {
  const out: Partial<Settings> = {};
  if (stored.theme === 'system' || stored.theme === 'light' || stored.theme === 'dark')
    out.theme = stored.theme;
  const minutes = stored.vaultAutoLockMinutes;
  if (typeof minutes === 'number' && Number.isInteger(minutes) && minutes >= 0)
    out.vaultAutoLockMinutes = minutes;
  if (typeof stored.vaultLockOnSleep === 'boolean') out.vaultLockOnSleep = stored.vaultLockOnSleep;
  return out;
}
