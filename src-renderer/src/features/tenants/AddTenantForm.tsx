import type { TenantInfo } from '@contract';
import { FormActions } from '../../components/FormActions';
import { TextField } from '../../components/TextField';
import { useForm } from '../../lib/useForm';
import { useSlugFollowing } from '../../lib/useSlugFollowing';

/** Add a tenant, validated as you type with the contract's tenantCreate, and again by main. */
export function AddTenantForm({ onAdded, onCancel }: { onAdded(t: TenantInfo): void; onCancel(): void }) {
  const form = useForm('tenants.create', { name: '', slug: '' }, { onDone: onAdded });
  const slug = useSlugFollowing(form, 'name');

  return (
    <form className="card form" onSubmit={form.submit} noValidate aria-labelledby="add-tenant-title">
      <h2 id="add-tenant-title">Add a tenant</h2>
      <div className="grid-2">
        <TextField label="Name" {...slug.source} placeholder="Acme Ltd." autoFocus />
        <TextField
          label="Slug"
          {...slug.slug}
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
