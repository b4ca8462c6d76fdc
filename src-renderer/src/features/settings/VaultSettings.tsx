import type { VaultStatus } from '@contract';
import { useState } from 'react';
import { api, errorText } from '../../api/client';
import { useVault } from '../vault/store';
import { CheckboxField } from '../../components/CheckboxField';
import { ErrorAlert } from '../../components/ErrorAlert';
import { ChangePasswordForm } from './ChangePasswordForm';
import { useSettings } from './store';

export function VaultSettings() {
  const status = useVault((s) => s.status);
  const lockOnSleep = useSettings((s) => s.settings?.vaultLockOnSleep ?? true);
  const updateSettings = useSettings((s) => s.update);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [minutes, setMinutes] = useState(String(status?.autoLockMinutes ?? 15));
  if (!status) return null;

  const act = async (fn: () => Promise<VaultStatus>, message: string) => {
    setError(null);
    setDone(null);
    try {
      useVault.getState().set(await fn());
      setDone(message);
    } catch (err) {
      setError(errorText(err));
    }
  };

  return (
    <div className="card">
      <h2>Vault</h2>
      <div className="row">
        <button type="button" onClick={() => void act(() => api.call('vault.lock', {}), 'Locked.')}>
          Lock now
        </button>
        <label className="inline">
          Lock after
          <input
            className="narrow"
            inputMode="numeric"
            value={minutes}
            onChange={(e) => setMinutes(e.target.value)}
            aria-label="Idle minutes before auto-lock"
          />
          idle minutes (0 = never)
        </label>
        <button
          type="button"
          onClick={() =>
            void act(() => api.call('vault.setAutoLock', { minutes: Number(minutes) }), 'Auto-lock saved.')
          }
        >
          Save
        </button>
      </div>
      <CheckboxField checked={lockOnSleep} onChange={(on) => void updateSettings({ vaultLockOnSleep: on })}>
        Lock when the screen locks or the computer sleeps
      </CheckboxField>
      <CheckboxField
        checked={status.keychain.enabled}
        disabled={!status.keychain.available}
        onChange={(enabled) =>
          void act(() => api.call('vault.setKeychain', { enabled }), 'Keychain setting saved.')
        }
      >
        Unlock with the OS keychain
      </CheckboxField>
      {!status.keychain.available && <p className="muted">Unavailable here: {status.keychain.reason}</p>}
      <ChangePasswordForm onChanged={() => setDone('Master password changed.')} />
      {done && <p role="status">{done}</p>}
      <ErrorAlert message={error} />
    </div>
  );
}
