import type { AuditEntry } from '@contract';
import { useCallback, useEffect, useState } from 'react';
import { api, errorText } from '../../api/client';
import { ErrorAlert } from '../../components/ErrorAlert';
import { View } from '../../components/View';
import { DataTable } from '../../components/DataTable';
import { EmptyState } from '../../components/EmptyState';

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
            { header: 'Action', cell: (e) => e.action },
            { header: 'Target', cell: (e) => e.target ?? '—' },
            {
              header: 'Detail',
              cell: (e) => JSON.stringify(e.detail),
              cellProps: () => ({ className: 'mono' }),
            },
          ]}
        />
      )}
    </View>
  );
}
