import type { DeployKeyInfo } from '@contract';
import { useRef, useState } from 'react';
import { api, errorText } from '../../api/client';
import { ErrorAlert } from '../../components/ErrorAlert';

/** The site's deploy key (made in the vault on first use): only its public half is ever shown. */
export function DeployKey({ siteId, onShown }: { siteId: string; onShown(): void }) {
  const [key, setKey] = useState<DeployKeyInfo | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const field = useRef<HTMLTextAreaElement>(null);

  const show = async () => {
    setError(null);
    try {
      setKey(await api.call('sites.deployKey', { siteId }));
      onShown();
    } catch (err) {
      setError(errorText(err));
    }
  };
  const copy = async () => {
    if (!key) return;
    try {
      await navigator.clipboard.writeText(key.publicKey);
      setNote('Copied.');
    } catch {
      // Without clipboard access, select it so Ctrl+C works.
      field.current?.select();
      setNote('Selected: press Ctrl+C to copy.');
    }
  };

  return (
    <div className="field">
      {!key && (
        <div className="row">
          <button type="button" onClick={() => void show()}>
            Deploy key
          </button>
          <span className="muted">
            Shows the public key to add to the repository (read-only access is enough).
          </span>
        </div>
      )}
      {key && (
        <>
          <label htmlFor={`deploy-key-${siteId}`}>Public deploy key</label>
          <textarea
            id={`deploy-key-${siteId}`}
            ref={field}
            className="mono"
            rows={3}
            readOnly
            value={key.publicKey}
            aria-describedby={`deploy-key-fp-${siteId}`}
            onFocus={(e) => e.currentTarget.select()}
          />
          <p id={`deploy-key-fp-${siteId}`} className="muted field-hint mono">
            {key.fingerprint}
          </p>
          <div className="row">
            <button type="button" onClick={() => void copy()}>
              Copy
            </button>
            {note && <span role="status">{note}</span>}
          </div>
        </>
      )}
      <ErrorAlert message={error} />
    </div>
  );
}
