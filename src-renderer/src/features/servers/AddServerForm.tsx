import type { InputOf, SecretInfo, ServerInfo } from '@contract';
import { useEffect, useState } from 'react';
import { api, errorText } from '../../api/client';
import { ErrorAlert } from '../../components/ErrorAlert';
import { FormActions } from '../../components/FormActions';
import { TextField } from '../../components/TextField';
import { useForm } from '../../lib/useForm';
import { AuthPicker } from './AuthPicker';
import type { AuthChoice, SecretDraft } from './AuthPicker';

type ServerAuth = InputOf<'servers.add'>['auth'];

/** Errors about the secret being made (or chosen) are shown under the sign-in choice. */
const SECRET_FIELDS = ['auth.secretId', 'privateKey', 'passphrase', 'password'];

/** Add a server: validated as you type with the contract's own rules, and again by main. */
export function AddServerForm({ onAdded, onCancel }: { onAdded(s: ServerInfo): void; onCancel(): void }) {
  const [auth, setAuth] = useState<AuthChoice>('new-key');
  const [keys, setKeys] = useState<SecretInfo[]>([]);
  const [keyId, setKeyId] = useState('');
  const [secret, setSecret] = useState<SecretDraft>({ privateKey: '', passphrase: '', password: '' });
  const [loadFailure, setLoadFailure] = useState<string | null>(null);
  // What the form checks; new secrets are made only on submit (prepare), so their id is empty here.
  const chosenAuth = (): ServerAuth =>
    auth === 'agent'
      ? { kind: 'agent' }
      : { kind: auth === 'password' ? 'password' : 'key', secretId: auth === 'existing-key' ? keyId : '' };

  const vaultAuth = async (input: InputOf<'servers.add'>): Promise<ServerAuth> => {
    const label = `Key for ${input.name}`;
    if (auth === 'password') {
      const secretLabel = `${input.name} (${input.username}@${input.host})`;
      const stored = await api.call('vault.secrets.add', {
        kind: 'password',
        label: secretLabel,
        password: secret.password,
      });
      return { kind: 'password', secretId: stored.id };
    }
    if (auth === 'new-key')
      return { kind: 'key', secretId: (await api.call('vault.sshKeys.generate', { label })).id };
    if (auth === 'import-key') {
      const imported = await api.call('vault.sshKeys.import', {
        label,
        privateKey: secret.privateKey,
        ...(secret.passphrase ? { passphrase: secret.passphrase } : {}),
      });
      return { kind: 'key', secretId: imported.id };
    }
    return input.auth;
  };

  const form = useForm(
    'servers.add',
    { name: '', host: '', port: '22', username: 'root' },
    {
      toInput: (v) => ({ ...v, port: Number(v.port), auth: chosenAuth() }),
      fields: ['secret'],
      fieldOf: (path) => (SECRET_FIELDS.includes(path) ? 'secret' : path),
      // A new key, a pasted key or a password goes into the vault first; the server refers to it.
      prepare: async (input) => ({ ...input, auth: await vaultAuth(input) }),
      onDone: onAdded,
    },
  );

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
      (err: unknown) => setLoadFailure(errorText(err)),
    );
  }, []);

  return (
    <form className="card form" onSubmit={form.submit} noValidate aria-labelledby="add-server-title">
      <h2 id="add-server-title">Add a server</h2>
      <div className="grid-2">
        <TextField label="Name" {...form.field('name')} autoFocus placeholder="web-1" />
        <TextField label="Host" {...form.field('host')} placeholder="203.0.113.7 or web-1.example.com" />
        <TextField label="Port" {...form.field('port')} inputMode="numeric" />
        <TextField label="User" {...form.field('username')} />
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
      <ErrorAlert message={form.errorOf('secret')} />
      <FormActions
        failure={form.failure ?? loadFailure}
        busy={form.busy}
        label="Add server"
        busyLabel="Adding…"
        onCancel={onCancel}
      />
    </form>
  );
}
