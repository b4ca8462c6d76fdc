import type { HostKeyProbeResult, ServerInfo } from '@contract';
import { useEffect, useRef, useState } from 'react';
import { api, errorText } from '../../api/client';
import { ErrorAlert } from '../../components/ErrorAlert';

interface Props {
  server: ServerInfo;
  /** 'trust' on first contact, 'replace' after a deliberate choice to accept a changed key. */
  mode: 'trust' | 'replace';
  onDone(server: ServerInfo | null): void;
}

/** Shows the fingerprint the server presents and asks the operator to confirm it. */
export function HostKeyDialog({ server, mode, onDone }: Props) {
  const [probe, setProbe] = useState<HostKeyProbeResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const dialog = useRef<HTMLDialogElement>(null);

  useEffect(() => {
    dialog.current?.showModal();
    api
      .call('servers.probeHostKey', { id: server.id })
      .then(setProbe, (err: unknown) => setError(errorText(err)));
  }, [server.id]);

  const confirm = async () => {
    if (!probe) return;
    setBusy(true);
    try {
      const command = mode === 'trust' ? 'servers.trustHostKey' : 'servers.replaceHostKey';
      onDone(await api.call(command, { id: server.id, fingerprint: probe.fingerprint }));
    } catch (err) {
      setError(errorText(err));
      setBusy(false);
    }
  };

  return (
    <dialog ref={dialog} className="dialog" aria-labelledby="hostkey-title" onCancel={() => onDone(null)}>
      <h2 id="hostkey-title">
        {mode === 'trust' ? `Is this ${server.name}?` : `Replace the host key of ${server.name}?`}
      </h2>
      {!probe && !error && <p className="muted">Asking {server.host} for its host key…</p>}
      {probe && (
        <>
          <p>
            {server.host}:{server.port} presents this {probe.type} key:
          </p>
          <p className="fingerprint mono" data-testid="fingerprint">
            {probe.fingerprint}
          </p>
          {probe.trustedFingerprint && !probe.matches && (
            <p className="warning">
              Hostdeck trusted a different key until now:{' '}
              <span className="mono">{probe.trustedFingerprint}</span>. Replace it only if you know the server
              was rebuilt.
            </p>
          )}
          <p className="muted">
            Compare it with your provider's console or{' '}
            <span className="mono">ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub</span> on the server.
          </p>
        </>
      )}
      <ErrorAlert message={error} />
      <div className="row">
        <button type="button" className="primary" disabled={!probe || busy} onClick={() => void confirm()}>
          {mode === 'trust' ? 'It matches: trust it' : 'Replace the key'}
        </button>
        <button type="button" onClick={() => onDone(null)}>
          Cancel
        </button>
      </div>
    </dialog>
  );
}
