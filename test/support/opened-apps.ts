import { createHostdeck } from '../../src-main/core/hostdeck';
import type { Hostdeck } from '../../src-main/core/hostdeck';

/** Hostdecks a test opens on data directories of its own; closeAll() closes every one still open. */
export function openedApps() {
  const opened: Hostdeck[] = [];
  return {
    open(dataDir: string): Hostdeck {
      const hostdeck = createHostdeck({ dataDir, version: 'test' });
      opened.push(hostdeck);
      return hostdeck;
    },
    async closeAll(): Promise<void> {
      for (const hostdeck of opened.splice(0)) await hostdeck.close();
    },
  };
}
