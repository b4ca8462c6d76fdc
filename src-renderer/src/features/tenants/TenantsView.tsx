import type { TenantInfo } from '@contract';
import { useEffect, useState } from 'react';
import { api, errorText } from '../../api/client';
import { ErrorAlert } from '../../components/FormActions';
import { followTenants, useTenants } from '../../stores/tenants';
import { ago } from '../servers/format';
import { AddTenantForm } from './AddTenantForm';

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
    <section className="view" aria-labelledby="view-title">
      <header className="view-header">
        <h1 id="view-title">Tenants</h1>
        <button type="button" className="primary" onClick={() => setAdding(true)} disabled={adding}>
          Add tenant
        </button>
      </header>
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
        <div className="empty-state" role="status">
          <p className="empty-title">No tenants yet</p>
          <p>
            Add a tenant for each customer. Their sites run as the tenant&apos;s own Linux user, so one
            customer cannot read another&apos;s files.
          </p>
        </div>
      )}
      {tenants.length > 0 && (
        <div className="table-wrap">
          <table className="table" aria-label="Tenants">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Slug</th>
                <th scope="col">Sites</th>
                <th scope="col">Added</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {tenants.map((t) => (
                <tr key={t.id} data-tenant={t.slug}>
                  <td>{t.name}</td>
                  <td className="mono">{t.slug}</td>
                  <td>{t.siteCount}</td>
                  <td title={t.createdAt}>{ago(t.createdAt)}</td>
                  <td>
                    <RemoveTenant
                      tenant={t}
                      confirming={confirming === t.id}
                      onAsk={() => setConfirming(t.id)}
                      onCancel={() => setConfirming(null)}
                      onConfirm={() => void remove(t)}
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
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
