import type { TenantInfo } from '@contract';
import { useState } from 'react';
import { FormActions } from '../../components/FormActions';
import { TextField } from '../../components/TextField';
import { slugFrom } from '../../lib/slugFrom';
import { useForm } from '../../lib/useForm';

/** Add a tenant, validated as you type with the contract's tenantCreate, and again by main. */
export function AddTenantForm({ onAdded, onCancel }: { onAdded(t: TenantInfo): void; onCancel(): void }) {
  const [slugEdited, setSlugEdited] = useState(false);
  const form = useForm('tenants.create', { name: '', slug: '' }, { onDone: onAdded });

  return (
    <form className="card form" onSubmit={form.submit} noValidate aria-labelledby="add-tenant-title">
      <h2 id="add-tenant-title">Add a tenant</h2>
      <div className="grid-2">
        <TextField
          label="Name"
          {...form.field('name')}
          onChange={(name) => form.update((x) => ({ name, slug: slugEdited ? x.slug : slugFrom(name) }))}
          placeholder="Acme Ltd."
          autoFocus
        />
        <TextField
          label="Slug"
          {...form.field('slug')}
          onChange={(slug) => {
            form.set('slug')(slug);
            setSlugEdited(true);
          }}
          hint="Names the tenant's Linux user and /srv/tenants/<slug> on every server"
        />
      </div>
      <FormActions
        failure={form.failure}
        busy={form.busy}
        label="Add tenant"
        busyLabel="Adding…"
        onCancel={onCancel}
      />
    </form>
  );
}
