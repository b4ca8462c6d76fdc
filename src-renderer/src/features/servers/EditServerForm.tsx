import { serverFields } from '@contract';
import type { ServerInfo } from '@contract';
import { useState } from 'react';
import { api, errorText, HostdeckError } from '../../api/client';
import { TextField } from '../../components/TextField';
import { useServers } from '../../stores/servers';

const issue = (r: { success: boolean; error?: { issues: { message: string }[] } }) =>
  r.success ? null : (r.error?.issues[0]?.message ?? 'invalid');

/** Edit a server's address, jump host, tags and notes. Changing them closes its pooled connection. */
export function EditServerForm({ server, onDone }: { server: ServerInfo; onDone(): void }) {
  // Select the stable array, filter in render: a selector returning a new array loops (zustand 5).
  const all = useServers((s) => s.servers);
  const others = all.filter((x) => x.id !== server.id);
  const [v, setV] = useState({
    name: server.name,
    host: server.host,
    port: String(server.port),
    username: server.username,
    jumpServerId: server.jumpServerId ?? '',
    tags: server.tags.join(', '),
    notes: server.notes,
  });
  const [errors, setErrors] = useState<Record<string, string | null>>({});
  const [failure, setFailure] = useState<string | null>(null);
  const tags = v.tags
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  const local = {
    name: issue(serverFields.name.safeParse(v.name)),
    host: issue(serverFields.host.safeParse(v.host)),
    port: issue(serverFields.port.safeParse(Number(v.port))),
    username: issue(serverFields.username.safeParse(v.username)),
    tags: issue(serverFields.tags.safeParse(tags)),
  };
  const set = (k: keyof typeof v) => (value: string) => {
    setV((x) => ({ ...x, [k]: value }));
    setErrors((e) => ({ ...e, [k]: null }));
  };

  const save = async (e: React.FormEvent) => {
    e.preventDefault();
    if (Object.values(local).some(Boolean)) return setErrors(local);
    try {
      await api.call('servers.update', {
        id: server.id,
        name: v.name,
        host: v.host,
        port: Number(v.port),
        username: v.username,
        jumpServerId: v.jumpServerId || null,
        tags,
        notes: v.notes,
      });
      onDone();
    } catch (err) {
      if (err instanceof HostdeckError && err.field) setErrors({ [err.field.split('.')[0]!]: err.message });
      else setFailure(errorText(err));
    }
  };

  return (
    <form className="card form" onSubmit={save} noValidate aria-label={`Edit ${server.name}`}>
      <div className="grid-2">
        <TextField label="Name" value={v.name} onChange={set('name')} error={errors.name} />
        <TextField label="Host" value={v.host} onChange={set('host')} error={errors.host} />
        <TextField
          label="Port"
          value={v.port}
          onChange={set('port')}
          error={errors.port}
          inputMode="numeric"
        />
        <TextField label="User" value={v.username} onChange={set('username')} error={errors.username} />
      </div>
      <label className="field">
        Reach it through (jump host)
        <select value={v.jumpServerId} onChange={(e) => set('jumpServerId')(e.target.value)}>
          <option value="">Directly</option>
          {others.map((o) => (
            <option key={o.id} value={o.id}>
              {o.name}
            </option>
          ))}
        </select>
      </label>
      {errors.jumpServerId && (
        <p className="error" role="alert">
          {errors.jumpServerId}
        </p>
      )}
      <TextField
        label="Tags (comma separated)"
        value={v.tags}
        onChange={set('tags')}
        error={errors.tags}
        placeholder="production, eu"
      />
      <label className="field">
        Notes
        <textarea rows={3} value={v.notes} onChange={(e) => set('notes')(e.target.value)} />
      </label>
      {failure && (
        <p className="error" role="alert">
          {failure}
        </p>
      )}
      <div className="row">
        <button type="submit" className="primary">
          Save
        </button>
        <button type="button" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}
