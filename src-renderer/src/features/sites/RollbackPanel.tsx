import type { SiteInfo } from '@contract';
import { useState } from 'react';
import { api, errorText } from '../../api/client';
import { SelectField } from '../../components/SelectField';
import { ago } from '../servers/format';

const PREVIOUS = '';

/** Switch back to a kept release: the one before the current, or one picked from the last refresh. */
export function RollbackPanel({
  site,
  onStarted,
  onCancel,
}: {
  site: SiteInfo;
  onStarted(jobId: string): void;
  onCancel(): void;
}) {
  const [release, setRelease] = useState(PREVIOUS);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const live = site.live;
  const options = [
    { value: PREVIOUS, label: 'The previous release' },
    ...(live?.releases ?? []).map((r) => ({
      value: r,
      label: r === live?.release ? `${r} (current)` : r,
    })),
  ];

  const rollback = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const input = release === PREVIOUS ? { siteId: site.id } : { siteId: site.id, release };
      onStarted((await api.call('sites.rollback', input)).jobId);
    } catch (err) {
      setError(errorText(err));
      setBusy(false);
    }
  };

  return (
    <form className="card form" onSubmit={rollback} aria-labelledby="rollback-title">
      <h2 id="rollback-title">Roll back</h2>
      <SelectField
        label="Release"
        value={release}
        options={options}
        onChange={setRelease}
        hint={
          live
            ? `Releases as of ${ago(live.checkedAt)}; Refresh to read them again.`
            : 'No releases read yet: Refresh to list them, or roll back to the previous one.'
        }
      />
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <div className="row">
        <button
          type="submit"
          className="primary"
          disabled={busy || (release !== PREVIOUS && release === live?.release)}
        >
          {busy ? 'Starting…' : 'Roll back'}
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
