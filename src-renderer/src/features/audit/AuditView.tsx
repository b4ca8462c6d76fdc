import type { AuditEntry } from '@contract';
import { useCallback, useEffect, useState } from 'react';
import { api, errorText } from '../../api/client';
import { ErrorAlert } from '../../components/ErrorAlert';
import { View } from '../../components/View';
import { DataTable } from '../../components/DataTable';
import { EmptyState } from '../../components/EmptyState';
import { followServers, useServers } from '../../stores/servers';
import { useSites, followSites } from '../sites/store';
import { useTenants, followTenants } from '../tenants/store';
import { actionText, detailText, targetText } from './auditText';

export function AuditView() {
  const [entries, setEntries] = useState<AuditEntry[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  const refresh = useCallback(() => {
    api.call('audit.list', { limit: 200 }).then(
      (list) => {
        setEntries(list);
        setError(null);
      },
      (err: unknown) => setError(errorText(err)),
    );
  }, []);
  useEffect(refresh, [refresh]);
  useEffect(followServers, []);
  useEffect(followSites, []);
  useEffect(followTenants, []);
  const servers = useServers((s) => s.servers);
  const sites = useSites((s) => s.sites);
  const tenants = useTenants((s) => s.tenants);
  const nameOf = (id: string) => {
    const server = servers.find((x) => x.id === id);
    if (server) return `server ${server.name}`;
    const site = sites.find((x) => x.id === id);
    if (site) return `site ${site.domain}`;
    const tenant = tenants.find((x) => x.id === id);
    return tenant ? `tenant ${tenant.name}` : null;
  };

  return (
    <View
      title="Audit"
      actions={
        <button type="button" onClick={refresh}>
          Refresh
        </button>
      }
    >
      <ErrorAlert message={error} />
      {entries && entries.length === 0 && (
        <EmptyState title="No changes recorded yet">
          <p>Every change Hostdeck makes (settings, servers, sites, reveals of secrets) is listed here.</p>
        </EmptyState>
      )}
      {entries && entries.length > 0 && (
        <DataTable
          rows={entries}
          rowKey={(e) => e.id}
          columns={[
            { header: 'When', cell: (e) => new Date(e.at).toLocaleString() },
            { header: 'Who', cell: (e) => e.actor },
            { header: 'Action', cell: (e) => actionText(e.action), cellProps: (e) => ({ title: e.action }) },
            {
              header: 'Target',
              cell: (e) => targetText(e.target, nameOf),
              cellProps: (e) => ({ title: e.target ?? undefined }),
            },
            {
              header: 'Detail',
              cell: (e) => detailText(e.detail, nameOf),
              cellProps: (e) => ({ title: JSON.stringify(e.detail) }),
            },
          ]}
        />
      )}
    </View>
  );
}
