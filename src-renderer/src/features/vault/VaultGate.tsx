import { masterPassword } from '@contract';
import type { VaultStatus } from '@contract';
import type { ReactNode } from 'react';
import { useEffect, useState } from 'react';
import { api, errorText, HostdeckError } from '../../api/client';
import { followVault, useVault } from '../../stores/vault';
import { TextField } from '../../components/TextField';

/** Nothing behind the gate renders until the vault exists and is unlocked. */
export function VaultGate({ children }: { children: ReactNode }) {
  const status = useVault((s) => s.status);
  const error = useVault((s) => s.error);
  useEffect(followVault, []);

  if (!status) {
    return (
      <Centered>
        {error ? (
          <p className="error" role="alert">
            {error}
          </p>
        ) : (
          <p className="muted">Opening…</p>
        )}
      </Centered>
    );
  }
  if (status.state === 'uninitialised')
    return (
      <Centered>
        <SetupForm />
      </Centered>
    );
  if (status.state === 'locked')
    return (
      <Centered>
        <UnlockForm keychain={status.keychain.enabled} />
      </Centered>
    );
  return <>{children}</>;
}

function Centered({ children }: { children: ReactNode }) {
  return (
    <main className="gate">
      <div className="gate-card">
        <h1 className="brand">Hostdeck</h1>
        {children}
      </div>
    </main>
  );
}

function SetupForm() {
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [touched, setTouched] = useState(false);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);
  const check = masterPassword.safeParse(password);
  const passwordError = touched && !check.success ? (check.error.issues[0]?.message ?? null) : null;
  const confirmError = touched && confirm !== password ? 'the two passwords differ' : null;

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setTouched(true);
    if (!check.success || confirm !== password) return;
    setBusy(true);
    try {
      useVault.getState().set(await api.call('vault.setup', { password }));
    } catch (err) {
      setFailure(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit} aria-labelledby="setup-title" noValidate>
      <h2 id="setup-title">Create your vault</h2>
      <p className="muted">
        Every SSH key, password and token Hostdeck uses is encrypted with this master password, on this laptop
        only. It cannot be recovered: keep it in your password manager.
      </p>
      <TextField
        type="password"
        label="Master password"
        value={password}
        onChange={setPassword}
        error={passwordError}
        autoFocus
        autoComplete="new-password"
        hint="At least 12 characters; a passphrase of several words is best."
      />
      <TextField
        type="password"
        label="Repeat it"
        value={confirm}
        onChange={setConfirm}
        error={confirmError}
        autoComplete="new-password"
      />
      {failure && (
        <p className="error" role="alert">
          {failure}
        </p>
      )}
      <button type="submit" className="primary" disabled={busy}>
        {busy ? 'Creating…' : 'Create vault'}
      </button>
    </form>
  );
}

function UnlockForm({ keychain }: { keychain: boolean }) {
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [fieldError, setFieldError] = useState<string | null>(null);
  const [failure, setFailure] = useState<string | null>(null);

  const run = async (action: () => Promise<VaultStatus>) => {
    setBusy(true);
    setFieldError(null);
    setFailure(null);
    try {
      useVault.getState().set(await action());
    } catch (err) {
      if (err instanceof HostdeckError && err.field === 'password') setFieldError(err.message);
      else setFailure(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      aria-labelledby="unlock-title"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        if (password) void run(() => api.call('vault.unlock', { password }));
      }}
    >
      <h2 id="unlock-title">Unlock the vault</h2>
      <TextField
        type="password"
        label="Master password"
        value={password}
        onChange={setPassword}
        error={fieldError}
        autoFocus
        autoComplete="current-password"
      />
      {failure && (
        <p className="error" role="alert">
          {failure}
        </p>
      )}
      <div className="row">
        <button type="submit" className="primary" disabled={busy || !password}>
          {busy ? 'Unlocking…' : 'Unlock'}
        </button>
        {keychain && (
          <button
            type="button"
            disabled={busy}
            onClick={() => void run(() => api.call('vault.unlockWithKeychain', {}))}
          >
            Unlock with the OS keychain
          </button>
        )}
      </div>
    </form>
  );
}
