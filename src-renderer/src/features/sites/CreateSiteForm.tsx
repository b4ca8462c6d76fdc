import type { SiteInfo, SiteType, TlsMode, WwwPolicy } from '@contract';
import { FormActions } from '../../components/FormActions';
import { SelectField } from '../../components/SelectField';
import { useChosenServer } from '../../components/ServerSelect';
import { TextAreaField } from '../../components/TextAreaField';
import { TextField } from '../../components/TextField';
import { useForm } from '../../lib/useForm';
import { useSlugFollowing } from '../../lib/useSlugFollowing';
import { useServers } from '../../stores/servers';
import { useTenants } from '../tenants/store';
import { domainMessage, nonAsciiNote, splitNames } from './hostNames';
import { PhpFields } from './PhpFields';
import { TlsField, TypeField, WwwField } from './SiteOptionFields';

/** Create a site: every field checked as you type with the contract's own rules, then by main, then on the host. */
export function CreateSiteForm({
  onCreated,
  onCancel,
}: {
  onCreated(site: SiteInfo, jobId: string): void;
  onCancel(): void;
}) {
  const tenants = useTenants((s) => s.tenants);
  const firstServer = useServers((s) => s.servers[0]?.id ?? '');
  const form = useForm(
    'sites.create',
    {
      serverId: '',
      tenantId: '',
      slug: '',
      domain: '',
      aliases: '',
      title: '',
      adminEmail: '',
      type: 'php' as SiteType,
      tls: 'auto' as TlsMode,
      www: 'none' as WwwPolicy,
      php: { memoryLimit: '256M', uploadMax: '64M', extraIni: '' },
    },
    {
      toInput: ({ title, adminEmail, serverId, tenantId, aliases, ...v }) => ({
        ...v,
        serverId: serverId || firstServer,
        tenantId: tenantId || tenants[0]?.id || '',
        aliases: splitNames(aliases),
        ...(v.type === 'wordpress' ? { adminEmail, ...(title.trim() ? { title } : {}) } : {}),
      }),
      // A look-alike character is named: the operator cannot see it.
      refine: (issues, v, input) => {
        const lookAlike = input.aliases?.find((a) => nonAsciiNote(a));
        return {
          ...issues,
          ...(issues.domain ? { domain: domainMessage(issues.domain, v.domain)! } : {}),
          ...(issues.aliases && lookAlike ? { aliases: domainMessage(issues.aliases, lookAlike)! } : {}),
        };
      },
      onDone: ({ site, jobId }) => onCreated(site, jobId),
    },
  );
  const v = form.values;
  const slug = useSlugFollowing(form, 'domain');
  const { servers, chosen, choose } = useChosenServer(v.serverId, form.set('serverId'));
  const tenantId = v.tenantId || tenants[0]?.id || '';

  return (
    <form className="card form" onSubmit={form.submit} noValidate aria-labelledby="create-site-title">
      <h2 id="create-site-title">Create a site</h2>
      {servers.length === 0 && (
        <p className="warning">
          Add a server first (Servers), then provision it with Caddy, MariaDB and FrankenPHP.
        </p>
      )}
      {tenants.length === 0 && (
        <p className="warning">Add a tenant first (Tenants): every site belongs to one.</p>
      )}
      <div className="grid-2">
        <SelectField
          label="Server"
          value={chosen}
          options={servers.map((s) => ({ value: s.id, label: s.name }))}
          onChange={choose}
          error={form.errorOf('serverId')}
          hint="It needs Caddy, MariaDB and FrankenPHP (see Provisioning)"
          disabled={servers.length === 0}
        />
        <SelectField
          label="Tenant"
          {...form.field('tenantId')}
          value={tenantId}
          options={tenants.map((t) => ({ value: t.id, label: `${t.name} (${t.slug})` }))}
          disabled={tenants.length === 0}
        />
        <TextField label="Primary domain" {...slug.source} placeholder="shop.example.com" autoFocus />
        <TextField
          label="Slug"
          {...slug.slug}
          hint="Names the site's directory, service and database on the server"
        />
      </div>
      <TextAreaField
        label="Aliases"
        {...form.field('aliases')}
        hint="Other host names of this site, separated by commas or one a line"
        rows={2}
      />
      <div className="grid-3">
        <TypeField value={v.type} onChange={form.set('type')} />
        <TlsField value={v.tls} onChange={form.set('tls')} />
        <WwwField value={v.www} onChange={form.set('www')} />
      </div>
      {v.type === 'wordpress' && (
        <div className="grid-2">
          <TextField label="Site title" {...form.field('title')} hint="Defaults to the domain" />
          <TextField
            label="Admin e-mail"
            {...form.field('adminEmail')}
            hint="The admin password is made for you and kept in the vault"
          />
        </div>
      )}
      <PhpFields
        value={v.php}
        onChange={form.set('php')}
        onBlur={(f) => form.touch(`php.${f}`)}
        errorOf={form.errorOf}
      />
      <FormActions
        failure={form.failure}
        busy={form.busy}
        label="Create site"
        busyLabel="Creating…"
        onCancel={onCancel}
      />
    </form>
  );
}
