import { useEffect, useId, useRef, useState } from 'react';
import { ErrorAlert } from '../../components/ErrorAlert';
import { useForm } from '../../lib/useForm';
import type { SiteActionProps } from './SiteActionProps';
import { CheckboxField } from '../../components/CheckboxField';

/** Deleting a site removes its files, database and service on the host: typed confirmation, backup on by default. */
export function DeleteSiteDialog({ site, onStarted, onCancel }: SiteActionProps) {
  const [typed, setTyped] = useState('');
  const form = useForm(
    'sites.delete',
    { siteId: site.id, backup: true, forgetOnly: false },
    { onDone: ({ jobId }) => onStarted(jobId) },
  );
  const { busy, failure } = form;
  const dialog = useRef<HTMLDialogElement>(null);
  const id = useId();
  const matches = typed.trim() === site.domain;

  useEffect(() => {
    dialog.current?.showModal();
  }, []);

  const confirm = (e: React.FormEvent<HTMLFormElement>) => {
    if (matches) void form.submit(e);
    else e.preventDefault();
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
        <CheckboxField checked={form.values.backup} onChange={form.set('backup')}>
          Keep a final backup (encrypted, in the server's restic repository: files and database)
        </CheckboxField>
        <ErrorAlert message={failure} />
        <div className="row">
          <button type="submit" className="danger" disabled={!matches || busy}>
            {busy ? 'Starting…' : 'Delete site'}
          </button>
          {canForget && (
            <button
              type="button"
              disabled={!matches || busy}
              onClick={() => void form.submit(undefined, { forgetOnly: true })}
            >
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
