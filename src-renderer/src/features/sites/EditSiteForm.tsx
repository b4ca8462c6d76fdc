import { siteUpdate } from '@contract';
import type { InputOf, TlsMode, WwwPolicy } from '@contract';
import { useState } from 'react';
import { api } from '../../api/client';
import { FormActions } from '../../components/FormActions';
import { TextAreaField } from '../../components/TextAreaField';
import { issuesByField } from '../../lib/fieldIssues';
import { domainMessage, nonAsciiNote, splitNames } from './hostNames';
import { PhpFields } from './PhpFields';
import type { PhpDraft } from './PhpFields';
import { TlsField, WwwField } from './SiteOptionFields';
import { useJobAction } from './useJobAction';
import type { SiteActionProps } from './useJobAction';

/** The fields an API error can be shown under; any other error is the form's. */
const FIELDS = ['aliases', 'php.memoryLimit', 'php.uploadMax', 'php.extraIni'];

/** The same cross-checks siteCreate makes (siteUpdate cannot: it does not carry the domain). */
function aliasClash(domain: string, www: WwwPolicy, aliases: string[]): string | undefined {
  if (aliases.includes(domain)) return 'the primary domain is not an alias';
  if (www !== 'none' && aliases.includes(`www.${domain}`))
    return `www.${domain} is already covered by the www policy`;
  return undefined;
}

/** Change aliases, TLS, www and PHP settings: saved, then applied on the host as a job. */
export function EditSiteForm({ site, onStarted, onCancel }: SiteActionProps) {
  const [aliasText, setAliasText] = useState(site.aliases.join('\n'));
  const [tls, setTls] = useState<TlsMode>(site.tls);
  const [www, setWww] = useState<WwwPolicy>(site.www);
  const [php, setPhp] = useState<PhpDraft>(site.php);
  const { busy, failure, apiErrors, setApiErrors, run } = useJobAction(onStarted, FIELDS);

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

  const save = (e: React.FormEvent) => {
    e.preventDefault();
    if (Object.keys(local).length > 0) return;
    void run(() => api.call('sites.update', input));
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
      <FormActions
        failure={failure}
        busy={busy}
        label="Save and apply"
        busyLabel="Saving…"
        onCancel={onCancel}
      />
    </form>
  );
}
