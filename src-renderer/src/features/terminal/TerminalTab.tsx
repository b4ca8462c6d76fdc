import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import { sessionOf, useTerminals } from './store';
import type { TerminalTabInfo } from './store';

/**
 * Shows one tab's terminal: its session (owned by the terminal store) is attached here while the
 * tab is on the page and detached, still running, when the view goes.
 */
export function TerminalTab({ tab, active }: { tab: TerminalTabInfo; active: boolean }) {
  const slot = useRef<HTMLDivElement>(null);
  const [query, setQuery] = useState('');
  const setFinding = useTerminals((s) => s.setFinding);
  const session = sessionOf(tab.key);

  useLayoutEffect(() => {
    if (!session) return;
    session.mount(slot.current!);
    return () => session.unmount();
  }, [session]);

  useEffect(() => {
    if (active) session?.show();
  }, [active, session]);

  return (
    <div className="terminal-tab" hidden={!active}>
      {tab.banner && (
        <div className="terminal-banner" role="alert">
          <span>{tab.banner}</span>
          <button type="button" className="primary" onClick={() => void session?.connect()}>
            Reconnect
          </button>
        </div>
      )}
      {tab.finding && (
        <form
          className="terminal-search"
          role="search"
          onSubmit={(e) => {
            e.preventDefault();
            session?.findNext(query);
          }}
        >
          <input
            aria-label="Find in terminal"
            value={query}
            autoFocus
            onChange={(e) => setQuery(e.target.value)}
          />
          <button type="submit">Find next</button>
          <button
            type="button"
            onClick={() => {
              setFinding(tab.key, false);
              setQuery('');
            }}
          >
            Close
          </button>
        </form>
      )}
      <div ref={slot} className="terminal-slot" />
    </div>
  );
}
