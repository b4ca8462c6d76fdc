import { siteCreate } from '@contract';
import type { InputOf, SiteInfo, SiteType, TlsMode, WwwPolicy } from '@contract';
import { useRef, useState } from 'react';
import { api, errorText } from '../../api/client';
import { FormActions } from '../../components/FormActions';
import { SelectField } from '../../components/SelectField';
import { TextAreaField } from '../../components/TextAreaField';
import { TextField } from '../../components/TextField';
import { useTenants } from '../../stores/tenants';
import { useChosenServer } from '../../components/ServerSelect';
import { apiErrorField, issuesByField } from '../../lib/fieldIssues';
import { domainMessage, nonAsciiNote, splitNames } from './hostNames';
import { PhpFields } from './PhpFields';
import type { PhpDraft } from './PhpFields';
import { TlsField, TypeField, WwwField } from './SiteOptionFields';
import { slugFrom } from '../../lib/slugFrom';

const FIELDS = [
  'serverId',
  'tenantId',
  'slug',
  'domain',
  'aliases',
  'type',
  'tls',
  'www',
  'title',
  'adminEmail',
];
const PHP_FIELDS = ['php.memoryLimit', 'php.uploadMax', 'php.extraIni'];

/** Create a site: every field checked as you type with the contract's own rules, then by main, then on the host. */
export function CreateSiteForm({
  onCreated,
  onCancel,
}: {
  onCreated(site: SiteInfo, jobId: string): void;
  onCancel(): void;
}) {
  const { servers, chosen, choose } = useChosenServer();
  const tenants = useTenants((s) => s.tenants);
  const [tenantPick, setTenantPick] = useState('');
  const tenantId = tenantPick || tenants[0]?.id || '';
  const [v, setV] = useState({ slug: '', domain: '', aliases: '', title: '', adminEmail: '' });
  const [type, setType] = useState<SiteType>('php');
  const [tls, setTls] = useState<TlsMode>('auto');
  const [www, setWww] = useState<WwwPolicy>('none');
  const [php, setPhp] = useState<PhpDraft>({ memoryLimit: '256M', uploadMax: '64M', extraIni: '' });
  const [slugEdited, setSlugEdited] = useState(false);
  const [touched, setTouched] = useState<Set<string>>(new Set());
  const [submitted, setSubmitted] = useState(false);
  const [apiErrors, setApiErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const form = useRef<HTMLFormElement>(null);

  const aliases = splitNames(v.aliases);
  const input: InputOf<'sites.create'> = {
    serverId: chosen,
    tenantId,
    slug: v.slug,
    domain: v.domain,
    aliases,
    type,
    tls,
    www,
    php,
    ...(type === 'wordpress'
      ? { adminEmail: v.adminEmail, ...(v.title.trim() ? { title: v.title } : {}) }
      : {}),
  };
  const local = issuesByField(siteCreate.safeParse(input), { aliases });
  const lookAlike = aliases.find((a) => nonAsciiNote(a));
  const shown = (field: string) =>
    apiErrors[field] ?? (submitted || touched.has(field) ? local[field] : undefined);
  const errorOf = (field: string) =>
    field === 'domain'
      ? domainMessage(shown(field), v.domain)
      : field === 'aliases' && lookAlike && !apiErrors.aliases
        ? domainMessage(shown(field), lookAlike)
        : shown(field);

  const touch = (field: string) => setTouched((t) => new Set(t).add(field));
  const clear = (field: string) => setApiErrors(({ [field]: _gone, ...rest }) => rest);
  const set = (field: keyof typeof v) => (value: string) => {
    setV((x) => ({
      ...x,
      [field]: value,
      ...(field === 'domain' && !slugEdited ? { slug: slugFrom(value) } : {}),
    }));
    if (field === 'slug') setSlugEdited(true);
    clear(field);
  };

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setSubmitted(true);
    setFailure(null);
    if (Object.keys(local).length > 0) {
      requestAnimationFrame(() => form.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus());
      return;
    }
    setBusy(true);
    try {
      const { jobId, site } = await api.call('sites.create', input);
      onCreated(site, jobId);
    } catch (err) {
      const field = apiErrorField(err, [...FIELDS, ...PHP_FIELDS]);
      if (field) setApiErrors({ [field]: errorText(err) });
      else setFailure(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form ref={form} className="card form" onSubmit={submit} noValidate aria-labelledby="create-site-title">
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
          onChange={(id) => {
            choose(id);
            clear('serverId');
          }}
          error={errorOf('serverId')}
          hint="It needs Caddy, MariaDB and FrankenPHP (see Modules)"
          disabled={servers.length === 0}
        />
        <SelectField
          label="Tenant"
          value={tenantId}
          options={tenants.map((t) => ({ value: t.id, label: `${t.name} (${t.slug})` }))}
          onChange={(id) => {
            setTenantPick(id);
            clear('tenantId');
          }}
          error={errorOf('tenantId')}
          disabled={tenants.length === 0}
        />
        <TextField
          label="Primary domain"
          value={v.domain}
          onChange={set('domain')}
          onBlur={() => touch('domain')}
          error={errorOf('domain')}
          placeholder="shop.example.com"
          autoFocus
        />
        <TextField
          label="Slug"
          value={v.slug}
          onChange={set('slug')}
          onBlur={() => touch('slug')}
          error={errorOf('slug')}
          hint="Names the site's directory, service and database on the server"
        />
      </div>
      <TextAreaField
        label="Aliases"
        value={v.aliases}
        onChange={set('aliases')}
        onBlur={() => touch('aliases')}
        error={errorOf('aliases')}
        hint="Other host names of this site, separated by commas or one a line"
        rows={2}
      />
      <div className="grid-3">
        <TypeField value={type} onChange={setType} />
        <TlsField value={tls} onChange={setTls} />
        <WwwField
          value={www}
          onChange={(w) => {
            setWww(w);
            clear('aliases');
          }}
        />
      </div>
      {type === 'wordpress' && (
        <div className="grid-2">
          <TextField
            label="Site title"
            value={v.title}
            onChange={set('title')}
            onBlur={() => touch('title')}
            error={errorOf('title')}
            hint="Defaults to the domain"
          />
          <TextField
            label="Admin e-mail"
            value={v.adminEmail}
            onChange={set('adminEmail')}
            onBlur={() => touch('adminEmail')}
            error={errorOf('adminEmail')}
            hint="The admin password is made for you and kept in the vault"
          />
        </div>
      )}
      <PhpFields
        value={php}
        onChange={(next) => {
          setPhp(next);
          PHP_FIELDS.forEach(clear);
        }}
        onBlur={(f) => touch(`php.${f}`)}
        errorOf={errorOf}
      />
      <FormActions
        failure={failure}
        busy={busy}
        label="Create site"
        busyLabel="Creating…"
        onCancel={onCancel}
      />
    </form>
  );
}
