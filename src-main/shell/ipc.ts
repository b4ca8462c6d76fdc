import { commandChannel, commandNames, eventChannel } from '@contract';
import type { EventName } from '@contract';
import type { BrowserWindow, IpcMainInvokeEvent } from 'electron';
import { ipcMain } from 'electron';
import type { Hostdeck } from '../core/hostdeck';
import { isTrustedSender } from './trust';

/**
 * One ipcMain handler per contract command, nothing else: a channel outside the contract has no
 * handler. Every call checks the sender frame before the router sees it.
 */
export function bindIpc(hostdeck: Hostdeck, getWindow: () => BrowserWindow | null): () => void {
  for (const name of commandNames) {
    ipcMain.handle(commandChannel(name), (event: IpcMainInvokeEvent, input: unknown) => {
      const frame = event.senderFrame;
      const trusted =
        isTrustedSender(frame ? { url: frame.url, isMainFrame: frame.parent === null } : null) &&
        event.sender === getWindow()?.webContents;
      if (!trusted) {
        return {
          ok: false,
          error: { code: 'FORBIDDEN', message: 'This window is not allowed to call Hostdeck.' },
        };
      }
      return hostdeck.router.dispatch(name, input, { actor: 'ui' });
    });
  }
  const stopForwarding = hostdeck.events.listen((name: EventName, payload) => {
    const win = getWindow();
    if (win && !win.isDestroyed()) win.webContents.send(eventChannel(name), payload);
  });
  return () => {
    stopForwarding();
    for (const name of commandNames) ipcMain.removeHandler(commandChannel(name));
  };
}
