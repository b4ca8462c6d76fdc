import { ErrorAlert } from '../../components/ErrorAlert';
import { TextField } from '../../components/TextField';
import { useForm } from '../../lib/useForm';
import { useVault } from '../vault/store';

const EMPTY = { current: '', next: '' };

/** Change the master password (main re-wraps the data key); the new one is checked as it is typed. */
export function ChangePasswordForm({ onChanged }: { onChanged(): void }) {
  const form = useForm('vault.changePassword', EMPTY, {
    validateOn: 'change',
    onDone: (status) => {
      useVault.getState().set(status);
      form.update(() => EMPTY);
      onChanged();
    },
  });

  return (
    <form className="inline-form" onSubmit={form.submit} noValidate>
      <h3>Change master password</h3>
      <TextField
        type="password"
        label="Current password"
        {...form.field('current')}
        autoComplete="current-password"
      />
      <TextField type="password" label="New password" {...form.field('next')} autoComplete="new-password" />
      <ErrorAlert message={form.failure} />
      <button
        type="submit"
        disabled={form.busy || !form.values.current || !form.values.next || form.issues.next !== undefined}
      >
        Change password
      </button>
    </form>
  );
}
