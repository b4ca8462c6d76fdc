import { tenantCreate } from '@contract';
import type { TenantInfo } from '@contract';
import { useState } from 'react';
import { api, errorText, HostdeckError } from '../../api/client';
import { FormActions } from '../../components/FormActions';
import { TextField } from '../../components/TextField';
import { issuesByField } from '../../lib/fieldIssues';
import { slugFrom } from '../../lib/slugFrom';

/** Add a tenant, validated as you type with the contract's tenantCreate, and again by main. */
export function AddTenantForm({ onAdded, onCancel }: { onAdded(t: TenantInfo): void; onCancel(): void }) {
  const [v, setV] = useState({ name: '', slug: '' });
  const [slugEdited, setSlugEdited] = useState(false);
  const [touched, setTouched] = useState({ name: false, slug: false });
  const [apiErrors, setApiErrors] = useState<Partial<Record<'name' | 'slug', string>>>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const local = issuesByField(tenantCreate.safeParse(v));
  const errorOf = (f: 'name' | 'slug') => apiErrors[f] ?? (touched[f] ? local[f] : undefined);

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setTouched({ name: true, slug: true });
    if (Object.keys(local).length > 0) return;
    setBusy(true);
    setFailure(null);
    try {
      onAdded(await api.call('tenants.create', v));
    } catch (err) {
      const field = err instanceof HostdeckError ? err.field : undefined;
      if (field === 'name' || field === 'slug') setApiErrors({ [field]: errorText(err) });
      else setFailure(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="card form" onSubmit={submit} noValidate aria-labelledby="add-tenant-title">
      <h2 id="add-tenant-title">Add a tenant</h2>
      <div className="grid-2">
        <TextField
          label="Name"
          value={v.name}
          onChange={(name) => {
            setV((x) => ({ name, slug: slugEdited ? x.slug : slugFrom(name) }));
            setApiErrors({});
          }}
          onBlur={() => setTouched((t) => ({ ...t, name: true }))}
          error={errorOf('name')}
          placeholder="Acme Ltd."
          autoFocus
        />
        <TextField
          label="Slug"
          value={v.slug}
          onChange={(slug) => {
            setV((x) => ({ ...x, slug }));
            setSlugEdited(true);
            setApiErrors({});
          }}
          onBlur={() => setTouched((t) => ({ ...t, slug: true }))}
          error={errorOf('slug')}
          hint="Names the tenant's Linux user and /srv/tenants/<slug> on every server"
        />
      </div>
      <FormActions failure={failure} busy={busy} label="Add tenant" busyLabel="Adding…" onCancel={onCancel} />
    </form>
  );
}
