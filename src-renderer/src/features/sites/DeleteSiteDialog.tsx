import type { SiteInfo } from '@contract';
import { useEffect, useId, useRef, useState } from 'react';
import { api, errorText } from '../../api/client';

/** Deleting a site removes its files, database and service on the host: typed confirmation, backup on by default. */
export function DeleteSiteDialog({
  site,
  onStarted,
  onCancel,
}: {
  site: SiteInfo;
  onStarted(jobId: string): void;
  onCancel(): void;
}) {
  const [typed, setTyped] = useState('');
  const [backup, setBackup] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const dialog = useRef<HTMLDialogElement>(null);
  const id = useId();
  const matches = typed.trim() === site.domain;

  useEffect(() => {
    dialog.current?.showModal();
  }, []);

  const start = async (forgetOnly: boolean) => {
    if (!matches) return;
    setBusy(true);
    setError(null);
    try {
      onStarted((await api.call('sites.delete', { siteId: site.id, backup, forgetOnly })).jobId);
    } catch (err) {
      setError(errorText(err));
      setBusy(false);
    }
  };
  const confirm = (e: React.FormEvent) => {
    e.preventDefault();
    void start(false);
  };
  // A site whose server is gone or never got it can still be removed from Hostdeck.
  const canForget = site.status === 'failed' || site.status === 'unknown';

  return (
    <dialog ref={dialog} className="dialog" aria-labelledby={`${id}-title`} onCancel={onCancel}>
      <form onSubmit={confirm} noValidate>
        <h2 id={`${id}-title`}>Delete {site.domain}?</h2>
        <p>
          This removes the site&apos;s files, database, PHP service and Caddy configuration from{' '}
          {site.serverName}, and its secrets from the vault. It cannot be undone.
        </p>
        <div className="field">
          <label htmlFor={`${id}-confirm`}>
            Type <span className="mono">{site.domain}</span> to confirm
          </label>
          <input
            id={`${id}-confirm`}
            type="text"
            value={typed}
            autoComplete="off"
            spellCheck={false}
            autoFocus
            onChange={(e) => setTyped(e.target.value)}
          />
        </div>
        <label className="radio">
          <input type="checkbox" checked={backup} onChange={(e) => setBackup(e.target.checked)} />
          Keep a final backup on the server (/var/backups/hostdeck/{site.slug}/)
        </label>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <div className="row">
          <button type="submit" className="danger" disabled={!matches || busy}>
            {busy ? 'Starting…' : 'Delete site'}
          </button>
          {canForget && (
            <button type="button" disabled={!matches || busy} onClick={() => void start(true)}>
              Forget in Hostdeck only (the host is not touched)
            </button>
          )}
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        </div>
      </form>
    </dialog>
  );
}
