import { useState } from 'react';
import { api } from '../../api/client';
import { FormActions } from '../../components/FormActions';
import { SelectField } from '../../components/SelectField';
import { ago } from '../../lib/format';
import { useJobAction } from './useJobAction';
import type { SiteActionProps } from './useJobAction';

const PREVIOUS = '';

/** Switch back to a kept release: the one before the current, or one picked from the last refresh. */
export function RollbackPanel({ site, onStarted, onCancel }: SiteActionProps) {
  const [release, setRelease] = useState(PREVIOUS);
  const { busy, failure, run } = useJobAction(onStarted);
  const live = site.live;
  const options = [
    { value: PREVIOUS, label: 'The previous release' },
    ...(live?.releases ?? []).map((r) => ({
      value: r,
      label: r === live?.release ? `${r} (current)` : r,
    })),
  ];

  const rollback = (e: React.FormEvent) => {
    e.preventDefault();
    const input = release === PREVIOUS ? { siteId: site.id } : { siteId: site.id, release };
    void run(() => api.call('sites.rollback', input));
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
      <FormActions
        failure={failure}
        busy={busy}
        label="Roll back"
        busyLabel="Starting…"
        disabled={release !== PREVIOUS && release === live?.release}
        onCancel={onCancel}
      />
    </form>
  );
}
