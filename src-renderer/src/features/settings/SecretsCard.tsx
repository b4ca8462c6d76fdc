import type { RevealedSecret, SecretInfo } from '@contract';
import { useCallback, useEffect, useState } from 'react';
import { api, errorText } from '../../api/client';
import { DataTable } from '../../components/DataTable';
import { ErrorAlert } from '../../components/ErrorAlert';

const kindLabel: Record<SecretInfo['kind'], string> = {
  'ssh-key': 'SSH key',
  password: 'Password',
  'db-credential': 'Database credential',
  token: 'Token',
};

/** The vault's contents by label and fingerprint; values only on an explicit, audited reveal. */
export function SecretsCard() {
  const [secrets, setSecrets] = useState<SecretInfo[]>([]);
  const [revealed, setRevealed] = useState<RevealedSecret | null>(null);
  const [pending, setPending] = useState<{ id: string; action: 'reveal' | 'remove' } | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(() => {
    api.call('vault.secrets.list', {}).then(setSecrets, (err: unknown) => setError(errorText(err)));
  }, []);
  useEffect(load, [load]);

  const confirm = async () => {
    if (!pending) return;
    setError(null);
    try {
      if (pending.action === 'reveal')
        setRevealed(await api.call('vault.secrets.reveal', { id: pending.id }));
      else {
        await api.call('vault.secrets.remove', { id: pending.id });
        load();
      }
    } catch (err) {
      setError(errorText(err));
    }
    setPending(null);
  };

  return (
    <div className="card">
      <h2>Secrets</h2>
      {secrets.length === 0 && <p className="muted">The vault holds no secrets yet.</p>}
      {secrets.length > 0 && (
        <DataTable
          label="Secrets"
          head={false}
          rows={secrets}
          rowKey={(s) => s.id}
          columns={[
            { header: 'Label', cell: (s) => s.label },
            { header: 'Kind', cell: (s) => kindLabel[s.kind] },
            {
              header: 'Fingerprint',
              cell: (s) => s.fingerprint ?? '',
              cellProps: () => ({ className: 'mono' }),
            },
            {
              header: 'Actions',
              cellProps: () => ({ className: 'row' }),
              cell: (s) =>
                pending?.id === s.id ? (
                  <>
                    <span>
                      {pending.action === 'reveal'
                        ? 'Show it? This is recorded in the audit trail.'
                        : 'Delete it for good?'}
                    </span>
                    <button
                      type="button"
                      className={pending.action === 'remove' ? 'danger' : 'primary'}
                      onClick={() => void confirm()}
                    >
                      {pending.action === 'reveal' ? 'Show' : 'Delete'}
                    </button>
                    <button type="button" onClick={() => setPending(null)}>
                      Cancel
                    </button>
                  </>
                ) : (
                  <>
                    <button type="button" onClick={() => setPending({ id: s.id, action: 'reveal' })}>
                      Reveal…
                    </button>
                    <button
                      type="button"
                      className="danger"
                      onClick={() => setPending({ id: s.id, action: 'remove' })}
                    >
                      Delete…
                    </button>
                  </>
                ),
            },
          ]}
        />
      )}
      {revealed && (
        <div className="revealed" role="region" aria-label="Revealed secret">
          {Object.entries(revealed.fields).map(([k, v]) => (
            <label key={k} className="field">
              {k}
              <textarea className="mono" readOnly rows={k === 'privateKey' ? 8 : 1} value={v} />
            </label>
          ))}
          <button type="button" onClick={() => setRevealed(null)}>
            Hide
          </button>
        </div>
      )}
      <ErrorAlert message={error} />
    </div>
  );
}
