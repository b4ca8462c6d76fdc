import { useEffect, useLayoutEffect } from 'react';
import { api, hasBridge } from '../api/client';
import { JobsPanel } from '../features/jobs/JobsPanel';
import { endLogs } from '../features/logs/store';
import { followTerminals } from '../features/terminal/store';
import { VaultGate } from '../features/vault/VaultGate';
import { reportActivity } from '../features/vault/reportActivity';
import { followJobs } from '../features/jobs/store';
import { useSettings } from '../features/settings/store';
import { useNavigation } from './navigation';
import { sections } from './sections';
import { useTheme } from './useTheme';

export function App() {
  if (!hasBridge()) return <NoBridge />;
  return (
    <VaultGate>
      <Shell />
    </VaultGate>
  );
}

function Shell() {
  const active = useNavigation((s) => s.section);
  const visit = useNavigation((s) => s.visit);
  const theme = useSettings((s) => s.settings?.theme ?? 'system');
  useTheme(theme);

  // What lives as long as the window's session (the vault open), whichever section is shown:
  // released here, when the vault locks and the shell goes.
  useEffect(() => {
    void useSettings.getState().load();
    const stopJobs = followJobs();
    const stopActivity = reportActivity();
    const stopTerminals = followTerminals();
    // A clicked alert notification brings its server or site up.
    const stopOpen = api.on('monitor.open', (p) =>
      useNavigation
        .getState()
        .open(p.siteId ? { kind: 'site', siteId: p.siteId } : { kind: 'server', serverId: p.serverId }),
    );
    return () => {
      stopOpen();
      stopJobs();
      stopActivity();
      stopTerminals();
      endLogs();
    };
  }, []);

  // A section change moves focus to the new view's heading (a screen reader says where it is, the
  // keyboard starts there), or to the main area when the view has none yet.
  const go = (id: string) => {
    useNavigation.getState().go(id);
    requestAnimationFrame(() => {
      const heading = document.querySelector<HTMLElement>('#main h1');
      (heading ?? document.getElementById('main'))?.focus();
    });
  };

  // Alt+1…9 jumps to a section, and focus follows so keyboard users land in the view.
  // A layout effect, so the shortcut works from the first frame the navigation is visible.
  useLayoutEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!e.altKey || e.ctrlKey || e.metaKey) return;
      const index = Number.parseInt(e.key, 10) - 1;
      const target = sections[index];
      if (target) {
        e.preventDefault();
        go(target.id);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const current = sections.find((s) => s.id === active) ?? sections[0]!;
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <nav className="sidebar" aria-label="Sections">
        <div className="brand">Hostdeck</div>
        <ul>
          {sections.map((s, i) => (
            <li key={s.id}>
              <button
                type="button"
                className="nav-item"
                aria-current={s.id === active ? 'page' : undefined}
                aria-keyshortcuts={`Alt+${i + 1}`}
                onClick={() => go(s.id)}
              >
                <span className="nav-icon" aria-hidden="true">
                  {s.icon}
                </span>
                {s.label}
              </button>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" className="main" tabIndex={-1}>
        <current.View key={visit} />
      </main>
      <JobsPanel />
    </div>
  );
}

function NoBridge() {
  return (
    <main className="no-bridge">
      <h1>Hostdeck</h1>
      <p>This page is the Hostdeck window and must be opened by the Hostdeck app.</p>
    </main>
  );
}
