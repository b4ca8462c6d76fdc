import type { BackupOffsite, SiteInfo } from '@contract';
import { useState } from 'react';
import { api } from '../../api/client';
import { ServerSelect, useChosenServer } from '../../components/ServerSelect';
import { ago } from '../../lib/format';

/**
 * The server's offsite copy: where its repository is copied after every scheduled run (an SFTP-only
 * account on another server), how the last copy went, and the choice of another server.
 */
export function OffsiteCopy({
  site,
  offsite,
  attempt,
}: {
  site: SiteInfo;
  offsite: BackupOffsite | null;
  attempt(fn: () => Promise<unknown>): Promise<unknown>;
}) {
  const { servers } = useChosenServer();
  const others = servers.filter((s) => s.id !== site.serverId);
  const [target, setTarget] = useState('');
  const chosen = target || others[0]?.id || '';
  const to = (targetServerId: string | null) =>
    void attempt(() => api.call('backups.offsite', { serverId: site.serverId, targetServerId }));

  if (offsite) {
    const last = offsite.lastCopy;
    return (
      <div className="backups-offsite" data-testid="backup-offsite">
        <p className={last && !last.ok ? 'error' : 'muted'} role={last && !last.ok ? 'alert' : undefined}>
          Offsite copy: to {offsite.targetName} after every run
          {last
            ? last.ok
              ? ` · last copy ${ago(last.at)}: ${last.detail}`
              : ` · the last copy ${ago(last.at)} failed: ${last.detail}`
            : ' · not copied yet'}
        </p>
        <div className="row">
          <button
            type="button"
            onClick={() => void attempt(() => api.call('backups.copy', { serverId: site.serverId }))}
          >
            Copy now
          </button>
          <button
            type="button"
            onClick={() => to(null)}
            title={`Stops copying; what ${offsite.targetName} has stays there`}
          >
            Stop copying
          </button>
        </div>
      </div>
    );
  }
  return (
    <div className="backups-offsite row" data-testid="backup-offsite">
      <span className="muted">
        {others.length === 0
          ? `Offsite copy: none. Add a second server to copy ${site.serverName}'s backups to.`
          : `Offsite copy: none. A disk or host lost takes ${site.serverName}'s backups with it.`}
      </span>
      {others.length > 0 && (
        <>
          <ServerSelect servers={others} value={chosen} onChange={setTarget} label="Offsite server" />
          <button
            type="button"
            onClick={() => to(chosen)}
            title="An account there that can only SFTP into its own folder; the copy stays encrypted"
          >
            Copy offsite
          </button>
        </>
      )}
    </div>
  );
}
