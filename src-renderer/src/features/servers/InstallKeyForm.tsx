import type { ServerInfo } from '@contract';
import { FormActions } from '../../components/FormActions';
import { TextField } from '../../components/TextField';
import { useForm } from '../../lib/useForm';

/** With the user's password, used once and never stored: install the app's key and switch to it. */
export function InstallKeyForm({ server, onDone }: { server: ServerInfo; onDone(): void }) {
  const form = useForm(
    'servers.installKey',
    { password: '' },
    { toInput: ({ password }) => ({ id: server.id, password }), onDone },
  );
  return (
    <form className="inline-form" onSubmit={form.submit} noValidate>
      <TextField
        type="password"
        label={`Password of ${server.username} (used once, never stored)`}
        {...form.field('password')}
        autoFocus
      />
      <FormActions
        failure={form.failure}
        busy={form.busy}
        label="Install key and switch to it"
        busyLabel="Installing…"
        disabled={!form.values.password}
        onCancel={onDone}
      />
    </form>
  );
}
