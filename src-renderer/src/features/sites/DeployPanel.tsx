import { ErrorAlert } from '../../components/ErrorAlert';
import { FormActions } from '../../components/FormActions';
import { TextField } from '../../components/TextField';
import { useForm } from '../../lib/useForm';
import { DeployKey } from './DeployKey';
import type { SiteActionProps } from './SiteActionProps';
import { CheckboxField } from '../../components/CheckboxField';

/** Deploy a release from git (switched atomically on the host), optionally with the site's deploy key. */
export function DeployPanel({ site, onStarted, onCancel }: SiteActionProps) {
  const form = useForm(
    'sites.deploy',
    {
      repo: site.repo ?? '',
      branch: site.branch ?? 'main',
      keep: '5',
      useDeployKey: site.deployKeySecretId !== null,
    },
    {
      toInput: (v) => ({ ...v, siteId: site.id, keep: Number(v.keep) }),
      validateOn: 'change',
      refine: (issues) => (issues.keep ? { ...issues, keep: 'a whole number from 1 to 50' } : issues),
      onDone: ({ jobId }) => onStarted(jobId),
    },
  );

  return (
    <form className="card form" onSubmit={form.submit} noValidate aria-labelledby="deploy-title">
      <h2 id="deploy-title">Deploy from git</h2>
      <TextField
        label="Repository URL"
        {...form.field('repo')}
        placeholder="git@github.com:me/shop.git"
        autoFocus
      />
      <div className="grid-2">
        <TextField label="Branch or tag" {...form.field('branch')} />
        <TextField
          label="Releases to keep"
          {...form.field('keep')}
          inputMode="numeric"
          hint="Older releases are removed after a deploy; rollback can go back to any kept one"
        />
      </div>
      <CheckboxField checked={form.values.useDeployKey} onChange={form.set('useDeployKey')}>
        Use the site's deploy key (for a private repository)
      </CheckboxField>
      <ErrorAlert message={form.errorOf('useDeployKey')} />
      <DeployKey siteId={site.id} onShown={() => form.set('useDeployKey')(true)} />
      <FormActions
        failure={form.failure}
        busy={form.busy}
        label="Deploy"
        busyLabel="Starting…"
        onCancel={onCancel}
      />
    </form>
  );
}
