/**
 * Which section the window shows, and what to open in it when something outside the view asks (a
 * notification clicked: a server or a site). Each request renews `visit`, which the shell uses as
 * the view's key: the view mounts afresh and reads `target` once, as its first state.
 */
import { create } from 'zustand';

export type Target = { kind: 'server'; serverId: string } | { kind: 'site'; siteId: string } | null;

interface NavigationState {
  section: string;
  target: Target;
  visit: number;
  /** A section, from the navigation or a shortcut: its list, nothing opened. */
  go(section: string): void;
  /** A server's or a site's page, in its section. */
  open(target: Exclude<Target, null>): void;
}

export const useNavigation = create<NavigationState>((set) => ({
  // The first section (sections.ts is not imported here: its views import this store).
  section: 'servers',
  target: null,
  visit: 0,
  go: (section) =>
    set((s) => ({ section, target: null, visit: s.section === section ? s.visit : s.visit + 1 })),
  open: (target) =>
    set((s) => ({ section: target.kind === 'server' ? 'servers' : 'sites', target, visit: s.visit + 1 })),
}));

/** The server a view opened by a request should show first, if any. */
export const openedServer = (): string | null => {
  const t = useNavigation.getState().target;
  return t?.kind === 'server' ? t.serverId : null;
};

export const openedSite = (): string | null => {
  const t = useNavigation.getState().target;
  return t?.kind === 'site' ? t.siteId : null;
};
