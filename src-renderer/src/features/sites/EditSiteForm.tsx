import type { WwwPolicy } from '@contract';
import { FormActions } from '../../components/FormActions';
import { TextAreaField } from '../../components/TextAreaField';
import { useForm } from '../../lib/useForm';
import { domainMessage, nonAsciiNote, splitNames } from './hostNames';
import { PhpFields } from './PhpFields';
import { TlsField, WwwField } from './SiteOptionFields';
import type { SiteActionProps } from './SiteActionProps';

/** The same cross-checks siteCreate makes (siteUpdate cannot: it does not carry the domain). */
function aliasClash(domain: string, www: WwwPolicy, aliases: string[]): string | undefined {
  if (aliases.includes(domain)) return 'the primary domain is not an alias';
  if (www !== 'none' && aliases.includes(`www.${domain}`))
    return `www.${domain} is already covered by the www policy`;
  return undefined;
}

/** Change aliases, TLS, www and PHP settings: saved, then applied on the host as a job. */
export function EditSiteForm({ site, onStarted, onCancel }: SiteActionProps) {
  const form = useForm(
    'sites.update',
    { aliases: site.aliases.join('\n'), tls: site.tls, www: site.www, php: site.php },
    {
      toInput: (v) => ({ ...v, siteId: site.id, aliases: splitNames(v.aliases) }),
      validateOn: 'change',
      refine: (issues, v, input) => {
        const aliases = input.aliases ?? [];
        const clash = aliasClash(site.domain, v.www, aliases);
        const message = issues.aliases ?? clash;
        const lookAlike = aliases.find((a) => nonAsciiNote(a));
        return message === undefined
          ? issues
          : { ...issues, aliases: lookAlike ? domainMessage(message, lookAlike)! : message };
      },
      onDone: ({ jobId }) => onStarted(jobId),
    },
  );

  return (
    <form className="card form" onSubmit={form.submit} noValidate aria-labelledby="edit-site-title">
      <h2 id="edit-site-title">Edit {site.domain}</h2>
      <TextAreaField
        label="Aliases"
        {...form.field('aliases')}
        hint="Other host names of this site, separated by commas or one a line"
        rows={3}
      />
      <div className="grid-2">
        <TlsField value={form.values.tls} onChange={form.set('tls')} />
        <WwwField value={form.values.www} onChange={form.set('www')} />
      </div>
      <PhpFields value={form.values.php} onChange={form.set('php')} errorOf={form.errorOf} />
      <FormActions
        failure={form.failure}
        busy={form.busy}
        label="Save and apply"
        busyLabel="Saving…"
        onCancel={onCancel}
      />
    </form>
  );
}
