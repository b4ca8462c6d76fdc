import { serverFields } from '@contract';
import type { ServerInfo } from '@contract';
import { ErrorAlert } from '../../components/ErrorAlert';
import { FormActions } from '../../components/FormActions';
import { TextAreaField } from '../../components/TextAreaField';
import { TextField } from '../../components/TextField';
import { useForm } from '../../lib/useForm';
import { useServers } from '../../stores/servers';

const splitTags = (text: string) =>
  text
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);

/** Edit a server's address, jump host, tags and notes. Changing them closes its pooled connection. */
export function EditServerForm({ server, onDone }: { server: ServerInfo; onDone(): void }) {
  // Select the stable array, filter in render: a selector returning a new array loops (zustand 5).
  const all = useServers((s) => s.servers);
  const others = all.filter((x) => x.id !== server.id);
  const form = useForm(
    'servers.update',
    {
      name: server.name,
      host: server.host,
      port: String(server.port),
      username: server.username,
      jumpServerId: server.jumpServerId ?? '',
      tags: server.tags.join(', '),
      notes: server.notes,
    },
    {
      toInput: (v) => ({
        ...v,
        id: server.id,
        port: Number(v.port),
        jumpServerId: v.jumpServerId || null,
        tags: splitTags(v.tags),
      }),
      // servers.update's port carries zod's own wording; the add form's rule says it as the operator would.
      refine: (issues, v) =>
        issues.port
          ? {
              ...issues,
              port: serverFields.port.safeParse(Number(v.port)).error?.issues[0]?.message ?? issues.port,
            }
          : issues,
      onDone,
    },
  );

  return (
    <form className="card form" onSubmit={form.submit} noValidate aria-label={`Edit ${server.name}`}>
      <div className="grid-2">
        <TextField label="Name" {...form.field('name')} />
        <TextField label="Host" {...form.field('host')} />
        <TextField label="Port" {...form.field('port')} inputMode="numeric" />
        <TextField label="User" {...form.field('username')} />
      </div>
      <label className="field">
        Reach it through (jump host)
        <select value={form.values.jumpServerId} onChange={(e) => form.set('jumpServerId')(e.target.value)}>
          <option value="">Directly</option>
          {others.map((o) => (
            <option key={o.id} value={o.id}>
              {o.name}
            </option>
          ))}
        </select>
      </label>
      <ErrorAlert message={form.errorOf('jumpServerId')} />
      <TextField label="Tags (comma separated)" {...form.field('tags')} placeholder="production, eu" />
      <TextAreaField label="Notes" {...form.field('notes')} />
      <FormActions
        failure={form.failure}
        busy={form.busy}
        label="Save"
        busyLabel="Saving…"
        onCancel={onDone}
      />
    </form>
  );
}
