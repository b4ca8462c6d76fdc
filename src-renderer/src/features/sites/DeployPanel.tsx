import { siteDeploy } from '@contract';
import type { InputOf } from '@contract';
import { useState } from 'react';
import { api } from '../../api/client';
import { ErrorAlert } from '../../components/ErrorAlert';
import { FormActions } from '../../components/FormActions';
import { TextField } from '../../components/TextField';
import { DeployKey } from './DeployKey';
import { issuesByField } from '../../lib/fieldIssues';
import { useJobAction } from './useJobAction';
import type { SiteActionProps } from './useJobAction';

/** The fields an API error can be shown under; any other error is the form's. */
const FIELDS = ['repo', 'branch', 'keep', 'useDeployKey'];

/** Deploy a release from git (switched atomically on the host), optionally with the site's deploy key. */
export function DeployPanel({ site, onStarted, onCancel }: SiteActionProps) {
  const [v, setV] = useState({ repo: site.repo ?? '', branch: site.branch ?? 'main', keep: '5' });
  const [useKey, setUseKey] = useState(site.deployKeySecretId !== null);
  const [submitted, setSubmitted] = useState(false);
  const { busy, failure, apiErrors, setApiErrors, run } = useJobAction(onStarted, FIELDS);

  const input: InputOf<'sites.deploy'> = {
    siteId: site.id,
    repo: v.repo,
    branch: v.branch,
    keep: Number(v.keep),
    useDeployKey: useKey,
  };
  const local = issuesByField(siteDeploy.safeParse(input));
  if (local.keep) local.keep = 'a whole number from 1 to 50';
  const errorOf = (f: string) => apiErrors[f] ?? (submitted || v[f as keyof typeof v] ? local[f] : undefined);
  const set = (f: keyof typeof v) => (value: string) => {
    setV((x) => ({ ...x, [f]: value }));
    setApiErrors({});
  };

  const deploy = (e: React.FormEvent) => {
    e.preventDefault();
    setSubmitted(true);
    if (Object.keys(local).length > 0) return;
    void run(() => api.call('sites.deploy', input));
  };

  return (
    <form className="card form" onSubmit={deploy} noValidate aria-labelledby="deploy-title">
      <h2 id="deploy-title">Deploy from git</h2>
      <TextField
        label="Repository URL"
        value={v.repo}
        onChange={set('repo')}
        error={errorOf('repo')}
        placeholder="git@github.com:me/shop.git"
        autoFocus
      />
      <div className="grid-2">
        <TextField
          label="Branch or tag"
          value={v.branch}
          onChange={set('branch')}
          error={errorOf('branch')}
        />
        <TextField
          label="Releases to keep"
          value={v.keep}
          onChange={set('keep')}
          error={errorOf('keep')}
          inputMode="numeric"
          hint="Older releases are removed after a deploy; rollback can go back to any kept one"
        />
      </div>
      <label className="radio">
        <input
          type="checkbox"
          checked={useKey}
          onChange={(e) => {
            setUseKey(e.target.checked);
            setApiErrors({});
          }}
        />
        Use the site's deploy key (for a private repository)
      </label>
      <ErrorAlert message={apiErrors.useDeployKey} />
      <DeployKey siteId={site.id} onShown={() => setUseKey(true)} />
      <FormActions failure={failure} busy={busy} label="Deploy" busyLabel="Starting…" onCancel={onCancel} />
    </form>
  );
}
