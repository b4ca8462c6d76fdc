import { create } from 'zustand';
import { TerminalSession } from './session';
import type { SessionTarget } from './session';
import { routeTerminalEvents } from './sessions';

export interface TerminalTabInfo extends SessionTarget {
  key: number;
  title: string;
  /** Why its shell is gone ("The SSH connection dropped. Scrollback is kept."), or null. */
  banner: string | null;
  /** Whether its find box is open. */
  finding: boolean;
}

interface TerminalsState {
  tabs: TerminalTabInfo[];
  active: number | null;
  open(target: SessionTarget, title: string): void;
  activate(key: number): void;
  setFinding(key: number, finding: boolean): void;
  close(key: number): void;
}

/** The xterm and SSH shell of each tab, by tab key: outside React state, they are not data. */
const sessions = new Map<number, TerminalSession>();
let nextKey = 1;

export const sessionOf = (key: number) => sessions.get(key);

/**
 * The window's terminal tabs. They belong to the window, not to the Terminal view: leaving the
 * section keeps every shell running (the view only shows them). A tab's shell ends when the tab is
 * closed, or when the window's session ends (vault locked: see followTerminals).
 */
export const useTerminals = create<TerminalsState>((set) => {
  const patch = (key: number, change: (t: TerminalTabInfo) => Partial<TerminalTabInfo>) =>
    set((s) => ({ tabs: s.tabs.map((t) => (t.key === key ? { ...t, ...change(t) } : t)) }));
  return {
    tabs: [],
    active: null,
    open(target, title) {
      const key = nextKey++;
      sessions.set(
        key,
        new TerminalSession(target, {
          title: (next) => patch(key, (t) => ({ title: next || t.title })),
          banner: (banner) => patch(key, () => ({ banner })),
          find: () => patch(key, () => ({ finding: true })),
        }),
      );
      set((s) => ({
        tabs: [...s.tabs, { ...target, key, title, banner: null, finding: false }],
        active: key,
      }));
    },
    activate(key) {
      set({ active: key });
    },
    setFinding(key, finding) {
      patch(key, () => ({ finding }));
    },
    close(key) {
      sessions.get(key)?.dispose();
      sessions.delete(key);
      set((s) => {
        const tabs = s.tabs.filter((t) => t.key !== key);
        return { tabs, active: s.active === key ? (tabs[0]?.key ?? null) : s.active };
      });
    },
  };
});

/**
 * Routes terminal events while the window's session lasts; the returned function ends it: every
 * shell closed, every xterm freed, no tab left (main has already closed the shells on a lock).
 */
export function followTerminals(): () => void {
  const stopRouting = routeTerminalEvents();
  return () => {
    stopRouting();
    for (const session of sessions.values()) session.dispose();
    sessions.clear();
    useTerminals.setState({ tabs: [], active: null });
  };
}
