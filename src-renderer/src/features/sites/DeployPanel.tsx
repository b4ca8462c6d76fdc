import { siteDeploy } from '@contract';
import type { InputOf, SiteInfo } from '@contract';
import { useState } from 'react';
import { api, errorText, HostdeckError } from '../../api/client';
import { TextField } from '../../components/TextField';
import { DeployKey } from './DeployKey';
import { formField, issuesByField } from './fieldIssues';

/** Deploy a release from git (switched atomically on the host), optionally with the site's deploy key. */
export function DeployPanel({
  site,
  onStarted,
  onCancel,
}: {
  site: SiteInfo;
  onStarted(jobId: string): void;
  onCancel(): void;
}) {
  const [v, setV] = useState({ repo: site.repo ?? '', branch: site.branch ?? 'main', keep: '5' });
  const [useKey, setUseKey] = useState(site.deployKeySecretId !== null);
  const [submitted, setSubmitted] = useState(false);
  const [apiErrors, setApiErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

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

  const deploy = async (e: React.FormEvent) => {
    e.preventDefault();
    setSubmitted(true);
    if (Object.keys(local).length > 0) return;
    setBusy(true);
    setFailure(null);
    try {
      onStarted((await api.call('sites.deploy', input)).jobId);
    } catch (err) {
      const field = err instanceof HostdeckError && err.field ? formField(err.field) : undefined;
      if (field && ['repo', 'branch', 'keep', 'useDeployKey'].includes(field))
        setApiErrors({ [field]: errorText(err) });
      else setFailure(errorText(err));
      setBusy(false);
    }
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
      {apiErrors.useDeployKey && (
        <p className="error" role="alert">
          {apiErrors.useDeployKey}
        </p>
      )}
      <DeployKey siteId={site.id} onShown={() => setUseKey(true)} />
      {failure && (
        <p className="error" role="alert">
          {failure}
        </p>
      )}
      <div className="row">
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Starting…' : 'Deploy'}
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
