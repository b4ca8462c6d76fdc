import { FormActions } from '../../components/FormActions';
import { SelectField } from '../../components/SelectField';
import { ago } from '../../lib/format';
import { useForm } from '../../lib/useForm';
import type { SiteActionProps } from './SiteActionProps';

const PREVIOUS = '';

/** Switch back to a kept release: the one before the current, or one picked from the last refresh. */
export function RollbackPanel({ site, onStarted, onCancel }: SiteActionProps) {
  const form = useForm(
    'sites.rollback',
    { release: PREVIOUS },
    {
      toInput: ({ release }) => (release === PREVIOUS ? { siteId: site.id } : { siteId: site.id, release }),
      onDone: ({ jobId }) => onStarted(jobId),
    },
  );
  const live = site.live;
  const options = [
    { value: PREVIOUS, label: 'The previous release' },
    ...(live?.releases ?? []).map((r) => ({
      value: r,
      label: r === live?.release ? `${r} (current)` : r,
    })),
  ];
  const release = form.values.release;

  return (
    <form className="card form" onSubmit={form.submit} aria-labelledby="rollback-title">
      <h2 id="rollback-title">Roll back</h2>
      <SelectField
        label="Release"
        {...form.field('release')}
        options={options}
        hint={
          live
            ? `Releases as of ${ago(live.checkedAt)}; Refresh to read them again.`
            : 'No releases read yet: Refresh to list them, or roll back to the previous one.'
        }
      />
      <FormActions
        failure={form.failure}
        busy={form.busy}
        label="Roll back"
        busyLabel="Starting…"
        disabled={release !== PREVIOUS && release === live?.release}
        onCancel={onCancel}
      />
    </form>
  );
}
