import { siteUpdate } from '@contract';
import type { InputOf, SiteInfo, TlsMode, WwwPolicy } from '@contract';
import { useState } from 'react';
import { api, errorText, HostdeckError } from '../../api/client';
import { TextAreaField } from '../../components/TextAreaField';
import { domainMessage, formField, issuesByField, nonAsciiNote, splitNames } from './fieldIssues';
import { PhpFields } from './PhpFields';
import type { PhpDraft } from './PhpFields';
import { TlsField, WwwField } from './SiteOptionFields';

/** The same cross-checks siteCreate makes (siteUpdate cannot: it does not carry the domain). */
function aliasClash(domain: string, www: WwwPolicy, aliases: string[]): string | undefined {
  if (aliases.includes(domain)) return 'the primary domain is not an alias';
  if (www !== 'none' && aliases.includes(`www.${domain}`))
    return `www.${domain} is already covered by the www policy`;
  return undefined;
}

/** Change aliases, TLS, www and PHP settings: saved, then applied on the host as a job. */
export function EditSiteForm({
  site,
  onStarted,
  onCancel,
}: {
  site: SiteInfo;
  onStarted(jobId: string): void;
  onCancel(): void;
}) {
  const [aliasText, setAliasText] = useState(site.aliases.join('\n'));
  const [tls, setTls] = useState<TlsMode>(site.tls);
  const [www, setWww] = useState<WwwPolicy>(site.www);
  const [php, setPhp] = useState<PhpDraft>(site.php);
  const [apiErrors, setApiErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const aliases = splitNames(aliasText);
  const input: InputOf<'sites.update'> = { siteId: site.id, aliases, tls, www, php };
  const parsed = issuesByField(siteUpdate.safeParse(input), { aliases });
  const clash = aliasClash(site.domain, www, aliases);
  const local = clash && !parsed.aliases ? { ...parsed, aliases: clash } : parsed;
  const lookAlike = aliases.find((a) => nonAsciiNote(a));
  const errorOf = (field: string) => {
    const message = apiErrors[field] ?? local[field];
    return field === 'aliases' && lookAlike ? domainMessage(message, lookAlike) : message;
  };

  const save = async (e: React.FormEvent) => {
    e.preventDefault();
    if (Object.keys(local).length > 0) return;
    setBusy(true);
    setFailure(null);
    try {
      onStarted((await api.call('sites.update', input)).jobId);
    } catch (err) {
      const field = err instanceof HostdeckError && err.field ? formField(err.field) : undefined;
      if (field && ['aliases', 'php.memoryLimit', 'php.uploadMax', 'php.extraIni'].includes(field))
        setApiErrors({ [field]: errorText(err) });
      else setFailure(errorText(err));
      setBusy(false);
    }
  };

  return (
    <form className="card form" onSubmit={save} noValidate aria-labelledby="edit-site-title">
      <h2 id="edit-site-title">Edit {site.domain}</h2>
      <TextAreaField
        label="Aliases"
        value={aliasText}
        onChange={(t) => {
          setAliasText(t);
          setApiErrors({});
        }}
        error={errorOf('aliases')}
        hint="Other host names of this site, separated by commas or one a line"
        rows={3}
      />
      <div className="grid-2">
        <TlsField value={tls} onChange={setTls} />
        <WwwField value={www} onChange={setWww} />
      </div>
      <PhpFields
        value={php}
        onChange={(next) => {
          setPhp(next);
          setApiErrors({});
        }}
        errorOf={errorOf}
      />
      {failure && (
        <p className="error" role="alert">
          {failure}
        </p>
      )}
      <div className="row">
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Saving…' : 'Save and apply'}
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
