import type { VaultStatus } from '@contract';
import type { ReactNode } from 'react';
import { useEffect } from 'react';
import { ErrorAlert } from '../../components/ErrorAlert';
import { TextField } from '../../components/TextField';
import './vault.css';
import { useForm } from '../../lib/useForm';
import { followVault, useVault } from './store';

/** Nothing behind the gate renders until the vault exists and is unlocked. */
export function VaultGate({ children }: { children: ReactNode }) {
  const status = useVault((s) => s.status);
  const error = useVault((s) => s.error);
  useEffect(followVault, []);

  if (!status) {
    return <Centered>{error ? <ErrorAlert message={error} /> : <p className="muted">Opening…</p>}</Centered>;
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
  const form = useForm(
    'vault.setup',
    { password: '', confirm: '' },
    {
      toInput: ({ password }) => ({ password }),
      refine: (issues, v) =>
        v.confirm === v.password ? issues : { ...issues, confirm: 'the two passwords differ' },
      onDone: (status) => useVault.getState().set(status),
    },
  );

  return (
    <form onSubmit={form.submit} aria-labelledby="setup-title" noValidate>
      <h2 id="setup-title">Create your vault</h2>
      <p className="muted">
        Every SSH key, password and token Hostdeck uses is encrypted with this master password, on this laptop
        only. It cannot be recovered: keep it in your password manager.
      </p>
      <TextField
        type="password"
        label="Master password"
        {...form.field('password')}
        autoFocus
        autoComplete="new-password"
        hint="At least 12 characters; a passphrase of several words is best."
      />
      <TextField type="password" label="Repeat it" {...form.field('confirm')} autoComplete="new-password" />
      <ErrorAlert message={form.failure} />
      <button type="submit" className="primary" disabled={form.busy}>
        {form.busy ? 'Creating…' : 'Create vault'}
      </button>
    </form>
  );
}

function UnlockForm({ keychain }: { keychain: boolean }) {
  const opened = { onDone: (status: VaultStatus) => useVault.getState().set(status) };
  const form = useForm('vault.unlock', { password: '' }, opened);
  const withKeychain = useForm('vault.unlockWithKeychain', {}, opened);
  const busy = form.busy || withKeychain.busy;

  return (
    <form aria-labelledby="unlock-title" noValidate onSubmit={form.submit}>
      <h2 id="unlock-title">Unlock the vault</h2>
      <TextField
        type="password"
        label="Master password"
        {...form.field('password')}
        autoFocus
        autoComplete="current-password"
      />
      <ErrorAlert message={form.failure ?? withKeychain.failure} />
      <div className="row">
        <button type="submit" className="primary" disabled={busy || !form.values.password}>
          {busy ? 'Unlocking…' : 'Unlock'}
        </button>
        {keychain && (
          <button type="button" disabled={busy} onClick={() => void withKeychain.submit()}>
            Unlock with the OS keychain
          </button>
        )}
      </div>
    </form>
  );
}
