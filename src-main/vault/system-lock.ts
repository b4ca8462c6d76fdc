/** What the OS tells the app (Electron's powerMonitor has this shape). */
export interface SystemEvents {
  on(event: 'lock-screen' | 'suspend', listener: () => void): unknown;
  removeListener(event: 'lock-screen' | 'suspend', listener: () => void): unknown;
}

/**
 * The vault locks when the OS screen locks or the machine suspends (a setting, on by default): a
 * laptop left asleep in a bag or at a desk must not come back with every server one click away.
 * Returns the function that stops listening.
 */
export function lockOnSystemEvents(
  system: SystemEvents,
  vault: { isUnlocked(): boolean; lock(): unknown },
  enabled: () => boolean,
): () => void {
  const onEvent = () => {
    if (enabled() && vault.isUnlocked()) vault.lock();
  };
  system.on('lock-screen', onEvent);
  system.on('suspend', onEvent);
  return () => {
    system.removeListener('lock-screen', onEvent);
    system.removeListener('suspend', onEvent);
  };
}
