import type { TenantInfo } from '@contract';
import { useEffect, useState } from 'react';
import { api, errorText } from '../../api/client';
import { ErrorAlert } from '../../components/ErrorAlert';
import { followTenants, useTenants } from './store';
import { ago } from '../../lib/format';
import { AddTenantForm } from './AddTenantForm';
import { View } from '../../components/View';
import { DataTable } from '../../components/DataTable';
import { EmptyState } from '../../components/EmptyState';
import { OpenFormButton } from '../../components/OpenFormButton';

/** The operator's customers; each becomes its own Linux user on a server with its first site there. */
export function TenantsView() {
  const { tenants, loaded, error, load } = useTenants();
  const [adding, setAdding] = useState(false);
  const [confirming, setConfirming] = useState<string | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  useEffect(followTenants, []);

  const remove = async (t: TenantInfo) => {
    setFailure(null);
    try {
      await api.call('tenants.remove', { tenantId: t.id });
      setConfirming(null);
    } catch (err) {
      setFailure(errorText(err));
    }
    await load();
  };

  return (
    <View
      title="Tenants"
      actions={<OpenFormButton label="Add tenant" open={adding} onOpen={() => setAdding(true)} />}
    >
      <ErrorAlert message={error ?? failure} />
      {adding && (
        <AddTenantForm
          onCancel={() => setAdding(false)}
          onAdded={() => {
            setAdding(false);
            void load();
          }}
        />
      )}
      {loaded && tenants.length === 0 && !adding && (
        <EmptyState title="No tenants yet">
          <p>
            Add a tenant for each customer. Their sites run as the tenant&apos;s own Linux user, so one
            customer cannot read another&apos;s files.
          </p>
        </EmptyState>
      )}
      {tenants.length > 0 && (
        <DataTable
          label="Tenants"
          rows={tenants}
          rowKey={(t) => t.id}
          rowData={(t) => ({ 'data-tenant': t.slug })}
          columns={[
            { header: 'Name', cell: (t) => t.name },
            { header: 'Slug', cell: (t) => t.slug, cellProps: () => ({ className: 'mono' }) },
            { header: 'Sites', cell: (t) => t.siteCount },
            { header: 'Added', cell: (t) => ago(t.createdAt), cellProps: (t) => ({ title: t.createdAt }) },
            {
              header: 'Actions',
              cell: (t) => (
                <RemoveTenant
                  tenant={t}
                  confirming={confirming === t.id}
                  onAsk={() => setConfirming(t.id)}
                  onCancel={() => setConfirming(null)}
                  onConfirm={() => void remove(t)}
                />
              ),
            },
          ]}
        />
      )}
    </View>
  );
}

function RemoveTenant(p: {
  tenant: TenantInfo;
  confirming: boolean;
  onAsk(): void;
  onCancel(): void;
  onConfirm(): void;
}) {
  const { tenant: t } = p;
  if (t.siteCount > 0) {
    const why = `tenant-${t.id}-why`;
    return (
      <div className="row">
        <button type="button" className="danger" disabled aria-describedby={why}>
          Remove
        </button>
        <span id={why} className="muted">
          Delete its {t.siteCount === 1 ? 'site' : `${t.siteCount} sites`} first
        </span>
      </div>
    );
  }
  if (!p.confirming)
    return (
      <button type="button" className="danger" onClick={p.onAsk}>
        Remove…
      </button>
    );
  return (
    <div className="row" role="group" aria-label={`Confirm removal of ${t.name}`}>
      <button type="button" className="danger" onClick={p.onConfirm}>
        Remove {t.name}
      </button>
      <button type="button" onClick={p.onCancel}>
        Keep
      </button>
    </div>
  );
}
