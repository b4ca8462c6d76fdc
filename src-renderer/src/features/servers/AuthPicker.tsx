import type { SecretInfo } from '@contract';
import type { Dispatch, SetStateAction } from 'react';
import { TextField } from '../../components/TextField';

export type AuthChoice = 'new-key' | 'existing-key' | 'import-key' | 'password' | 'agent';
export interface SecretDraft {
  privateKey: string;
  passphrase: string;
  password: string;
}

interface Props {
  auth: AuthChoice;
  onAuth(a: AuthChoice): void;
  keys: SecretInfo[];
  keyId: string;
  onKeyId(id: string): void;
  secret: SecretDraft;
  onSecret: Dispatch<SetStateAction<SecretDraft>>;
}

/** How Hostdeck signs in to a new server: a vault key (existing, new or pasted), a password, or the agent. */
export function AuthPicker({ auth, onAuth, keys, keyId, onKeyId, secret, onSecret }: Props) {
  return (
    <>
      <fieldset className="auth-choice">
        <legend>Sign in with</legend>
        {keys.length > 0 && (
          <Radio value="existing-key" current={auth} onPick={onAuth} label="A key in the vault" />
        )}
        <Radio
          value="new-key"
          current={auth}
          onPick={onAuth}
          label="A new ed25519 key (then use “Install my key”)"
        />
        <Radio value="import-key" current={auth} onPick={onAuth} label="A private key I paste" />
        <Radio value="password" current={auth} onPick={onAuth} label="A password" />
        <Radio value="agent" current={auth} onPick={onAuth} label="My ssh-agent" />
      </fieldset>
      {auth === 'existing-key' && (
        <label className="field">
          Key
          <select value={keyId} onChange={(e) => onKeyId(e.target.value)}>
            {keys.map((k) => (
              <option key={k.id} value={k.id}>
                {k.label} — {k.fingerprint}
              </option>
            ))}
          </select>
        </label>
      )}
      {auth === 'import-key' && (
        <>
          <label className="field">
            Private key (OpenSSH or PEM)
            <textarea
              className="mono"
              rows={5}
              value={secret.privateKey}
              spellCheck={false}
              onChange={(e) => onSecret((s) => ({ ...s, privateKey: e.target.value }))}
            />
          </label>
          <TextField
            label="Passphrase (if the key has one)"
            type="password"
            value={secret.passphrase}
            onChange={(v) => onSecret((s) => ({ ...s, passphrase: v }))}
          />
        </>
      )}
      {auth === 'password' && (
        <TextField
          label="Password"
          type="password"
          value={secret.password}
          onChange={(v) => onSecret((s) => ({ ...s, password: v }))}
        />
      )}
    </>
  );
}

function Radio({
  value,
  current,
  onPick,
  label,
}: {
  value: AuthChoice;
  current: AuthChoice;
  onPick(v: AuthChoice): void;
  label: string;
}) {
  return (
    <label className="radio">
      <input
        type="radio"
        name="auth"
        value={value}
        checked={current === value}
        onChange={() => onPick(value)}
      />
      {label}
    </label>
  );
}
