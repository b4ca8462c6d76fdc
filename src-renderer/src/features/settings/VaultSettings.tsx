import { masterPassword } from '@contract';
import type { VaultStatus } from '@contract';
import { useState } from 'react';
import { api, errorText } from '../../api/client';
import { TextField } from '../../components/TextField';
import { useVault } from '../vault/store';
import { CheckboxField } from '../../components/CheckboxField';
import { ErrorAlert } from '../../components/ErrorAlert';

export function VaultSettings() {
  const status = useVault((s) => s.status);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [pw, setPw] = useState({ current: '', next: '' });
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
  const nextCheck = pw.next ? masterPassword.safeParse(pw.next) : null;

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
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          void act(() => api.call('vault.changePassword', pw), 'Master password changed.').then(() =>
            setPw({ current: '', next: '' }),
          );
        }}
      >
        <h3>Change master password</h3>
        <TextField
          type="password"
          label="Current password"
          value={pw.current}
          onChange={(v) => setPw((x) => ({ ...x, current: v }))}
          autoComplete="current-password"
        />
        <TextField
          type="password"
          label="New password"
          value={pw.next}
          onChange={(v) => setPw((x) => ({ ...x, next: v }))}
          autoComplete="new-password"
          error={nextCheck && !nextCheck.success ? nextCheck.error.issues[0]?.message : null}
        />
        <button type="submit" disabled={!pw.current || !nextCheck?.success}>
          Change password
        </button>
      </form>
      {done && <p role="status">{done}</p>}
      <ErrorAlert message={error} />
    </div>
  );
}
