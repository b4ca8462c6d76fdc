import { useState } from 'react';
import { api, errorText } from '../../api/client';
import { TextField } from '../../components/TextField';
import { ErrorAlert } from '../../components/ErrorAlert';

/** Move the vault to another laptop: an encrypted export file, and its import. */
export function VaultTransfer() {
  const [mode, setMode] = useState<'export' | 'import'>('export');
  const [path, setPath] = useState('');
  const [passphrase, setPassphrase] = useState('');
  const [result, setResult] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const run = async (e: React.FormEvent) => {
    e.preventDefault();
    setResult(null);
    setError(null);
    try {
      if (mode === 'export') {
        const r = await api.call('vault.export', { path, passphrase });
        setResult(`Exported ${r.count} secrets to ${path}.`);
      } else {
        const r = await api.call('vault.import', { path, passphrase });
        setResult(`Imported ${r.imported} secrets (${r.skipped} already here).`);
      }
      setPassphrase('');
    } catch (err) {
      setError(errorText(err));
    }
  };

  return (
    <form className="card" onSubmit={run} noValidate>
      <h2>Move the vault</h2>
      <div className="row" role="radiogroup" aria-label="Direction">
        {(
          [
            ['export', 'Export to a file'],
            ['import', 'Import a file'],
          ] as const
        ).map(([value, label]) => (
          <label key={value} className="radio">
            <input type="radio" name="transfer" checked={mode === value} onChange={() => setMode(value)} />
            {label}
          </label>
        ))}
      </div>
      <TextField
        label="File path"
        value={path}
        onChange={setPath}
        placeholder="/home/me/hostdeck-vault.hdvault"
      />
      <TextField
        type="password"
        label={mode === 'export' ? 'Passphrase for the file (12+ characters)' : 'Passphrase of the file'}
        value={passphrase}
        onChange={setPassphrase}
        autoComplete="new-password"
      />
      <button type="submit" disabled={!path || !passphrase}>
        {mode === 'export' ? 'Export' : 'Import'}
      </button>
      {result && <p role="status">{result}</p>}
      <ErrorAlert message={error} />
    </form>
  );
}
