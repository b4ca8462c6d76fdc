import { serverFields } from '@contract';
import type { SecretInfo, ServerInfo } from '@contract';
import { useEffect, useState } from 'react';
import { api, errorText, HostdeckError } from '../../api/client';
import { ErrorAlert } from '../../components/ErrorAlert';
import { FormActions } from '../../components/FormActions';
import { TextField } from '../../components/TextField';
import { AuthPicker } from './AuthPicker';
import type { AuthChoice, SecretDraft } from './AuthPicker';

type Field = 'name' | 'host' | 'port' | 'username' | 'secret';

const check: Record<Exclude<Field, 'secret'>, (v: string) => string | null> = {
  name: (v) => firstIssue(serverFields.name.safeParse(v)),
  host: (v) => firstIssue(serverFields.host.safeParse(v)),
  port: (v) => firstIssue(serverFields.port.safeParse(Number(v))),
  username: (v) => firstIssue(serverFields.username.safeParse(v)),
};

function firstIssue(r: { success: boolean; error?: { issues: { message: string }[] } }) {
  return r.success ? null : (r.error?.issues[0]?.message ?? 'invalid');
}

/** Add a server: validated as you type with the contract's own rules, and again by main. */
export function AddServerForm({ onAdded, onCancel }: { onAdded(s: ServerInfo): void; onCancel(): void }) {
  const [values, setValues] = useState({ name: '', host: '', port: '22', username: 'root' });
  const [touched, setTouched] = useState<Partial<Record<Field, boolean>>>({});
  const [serverErrors, setServerErrors] = useState<Partial<Record<Field, string>>>({});
  const [auth, setAuth] = useState<AuthChoice>('new-key');
  const [keys, setKeys] = useState<SecretInfo[]>([]);
  const [keyId, setKeyId] = useState('');
  const [secret, setSecret] = useState<SecretDraft>({ privateKey: '', passphrase: '', password: '' });
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    api.call('vault.secrets.list', {}).then(
      (all) => {
        const sshKeys = all.filter((s) => s.kind === 'ssh-key');
        setKeys(sshKeys);
        if (sshKeys[0]) {
          setKeyId(sshKeys[0].id);
          setAuth('existing-key');
        }
      },
      (err: unknown) => setFailure(errorText(err)),
    );
  }, []);

  const errorOf = (f: Exclude<Field, 'secret'>) =>
    serverErrors[f] ?? (touched[f] ? check[f](values[f]) : null);
  const update = (f: Exclude<Field, 'secret'>, v: string) => {
    setValues((x) => ({ ...x, [f]: v }));
    setServerErrors((e) => ({ ...e, [f]: undefined }));
  };

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setTouched({ name: true, host: true, port: true, username: true });
    if ((Object.keys(check) as (keyof typeof check)[]).some((f) => check[f](values[f]))) return;
    setBusy(true);
    setFailure(null);
    try {
      const label = `${values.name} (${values.username}@${values.host})`;
      const authInput =
        auth === 'agent'
          ? ({ kind: 'agent' } as const)
          : auth === 'password'
            ? {
                kind: 'password' as const,
                secretId: (
                  await api.call('vault.secrets.add', { kind: 'password', label, password: secret.password })
                ).id,
              }
            : {
                kind: 'key' as const,
                secretId:
                  auth === 'existing-key'
                    ? keyId
                    : auth === 'new-key'
                      ? (await api.call('vault.sshKeys.generate', { label: `Key for ${values.name}` })).id
                      : (
                          await api.call('vault.sshKeys.import', {
                            label: `Key for ${values.name}`,
                            privateKey: secret.privateKey,
                            ...(secret.passphrase ? { passphrase: secret.passphrase } : {}),
                          })
                        ).id,
              };
      onAdded(
        await api.call('servers.add', {
          name: values.name,
          host: values.host,
          port: Number(values.port),
          username: values.username,
          auth: authInput,
        }),
      );
    } catch (err) {
      const field = err instanceof HostdeckError ? err.field : undefined;
      const key =
        field === 'auth.secretId' || field === 'privateKey' || field === 'passphrase' || field === 'password'
          ? 'secret'
          : field;
      if (key && ['name', 'host', 'port', 'username', 'secret'].includes(key))
        setServerErrors((x) => ({ ...x, [key]: (err as Error).message }));
      else setFailure(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="card form" onSubmit={submit} noValidate aria-labelledby="add-server-title">
      <h2 id="add-server-title">Add a server</h2>
      <div className="grid-2">
        <TextField
          label="Name"
          value={values.name}
          onChange={(v) => update('name', v)}
          onBlur={() => setTouched((t) => ({ ...t, name: true }))}
          error={errorOf('name')}
          autoFocus
          placeholder="web-1"
        />
        <TextField
          label="Host"
          value={values.host}
          onChange={(v) => update('host', v)}
          onBlur={() => setTouched((t) => ({ ...t, host: true }))}
          error={errorOf('host')}
          placeholder="203.0.113.7 or web-1.example.com"
        />
        <TextField
          label="Port"
          value={values.port}
          onChange={(v) => update('port', v)}
          onBlur={() => setTouched((t) => ({ ...t, port: true }))}
          error={errorOf('port')}
          inputMode="numeric"
        />
        <TextField
          label="User"
          value={values.username}
          onChange={(v) => update('username', v)}
          onBlur={() => setTouched((t) => ({ ...t, username: true }))}
          error={errorOf('username')}
        />
      </div>
      <AuthPicker
        auth={auth}
        onAuth={setAuth}
        keys={keys}
        keyId={keyId}
        onKeyId={setKeyId}
        secret={secret}
        onSecret={setSecret}
      />
      <ErrorAlert message={serverErrors.secret} />
      <FormActions failure={failure} busy={busy} label="Add server" busyLabel="Adding…" onCancel={onCancel} />
    </form>
  );
}
