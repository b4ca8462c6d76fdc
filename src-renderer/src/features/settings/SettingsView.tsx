import { themes } from '@contract';
import type { Theme } from '@contract';
import { useState } from 'react';
import { api, errorText } from '../../api/client';
import { useSettings } from './store';
import { SecretsCard } from './SecretsCard';
import { VaultSettings } from './VaultSettings';
import { VaultTransfer } from './VaultTransfer';
import { ErrorAlert } from '../../components/ErrorAlert';
import { View } from '../../components/View';

const themeLabels: Record<Theme, string> = { system: 'Follow the system', light: 'Light', dark: 'Dark' };

export function SettingsView() {
  const { settings, info, error, setTheme } = useSettings();
  const [checkError, setCheckError] = useState<string | null>(null);

  const runChecks = () => {
    setCheckError(null);
    api.call('diagnostics.run', {}).catch((err: unknown) => setCheckError(errorText(err)));
  };

  return (
    <View title="Settings">
      <ErrorAlert message={error} />

      <fieldset className="card">
        <legend>Appearance</legend>
        <div className="radio-row" role="radiogroup" aria-label="Theme">
          {themes.map((t) => (
            <label key={t}>
              <input
                type="radio"
                name="theme"
                value={t}
                checked={settings?.theme === t}
                onChange={() => void setTheme(t)}
              />
              {themeLabels[t]}
            </label>
          ))}
        </div>
      </fieldset>

      <VaultSettings />
      <SecretsCard />
      <VaultTransfer />

      <div className="card">
        <h2>This install</h2>
        {info ? (
          <dl className="facts">
            <dt>Version</dt>
            <dd>{info.version}</dd>
            <dt>Runtime</dt>
            <dd>{info.runtime}</dd>
            <dt>Data directory</dt>
            <dd className="mono">{info.dataDir}</dd>
            <dt>Schema version</dt>
            <dd>{info.schemaVersion}</dd>
          </dl>
        ) : (
          <p className="muted">Loading…</p>
        )}
        <button type="button" className="primary" onClick={runChecks}>
          Check this install
        </button>
        <p className="muted">Runs as a job: watch its steps in the Jobs panel.</p>
        <ErrorAlert message={checkError} />
      </div>
    </View>
  );
}
